"""pyproject.toml y environment.yml deben pedir los mismos paquetes, con las mismas versiones."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def _normalize(requirement: str) -> tuple[str, str]:
    """Separa 'Nombre==1.2' en ('nombre', '==1.2'), con el nombre normalizado según PEP 503."""
    match = re.fullmatch(r"\s*([A-Za-z0-9._-]+)\s*(.*?)\s*", requirement)
    assert match, f"Requisito que no se entiende: {requirement!r}"
    return re.sub(r"[-_.]+", "-", match.group(1)).lower(), match.group(2).replace(" ", "")


def pyproject_requirements() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    requirements = project["dependencies"] + project["optional-dependencies"]["dev"]
    return dict(_normalize(r) for r in requirements)


def conda_requirements() -> tuple[list[str], dict[str, str]]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    conda = [d for d in env["dependencies"] if isinstance(d, str)]
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    return conda, dict(_normalize(r) for r in pip if not r.startswith("-e"))


def test_same_packages_and_versions():
    conda, pip = conda_requirements()
    assert pip == pyproject_requirements()


def test_conda_uses_python_311_from_conda_forge():
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    conda, _ = conda_requirements()
    assert env["channels"] == ["conda-forge"]
    assert "python=3.11" in conda and "pip" in conda


def test_every_runtime_dependency_is_pinned():
    for name, spec in pyproject_requirements().items():
        assert spec.startswith("=="), f"{name} no tiene versión fija: {spec!r}"


def test_mismatch_is_detected(tmp_path, monkeypatch):
    """La comparación falla si environment.yml cambia una versión."""
    text = (ROOT / "environment.yml").read_text(encoding="utf-8").replace("tqdm==", "tqdm==0.0.")
    (tmp_path / "environment.yml").write_text(text, encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setattr(__import__(__name__), "ROOT", tmp_path)
    assert conda_requirements()[1] != pyproject_requirements()

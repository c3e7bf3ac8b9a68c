"""pyproject.toml (rangos), requirements/lock.txt (versiones exactas) y environment.yml deben concordar."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

ROOT = Path(__file__).resolve().parent.parent


def _name(text: str) -> str:
    """Nombre normalizado según PEP 503: 'PyYAML' y 'pyyaml' son el mismo paquete."""
    return re.sub(r"[-_.]+", "-", text).lower()


def pyproject_ranges(root: Path = ROOT) -> dict[str, SpecifierSet]:
    """Paquetes que pide pyproject.toml (dependencias y extra dev) con su rango."""
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    requirements = [Requirement(r) for r in project["dependencies"] + project["optional-dependencies"]["dev"]]
    return {_name(r.name): r.specifier for r in requirements}


def lock_versions(root: Path = ROOT) -> dict[str, str]:
    """Versiones exactas de requirements/lock.txt."""
    versions = {}
    for line in (root / "requirements" / "lock.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            assert version, f"Línea del lock sin versión exacta: {line!r}"
            versions[_name(name)] = version
    return versions


def conda_pip_section(root: Path = ROOT) -> tuple[list[str], dict[str, str], list[str]]:
    """Paquetes de conda, versiones exactas de la sección pip y sus opciones (-c, -e)."""
    env = yaml.safe_load((root / "environment.yml").read_text(encoding="utf-8"))
    conda = [d for d in env["dependencies"] if isinstance(d, str)]
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    options = [line for line in pip if line.startswith("-")]
    pins = {}
    for line in pip:
        if not line.startswith("-"):
            name, _, version = line.partition("==")
            assert version, f"environment.yml pide {line!r} sin versión exacta"
            pins[_name(name)] = version
    return conda, pins, options


def disagreements(root: Path = ROOT) -> list[str]:
    """Cada desacuerdo entre los tres archivos, en una frase."""
    ranges, lock = pyproject_ranges(root), lock_versions(root)
    _, conda_pins, options = conda_pip_section(root)
    problems = [f"{name} está en pyproject.toml pero no en el lock" for name in ranges if name not in lock]
    problems += [
        f"lock: {name}=={lock[name]} no cumple {spec} de pyproject.toml"
        for name, spec in ranges.items()
        if name in lock and lock[name] not in spec
    ]
    problems += [
        f"environment.yml pide {name}=={version} y el lock {lock.get(name)}"
        for name, version in conda_pins.items()
        if lock.get(name) != version
    ]
    if set(conda_pins) != set(ranges):
        problems.append(
            f"environment.yml y pyproject.toml nombran paquetes distintos: {sorted(set(conda_pins) ^ set(ranges))}"
        )
    if "-c requirements/lock.txt" not in options or "-e ." not in options:
        problems.append("environment.yml debe usar '-c requirements/lock.txt' e instalar el curso con '-e .'")
    return problems


def test_pyproject_lock_and_environment_agree():
    assert disagreements() == []


def test_pyproject_declares_ranges_not_pins():
    """pyproject.toml declara rangos: las versiones exactas viven solo en el lock."""
    for name, spec in pyproject_ranges().items():
        assert not any(s.operator == "==" for s in spec), f"{name} está fijado en pyproject.toml: {spec}"


def test_supported_pythons_are_311_to_313():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    supported = SpecifierSet(project["requires-python"])
    assert [v for v in ("3.10", "3.11", "3.12", "3.13", "3.14") if v in supported] == ["3.11", "3.12", "3.13"]


def test_conda_uses_python_from_conda_forge():
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    conda, _, _ = conda_pip_section()
    assert env["channels"] == ["conda-forge"]
    assert "python=3.11" in conda and "pip" in conda


def _copy_project(tmp_path: Path, edit_file: str, old: str, new: str) -> Path:
    for name in ("pyproject.toml", "environment.yml", "requirements/lock.txt"):
        text = (ROOT / name).read_text(encoding="utf-8")
        if name == edit_file:
            assert old in text
            text = text.replace(old, new, 1)
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(
    ("edit_file", "old", "new", "expected", "count"),
    [
        ("environment.yml", "tqdm==", "tqdm==0.0.", "environment.yml pide tqdm", 1),
        # environment.yml repite las versiones del lock: lo que cambia en el lock salta también ahí.
        ("requirements/lock.txt", "\ntorch==", "\ntorch==1.", "no cumple", 2),
        ("requirements/lock.txt", "\nnbval==", "\nnbval-que-no-existe==", "nbval está en pyproject.toml", 2),
        ("pyproject.toml", '"tqdm>=4.66,<5",', '"tqdm>=4.66,<5",\n    "rich>=13",', "rich está en pyproject", 2),
        ("environment.yml", "- -c requirements/lock.txt", "- -c otro.txt", "-c requirements/lock.txt", 1),
        ("environment.yml", "- -e .", "- -e ./otro", "instalar el curso con '-e .'", 1),
        # Cada sentido de «nombran paquetes distintos», sin que salte ninguna otra comprobación: uno que falta
        # en environment.yml, y uno de más que el lock fija a esa misma versión (attrs, una dependencia indirecta).
        ("environment.yml", "      - tqdm==4.70.1\n", "", "nombran paquetes distintos: ['tqdm']", 1),
        ("environment.yml", "- -e .", "- attrs==26.1.0\n      - -e .", "nombran paquetes distintos: ['attrs']", 1),
    ],
)
def test_each_mismatch_is_detected(tmp_path, edit_file, old, new, expected, count):
    """Cambiar una versión o un paquete en cualquiera de los tres archivos hace fallar la comparación.

    ``count``: cuántas comprobaciones saltan. Con 1, solo la que se prueba: quitarla hace fallar su caso.
    """
    problems = disagreements(_copy_project(tmp_path, edit_file, old, new))
    assert any(expected in problem for problem in problems), problems
    assert len(problems) == count, problems

"""Comprueba que las versiones de requirements/lock.txt se instalan desde ruedas binarias en cada sistema.

Para Python 3.11, 3.12 y 3.13 en Linux x86-64, macOS arm64 y Windows x86-64, resuelve los paquetes del curso
(pyproject.toml, con el extra dev) con las restricciones del lock, sin admitir código fuente
(`--only-binary :all:`), como se resolverían en ese sistema: cada marcador (`platform_system == "Linux"`…)
se evalúa para el sistema de destino, no para esta máquina. Lo hace `uv pip compile`, que solo lee los
metadatos de cada paquete y no descarga ni instala ninguna rueda (pip no sirve aquí: evalúa los marcadores
para la máquina en la que corre). Falla también si un sistema necesita un paquete que el lock no fija.
Imprime una línea por par y termina con 1 si alguno no se resuelve.

    python requirements/check_wheels.py
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements" / "lock.txt"
# 3.11.5: soupsieve, que usa JupyterLab, pide al menos esa versión de 3.11.
PYTHONS = ("3.11.5", "3.12", "3.13")
# Sistemas de destino de uv. Las ruedas de torch para macOS piden macOS 14 o posterior.
PLATFORMS = {
    "Linux x86-64": "x86_64-manylinux_2_28",
    "macOS arm64": "aarch64-apple-darwin",
    "Windows x86-64": "x86_64-pc-windows-msvc",
}
MACOS_TARGET = "14.0"
KEY_PACKAGES = ("torch", "torchvision", "numpy")


def _name(text: str) -> str:
    """Nombre normalizado según PEP 503."""
    return re.sub(r"[-_.]+", "-", text).lower()


def requirements() -> list[str]:
    """Lo que pide pyproject.toml: dependencias y extra dev."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return project["dependencies"] + project["optional-dependencies"]["dev"]


def locked() -> set[str]:
    """Nombres de los paquetes que fija el lock."""
    lines = (line.split("#", 1)[0].strip() for line in LOCK.read_text(encoding="utf-8").splitlines())
    return {_name(line.partition("==")[0]) for line in lines if line}


def resolve(uv: str, python: str, system: str) -> dict:
    """Resuelve un par Python × sistema; devuelve las versiones elegidas o el error."""
    with tempfile.TemporaryDirectory() as folder:
        wanted = Path(folder) / "requirements.in"
        wanted.write_text("\n".join(requirements()) + "\n", encoding="utf-8")
        result = subprocess.run(
            [uv, "pip", "compile", str(wanted), "-c", str(LOCK), "--python-version", python,
             "--python-platform", PLATFORMS[system], "--only-binary", ":all:", "--no-header", "--no-annotate",
             "--quiet"],
            capture_output=True, text=True, env={**os.environ, "MACOSX_DEPLOYMENT_TARGET": MACOS_TARGET},
        )
    if result.returncode != 0:
        error = " ".join(line.strip() for line in result.stderr.splitlines() if line.strip())
        return {"python": python, "system": system, "ok": False, "error": error[:400]}
    pins = dict(line.split("==", 1) for line in result.stdout.split() if "==" in line)
    unlocked = sorted(name for name in pins if _name(name) not in locked())
    versions = ", ".join(f"{name} {pins[name]}" for name in KEY_PACKAGES if name in pins)
    return {"python": python, "system": system, "ok": not unlocked, "packages": len(pins), "versions": versions,
            "error": f"el lock no fija: {', '.join(unlocked)}" if unlocked else ""}


def main() -> int:
    uv = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
    if uv is None:
        print("✗ Falta uv (viene con el extra dev: pip install -c requirements/lock.txt -e \".[dev]\").")
        return 1
    pairs = [(python, system) for python in PYTHONS for system in PLATFORMS]
    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(lambda pair: resolve(uv, *pair), pairs))
    for r in results:
        where = f"Python {r['python']:6} · {r['system']:15}"
        if r["ok"]:
            print(f"✓ {where} {r['packages']:3} paquetes, todos en ruedas binarias ({r['versions']})")
        else:
            print(f"✗ {where} {r['error']}")
    failed = sum(not r["ok"] for r in results)
    print(f"{len(results) - failed} de {len(results)} pares Python × sistema se instalan desde ruedas binarias.")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

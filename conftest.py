"""Configuración de pytest para todo el repositorio.

Los cuadernos se comparan con nbval en modo estricto, pero sin comparar stderr: ahí van avisos y
barras de progreso cuyo texto cambia en cada ejecución.

Las pruebas fijan los hilos de PyTorch (COURSE_THREADS=2, salvo que ya venga dado): sin esa variable, el
curso usa todos los núcleos de la máquina, y así las pruebas se ejecutan igual en cualquiera.
"""

import os

os.environ.setdefault("COURSE_THREADS", "2")


def pytest_collectstart(collector):
    if str(getattr(collector, "path", "")).endswith(".ipynb"):
        collector.skip_compare += ("stderr",)


# --- Comprobación de la recogida de los cuadernos ---------------------------------------------------------
#
# Si nbval no está activo (por ejemplo, con `pytest -o addopts=""`), pytest no reconoce los .ipynb y los
# salta sin decir nada: la orden «pasaría» sin haber ejecutado ni una lección. Y si nbval está activo pero
# un cuaderno aporta menos pruebas de las debidas, alguna celda se quedaría sin comprobar. Por eso, cuando se
# pide la carpeta notebooks/ (o una carpeta que la contiene, o un cuaderno de dentro), exigimos:
#   - que nbval esté activo (--nbval o --nbval-lax);
#   - que cada cuaderno pedido aporte exactamente una prueba por celda de código.
# Pedir solo pruebas unitarias (`pytest -o addopts="" tests/test_x.py`) no toca los cuadernos y no se comprueba.

from pathlib import Path  # noqa: E402

import nbformat  # noqa: E402
import pytest  # noqa: E402

NOTEBOOKS_DIR = Path(__file__).resolve().parent / "notebooks"


def _requested_notebooks(config: pytest.Config) -> list[Path] | None:
    """Los cuadernos de notebooks/ que abarcan las rutas pedidas (o testpaths); None si no se pidió ninguno."""
    requested: set[Path] = set()
    asked = False
    for arg in config.args:
        path = (Path(config.invocation_params.dir) / arg.split("::")[0]).resolve()
        if path == NOTEBOOKS_DIR or NOTEBOOKS_DIR.is_relative_to(path):
            asked = True
            requested.update(p for p in NOTEBOOKS_DIR.rglob("*.ipynb") if not _hidden(p))
        elif path.is_relative_to(NOTEBOOKS_DIR):
            asked = True
            if path.is_dir():
                requested.update(p for p in path.rglob("*.ipynb") if not _hidden(p))
            elif path.suffix == ".ipynb":
                requested.add(path)
    return sorted(requested) if asked else None


def _hidden(path: Path) -> bool:
    """Las copias de .ipynb_checkpoints y demás carpetas ocultas, que pytest no recorre."""
    return any(part.startswith(".") for part in path.relative_to(NOTEBOOKS_DIR).parts[:-1])


def _nbval_active(config: pytest.Config) -> bool:
    return bool(config.getoption("nbval", default=False) or config.getoption("nbval_lax", default=False))


def _code_cells(path: Path) -> int:
    return sum(cell.cell_type == "code" for cell in nbformat.read(path, as_version=4).cells)


@pytest.hookimpl(tryfirst=True)  # antes de que -k o -m deseleccionen nada: se cuenta todo lo recogido
def pytest_collection_modifyitems(session, config, items):
    notebooks = _requested_notebooks(config)
    if notebooks is None:
        return
    if not _nbval_active(config):
        raise pytest.UsageError(
            "Se han pedido los cuadernos de notebooks/, pero nbval no está activo, así que pytest los saltaría "
            "sin ejecutar ninguna celda. Ejecuta pytest con las opciones de pyproject.toml (sin -o addopts=…), "
            "añade --nbval, o pide solo las pruebas unitarias: pytest tests/."
        )
    collected: dict[Path, int] = {}
    for item in items:
        path = Path(item.path).resolve()
        if path.suffix == ".ipynb":
            collected[path] = collected.get(path, 0) + 1
    problems = []
    for notebook in notebooks:
        expected, found = _code_cells(notebook), collected.get(notebook, 0)
        if found != expected:
            problems.append(f"{notebook.name}: {found} pruebas recogidas, pero tiene {expected} celdas de código")
    if problems:
        raise pytest.UsageError(
            "nbval no ha recogido una prueba por cada celda de código de los cuadernos: " + "; ".join(problems) + "."
        )

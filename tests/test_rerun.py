"""Cada celda de las lecciones da el mismo resultado si se ejecuta dos veces seguidas.

Lo comprueba la propia pasada de nbval con --rerun-cells (conftest.py): cada prueba de celda la ejecuta, la
compara con la salida guardada y la vuelve a ejecutar. Aquí se comprueba que la orden de pruebas lo activa y
que de verdad detecta una celda que cambia al repetirla.
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent


def test_the_test_command_runs_every_cell_twice():
    addopts = shlex.split(
        tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]["addopts"]
    )
    assert "--rerun-cells" in addopts and "--no-rerun-cells" not in addopts, addopts
    assert "--no-rerun-cells" not in (ROOT / "Makefile").read_text()
    assert "--no-rerun-cells" in (ROOT / "tests" / "portability.py").read_text()


def _run_nbval(folder: Path, sources: list[str], *flags: str, ignored: tuple[int, ...] = ()) -> str:
    """Guarda un cuaderno ejecutado una vez (la referencia) y le pasa nbval con el conftest.py del curso.

    Devuelve la salida de pytest, con su código de salida en la última línea.
    """
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(source) for source in sources]
    for index in ignored:
        nb.cells[index].metadata["tags"] = ["nbval-ignore-output"]
    NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    nbformat.write(nb, folder / "leccion.ipynb")
    shutil.copy(ROOT / "conftest.py", folder / "conftest.py")
    command = [sys.executable, "-m", "pytest", "--nbval", *flags, "-p", "no:cacheprovider", "leccion.ipynb"]
    done = subprocess.run(command, cwd=folder, capture_output=True, text=True, timeout=300)
    return f"{done.stdout}{done.stderr}\ncódigo {done.returncode}"


def test_a_cell_with_hidden_state_is_caught(tmp_path):
    cells = ["numeros = []", "numeros.append(1)\nprint(numeros)"]
    # una sola vez (también con --no-rerun-cells detrás, como la pasada de portabilidad) coincide con lo guardado
    assert _run_nbval(tmp_path, cells, "--rerun-cells", "--no-rerun-cells").endswith("código 0")
    report = _run_nbval(tmp_path, cells, "--rerun-cells")
    assert report.endswith("código 1"), report
    assert "dos veces seguidas" in report and "[1, 1]" in report, report
    assert "1 failed, 1 passed" in report, report


def test_only_the_cell_that_changes_its_inputs_fails_even_with_times_and_ignored_output(tmp_path):
    cells = [
        "import time",
        "numeros = []\nnumeros.append(1)\nprint(numeros)",  # empieza siempre igual: pasa
        "inicio = time.perf_counter()\nprint(f'{time.perf_counter() - inicio:.6f} s')",  # solo cambia el tiempo
        "contador = 0",
        "contador += 1\nprint(contador)",  # nbval no compara su salida, pero repetirla sí la cambia
    ]
    report = _run_nbval(tmp_path, cells, "--rerun-cells", ignored=(2, 4))
    assert report.endswith("código 1") and "1 failed, 4 passed" in report, report
    assert "Cell 4" in report and "dos veces seguidas" in report, report

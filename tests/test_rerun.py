"""Cada celda de las lecciones da el mismo resultado si se ejecuta dos veces seguidas.

Lo comprueba la propia pasada de nbval con --rerun-cells (conftest.py): cada prueba de celda la ejecuta, la
compara con la salida guardada y la vuelve a ejecutar. Aquí se comprueba que la orden de pruebas lo activa y
que de verdad detecta una celda que cambia al repetirla.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from conftest import ONCE_ONLY_LIMIT, ONCE_ONLY_TAG  # noqa: E402


def test_the_test_command_runs_every_cell_twice():
    addopts = shlex.split(
        tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]["addopts"]
    )
    assert "--rerun-cells" in addopts and "--no-rerun-cells" not in addopts, addopts
    assert "--no-rerun-cells" not in (ROOT / "Makefile").read_text()
    assert "--no-rerun-cells" in (ROOT / "tests" / "portability.py").read_text()


def _lesson(folder: Path, sources: list[str], ignored: tuple[int, ...], once: tuple[int, ...] = ()) -> None:
    """Guarda en ``folder`` un cuaderno ejecutado una vez (la referencia) y el conftest.py del curso."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(source) for source in sources]
    for index in ignored:
        nb.cells[index].metadata["tags"] = ["nbval-ignore-output"]
    for index in once:
        nb.cells[index].metadata.setdefault("tags", []).append(ONCE_ONLY_TAG)
    NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    nbformat.write(nb, folder / "leccion.ipynb")
    shutil.copy(ROOT / "conftest.py", folder / "conftest.py")
    (folder / "tests").mkdir()
    shutil.copy(ROOT / "tests" / "network_guard.py", folder / "tests" / "network_guard.py")  # la importa conftest.py


def _nbval(folder: Path, *flags: str) -> str:
    """La salida de pytest con nbval sobre ese cuaderno, con su código de salida en la última línea."""
    command = [sys.executable, "-m", "pytest", "--nbval", *flags, "-p", "no:cacheprovider", "leccion.ipynb"]
    done = subprocess.run(command, cwd=folder, capture_output=True, text=True, timeout=300)
    return f"{done.stdout}{done.stderr}\ncódigo {done.returncode}"


def test_only_the_cells_that_change_their_inputs_fail_when_run_twice(tmp_path):
    cells = [
        "import time",
        "numeros = []\nnumeros.append(1)\nprint(numeros)",  # empieza siempre igual: pasa
        "inicio = time.perf_counter()\nprint(f'{time.perf_counter() - inicio:.6f} s')",  # solo cambia el tiempo
        "contador = 0",
        "contador += 1\nprint(contador)",  # nbval no compara su salida, pero repetirla la cambia
        "lista = []",
        "lista.append(1)\nprint(lista)",  # la 2.ª vez ya no coincide con la salida guardada
        "otra = []",
        "otra.append(1)\nprint(otra)",  # igual, pero con la etiqueta curso-una-vez: no se repite
    ]
    _lesson(tmp_path, cells, ignored=(2, 4), once=(8,))
    # una sola vez (con --no-rerun-cells detrás, como la pasada de portabilidad), todo coincide con lo guardado
    once = _nbval(tmp_path, "--rerun-cells", "--no-rerun-cells")
    assert once.endswith("código 0") and "9 passed" in once, once
    report = _nbval(tmp_path, "--rerun-cells")
    assert report.endswith("código 1") and "2 failed, 7 passed" in report, report
    assert "FAILED leccion.ipynb::Cell 4" in report and "FAILED leccion.ipynb::Cell 6" in report, report
    assert report.count("por segunda vez seguida") >= 2, report
    assert "--- 2.ª vez ---\n2" in report, report  # la celda 4, por la comparación de la 1.ª vez con la 2.ª
    assert "[1, 1]" in report, report  # la celda 6, por la comparación de nbval con la salida guardada


def test_few_cells_skip_the_second_run_and_they_start_from_a_fixed_state():
    """«curso-una-vez» es para las pocas celdas más caras, que fijan su semilla y no dependen de lo que cambian."""
    tagged = []
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        for index, cell in enumerate(nbformat.read(path, as_version=4).cells):
            if ONCE_ONLY_TAG in cell.metadata.get("tags", []):
                tagged.append(f"{path.name} celda {index}")
                source = cell.source.lstrip()
                # o fija la semilla al empezar, o es el estudio de transferencia, que fija la de cada prueba, o
                # entrena varias redes en un bucle que fija la semilla al empezar cada vuelta, o lanza procesos
                # nuevos con torchrun (lección 08), que no ven nada de este kernel y no entrenan nada en él
                seeded_loop = re.search(r"^for .*:\n\s+torch\.manual_seed\(", source, flags=re.MULTILINE)
                new_processes = re.search(r"\b(launch|subprocess\.run)\(", source) and not re.search(
                    r"\.(backward|step)\(", source
                )
                assert (
                    source.startswith(("torch.manual_seed(", "estudio = transfer_study("))
                    or seeded_loop
                    or new_processes
                ), (path.name, index, source[:80])
                # lo que entrena en el kernel da otras cifras cada vez; lo que sale de procesos nuevos, si no
                # imprime tiempos, se compara
                assert new_processes or "nbval-ignore-output" in cell.metadata["tags"], (path.name, index)
    assert 0 < len(tagged) <= ONCE_ONLY_LIMIT, tagged

"""Higiene de los cuadernos guardados, y prueba de que la comprobación detecta los fallos."""

from __future__ import annotations

import copy
import sys
from pathlib import Path

import nbformat
import pytest
from hygiene import check_notebook, portability_problems

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))


def test_there_are_notebooks():
    assert NOTEBOOKS, "No se encontró ningún cuaderno en notebooks/"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_clean(path):
    nb = nbformat.read(path, as_version=nbformat.NO_CONVERT)
    assert check_notebook(nb) == []


def _good_notebook() -> dict:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [
        nbformat.v4.new_markdown_cell("Texto"),
        nbformat.v4.new_code_cell("x = 1", execution_count=1),
        nbformat.v4.new_code_cell(
            "x[5]",
            execution_count=2,
            metadata={"tags": ["raises-exception"]},
            outputs=[nbformat.v4.new_output("error", ename="IndexError", evalue="", traceback=[])],
        ),
        nbformat.v4.new_code_cell(
            "print(x)",
            execution_count=3,
            outputs=[nbformat.v4.new_output("stream", name="stdout", text="1\n")],
        ),
    ]
    return nb


def test_good_fixture_is_clean():
    assert check_notebook(_good_notebook()) == []


def _break(kind: str) -> dict:
    nb = copy.deepcopy(_good_notebook())
    if kind == "nbformat":
        nb.nbformat = 3
    elif kind == "invalid":
        nb.cells[1]["cell_type"] = "inventado"
    elif kind == "kernel":
        nb.metadata["kernelspec"]["name"] = "ir"
    elif kind == "unexecuted":
        nb.cells[1]["execution_count"] = None
    elif kind == "order":
        nb.cells[1]["execution_count"], nb.cells[3]["execution_count"] = 3, 1
    elif kind == "error":
        nb.cells[2]["metadata"]["tags"] = []
    elif kind == "tag-without-error":
        nb.cells[3]["metadata"]["tags"] = ["raises-exception"]
    elif kind == "path-source":
        nb.cells[1]["source"] = "open('/home/maria/datos.csv')"
    elif kind == "path-output":
        nb.cells[3]["outputs"][0]["text"] = "Guardado en /tmp/tmpab12cd/modelo.pt\n"
    elif kind == "windows-path":
        nb.cells[3]["outputs"][0]["text"] = "C:\\Users\\maria\\curso\n"
    elif kind == "semicolon":
        nb.cells[3]["source"] = "plt.plot([1, 2]);"
    return nb


@pytest.mark.parametrize(
    ("kind", "fragment"),
    [
        ("nbformat", "nbformat 4"),
        ("invalid", "nbformat no válido"),
        ("kernel", "kernel python3"),
        ("unexecuted", "execution_count 1, pero es None"),
        ("order", "execution_count 1, pero es 3"),
        ("error", "sin la etiqueta raises-exception"),
        ("tag-without-error", "no guarda ningún error"),
        ("path-source", "/home/maria"),
        ("path-output", "/tmp/tmpab12cd"),
        ("windows-path", "ruta absoluta"),
        ("semicolon", "termina en ';'"),
    ],
)
def test_bad_fixture_is_caught(kind, fragment):
    problems = check_notebook(_break(kind))
    assert any(fragment in problem for problem in problems), problems


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs_on_windows_and_macos(path):
    nb = nbformat.read(path, as_version=nbformat.NO_CONVERT)
    assert portability_problems(nb) == []


@pytest.mark.parametrize(
    ("source", "fragment"),
    [
        ("import resource\nresource.getrusage(resource.RUSAGE_SELF)", "importa resource"),
        ("from fcntl import flock", "importa fcntl"),
        ("import os\npid = os.fork()", "usa fork"),
        ("import multiprocessing as mp\nmp.set_start_method('fork')", "'fork'"),
        ("!ls -l notebooks", "orden de shell"),
        ("%%bash\nls", "orden de shell"),
        ("archivos = !ls", "orden de shell"),
    ],
)
def test_unix_only_code_is_caught(source, fragment):
    nb = _good_notebook()
    nb.cells[1]["source"] = source
    problems = portability_problems(nb)
    assert any(fragment in problem for problem in problems), problems


def test_portable_code_passes():
    nb = _good_notebook()
    nb.cells[1]["source"] = "import os\nfrom pathlib import Path\n%matplotlib inline\nprint(os.cpu_count(), Path('a'))"
    assert portability_problems(nb) == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_first_cell_explains_a_kernel_without_the_course(path, monkeypatch):
    """En un kernel sin course_utils, la primera celda de código dice en español qué pasa y cómo arreglarlo."""
    nb = nbformat.read(path, as_version=4)
    first = next(cell for cell in nb.cells if cell.cell_type == "code")
    monkeypatch.setitem(sys.modules, "course_utils", None)  # así falla `import course_utils`, como sin el paquete
    with pytest.raises(ModuleNotFoundError) as error:
        exec(compile(first.source, path.name, "exec"), {})
    message = str(error.value)
    assert "no encuentra el paquete del curso" in message and "%pip install -e .." in message
    assert error.value.__suppress_context__, "el error original en inglés no debe aparecer encadenado"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_stays_under_3_mb(path):
    """Las salidas guardadas (figuras, widgets) no engordan el cuaderno: menos de 3 MB cada uno."""
    assert path.stat().st_size < 3 * 2**20, f"{path.name} ocupa {path.stat().st_size / 2**20:.1f} MB"

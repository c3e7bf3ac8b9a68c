"""Cada celda de las lecciones da el mismo resultado si se ejecuta dos veces seguidas."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
# Todas las lecciones, sacadas de la carpeta: una lección nueva entra sola en la prueba.
LESSONS = sorted(path.name for path in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
ADDRESS = re.compile(r" at 0x[0-9a-f]+")
# Lo único que puede cambiar entre dos ejecuciones: el reloj (segundos, milisegundos, cocientes de tiempos,
# ritmo de la barra de progreso), con coma o con punto decimal.
TIMING = re.compile(r"\d+(?:[.,]\d+)?\s?(?:ms|s|lote/s|veces)\b|\d\d:\d\d|\?lote/s")


def _visible_text(cell: dict) -> list[str]:
    """Lo que el alumno lee de cada salida (texto, errores), sin imágenes ni identificadores de widgets.

    Los trozos de stdout y stderr se juntan: el kernel puede partir un mismo texto en varios mensajes.
    """
    streams = {"stdout": "", "stderr": ""}
    texts = []
    for output in cell.get("outputs", []):
        if output["output_type"] == "stream":
            streams[output["name"]] += output["text"]
        elif output["output_type"] == "error":
            texts.append(f"{output['ename']}: {output['evalue']}")
        else:
            texts.append(output.get("data", {}).get("text/plain", ""))
    texts = [streams["stdout"], streams["stderr"], *texts]
    return [TIMING.sub("…", ADDRESS.sub(" at 0x…", text)) for text in texts]


def rerun_mismatches(nb: dict) -> list[str]:
    """Ejecuta cada celda de código dos veces seguidas y devuelve las que cambian de resultado."""
    doubled = copy.deepcopy(nb)
    doubled.cells = []
    for cell in nb.cells:
        if cell.cell_type == "code":
            doubled.cells += [copy.deepcopy(cell), copy.deepcopy(cell)]
    for index, cell in enumerate(doubled.cells):
        cell.outputs, cell.id = [], f"celda-{index}"
    client = NotebookClient(
        doubled, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}}
    )
    client.execute()
    return [
        first.source
        for first, second in zip(doubled.cells[::2], doubled.cells[1::2], strict=True)
        if _visible_text(first) != _visible_text(second)
    ]


def test_every_lesson_is_rerun():
    assert LESSONS == sorted(path.name for path in NOTEBOOKS.glob("*.ipynb")), "algún cuaderno no sigue el patrón NN_"
    assert len(LESSONS) >= 7, LESSONS


@pytest.mark.parametrize("name", LESSONS)
def test_each_cell_twice_in_a_row(name):
    assert rerun_mismatches(nbformat.read(NOTEBOOKS / name, as_version=4)) == []


def test_a_cell_with_hidden_state_is_caught():
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [
        nbformat.v4.new_code_cell("import torch\nx = torch.zeros(2)"),
        nbformat.v4.new_code_cell("x.add_(1)\nprint(x)"),
    ]
    assert rerun_mismatches(nb) == ["x.add_(1)\nprint(x)"]

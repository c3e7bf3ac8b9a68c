"""La prosa de cada cuaderno cita los resultados que muestran sus salidas (o dice dónde se midieron)."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from prose import unsupported_figures

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_prose_quotes_what_the_outputs_show(path):
    nb = nbformat.read(path, as_version=4)
    assert unsupported_figures(nb, path.name) == []


def _notebook(markdown: str, printed: str, code: str = "print(resultado)") -> dict:
    cell = nbformat.v4.new_code_cell(code)
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=printed)]
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(markdown), cell]
    return nb


def test_a_contradiction_is_reported():
    nb = _notebook("La red pasa del 60,8 % en 55,1 s.", "exactitud en prueba: 100,0 % tras 0,9 s\n")
    assert unsupported_figures(nb) == [
        "celda 1: «60,8 %» no está en ninguna salida del cuaderno",
        "celda 1: «55,1 s» no está en ninguna salida del cuaderno",
    ]


def test_figures_in_the_outputs_in_either_style_are_accepted():
    nb = _notebook("Llega al 60,8 % en 22,2 épocas, y pasa de 50 000 imágenes.", "60.8% · 22,2 épocas\n")
    assert unsupported_figures(nb) == []


def test_settings_from_the_code_are_accepted():
    nb = _notebook("Cada versión entrena 60 segundos.", "hecho\n", code="PRESUPUESTO_S = 60")
    assert unsupported_figures(nb) == []


def test_figures_measured_elsewhere_must_say_where():
    table = "| receta | exactitud |\n|---|---|\n| curso | 60,8 % |"
    unmarked = unsupported_figures(_notebook(table, "nada\n"))
    assert unmarked == ["celda 1: «60,8 %» no está en ninguna salida del cuaderno"]
    marked = "Medido con `benchmarks/train_mlp.py` en otra máquina:\n\n" + table
    assert unsupported_figures(_notebook(marked, "nada\n")) == []

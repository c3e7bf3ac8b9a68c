"""La prosa de cada cuaderno cita los resultados que muestran sus salidas (o dice dónde se midieron)."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from prose import NOT_RESULTS, unsupported_figures

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


# Números con decimales sin unidad (0,20, 2,279, −0,04): la prosa los cita como las cifras con unidad.

MATRIZ = "fila gato:  0,03 0,01 0,07 0,44 0,06 0,18 0,10 0,05 0,03 0,03\n"


def test_a_decimal_that_no_output_shows_is_reported():
    """El error que se coló en la lección 04: la prosa dice 0,20 y la matriz impresa al lado, 0,18."""
    nb = _notebook("Uno de cada cinco gatos se toma por perro (0,20 en la fila «gato»).", MATRIZ)
    assert unsupported_figures(nb) == ["celda 1: «0,20» no está en ninguna salida del cuaderno"]
    nb = _notebook("Casi uno de cada cinco gatos se toma por perro (0,18 en la fila «gato»).", MATRIZ)
    assert unsupported_figures(nb) == []


def test_decimals_are_compared_as_numbers_with_comma_or_point():
    """0,18 vale por 0.1800 y 2.279 por 2,279; pero 0,20 no vale por 0.2, ni 2,0 por «época 2», ni 0,04 por −0.04."""
    printed = "tensor([0.1800, -0.0400])\npérdida 2,279 · 0.2 · época 2\n"
    nb = _notebook("Pasa de 0,18 a 2.279, con −0,04 y 0,2 por el camino.", printed)
    assert unsupported_figures(nb) == []
    nb = _notebook("Pasa de 0,20 a 2,0 y a 0,04.", printed)
    assert unsupported_figures(nb) == [
        "celda 1: «0,20» no está en ninguna salida del cuaderno",
        "celda 1: «2,0» no está en ninguna salida del cuaderno",
        "celda 1: «0,04» no está en ninguna salida del cuaderno",
    ]


def test_a_setting_from_the_code_is_accepted():
    """Un ajuste del código vale, escrito igual o en notación científica; con más decimales, no."""
    code = "optimizador = AdamW(parametros, lr=2e-3, weight_decay=0.5)"
    nb = _notebook("AdamW con una tasa de 0,002 y un *weight decay* de 0,5.", "hecho\n", code=code)
    assert unsupported_figures(nb) == []
    nb = _notebook("Un *weight decay* de 0,50 y una tasa de 0,003.", "hecho\n", code=code)
    assert unsupported_figures(nb) == [
        "celda 1: «0,50» no está en ninguna salida del cuaderno",
        "celda 1: «0,003» no está en ninguna salida del cuaderno",
    ]


def test_numbers_in_code_spans_latex_and_versions_are_not_results():
    """Lo que va entre comillas invertidas o en LaTeX es código o matemáticas; 2.14.1 es una versión."""
    nb = _notebook("Con `lr=0.03` y $x = 0,7$, en PyTorch 2.14.1.", "hecho\n")
    assert unsupported_figures(nb) == []
    nb = _notebook("Con lr=0.03 y x = 0,7.", "hecho\n")
    assert unsupported_figures(nb) == [
        "celda 1: «0.03» no está en ninguna salida del cuaderno",
        "celda 1: «0,7» no está en ninguna salida del cuaderno",
    ]


def test_decimals_measured_elsewhere_must_say_where():
    """Como las cifras con unidad: vale si su párrafo dice dónde se midió."""
    unmarked = _notebook("La pérdida bajó a 1,829 con el conjunto completo.", "nada\n")
    assert unsupported_figures(unmarked) == ["celda 1: «1,829» no está en ninguna salida del cuaderno"]
    marked = _notebook("Medido con `benchmarks/train_mlp.py`, la pérdida bajó a 1,829.", "nada\n")
    assert unsupported_figures(marked) == []


def test_a_decimal_derived_from_a_formula_must_be_right():
    """Tras «≈» o «=», una cuenta que da el número, redondeado a sus decimales, no es un resultado."""
    nb = _notebook("Muy cerca de ln 10 ≈ 2,303; con 10 clases, 1 − 0,1 + 0,1/10 = 0,91.", "nada\n", "x = 0.1")
    assert unsupported_figures(nb) == []
    nb = _notebook("Muy cerca de ln 10 ≈ 2,403, o de la pérdida ≈ 2,303.", "nada\n")
    assert unsupported_figures(nb) == [
        "celda 1: «2,403» no está en ninguna salida del cuaderno",
        "celda 1: «2,303» no está en ninguna salida del cuaderno",
    ]


def test_decimals_listed_as_not_results_are_accepted(monkeypatch):
    """NOT_RESULTS recoge, por cuaderno y con su motivo, los números que no son resultados."""
    nb = _notebook("OneCycleLR mueve el impulso entre 0,95 y 0,85.", "nada\n")
    assert len(unsupported_figures(nb, "prueba.ipynb")) == 2
    monkeypatch.setitem(NOT_RESULTS, "prueba.ipynb", {"0,95": "por defecto", "0,85": "por defecto"})
    assert unsupported_figures(nb, "prueba.ipynb") == []

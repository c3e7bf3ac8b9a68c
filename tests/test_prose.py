"""La prosa de cada cuaderno cita los resultados que muestran sus salidas (o dice dónde se midieron)."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from prose import NOT_RESULTS, discarded_terms, discarded_terms_in_text, unsupported_figures

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
GLOSSARY = ROOT / "notebooks" / "glosario.md"


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
    nb = _notebook("OneCycleLR mueve el momento entre 0,95 y 0,85.", "nada\n")
    assert len(unsupported_figures(nb, "prueba.ipynb")) == 2
    monkeypatch.setitem(NOT_RESULTS, "prueba.ipynb", {"0,95": "por defecto", "0,85": "por defecto"})
    assert unsupported_figures(nb, "prueba.ipynb") == []


# Un concepto, un nombre: «momento» para *momentum* y «características» para *features*, en todo el curso.

TERMS_MESSAGE = (
    "Términos que el curso no usa: escribe «momento» (la primera vez, «momento (*momentum*)») y «características», "
    "como en notebooks/glosario.md:\n"
)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebooks_use_the_course_terms(path):
    nb = nbformat.read(path, as_version=4)
    problems = discarded_terms(nb, path.name)
    assert problems == [], TERMS_MESSAGE + "\n".join(problems)


@pytest.mark.parametrize("path", [GLOSSARY, ROOT / "README.md"], ids=lambda p: p.name)
def test_glossary_and_readme_use_the_course_terms(path):
    problems = discarded_terms_in_text(path.read_text(encoding="utf-8"), path.name)
    assert problems == [], TERMS_MESSAGE + "\n".join(problems)


def test_discarded_terms_are_reported_with_the_course_term():
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("El momento y las características: así lo dice el curso."),
        nbformat.v4.new_markdown_cell("La red aprende rasgos visuales.\n\nCon Impulso, cada paso sigue al anterior."),
        nbformat.v4.new_code_cell('impulsos = []  # un rasgo por imagen\nprint("el momento sube")'),
        nbformat.v4.new_code_cell('print("impulso:", 0.9)'),
    ]
    assert discarded_terms(nb, "prueba.ipynb") == [
        "prueba.ipynb, celda 2: «rasgos»; el curso dice «características (*features*)»",
        "prueba.ipynb, celda 2: «Impulso»; el curso dice «momento (*momentum*)»",
        "prueba.ipynb, celda 3 (código): «rasgo»; el curso dice «características (*features*)»",
        "prueba.ipynb, celda 4 (código): «impulso»; el curso dice «momento (*momentum*)»",
    ]


def test_the_course_terms_and_other_words_pass():
    """Solo palabras completas: «características», «momento», «trasgo» o «impulsó» no son variantes descartadas."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("Las características del tronco y el momento (*momentum*) de SGD."),
        nbformat.v4.new_markdown_cell("Un trasgo impulsó la idea; `momentum=0.9`."),
        nbformat.v4.new_code_cell("momento = 0.9  # el momento de SGD\ncaracteristicas = tronco(x)"),
    ]
    assert discarded_terms(nb) == []
    assert discarded_terms_in_text("Momento y características.\nOtra línea.") == []
    assert discarded_terms_in_text("Bien.\nLos rasgos, mal.", "glosario.md") == [
        "glosario.md, línea 2: «rasgos»; el curso dice «características (*features*)»",
    ]


def test_the_glossary_exists_and_the_readme_links_to_it():
    assert GLOSSARY.is_file(), "falta el glosario del curso, notebooks/glosario.md"
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "](notebooks/glosario.md)" in readme, "el README debe enlazar el glosario, notebooks/glosario.md"


STUDY_ROW = r"^\s*(\d+)\s+" + r"\s+".join([r"(\d+,\d %) \(± (\d+,\d)\)"] * 3) + r"\s*$"


def _study_rows_in_lesson_07() -> list[tuple[str, ...]]:
    """Las filas de la tabla del estudio de transferencia en la salida guardada de la lección 07."""
    import re

    nb = nbformat.read(ROOT / "notebooks" / "07_entrenar_resnet18_cifar10.ipynb", as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code" and "transfer_study(" in cell.source:
            text = "".join(out.get("text", "") for out in cell.get("outputs", []) if out.get("output_type") == "stream")
            return re.findall(STUDY_ROW, text, flags=re.MULTILINE)
    raise AssertionError("la lección 07 no llama a transfer_study")


def test_the_readme_transfer_table_is_the_stored_lesson_07_study():
    """Una sola fuente: la tabla del README copia la salida guardada de la lección 07, cifra por cifra."""
    import re

    rows = _study_rows_in_lesson_07()
    assert len(rows) == 4, rows  # 5, 10, 50 y 250 imágenes por clase, en modo completo
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    cell = r"(\d+,\d %) ± (\d+,\d)"
    table = re.findall(rf"^ *\| (\d+) \| {cell} \| {cell} \| {cell} \|$", readme, flags=re.MULTILINE)
    assert table == rows

"""La prueba se mira una sola vez: ningún cuaderno ni benchmark entrena con ``fit`` evaluando en prueba.

``fit`` y ``fit_for_seconds`` evalúan al final de cada época en su tercer argumento (``val_loader``), y con esas
cifras se elige (optimizador, tasa, épocas, la mejor época). Si ahí llegara el cargador de prueba, la prueba
dejaría de ser el examen final. Esta prueba lee el código de cada celda y de cada benchmark con ``ast`` y falla
si el tercer argumento (o ``val_loader=``) de alguna llamada nombra la prueba («prueba», «test»), o si alguien
lee ``test_acc``/``test_loss`` de un historial.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
TRAINERS = {"fit", "fit_for_seconds"}
TEST_NAME = re.compile(r"prueba|test", re.IGNORECASE)


def _python(source: str) -> str:
    """El código de una celda sin las líneas de IPython (``%pip``, ``!ls``), que ``ast`` no entiende."""
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())


def problems(source: str) -> list[str]:
    """Las llamadas a fit/fit_for_seconds que evalúan en prueba y las lecturas de test_acc/test_loss."""
    found = []
    for node in ast.walk(ast.parse(_python(source))):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if name not in TRAINERS:
                continue
            given = [kw.value for kw in node.keywords if kw.arg == "val_loader"]
            given += node.args[2:3]
            for value in given:
                text = ast.unparse(value)
                if TEST_NAME.search(text):
                    found.append(f"línea {node.lineno}: {ast.unparse(node)[:120]} evalúa en «{text}»")
        elif isinstance(node, ast.Attribute) and node.attr in ("test_acc", "test_loss"):
            found.append(f"línea {node.lineno}: lee {ast.unparse(node)} (el historial solo tiene validación)")
    return found


def _sources() -> list[tuple[str, str]]:
    sources = []
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for index, cell in enumerate(nb.cells):
            if cell.cell_type == "code":
                sources.append((f"{path.name}, celda {index}", cell.source))
    for path in sorted((ROOT / "benchmarks").glob("*.py")):
        sources.append((f"benchmarks/{path.name}", path.read_text(encoding="utf-8")))
    return sources


def test_no_lesson_or_benchmark_trains_with_the_test_set_as_validation():
    calls = sum(len([n for n in ast.walk(ast.parse(_python(s))) if isinstance(n, ast.Call)]) for _, s in _sources())
    assert calls > 100, "la búsqueda debe ver el código de verdad"
    found = [f"{where}: {problem}" for where, source in _sources() for problem in problems(source)]
    assert not found, "\n".join(found)


@pytest.mark.parametrize(
    "planted",
    [
        "historia = fit(modelo, cargador, cargador_prueba, optimizador, 3)",
        "h = training.fit_for_seconds(modelo, cargador, test_loader, optimizador, 60)",
        "fit(modelo, cargador, optimizer=opt, epochs=1, val_loader=make_loader(datos_prueba, 1000))",
        "print(historia.test_acc[-1])",
    ],
)
def test_a_planted_test_evaluation_is_caught(planted):
    assert problems(planted), planted


@pytest.mark.parametrize(
    "fine",
    [
        "historia = fit(modelo, cargador, cargador_validacion, optimizador, 3)",
        "fit(modelo, cargador, None, optimizador, 1)\nprecision = evaluate(modelo, cargador_prueba)",
        "%pip install -e ..\nfit_for_seconds(modelo, cargador, val_loader, optimizador, 60)",
    ],
)
def test_validation_and_a_final_test_evaluation_are_fine(fine):
    assert problems(fine) == []

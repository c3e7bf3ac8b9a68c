"""Cifras del texto frente a las salidas: cada resultado que cita la prosa de un cuaderno sale en sus salidas.

Se revisan los porcentajes y las cifras con unidad de tiempo, de velocidad o de épocas que aparecen en las
celdas de Markdown. Una cifra vale si:

- aparece con la misma unidad (con coma o con punto decimal) en el texto de alguna salida del cuaderno;
- o, si no es un porcentaje, es un ajuste que está en el código de alguna celda (``PRESUPUESTO_S = 60``);
- o su párrafo dice dónde se midió: «medido con…», «medido en una GPU», o cita un script de `benchmarks/`
  (para una tabla, vale también el párrafo que la introduce);
- o está en la lista ``NOT_RESULTS`` de abajo, que recoge las cifras que no son resultados (con su motivo).
"""

from __future__ import annotations

import re

FIGURE = re.compile(
    r"(?<![\w.,])(\d{1,3}(?:[  ]\d{3})+|\d+)(?:[.,](\d+))?\s?"
    r"(%|ms\b|s\b|segundos\b|min\b|minutos\b|épocas\b|veces\b|GFLOP/s)"
)
PLAIN_FIGURE = re.compile(FIGURE.pattern.replace(r"(\d{1,3}(?:[  ]\d{3})+|\d+)", r"(\d+)"))
UNITS = {"segundos": "s", "minutos": "min"}
NUMBER = re.compile(r"(?<![\w])(\d{1,3}(?:[  ]\d{3})+|\d+)(?:[.,](\d+))?")
MEASURED_ELSEWHERE = re.compile(r"[Mm]edid[oa]s? (?:con|en|por)\b|[Ll]o que medimos\b|`benchmarks/")
# Cifras que la prosa cita y no son resultados del cuaderno: cuaderno → {cifra: motivo}.
NOT_RESULTS: dict[str, dict[str, str]] = {
    "04_entrenar_mlp_cifar10.ipynb": {"30 %": "la fracción de subida de OneCycleLR (pct_start por defecto)"},
}


def _normalize(whole: str, fraction: str | None) -> str:
    """'60', '8' → '60.8'; '50 000' → '50000'."""
    whole = re.sub(r"[  ]", "", whole)
    return f"{whole}.{fraction}" if fraction else whole


def _numbers(text: str) -> set[str]:
    """Todos los números de un texto, normalizados."""
    return {_normalize(whole, fraction) for whole, fraction in NUMBER.findall(text)}


def _figures(text: str) -> set[tuple[str, str]]:
    """Las cifras con unidad de un texto: {(valor normalizado, unidad)}.

    También sin agrupar las cifras de tres en tres: en «224×224 626 ms» la cifra es 626, no 224 626.
    """
    found = set()
    for pattern in (FIGURE, PLAIN_FIGURE):
        for whole, fraction, unit in pattern.findall(text):
            found.add((_normalize(whole, fraction), UNITS.get(unit, unit)))
    return found


def _output_text(cell: dict) -> str:
    """El texto visible de las salidas de una celda de código."""
    parts = []
    for output in cell.get("outputs", []):
        if output.get("output_type") == "stream":
            parts.append(output.get("text", ""))
        for kind in ("text/plain", "text/html", "text/markdown"):
            value = output.get("data", {}).get(kind)
            if value:
                parts.append(value if isinstance(value, str) else "".join(value))
    return "\n".join(parts)


def _blocks(markdown: str) -> list[tuple[str, str]]:
    """Los párrafos (y tablas) de una celda, cada uno con el párrafo anterior."""
    blocks = [block for block in re.split(r"\n\s*\n", markdown) if block.strip()]
    return [(block, blocks[i - 1] if i else "") for i, block in enumerate(blocks)]


def unsupported_figures(nb: dict, name: str = "") -> list[str]:
    """Las cifras de la prosa que no están en las salidas ni se declaran medidas en otra parte."""
    cells = nb.get("cells", [])
    outputs, code = set(), set()
    for cell in cells:
        source = cell.get("source", "")
        source = source if isinstance(source, str) else "".join(source)
        if cell.get("cell_type") == "code":
            outputs |= _figures(_output_text(cell))
            code |= _numbers(source)
    allowed = NOT_RESULTS.get(name, {})
    problems = []
    for number, cell in enumerate(cells, start=1):
        if cell.get("cell_type") != "markdown":
            continue
        source = cell.get("source", "")
        source = source if isinstance(source, str) else "".join(source)
        for block, previous in _blocks(source):
            is_table = block.lstrip().startswith("|")
            if MEASURED_ELSEWHERE.search(block) or (is_table and MEASURED_ELSEWHERE.search(previous)):
                continue
            for match in FIGURE.finditer(block):
                value = _normalize(match.group(1), match.group(2))
                unit = UNITS.get(match.group(3), match.group(3))
                quoted = re.sub(r"\s+", " ", match.group(0))
                setting = unit != "%" and value in code
                if (value, unit) in outputs or setting or quoted in allowed:
                    continue
                problems.append(f"celda {number}: «{quoted}» no está en ninguna salida del cuaderno")
    return problems

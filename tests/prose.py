"""Cifras del texto frente a las salidas: cada resultado que cita la prosa de un cuaderno sale en sus salidas.

Se revisan, en las celdas de Markdown, dos clases de cifras.

**Cifras con unidad**: porcentajes y cifras con unidad de tiempo, de velocidad o de épocas («60,8 %», «55,1 s»,
«27,6 épocas», «4,5 veces»). Una cifra así vale si:

- aparece con la misma unidad (con coma o con punto decimal) en el texto de alguna salida del cuaderno;
- o, si no es un porcentaje, es un ajuste que está en el código de alguna celda (``PRESUPUESTO_S = 60``);
- o su párrafo dice dónde se midió: «medido con…», «medido en una GPU», o cita un script de `benchmarks/`
  (para una tabla, vale también el párrafo que la introduce);
- o está en la lista ``NOT_RESULTS`` de abajo, que recoge las cifras que no son resultados (con su motivo).

**Números con decimales** sin unidad («0,20», «2,279», «0.5», «−0,04»): los que llevan coma o punto decimal y
cifras a los dos lados, con su signo si lo llevan (un «-» o un «−» pegado al número, que no siga a una letra
ni a otra cifra: en «0,1-0,5» el guion es un intervalo). Un número así vale si:

- es el mismo número que otro número con decimales del texto de alguna salida del cuaderno. Se comparan como
  números, con coma o con punto, y la prosa puede citar menos decimales de los que muestra la salida, no más:
  0,2 vale por 0.2000, pero 0,20 no vale por 0.2 (ese último cero no sale en ninguna parte). Así, un entero de
  la salida no respalda ningún decimal: «2,0» no vale porque alguna salida diga «época 2», y los enteros
  cortos salen en todas partes;
- o es un número con decimales escrito en el código de alguna celda, un ajuste como ``lr=0.01``,
  ``weight_decay=0.5`` o ``2e-3``: se comparan igual (0,002 vale por ``2e-3``; 0,10 no vale por ``0.1``, porque
  con dos decimales es una medida, no ese ajuste), y sin signo, porque en ``x - 0.5`` el menos es una resta;
- o sigue a «≈» o a «=» tras una cuenta que lo da: ``ln 10 ≈ 2,303``, ``1 − 0,1 + 0,1/10 = 0,91``. La cuenta
  es lo que hay justo antes del signo hecho de cifras, operaciones (+ − × · / ^), paréntesis, √, π, e y las
  funciones ln, log (natural), exp y sqrt, con al menos una operación o función; tiene que dar el número
  citado, redondeado a sus decimales (una cuenta mal hecha se señala);
- o su párrafo dice dónde se midió (la misma regla de arriba);
- o está en ``NOT_RESULTS`` con su motivo (la clave es el número tal como lo escribe la prosa, «0,95»).

No se miran: los números de una cifra con unidad (ya se revisan arriba, no se cuentan dos veces); los que van
entre comillas invertidas (código, ``lr=0.01``) o dentro de una fórmula de LaTeX (``$…$``, ``$$…$$``); las
direcciones de los enlaces; y las versiones con más de un punto o coma (``2.14.1``), que no son decimales. Un
valor que solo se ve dibujado en una figura (una matriz de confusión en PNG) no está en el texto de ninguna
salida: no vale; el cuaderno debe imprimir las cifras que cita.

**Un concepto, un nombre** (``discarded_terms``): cada concepto se llama igual en todas las lecciones, como en
``notebooks/glosario.md``. En el Markdown y en los comentarios y cadenas del código de cada cuaderno, y en el
glosario y el README, no pueden aparecer las variantes descartadas de ``DISCARDED_TERMS`` (palabras completas, sin
distinguir mayúsculas); cada aviso dice dónde está y qué término usa el curso.
"""

from __future__ import annotations

import ast
import io
import math
import re
import tokenize
from decimal import Decimal

FIGURE = re.compile(
    r"(?<![\w.,])(\d{1,3}(?:[  ]\d{3})+|\d+)(?:[.,](\d+))?\s?"
    r"(%|ms\b|s\b|segundos\b|min\b|minutos\b|épocas\b|veces\b|GFLOP/s)"
)
PLAIN_FIGURE = re.compile(FIGURE.pattern.replace(r"(\d{1,3}(?:[  ]\d{3})+|\d+)", r"(\d+)"))
UNITS = {"segundos": "s", "minutos": "min"}
NUMBER = re.compile(r"(?<![\w])(\d{1,3}(?:[  ]\d{3})+|\d+)(?:[.,](\d+))?")
# Un número con decimales de la prosa o de una salida: signo, parte entera (quizá agrupada de tres en tres),
# coma o punto, decimales; ni pegado a una letra ni seguido de otro punto o coma con cifras (2.14.1).
DECIMAL = re.compile(r"(?<![\w.,])([-−]?)(\d{1,3}(?:[  ]\d{3})+|\d+)[.,](\d+)(?!\w|[.,]\d)")
# Un número con decimales del código de Python: 0.01, 2e-3, 1.5e-4 (sin los enteros sueltos).
CODE_DECIMAL = re.compile(r"(?<![\w.])(?:\d+\.\d+(?:[eE][-+]?\d+)?|\d+[eE][-+]?\d+)(?![\w.])")
# Lo que no es prosa: código entre comillas invertidas, LaTeX, direcciones de enlaces.
NOT_PROSE = re.compile(r"(`+)[\s\S]+?\1|\$\$[\s\S]+?\$\$|\$(?!\s)[^$\n]+?(?<!\s)\$|\]\([^)\s]*\)|https?://\S+")
# La cuenta justo antes de «≈» o «=»: cifras, operaciones, paréntesis, √, π, e y unas pocas funciones.
FORMULA = re.compile(r"(?:\b(?:ln|log|exp|sqrt|e)\b|[\d.,\s+\-−×·*/^()√π])+[≈=]\s*$")
FUNCTIONS = {"log": math.log, "exp": math.exp, "sqrt": math.sqrt, "pi": math.pi, "e": math.e}
MEASURED_ELSEWHERE = re.compile(r"[Mm]edid[oa]s? (?:con|en|por)\b|[Ll]o que medimos\b|`benchmarks/")
# Cifras que la prosa cita y no son resultados del cuaderno: cuaderno → {cifra: motivo}.
NOT_RESULTS: dict[str, dict[str, str]] = {
    "00_preparacion.ipynb": {
        "3.11": "versión de Python: la más antigua que admite el curso (las salidas dicen 3.11.7)",
        "3.12": "versión de Python que admite el curso",
        "3.13": "versión de Python que admite el curso",
    },
    "02_red_neuronal_desde_cero.ipynb": {
        "0,99999994": "el float32 anterior a 1 (1 − 2⁻²⁴): un ejemplo de redondeo, no una salida",
        "1,00000012": "el float32 siguiente a 1 (1 + 2⁻²³): un ejemplo de redondeo, no una salida",
    },
    "04_entrenar_mlp_cifar10.ipynb": {
        "30 %": "la fracción de subida de OneCycleLR (pct_start por defecto)",
        "0,95": "el momento máximo de OneCycleLR (max_momentum por defecto)",
        "0,85": "el momento mínimo de OneCycleLR (base_momentum por defecto)",
        "0,91": "el objetivo de la clase correcta con label_smoothing=0.1 y 10 clases: 1 − 0,1 + 0,1/10",
        "0,01": "el objetivo de cada clase incorrecta con label_smoothing=0.1 y 10 clases: 0,1/10",
        "0,00004": "max_lr / 25 con max_lr = 1e-3: la tasa con que empieza OneCycleLR (div_factor=25 por defecto)",
    },
    "05_redes_convolucionales.ipynb": {
        "0,85": "el momento mínimo de OneCycleLR (base_momentum por defecto)",
        "0,95": "el momento máximo de OneCycleLR (max_momentum por defecto)",
    },
    "06_transfer_learning_resnet18.ipynb": {
        "1,28": "el tamaño de ImageNet-1k (1,28 millones de imágenes): un dato del conjunto, no un resultado",
    },
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


def _decimal(match: re.Match) -> Decimal:
    """El valor de un número con decimales de DECIMAL: '−', '0', '20' → Decimal('-0.20')."""
    sign, whole, fraction = match.groups()
    return Decimal(("-" if sign else "") + _normalize(whole, fraction))


def _places(value: Decimal) -> int:
    """Los decimales con que está escrito un número: 0.20 → 2, 2e-3 → 3, 12 → 0."""
    return max(0, -int(value.as_tuple().exponent))


def _shown(values: list[Decimal]) -> dict[Decimal, int]:
    """{número: los decimales con que más se muestra}; 0,20 y 0.2 son la misma clave."""
    shown: dict[Decimal, int] = {}
    for value in values:
        shown[value] = max(shown.get(value, 0), _places(value))
    return shown


def _decimals(text: str) -> dict[Decimal, int]:
    """Los números con decimales de un texto, como números, con los decimales que muestra cada uno."""
    return _shown([_decimal(match) for match in DECIMAL.finditer(text)])


def _code_decimals(source: str) -> dict[Decimal, int]:
    """Los números con decimales del código de una celda, sin signo (0.01, 2e-3), con sus decimales."""
    return _shown([Decimal(literal) for literal in CODE_DECIMAL.findall(source)])


def _among(value: Decimal, shown: dict[Decimal, int]) -> bool:
    """Si el número está entre los que se muestran, con al menos los decimales con que lo cita la prosa."""
    return value in shown and _places(value) <= shown[value]


def _evaluate(formula: str) -> float | None:
    """El valor de una cuenta sencilla escrita en la prosa («ln 10», «1 − 0,1 + 0,1/10»), o None si no lo es.

    Solo admite números, + − × · * / ^, paréntesis, √, π, e y ln, log, exp y sqrt; tiene que haber al menos
    una operación o función (un número solo no es una cuenta).
    """
    text = formula.strip(" \t\n,")
    while text.startswith("(") and text.count("(") > text.count(")"):
        text = text[1:].lstrip()
    text = re.sub(r"(?<=\d),(?=\d)", ".", text)
    for symbol, python in (("−", "-"), ("×", "*"), ("·", "*"), ("^", "**"), ("π", " pi "), ("√", " sqrt ")):
        text = text.replace(symbol, python)
    text = re.sub(r"\bln\b", "log", text)
    # Una función sin paréntesis se aplica al número que la sigue: «ln 10» → log(10).
    text = re.sub(r"\b(log|exp|sqrt)\s+(\d+(?:\.\d+)?|pi|e)\b", r"\1(\2)", text)
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError:
        return None
    allowed = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.Constant, ast.Call, ast.Name, ast.Load)
    allowed += (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow, ast.USub, ast.UAdd)
    nodes = list(ast.walk(tree))
    if not all(isinstance(node, allowed) for node in nodes):
        return None
    if any(isinstance(node, ast.Name) and node.id not in FUNCTIONS for node in nodes):
        return None
    if any(isinstance(node, ast.Constant) and not isinstance(node.value, int | float) for node in nodes):
        return None
    if not any(isinstance(node, ast.BinOp | ast.Call) for node in nodes):
        return None
    for node in nodes:  # en coma flotante, «10^10^10» da OverflowError en vez de calcular un entero enorme
        if isinstance(node, ast.Constant):
            node.value = float(node.value)
    try:
        return float(eval(compile(tree, "<prosa>", "eval"), {"__builtins__": {}}, FUNCTIONS))
    except (ArithmeticError, ValueError, TypeError):
        return None


def _derived(before: str, match: re.Match) -> bool:
    """Si el número sigue a «≈» o «=» tras una cuenta que, redondeada a sus decimales, lo da."""
    formula = FORMULA.search(before)
    if not formula:
        return False
    value = _evaluate(formula.group(0).rstrip().rstrip("≈="))
    if value is None:
        return False
    cited = _decimal(match)
    return abs(Decimal(repr(value)) - cited) <= Decimal(5).scaleb(-_places(cited) - 1)


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


def _mask(markdown: str) -> str:
    """El texto con lo que no es prosa (código, LaTeX, enlaces) tapado, en las mismas posiciones.

    Se tapa cada carácter que no es espacio, así que los párrafos se separan igual que en el original.
    """
    return NOT_PROSE.sub(lambda m: re.sub(r"\S", "\0", m.group(0)), markdown)


def _blocks(markdown: str) -> list[tuple[str, str]]:
    """Los párrafos (y tablas) de una celda, cada uno con el párrafo anterior."""
    blocks = [block for block in re.split(r"\n\s*\n", markdown) if block.strip()]
    return [(block, blocks[i - 1] if i else "") for i, block in enumerate(blocks)]


def unsupported_figures(nb: dict, name: str = "") -> list[str]:
    """Las cifras y los números con decimales de la prosa que no están en las salidas ni se explican."""
    cells = nb.get("cells", [])
    outputs, code = set(), set()
    output_texts, code_sources = [], []
    for cell in cells:
        source = cell.get("source", "")
        source = source if isinstance(source, str) else "".join(source)
        if cell.get("cell_type") == "code":
            output_texts.append(_output_text(cell))
            outputs |= _figures(output_texts[-1])
            code |= _numbers(source)
            code_sources.append(source)
    output_decimals = _decimals("\n".join(output_texts))
    code_decimals = _code_decimals("\n".join(code_sources))
    allowed = NOT_RESULTS.get(name, {})
    problems = []
    for number, cell in enumerate(cells, start=1):
        if cell.get("cell_type") != "markdown":
            continue
        source = cell.get("source", "")
        source = source if isinstance(source, str) else "".join(source)
        masked_blocks = [block for block, _ in _blocks(_mask(source))]
        for (block, previous), masked in zip(_blocks(source), masked_blocks, strict=True):
            is_table = block.lstrip().startswith("|")
            if MEASURED_ELSEWHERE.search(block) or (is_table and MEASURED_ELSEWHERE.search(previous)):
                continue
            found = []
            figure_spans = []
            for match in FIGURE.finditer(block):
                figure_spans.append(match.span())
                value = _normalize(match.group(1), match.group(2))
                unit = UNITS.get(match.group(3), match.group(3))
                quoted = re.sub(r"\s+", " ", match.group(0))
                setting = unit != "%" and value in code
                if (value, unit) in outputs or setting or quoted in allowed:
                    continue
                found.append((match.start(), quoted))
            for match in DECIMAL.finditer(masked):
                if any(start < match.end() and match.start() < end for start, end in figure_spans):
                    continue
                value = _decimal(match)
                quoted = re.sub(r"\s+", " ", match.group(0))
                if _among(value, output_decimals) or _among(abs(value), code_decimals) or quoted in allowed:
                    continue
                if _derived(masked[: match.start()], match):
                    continue
                found.append((match.start(), quoted))
            for _, quoted in sorted(found):
                problems.append(f"celda {number}: «{quoted}» no está en ninguna salida del cuaderno")
    return problems


# --- Un concepto, un nombre -------------------------------------------------------------------------------------

# Las variantes que el curso descartó, con el término que usa en su lugar (el de notebooks/glosario.md).
DISCARDED_TERMS: dict[str, str] = {
    "impulso": "momento (*momentum*)",
    "impulsos": "momento (*momentum*)",
    "rasgo": "características (*features*)",
    "rasgos": "características (*features*)",
}
# Palabras completas, sin distinguir mayúsculas: «Rasgos» sí, «trasgo» o «impulsó» no.
DISCARDED = re.compile(r"\b(?:" + "|".join(sorted(DISCARDED_TERMS, key=len, reverse=True)) + r")\b", re.IGNORECASE)


def _discarded_in(text: str, where: str) -> list[str]:
    """Un aviso por cada variante descartada del texto, con el término del curso."""
    return [
        f"{where}: «{match.group(0)}»; el curso dice «{DISCARDED_TERMS[match.group(0).lower()]}»"
        for match in DISCARDED.finditer(text)
    ]


def _code_prose(source: str) -> str:
    """Lo que lee el alumno en el código de una celda: sus comentarios y sus cadenas, una pieza por línea.

    Los nombres de variables y funciones no cuentan. Si la celda no se deja leer como Python (una magia de IPython
    que el tokenizador no admite), se revisa entera.
    """
    kinds = {tokenize.COMMENT, tokenize.STRING} | {getattr(tokenize, "FSTRING_MIDDLE", tokenize.STRING)}
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError):
        return source
    return "\n".join(token.string for token in tokens if token.type in kinds)


def discarded_terms(nb: dict, name: str = "") -> list[str]:
    """Las variantes descartadas en el Markdown y en los comentarios y cadenas del código de un cuaderno.

    Cada aviso dice el cuaderno, la celda (contando desde 1, como ``unsupported_figures``), la palabra y el término
    que usa el curso. Las salidas no se miran: las escribe el código, y se corrigen volviendo a ejecutarlo.
    """
    problems = []
    for number, cell in enumerate(nb.get("cells", []), start=1):
        source = cell.get("source", "")
        source = source if isinstance(source, str) else "".join(source)
        if cell.get("cell_type") == "markdown":
            problems += _discarded_in(source, f"{name}, celda {number}")
        elif cell.get("cell_type") == "code":
            problems += _discarded_in(_code_prose(source), f"{name}, celda {number} (código)")
    return problems


def discarded_terms_in_text(text: str, name: str = "") -> list[str]:
    """Las variantes descartadas en un archivo de texto (el glosario, el README), con su número de línea."""
    problems = []
    for number, line in enumerate(text.splitlines(), start=1):
        problems += _discarded_in(line, f"{name}, línea {number}")
    return problems

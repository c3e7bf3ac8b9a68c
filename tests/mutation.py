"""Pruebas de mutación con mutmut sobre data, files, models, training, widgets y los ejercicios (fuera de make test).

mutmut cambia el código de una función cada vez («mutante»: un ``<`` por ``<=``, un número por otro, una
línea que desaparece…) y ejecuta las pruebas unitarias que pasan por ella. Si alguna falla, el mutante
«muere»; si todas pasan, «sobrevive»: esa parte del código podría romperse sin que ninguna prueba lo notara.
La puntuación es la fracción de mutantes que mueren. Tarda mucho (horas para todo, en 2 núcleos): sin
argumentos mide todo; con patrones de nombres de mutantes, solo esos (y la puntuación es la de esos), por ejemplo
``python tests/mutation.py "course_utils.data.x_make_loader*"``. La configuración está en ``pyproject.toml``
(``[tool.mutmut]``) y los resultados se guardan en ``mutants/`` (fuera de git).

Uso: ``make mutacion`` o ``.venv/bin/python tests/mutation.py [PATRONES…]``.
"""

from __future__ import annotations

import fnmatch
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

MUTMUT = "mutmut==3.8.1"
ROOT = Path(__file__).resolve().parent.parent


# Los códigos de salida con que mutmut 3 anota cada mutante en mutants/**/*.meta (mutmut/stats.py).
KILLED, SURVIVED, TIMEOUT, NO_TESTS = {1, 3}, {0}, {24, -24, 36, 152, 255}, {5, 33}


def summary(patterns: list[str]) -> str:
    """La puntuación de los mutantes que casan con ``patterns`` (todos, sin patrones), leída de ``mutants/``.

    Un mutante sin ninguna prueba que pase por él cuenta como superviviente: nada lo detectaría.
    """
    codes = {}
    for meta in (ROOT / "mutants").rglob("*.meta"):
        for name, code in json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"].items():
            if not patterns or any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns):
                codes[name] = code
    killed = sum(code in KILLED for code in codes.values())
    timeouts = sum(code in TIMEOUT for code in codes.values())
    survived = sum(code in SURVIVED for code in codes.values())
    untested = sum(code in NO_TESTS for code in codes.values())
    pending = len(codes) - killed - timeouts - survived - untested
    decided = killed + timeouts + survived + untested
    if not decided:
        return f"Ningún mutante decidido entre {len(codes)} ({pending} sin ejecutar)."
    score = (killed + timeouts) / decided
    return (
        f"Puntuación de mutación: {score:.1%} de {decided} mutantes ({killed} muertos, {timeouts} por tiempo, "
        f"{survived} vivos, {untested} sin pruebas que pasen por ellos; {pending} sin ejecutar o sin decidir)"
    )


def main(patterns: list[str]) -> int:
    if importlib.util.find_spec("mutmut") is None:
        # Con las versiones del lock para lo que ya está instalado; mutmut añade sus propias dependencias.
        lock = ROOT / "requirements" / "lock.txt"
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "-c", str(lock), MUTMUT], check=True)
    mutmut = [sys.executable, "-m", "mutmut"]
    # mutmut ejecuta cada mutante en un proceso hijo (fork) de uno que ya usó PyTorch: con varios hilos, el hijo
    # se queda bloqueado y todo acaba en «timeout». Con un hilo por proceso, no.
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "COURSE_THREADS": "1"}
    subprocess.run([*mutmut, "run", "--max-children", "2", *patterns], cwd=ROOT, check=False, env=env)
    print(summary(patterns))
    print("Los supervivientes: python -m mutmut results; uno en detalle: python -m mutmut show NOMBRE")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

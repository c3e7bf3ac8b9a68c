"""Pruebas de mutación con mutmut sobre data, files, models, training, widgets y los ejercicios (fuera de make test).

mutmut cambia el código de una función cada vez («mutante»: un ``<`` por ``<=``, un número por otro, una
línea que desaparece…) y ejecuta las pruebas unitarias que pasan por ella. Si alguna falla, el mutante
«muere»; si todas pasan, «sobrevive»: esa parte del código podría romperse sin que ninguna prueba lo notara.
La puntuación es la fracción de mutantes que mueren. Tarda mucho (horas para todo, en 2 núcleos): sin
argumentos mide todo; con patrones de nombres de mutantes, solo esos, por ejemplo
``python tests/mutation.py "course_utils.data.x_make_loader*"``. La configuración está en ``pyproject.toml``
(``[tool.mutmut]``) y los resultados se guardan en ``mutants/`` (fuera de git).

Uso: ``make mutacion`` o ``.venv/bin/python tests/mutation.py [PATRONES…]``.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

MUTMUT = "mutmut==3.8.1"
ROOT = Path(__file__).resolve().parent.parent


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
    subprocess.run([*mutmut, "export-cicd-stats"], cwd=ROOT, check=True)
    stats = json.loads((ROOT / "mutants" / "mutmut-cicd-stats.json").read_text(encoding="utf-8"))
    killed, survived = stats.get("killed", 0), stats.get("survived", 0)
    timeouts = stats.get("timeout", 0)
    decided = killed + survived + timeouts
    print(json.dumps(stats))
    if decided:
        score = (killed + timeouts) / decided
        print(f"Puntuación de mutación: {score:.1%} ({killed} muertos, {timeouts} por tiempo, {survived} vivos)")
    print("Los supervivientes: python -m mutmut results; uno en detalle: python -m mutmut show NOMBRE")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

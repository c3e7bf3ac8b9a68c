"""Configuración de pytest para todo el repositorio.

Los cuadernos se comparan con nbval en modo estricto, pero sin comparar stderr: ahí van avisos y
barras de progreso cuyo texto cambia en cada ejecución.

Las pruebas fijan los hilos de PyTorch (COURSE_THREADS=2, salvo que ya venga dado): sin esa variable, el
curso usa todos los núcleos de la máquina, y así las pruebas se ejecutan igual en cualquiera.
"""

import os

os.environ.setdefault("COURSE_THREADS", "2")


def pytest_collectstart(collector):
    if str(getattr(collector, "path", "")).endswith(".ipynb"):
        collector.skip_compare += ("stderr",)

"""Configuración de pytest para todo el repositorio.

Los cuadernos se comparan con nbval en modo estricto, pero sin comparar stderr: ahí van avisos y
barras de progreso cuyo texto cambia en cada ejecución.
"""


def pytest_collectstart(collector):
    if str(getattr(collector, "path", "")).endswith(".ipynb"):
        collector.skip_compare += ("stderr",)

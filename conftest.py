"""Configuración de pytest para todo el repositorio.

Los cuadernos se comparan con nbval en modo estricto, pero sin comparar stderr: ahí van avisos y
barras de progreso cuyo texto cambia en cada ejecución.

Las pruebas deciden su propio modo, digan lo que digan las variables del shell: modo rápido (COURSE_QUICK=1)
y sin conexión (COURSE_OFFLINE=1). Solo ``--modo-completo`` pide el modo completo (y entonces cada celda se
ejecuta una vez: las que entrenan con un presupuesto de tiempo no pueden dar dos veces lo mismo). Una guardia
de red (tests/network_guard.py) hace fallar cualquier prueba que intente conectarse a otra máquina.

Las pruebas fijan los hilos de PyTorch (COURSE_THREADS=2, salvo que ya venga dado): sin esa variable, el
curso usa todos los núcleos de la máquina, y así las pruebas se ejecutan igual en cualquiera.
"""

import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "tests"))
import network_guard  # noqa: E402

sys.path.pop(0)

os.environ.setdefault("COURSE_THREADS", "2")


def pytest_collectstart(collector):
    if str(getattr(collector, "path", "")).endswith(".ipynb"):
        collector.skip_compare += ("stderr",)


# --- Comprobación de la recogida de los cuadernos ---------------------------------------------------------
#
# Si nbval no está activo (por ejemplo, con `pytest -o addopts=""`), pytest no reconoce los .ipynb y los
# salta sin decir nada: la orden «pasaría» sin haber ejecutado ni una lección. Y si nbval está activo pero
# un cuaderno aporta menos pruebas de las debidas, alguna celda se quedaría sin comprobar. Por eso, cuando se
# pide la carpeta notebooks/ (o una carpeta que la contiene, o un cuaderno de dentro), exigimos:
#   - que nbval esté activo (--nbval o --nbval-lax);
#   - que cada cuaderno pedido aporte exactamente una prueba por celda de código.
# Pedir solo pruebas unitarias (`pytest -o addopts="" tests/test_x.py`) no toca los cuadernos y no se comprueba.

from pathlib import Path  # noqa: E402

import nbformat  # noqa: E402
import pytest  # noqa: E402

NOTEBOOKS_DIR = Path(__file__).resolve().parent / "notebooks"


def _requested_notebooks(config: pytest.Config) -> list[Path] | None:
    """Los cuadernos de notebooks/ que abarcan las rutas pedidas (o testpaths); None si no se pidió ninguno."""
    requested: set[Path] = set()
    asked = False
    for arg in config.args:
        path = (Path(config.invocation_params.dir) / arg.split("::")[0]).resolve()
        if path == NOTEBOOKS_DIR or NOTEBOOKS_DIR.is_relative_to(path):
            asked = True
            requested.update(p for p in NOTEBOOKS_DIR.rglob("*.ipynb") if not _hidden(p))
        elif path.is_relative_to(NOTEBOOKS_DIR):
            asked = True
            if path.is_dir():
                requested.update(p for p in path.rglob("*.ipynb") if not _hidden(p))
            elif path.suffix == ".ipynb":
                requested.add(path)
    return sorted(requested) if asked else None


def _hidden(path: Path) -> bool:
    """Las copias de .ipynb_checkpoints y demás carpetas ocultas, que pytest no recorre."""
    return any(part.startswith(".") for part in path.relative_to(NOTEBOOKS_DIR).parts[:-1])


def _nbval_active(config: pytest.Config) -> bool:
    return bool(config.getoption("nbval", default=False) or config.getoption("nbval_lax", default=False))


def _code_cells(path: Path) -> int:
    return sum(cell.cell_type == "code" for cell in nbformat.read(path, as_version=4).cells)


@pytest.hookimpl(tryfirst=True)  # antes de que -k o -m deseleccionen nada: se cuenta todo lo recogido
def pytest_collection_modifyitems(session, config, items):
    notebooks = _requested_notebooks(config)
    if notebooks is None:
        return
    if not _nbval_active(config):
        raise pytest.UsageError(
            "Se han pedido los cuadernos de notebooks/, pero nbval no está activo, así que pytest los saltaría "
            "sin ejecutar ninguna celda. Ejecuta pytest con las opciones de pyproject.toml (sin -o addopts=…), "
            "añade --nbval, o pide solo las pruebas unitarias: pytest tests/."
        )
    collected: dict[Path, int] = {}
    for item in items:
        path = Path(item.path).resolve()
        if path.suffix == ".ipynb":
            collected[path] = collected.get(path, 0) + 1
    problems = []
    for notebook in notebooks:
        expected, found = _code_cells(notebook), collected.get(notebook, 0)
        if found != expected:
            problems.append(f"{notebook.name}: {found} pruebas recogidas, pero tiene {expected} celdas de código")
    if problems:
        raise pytest.UsageError(
            "nbval no ha recogido una prueba por cada celda de código de los cuadernos: " + "; ".join(problems) + "."
        )


# --- Cada celda, dos veces seguidas (--rerun-cells) ---------------------------------------------------------
#
# Un alumno vuelve a ejecutar una celda a menudo: debe dar lo mismo. Con --rerun-cells (está en las addopts de
# pyproject.toml, así que lo hacen `pytest` y `make test`), cada prueba de nbval ejecuta su celda, la compara con
# la salida guardada como siempre, y la vuelve a ejecutar en el mismo kernel: la segunda vez también se compara con
# la salida guardada, y además su texto visible (stdout, stderr, errores, text/plain) tiene que ser el de la
# primera, salvo los tiempos y las direcciones de memoria. Así la misma pasada de nbval sirve para las dos cosas y
# cada cuaderno se ejecuta dos veces, no tres. La pasada de portabilidad (tests/portability.py) no lo necesita:
# pasa --no-rerun-cells.
#
# Excepción: una celda con la etiqueta «curso-una-vez» se ejecuta una sola vez. Es solo para las celdas más caras
# del curso (las cuatro que entrenan una ResNet18 en la lección 07: ajuste fino, desde cero, preentrenamiento y
# estudio de transferencia, que repetidas eran la tercera parte de make test, y la MLP que memoriza durante
# 20 épocas, con sus curvas, en la lección 04, y las dos de la lección 08 que lanzan procesos con torchrun, unos
# 6 s cada vez solo en arrancar), y solo si fijan su semilla y construyen de nuevo la red que entrenan, o si todo
# lo que hacen ocurre en procesos nuevos; tests/test_rerun.py comprueba que no haya más de ONCE_ONLY_LIMIT y que
# cumplan eso.

import copy  # noqa: E402
import re  # noqa: E402

_ADDRESS = re.compile(r" at 0x[0-9a-f]+")
# Lo único que puede cambiar entre dos ejecuciones: el reloj (segundos, milisegundos, cocientes de tiempos,
# ritmo de la barra de progreso), con coma o con punto decimal.
_TIMING = re.compile(r"\d+(?:[.,]\d+)?\s?(?:ms|s|lote/s|veces)\b|\d\d:\d\d|\?lote/s")


def visible_text(outputs: list) -> list[str]:
    """Lo que el alumno lee de las salidas de una celda (texto, errores), sin imágenes ni identificadores de widgets.

    Los trozos de stdout y stderr se juntan: el kernel puede partir un mismo texto en varios mensajes.
    """
    streams = {"stdout": "", "stderr": ""}
    texts = []
    for output in outputs:
        if output["output_type"] == "stream":
            streams[output["name"]] += output["text"]
        elif output["output_type"] == "error":
            texts.append(f"{output['ename']}: {output['evalue']}")
        else:
            texts.append(output.get("data", {}).get("text/plain", ""))
    texts = [streams["stdout"], streams["stderr"], *texts]
    return [_TIMING.sub("…", _ADDRESS.sub(" at 0x…", text)) for text in texts]


def pytest_addoption(parser):
    parser.addoption(
        "--modo-completo",
        action="store_true",
        default=False,
        help="Ejecuta los cuadernos en modo completo (sin COURSE_QUICK=1) y cada celda una sola vez. Sin esta "
        "opción, las pruebas usan siempre el modo rápido, diga lo que diga COURSE_QUICK.",
    )
    group = parser.getgroup("nbval")
    group.addoption(
        "--rerun-cells",
        action="store_true",
        dest="rerun_cells",
        default=False,
        help="Con nbval, ejecuta cada celda dos veces seguidas y falla si la segunda da otro texto visible.",
    )
    group.addoption(
        "--no-rerun-cells", action="store_false", dest="rerun_cells", help="Anula --rerun-cells: una vez cada celda."
    )


def pytest_report_header(config):
    full = config.getoption("modo_completo")
    lines = [
        f"curso: modo {'completo (--modo-completo)' if full else 'rápido'} y sin conexión, fijados por las pruebas "
        "(no por COURSE_QUICK ni COURSE_OFFLINE del shell); cualquier intento de usar la red hace fallar la prueba"
    ]
    if _nbval_active(config) and config.getoption("rerun_cells"):
        lines.append("nbval: cada celda se ejecuta dos veces seguidas (--rerun-cells)")
    return lines


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    rerun = item.config.getoption("rerun_cells") and hasattr(item, "cell") and not _once_only(item.cell)
    # nbval junta en su sitio los trozos de stdout de la salida guardada al compararla: sin una copia, la segunda
    # comparación vería esos trozos repetidos.
    stored = copy.deepcopy(item.cell.outputs) if rerun else None
    result = yield  # la primera ejecución, con la comparación de nbval; si falla o se salta, no se repite
    if not rerun:
        return result
    first = visible_text(item.test_outputs)
    item.cell.outputs = stored
    try:
        item.runtest()
    except Exception as error:  # la segunda vez da un error, o una salida distinta de la guardada
        if not hasattr(error, "inner_traceback"):
            raise
        item.raise_cell_error(f"{_SECOND_RUN} ({error}). {_SECOND_RUN_HINT}", error.inner_traceback)
    second = visible_text(item.test_outputs)
    if second != first:
        changes = "\n".join(
            f"--- 1.ª vez ---\n{before}\n--- 2.ª vez ---\n{after}"
            for before, after in zip(first, second, strict=False)
            if before != after
        )
        if len(first) != len(second):
            changes += f"\n(la 1.ª vez dio {len(first) - 2} salidas además del texto; la 2.ª, {len(second) - 2})"
        item.raise_cell_error(f"{_SECOND_RUN}. {_SECOND_RUN_HINT}", changes)
    return result


ONCE_ONLY_TAG = "curso-una-vez"
ONCE_ONLY_LIMIT = 7


def _once_only(cell) -> bool:
    """¿La celda lleva la etiqueta que la libra de la segunda ejecución?"""
    return ONCE_ONLY_TAG in cell.get("metadata", {}).get("tags", [])


_SECOND_RUN = "Al ejecutarla por segunda vez seguida, la celda da otro resultado"
_SECOND_RUN_HINT = (
    "Depende de algo que ella misma cambia (una variable que modifica, la semilla, un archivo): haz que empiece "
    "siempre desde el mismo estado."
)


# --- El modo de las pruebas y la guardia de red ------------------------------------------------------------
#
# Un alumno puede tener COURSE_QUICK=0 (o nada) en su shell, y quizá sin red: las pruebas no dependen de eso.
# Se fija aquí, antes de que nbval o JupyterLab lancen ningún kernel (que heredan este entorno). La guardia se
# instala en este proceso y, con un perfil de IPython propio (IPYTHONDIR), en cada kernel; los intentos de los
# kernels llegan por el archivo de COURSE_TEST_NETWORK_LOG.

_network_log = {"path": None, "offset": 0, "folder": None}


def pytest_configure(config):
    full = config.getoption("modo_completo")
    os.environ["COURSE_QUICK"] = "0" if full else "1"
    os.environ["COURSE_OFFLINE"] = "1"
    if full:
        config.option.rerun_cells = False
    folder = tempfile.mkdtemp(prefix="curso-pruebas-")
    network_guard.write_ipython_startup(os.path.join(folder, "ipython"))
    log = os.path.join(folder, "red.log")
    open(log, "w").close()
    os.environ["IPYTHONDIR"] = os.path.join(folder, "ipython")
    os.environ[network_guard.LOG_ENV] = log
    _network_log.update(path=log, offset=0, folder=folder)
    network_guard.install()


def pytest_unconfigure(config):
    if _network_log["folder"]:
        shutil.rmtree(_network_log["folder"], ignore_errors=True)
        _network_log["folder"] = None


def _new_network_attempts() -> list[str]:
    """Los intentos de usar la red anotados desde la última vez que se miró (de este proceso y de los kernels)."""
    path = _network_log["path"]
    if not path or not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as file:
        file.seek(_network_log["offset"])
        text = file.read()
        _network_log["offset"] = file.tell()
    return [line for line in text.splitlines() if line]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    attempts = _new_network_attempts()
    if attempts:
        message = (
            f"La prueba {item.nodeid} intentó usar la red ({', '.join(dict.fromkeys(attempts))}), y las pruebas se "
            "ejecutan sin conexión: fuera de loopback, ninguna conexión sale de la máquina. Si es código del curso, "
            "que respete el modo sin conexión (COURSE_OFFLINE=1); si es la prueba, que use datos locales."
        )
        if report.failed and report.longrepr is not None:
            message = f"{report.longrepr}\n\n{message}"
        report.outcome = "failed"
        report.longrepr = message
    return report

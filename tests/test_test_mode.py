"""Las pruebas deciden su propio modo (rápido y sin conexión) y fallan si algo intenta usar la red.

Un alumno puede tener COURSE_QUICK=0 en su shell, o ninguna variable, y quizá no tiene red: `make test` debe dar lo
mismo. Aquí se comprueba con un cuaderno pequeño y una prueba pequeña, ejecutados con el conftest.py del curso en
otro pytest, que el modo lo fijan las pruebas, que un intento de conexión hace fallar la prueba que lo hizo (aunque
el código atrape el error) y que `.ci/run` sigue haciendo la pasada del recién llegado.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import nbformat
import network_guard
import pytest
from nbclient import NotebookClient

from course_utils.config import get_settings

ROOT = Path(__file__).resolve().parent.parent
# Lo que lee get_settings() del curso, sin importar PyTorch (así el kernel arranca en un momento).
MODE_CELL = "import os\nprint(os.environ['COURSE_QUICK'] == '1', os.environ['COURSE_OFFLINE'] == '1')"
NETWORK_CELL = (
    "import urllib.request\ntry:\n    urllib.request.urlopen('http://ejemplo.invalid/datos.bin', timeout=5)\n"
    "except OSError:\n    print('sin red: sigo con lo que hay')"
)
NETWORK_TEST = '''\
import urllib.request


def test_que_descarga_algo():
    try:
        urllib.request.urlopen("http://ejemplo.invalid/datos.bin", timeout=5)
    except OSError:
        pass  # el error se atrapa: aun así, la prueba debe fallar


def test_local():
    assert True
'''


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """Una carpeta con el conftest.py del curso, su guardia de red, un cuaderno ejecutado y una prueba."""
    folder = tmp_path_factory.mktemp("proyecto")
    shutil.copy(ROOT / "conftest.py", folder / "conftest.py")
    (folder / "tests").mkdir()
    shutil.copy(ROOT / "tests" / "network_guard.py", folder / "tests" / "network_guard.py")
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(source) for source in (MODE_CELL, NETWORK_CELL, "print('fin')")]
    # Este pytest ya fija el modo rápido. La celda de red la cortará la guardia: que lo anote aparte.
    log = os.environ[network_guard.LOG_ENV]
    os.environ[network_guard.LOG_ENV] = str(folder / "intentos-esperados.log")
    try:
        NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    finally:
        os.environ[network_guard.LOG_ENV] = log
    assert nb.cells[0].outputs[0]["text"] == "True True\n", "la salida guardada es la del modo de las pruebas"
    nbformat.write(nb, folder / "leccion.ipynb")
    (folder / "test_red.py").write_text(NETWORK_TEST, encoding="utf-8")
    return folder


def _pytest(folder: Path, *args: str, **env: str) -> str:
    """La salida de otro pytest en ``folder``, con su código de salida en la última línea."""
    environment = {**os.environ, **env}
    command = [sys.executable, "-m", "pytest", "--nbval", "-p", "no:cacheprovider", "-rf", *args]
    done = subprocess.run(command, cwd=folder, env=environment, capture_output=True, text=True, timeout=300)
    return f"{done.stdout}{done.stderr}\ncódigo {done.returncode}"


def test_the_shell_does_not_choose_the_mode_and_the_network_fails_the_test(project):
    report = _pytest(project, "leccion.ipynb", "test_red.py", COURSE_QUICK="0", COURSE_OFFLINE="0")
    assert report.endswith("código 1"), report
    assert "2 failed, 3 passed" in report, report
    # COURSE_QUICK=0 y COURSE_OFFLINE=0 en el shell: la celda del modo sigue viendo el modo rápido y sin conexión
    assert "PASSED leccion.ipynb::Cell 0" not in report and "FAILED leccion.ipynb::Cell 0" not in report, report
    # la celda que atrapa el error de red y la prueba que hace lo mismo fallan, y el mensaje las nombra
    for name in ("leccion.ipynb::Cell 1", "test_red.py::test_que_descarga_algo"):
        assert f"FAILED {name}" in report, report
        assert f"La prueba {name} intentó usar la red (ejemplo.invalid:80)" in report, report


def test_full_mode_is_an_explicit_option_and_the_stored_output_notices(project):
    report = _pytest(project, "leccion.ipynb", "--modo-completo", "--deselect", "leccion.ipynb::Cell 1")
    assert report.endswith("código 1") and "FAILED leccion.ipynb::Cell 0" in report, report
    assert "'True True\\n' == 'False True\\n'" in report, "modo completo, pero siempre sin conexión"
    assert "modo completo (--modo-completo)" in report, "la cabecera de pytest dice el modo"


def test_this_session_runs_quick_offline_and_guarded():
    assert os.environ["COURSE_QUICK"] == "1" and os.environ["COURSE_OFFLINE"] == "1"
    settings = get_settings()
    assert settings.quick and settings.offline
    assert network_guard.installed()
    startup = Path(os.environ["IPYTHONDIR"]) / "profile_default" / "startup" / "00-sin-red.py"
    assert "network_guard.py" in startup.read_text(encoding="utf-8"), "cada kernel instala la guardia al arrancar"


@pytest.mark.parametrize(
    ("host", "local"),
    [
        ("localhost", True),
        ("LOCALHOST.", True),
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("0.0.0.0", True),
        (None, True),
        (b"localhost", True),
        ("jupyter.localhost", True),
        ("download.pytorch.org", False),
        ("10.0.0.1", False),
        ("192.0.2.1", False),
        ("fe80::1%eth0", False),
        ("", True),
        (1234, False),
    ],
)
def test_what_the_guard_lets_through(host, local):
    assert network_guard.is_local(host) is local


def test_the_guard_refuses_names_and_addresses_like_a_machine_without_network(monkeypatch, tmp_path):
    log = tmp_path / "intentos.log"  # intentos provocados a propósito: aparte, para que no hagan fallar la prueba
    monkeypatch.setenv(network_guard.LOG_ENV, str(log))
    before = len(network_guard.attempts)
    with pytest.raises(socket.gaierror, match="sin red"):
        socket.getaddrinfo("download.pytorch.org", 443)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:  # la guardia corta antes de enviar nada
        with pytest.raises(OSError, match="Network is unreachable"):
            sock.connect(("192.0.2.1", 80))
        assert sock.connect_ex(("192.0.2.1", 80)) != 0
    assert socket.getaddrinfo("localhost", 80), "loopback sí (JupyterLab en las pruebas del navegador)"
    assert network_guard.attempts[before:] == ["download.pytorch.org:443", "192.0.2.1:80", "192.0.2.1:80"]
    assert log.read_text(encoding="utf-8").splitlines() == network_guard.attempts[before:]


# --- .ci/run hace la pasada del recién llegado ---------------------------------------------------------------

NEWCOMER_UNSET = ("COURSE_QUICK", "COURSE_OFFLINE", "COURSE_DATA")


def ci_problems(script: str) -> list[str]:
    """Lo que le falta a ``.ci/run`` para ejecutar `make test` como un recién llegado y después con datos."""
    lines = [line.split("#", 1)[0] for line in script.replace("\\\n", " ").splitlines()]
    make_test = [i for i, line in enumerate(lines) if re.search(r"\bmake test\s*(\|\||$)", line)]
    if not make_test:
        return ["no ejecuta `make test`"]
    problems = []
    first, line = make_test[0], lines[make_test[0]]
    missing = [name for name in NEWCOMER_UNSET if f"-u {name}" not in line]
    if missing:
        problems.append(f"su `make test` no quita {', '.join(missing)} (env -u …)")
    if "XDG_CACHE_HOME=" not in line:
        problems.append("su `make test` no usa una caché vacía (XDG_CACHE_HOME=…): podría encontrar datos")
    if any(re.search(r"\bexport\s+COURSE_|^\s*COURSE_\w+=", earlier) for earlier in lines[:first]):
        problems.append("fija variables COURSE_* antes de `make test`")
    rest = "\n".join(lines[first + 1:])
    if not re.search(r"-m cifar10_real", rest):
        problems.append("después no ejecuta la prueba de la copia real de CIFAR-10 (-m cifar10_real)")
    if "make portabilidad" not in rest:
        problems.append("después no ejecuta make portabilidad con los datos")
    return problems


def test_ci_runs_the_newcomer_pass_then_the_data_pass():
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert ci_problems(script) == []
    newcomer = re.search(r"^env -u COURSE_QUICK[^\n]*\\\n\s*make test \|\| status=\$\?\n", script, flags=re.M)
    assert newcomer, "la pasada del recién llegado, tal como está escrita en .ci/run"
    assert ci_problems(script.replace(newcomer.group(0), "")) == ["no ejecuta `make test`"]
    assert ci_problems(script.replace("-u COURSE_DATA ", "")) == ["su `make test` no quita COURSE_DATA (env -u …)"]
    exported = script.replace("status=0\n", "status=0\nexport COURSE_QUICK=1\n", 1)
    assert ci_problems(exported) == ["fija variables COURSE_* antes de `make test`"]
    assert ci_problems(script.replace("make portabilidad ||", "true ||")) == [
        "después no ejecuta make portabilidad con los datos"
    ]

"""Arranca JupyterLab como lo hace `make lab`, en un puerto local con token, y lo apaga siempre."""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """Un puerto libre en la interfaz de loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(url: str, process: subprocess.Popen, log, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            tail = log.read().decode("utf-8", "replace")[-2000:]
            raise RuntimeError(f"JupyterLab terminó antes de responder (código {process.returncode}):\n{tail}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.5)
    raise TimeoutError(f"JupyterLab no respondió en {timeout_s} s.")


@contextmanager
def running_lab(
    timeout_s: float = 90,
    notebooks: Path | None = None,
    env: dict[str, str] | None = None,
    unset: tuple[str, ...] = (),
    lab_args: str = "",
) -> Iterator[tuple[str, str]]:
    """Lanza `make lab` y devuelve (url_base, token); al salir mata todo su grupo de procesos.

    ``notebooks`` sirve otra carpeta en lugar de ``notebooks/`` (por ejemplo, una copia); ``env`` añade variables
    de entorno y ``unset`` quita las que nombra (por ejemplo, las COURSE_* que fijan las pruebas); ``lab_args``
    añade opciones de JupyterLab.
    """
    if shutil.which("make") is None:
        raise RuntimeError("Hace falta `make` para lanzar JupyterLab como en el README.")
    port, token = free_port(), secrets.token_hex(16)
    args = f"--no-browser --ip=127.0.0.1 --port={port} --IdentityProvider.token={token} {lab_args}".strip()
    folder = [f"NOTEBOOKS={notebooks}"] if notebooks is not None else []
    log = tempfile.TemporaryFile()  # noqa: SIM115
    process = subprocess.Popen(
        ["make", "--no-print-directory", "lab", f"LAB_ARGS={args}", *folder],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        env={
            **{name: value for name, value in os.environ.items() if name not in unset},
            "JUPYTER_NO_CONFIG": "1",
            **(env or {}),
        },
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for(f"{base}/lab?token={token}", process, log, timeout_s)
        yield base, token
    finally:
        _stop(process)
        log.close()


def _stop(process: subprocess.Popen) -> None:
    """Termina el grupo de procesos que empezó aquí (nunca por nombre)."""
    for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue

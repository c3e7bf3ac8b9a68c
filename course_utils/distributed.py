"""Lanzar con torchrun el entrenamiento distribuido de la lección 08, desde un cuaderno y en cualquier sistema."""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
from pathlib import Path

import psutil

from course_utils.validation import check_count

TRAIN_DDP = Path(__file__).parent / "scripts" / "train_ddp.py"


def torchrun_command(script_args: list[str], processes: int, script: Path = TRAIN_DDP) -> list[str]:
    """La orden de torchrun como módulo de Python (``python -m torch.distributed.run``): igual en Windows."""
    processes = check_count(processes, "processes")
    return [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        "--local-addr=127.0.0.1",  # el punto de encuentro, en este ordenador: nada sale a la red
        f"--nproc-per-node={processes}",
        str(script),
        *[str(arg) for arg in script_args],
    ]


def child_environment() -> dict[str, str]:
    """El entorno de los procesos: salida en UTF-8, los hilos los fija el script, sin libuv en Windows."""
    env = dict(os.environ, PYTHONIOENCODING="utf-8", PYTHONUTF8="1")
    env.setdefault("OMP_NUM_THREADS", "1")  # si falta, torchrun lo pone a 1 con un aviso; el script fija sus hilos
    if sys.platform == "win32":
        env["USE_LIBUV"] = "0"  # las ruedas de PyTorch para Windows no traen libuv, que torchrun pide por defecto
    return env


def _failure(output: str) -> str:
    """Las líneas que explican un fallo: el error final de cada proceso que falló, o si no, las últimas."""
    errors = [
        line
        for line in output.splitlines()
        if re.match(r"(\[rank\d+\]: )?\w*(Error|Exception): ", line) and "ChildFailedError" not in line
    ]
    return "\n".join(errors or output.strip().splitlines()[-25:])


def _stop(process: subprocess.Popen) -> None:
    """Para torchrun y todos los procesos que lanzó, que si no se quedarían esperándose unos a otros."""
    try:
        family = psutil.Process(process.pid).children(recursive=True)  # antes de parar a torchrun
    except psutil.NoSuchProcess:
        family = []
    process.kill()
    for child in family:
        with contextlib.suppress(psutil.NoSuchProcess):
            child.kill()
    psutil.wait_procs(family, timeout=30)
    try:
        process.communicate(timeout=30)  # la salida se cierra cuando ya no queda ningún proceso que escriba en ella
    except subprocess.TimeoutExpired:
        raise RuntimeError(
            "No he podido parar todos los procesos de torchrun: búscalos en el administrador de tareas (python) y "
            "ciérralos a mano."
        ) from None


def launch(script_args: list[str], processes: int = 2, timeout: float = 1800, script: Path = TRAIN_DDP) -> str:
    """Lanza torchrun, espera a que termine y devuelve lo que imprimió; si falla, lo explica en español."""
    command = torchrun_command(script_args, processes, script)
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        errors="replace",
        env=child_environment(),
    )
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _stop(process)
        raise RuntimeError(
            f"torchrun no terminó en {timeout:.0f} s: lo he parado, con todos sus procesos. Orden: {' '.join(command)}"
        ) from None
    except BaseException:  # también KeyboardInterrupt, al interrumpir el kernel: que no queden procesos sueltos
        _stop(process)
        raise
    if process.returncode != 0:
        raise RuntimeError(
            f"torchrun terminó con el código {process.returncode} (0 es que todo fue bien). Lo que falló:\n"
            + _failure(stdout + stderr)
        )
    return stdout

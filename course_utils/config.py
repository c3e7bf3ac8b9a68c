"""Ajustes del curso leídos del entorno y preparación de cada cuaderno."""

from __future__ import annotations

import math
import os
import random
import socket
from dataclasses import dataclass
from numbers import Integral
from pathlib import Path

import numpy as np
import torch

from course_utils import errors
from course_utils.validation import check_flag, check_seed

DEFAULT_SEED = 0
SOCKET_TIMEOUT_S = 30.0
_TRUE = {"1", "true", "sí", "si", "yes"}
_FALSE = {"", "0", "false", "no"}


@dataclass(frozen=True)
class Settings:
    """Modo rápido, modo sin conexión, carpeta de datos e hilos de CPU."""

    quick: bool
    offline: bool
    data_dir: Path
    threads: int


def _flag(name: str) -> bool:
    """Lee una variable de entorno booleana (1/0) y rechaza valores raros."""
    value = os.environ.get(name, "").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(f"{name} debe valer 1 o 0, pero vale {value!r}.")


def default_data_dir() -> Path:
    """Carpeta de caché por usuario, fuera del repositorio."""
    cache_home = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache_home) / "curso-pytorch"


def _cgroup_cpu_limit(path: Path = Path("/sys/fs/cgroup/cpu.max")) -> int | None:
    """Núcleos que permite el límite de CPU del contenedor (cgroup v2), o None si no hay límite."""
    try:
        quota, period = path.read_text().split()[:2]
    except (OSError, ValueError):
        return None
    if quota == "max" or not quota.isdigit() or not period.isdigit() or int(period) == 0:
        return None
    return max(1, math.ceil(int(quota) / int(period)))


def available_cores() -> int:
    """Núcleos en los que puede ejecutarse este proceso (afinidad de CPU y límite del contenedor)."""
    if hasattr(os, "sched_getaffinity"):
        cores = len(os.sched_getaffinity(0))
    else:
        cores = os.cpu_count() or 1
    limit = _cgroup_cpu_limit()
    return max(1, min(cores, limit) if limit else cores)


def get_settings() -> Settings:
    """Lee COURSE_QUICK, COURSE_OFFLINE, COURSE_DATA y COURSE_THREADS."""
    data = os.environ.get("COURSE_DATA", "").strip()
    threads_text = os.environ.get("COURSE_THREADS", "").strip() or str(available_cores())
    if not (threads_text.isascii() and threads_text.isdigit()) or int(threads_text) < 1:
        raise ValueError(f"COURSE_THREADS debe ser un entero positivo, pero vale {threads_text!r}.")
    return Settings(
        quick=_flag("COURSE_QUICK"),
        offline=_flag("COURSE_OFFLINE"),
        data_dir=Path(data).expanduser() if data else default_data_dir(),
        threads=int(threads_text),
    )


def pick_device() -> torch.device:
    """Elige CUDA, después MPS y, si no hay ninguno, la CPU."""
    if torch.cuda.is_available():
        return torch.device("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def describe_mode(settings: Settings) -> str:
    """Describe el modo en palabras: completo o rápido, con o sin conexión."""
    speed = "rápido (COURSE_QUICK=1)" if settings.quick else "completo"
    network = "sin conexión (COURSE_OFFLINE=1)" if settings.offline else "con conexión"
    return f"modo {speed}, {network}"


def setup(seed: int = DEFAULT_SEED, verbose: bool = True, explain_errors: bool = True) -> torch.device:
    """Fija semillas, hilos y formato de impresión, explica los errores en español y devuelve el dispositivo."""
    if isinstance(seed, bool) or not isinstance(seed, Integral) or seed < 0:
        raise TypeError(f"seed debe ser un entero de 0 en adelante, pero llegó {seed!r}.")
    seed = check_seed(seed)
    check_flag(verbose, "verbose")
    check_flag(explain_errors, "explain_errors")
    settings = get_settings()
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.set_num_threads(settings.threads)
    # Números subnormales (por debajo de 1,2·10⁻³⁸ en float32) a cero: la CPU los calcula mucho más despacio.
    # Con el conjunto sintético, la MLP que memoriza 2000 imágenes tardaba 8 veces más sin esto; con el CIFAR-10
    # real, casi lo mismo (benchmarks/denormals.py). Donde la CPU no lo admite, PyTorch devuelve False y sigue.
    torch.set_flush_denormal(True)
    torch.set_printoptions(precision=4, sci_mode=False, linewidth=100)
    np.set_printoptions(precision=4, suppress=True, linewidth=100)
    socket.setdefaulttimeout(SOCKET_TIMEOUT_S)
    if explain_errors:
        errors.register()  # solo dentro de IPython: fuera de él no hace nada
    else:
        errors.unregister()
    device = pick_device()
    if verbose:
        threads = f"{settings.threads} hilo{'s' if settings.threads != 1 else ''} de CPU"
        print(f"Dispositivo: {device.type} · {describe_mode(settings)} · semilla {seed} · {threads}")
    return device

"""Ajustes leídos del entorno y setup()."""

from __future__ import annotations

import os
import random
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from course_utils.config import _cgroup_cpu_limit, available_cores, get_settings, setup


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for name in ("COURSE_QUICK", "COURSE_OFFLINE", "COURSE_DATA", "COURSE_THREADS", "XDG_CACHE_HOME"):
        monkeypatch.delenv(name, raising=False)


def test_defaults(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    settings = get_settings()
    assert not settings.quick and not settings.offline
    assert settings.data_dir == tmp_path / ".cache" / "curso-pytorch"
    assert settings.threads == available_cores()


def test_default_threads_use_every_allowed_core():
    """Sin COURSE_THREADS, tantos hilos como núcleos puede usar el proceso."""
    allowed = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    limit = _cgroup_cpu_limit()
    assert available_cores() == (min(allowed, limit) if limit else allowed)


@pytest.mark.skipif(shutil.which("taskset") is None, reason="taskset no está instalado")
@pytest.mark.parametrize(("threads_env", "expected"), [(None, "1"), ("2", "2")])
def test_threads_under_taskset(threads_env, expected):
    """Con un solo núcleo permitido (taskset -c 0), setup() usa 1 hilo; COURSE_THREADS manda sobre eso."""
    env = {k: v for k, v in os.environ.items() if k != "COURSE_THREADS"}
    if threads_env:
        env["COURSE_THREADS"] = threads_env
    code = "import torch; from course_utils import setup; setup(); print(torch.get_num_threads())"
    result = subprocess.run(["taskset", "-c", "0", sys.executable, "-c", code], env=env, capture_output=True,
                            text=True, check=True)
    first, threads = result.stdout.strip().splitlines()
    assert threads == expected
    assert first.endswith(f"· {expected} hilo{'s' if expected != '1' else ''} de CPU")


@pytest.mark.parametrize(("text", "expected"), [("max 100000", None), ("150000 100000", 2), ("50000 100000", 1),
                                                ("400000 100000", 4), ("basura", None)])
def test_container_cpu_limit(tmp_path, text, expected):
    cpu_max = tmp_path / "cpu.max"
    cpu_max.write_text(text + "\n")
    assert _cgroup_cpu_limit(cpu_max) == expected
    assert _cgroup_cpu_limit(tmp_path / "no-existe") is None


def test_values_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("COURSE_QUICK", "1")
    monkeypatch.setenv("COURSE_OFFLINE", "1")
    monkeypatch.setenv("COURSE_DATA", str(tmp_path))
    monkeypatch.setenv("COURSE_THREADS", "1")
    settings = get_settings()
    assert settings.quick and settings.offline
    assert settings.data_dir == Path(tmp_path)
    assert settings.threads == 1


@pytest.mark.parametrize(("name", "value"), [("COURSE_QUICK", "quizás"), ("COURSE_THREADS", "-3")])
def test_bad_values_give_spanish_errors(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(ValueError, match=f"{name} debe"):
        get_settings()


def test_setup_seeds_and_prints(monkeypatch, capsys):
    monkeypatch.setenv("COURSE_QUICK", "1")
    monkeypatch.setenv("COURSE_THREADS", "2")
    threads = torch.get_num_threads()
    try:
        device = setup(seed=3)
        first = (random.random(), torch.rand(1).item())
        setup(seed=3)
        assert (random.random(), torch.rand(1).item()) == first
        assert torch.get_num_threads() == 2
        assert socket.getdefaulttimeout() == 30
    finally:
        torch.set_num_threads(threads)
        socket.setdefaulttimeout(None)
    line = capsys.readouterr().out.strip().splitlines()[0]
    assert line.startswith(f"Dispositivo: {device.type}") and "modo rápido" in line
    assert line.endswith("· 2 hilos de CPU")


def test_setup_flushes_subnormal_numbers_to_zero(monkeypatch):
    """Tras setup(), un float32 subnormal se vuelve cero (donde la CPU lo admite: set_flush_denormal da True)."""
    monkeypatch.setenv("COURSE_QUICK", "1")
    threads = torch.get_num_threads()
    try:
        supported = torch.set_flush_denormal(True)
        torch.set_flush_denormal(False)
        tiny = torch.tensor([1e-39], dtype=torch.float32)
        assert (tiny * 1.0).item() != 0, "sin el ajuste, 1e-39 es un subnormal distinto de cero"
        setup(verbose=False)
        assert (tiny * 1.0).item() == 0 or not supported
    finally:
        torch.set_flush_denormal(False)
        torch.set_num_threads(threads)
        socket.setdefaulttimeout(None)

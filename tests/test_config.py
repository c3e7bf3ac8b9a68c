"""Ajustes leídos del entorno y setup()."""

from __future__ import annotations

import random
import socket
from pathlib import Path

import pytest
import torch

from course_utils.config import get_settings, setup


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for name in ("COURSE_QUICK", "COURSE_OFFLINE", "COURSE_DATA", "COURSE_THREADS", "XDG_CACHE_HOME"):
        monkeypatch.delenv(name, raising=False)


def test_defaults(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    settings = get_settings()
    assert not settings.quick and not settings.offline
    assert settings.data_dir == tmp_path / ".cache" / "curso-pytorch"
    assert settings.threads == 2


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

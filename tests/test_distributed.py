"""El lanzador de torchrun de la lección 08 (course_utils.distributed), sin entrenar nada.

El entrenamiento con dos procesos y la comparación de sus pesos con los de un proceso los ejecuta nbval en la propia
lección (modo rápido, conjunto sintético): la línea «¿los mismos pesos tras 20 pasos…? True» se compara con la
guardada. Aquí, la orden, el entorno de los procesos, el punto de encuentro en loopback y los errores en español.
"""

from __future__ import annotations

import sys

import psutil
import pytest

from course_utils import distributed
from course_utils.distributed import child_environment, launch, torchrun_command

TORCHRUN_OUTPUT = """\
[rank1]: Traceback (most recent call last):
[rank1]:   File "train_ddp.py", line 124, in train
[rank1]: RuntimeError: Connection closed by peer [127.0.0.1]:53407.
[rank0]: Traceback (most recent call last):
[rank0]:   File "train_ddp.py", line 87, in load_training_data
[rank0]: ValueError: La validación debe tener entre 1 y 4999 imágenes.
E1204 15:56:12 api.py:1002] failed (exitcode: 1) local_rank: 0
torch.distributed.elastic.multiprocessing.errors.ChildFailedError:
"""


def test_the_command_is_torchrun_with_this_python_on_loopback():
    command = torchrun_command(["--lote", 256], processes=2)
    assert command[:3] == [sys.executable, "-m", "torch.distributed.run"]
    assert "--standalone" in command and "--local-addr=127.0.0.1" in command and "--nproc-per-node=2" in command
    assert command[-3:] == [str(distributed.TRAIN_DDP), "--lote", "256"]
    with pytest.raises(ValueError):
        torchrun_command([], processes=0)


def test_the_environment_of_the_processes(monkeypatch):
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    env = child_environment()
    assert env["PYTHONIOENCODING"] == "utf-8" and env["OMP_NUM_THREADS"] == "1" and "USE_LIBUV" not in env
    monkeypatch.setattr(sys, "platform", "win32")
    assert child_environment()["USE_LIBUV"] == "0", "las ruedas de PyTorch para Windows no traen libuv"
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    assert child_environment()["OMP_NUM_THREADS"] == "3", "los hilos que fija el alumno se respetan"


# Cada proceso anota en su propio archivo (dos procesos que imprimen a la vez mezclan sus líneas) cuántos son, dónde
# se encuentran y su número de proceso del sistema, y se queda esperando: la prueba lo para por tiempo.
WAIT_FOREVER = """\
import os, pathlib, sys, time
env = os.environ
pathlib.Path(sys.argv[1], "rank" + env["RANK"]).write_text(f"{env['WORLD_SIZE']} {env['MASTER_ADDR']} {os.getpid()}")
time.sleep(600)
"""


def test_the_processes_meet_on_loopback_and_a_launch_out_of_time_stops_them_all(tmp_path):
    script = tmp_path / "espera.py"
    script.write_text(WAIT_FOREVER, encoding="utf-8")
    with pytest.raises(RuntimeError, match="no terminó en 8 s: lo he parado, con todos sus procesos"):
        launch([tmp_path], processes=2, timeout=8, script=script)
    seen = {path.name: path.read_text().split() for path in tmp_path.glob("rank*")}
    assert sorted(seen) == ["rank0", "rank1"], "los dos procesos llegaron a arrancar"
    assert all(world == "2" and address == "127.0.0.1" for world, address, _ in seen.values()), seen
    pids = [int(pid) for _, _, pid in seen.values()]
    assert not [pid for pid in pids if psutil.pid_exists(pid) and psutil.Process(pid).status() != "zombie"]


def test_a_failure_is_explained_with_the_error_of_each_process():
    failure = distributed._failure(TORCHRUN_OUTPUT)
    assert failure.splitlines() == [
        "[rank1]: RuntimeError: Connection closed by peer [127.0.0.1]:53407.",
        "[rank0]: ValueError: La validación debe tener entre 1 y 4999 imágenes.",
    ]
    assert distributed._failure("una línea\notra") == "una línea\notra", "sin errores reconocibles, el final"


def test_a_failing_script_raises_a_spanish_error(tmp_path):
    script = tmp_path / "falla.py"
    script.write_text("raise ValueError('a propósito')\n", encoding="utf-8")
    with pytest.raises(RuntimeError, match=r"torchrun terminó con el código 1[\s\S]*ValueError: a propósito"):
        launch([], processes=1, timeout=120, script=script)

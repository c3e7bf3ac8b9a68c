"""Los errores de PyTorch explicados en español.

Cada error se provoca de verdad con el torch instalado: si una versión nueva cambia el mensaje, la prueba se pone
roja. Solo los que necesitan una GPU que aquí no hay se construyen con el texto exacto del código de PyTorch (y se
provocan de verdad en ``test_real_gpu_errors`` cuando hay GPU).
"""

from __future__ import annotations

import re
import socket
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
import torch
from IPython.core.getipython import get_ipython
from IPython.core.interactiveshell import InteractiveShell
from torch import nn
from traitlets.config import Config

from course_utils import errors
from course_utils.config import setup
from course_utils.models import MLP

NO_GPU = pytest.mark.skipif(torch.cuda.is_available(), reason="hay GPU: este error solo sale sin ella")


def _raised(trigger: Callable[[], object]) -> Exception:
    """Ejecuta el código y devuelve el error que salta (la prueba falla si no salta ninguno)."""
    try:
        trigger()
    except Exception as error:  # noqa: BLE001 - queremos el error, sea cual sea
        return error
    pytest.fail("se esperaba un error y no saltó ninguno")


def _inplace_leaf() -> None:
    w = torch.rand(3, requires_grad=True)
    w -= 0.1


def _inplace_view_of_leaf() -> None:
    w = torch.rand(3, requires_grad=True)
    w[0] = 1.0


def _backward_twice() -> None:
    perdida = nn.Linear(2, 2)(torch.rand(3, 2)).exp().sum()
    perdida.backward()
    perdida.backward()


def _load_whole_model() -> None:
    with tempfile.TemporaryDirectory() as folder:
        ruta = Path(folder) / "modelo.pt"
        torch.save(MLP(), ruta)
        torch.load(ruta)


REAL_ERRORS = [
    pytest.param(lambda: nn.Linear(784, 512)(torch.rand(1, 3072)),
                 ["1x3072", "784x512", "in_features=784` (28·28)", "3072 números (3·32·32)", "nn.Linear(3072, 512)"],
                 id="linear-shapes"),
    pytest.param(lambda: MLP()(torch.rand(3, 32, 32)),
                 ["falta la dimensión del lote", "3·1024 = 3072", "(3, 1024)", "imagen.unsqueeze(0)"],
                 id="mlp-missing-batch"),
    pytest.param(lambda: MLP()(torch.rand(3072)), ["dimensión 1", "falta la dimensión del lote", "unsqueeze(0)"],
                 id="flat-vector-missing-batch"),
    pytest.param(lambda: nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8))(torch.rand(3, 32, 32)),
                 ["4 dimensiones", "uno de 3", "falta la dimensión del lote", "imagen.unsqueeze(0)"],
                 id="cnn-missing-batch"),
    pytest.param(lambda: nn.Conv2d(3, 16, 3)(torch.rand(8, 32, 32, 3)),
                 ["[8, 32, 32, 3]", "tiene 32", "(N, H, W, C)", "x.permute(0, 3, 1, 2)"], id="channels-last"),
    pytest.param(lambda: nn.Conv2d(3, 16, 3)(torch.rand(8, 1, 32, 32)),
                 ["[16, 3, 3, 3]", "[8, 1, 32, 32]", "escala de grises", "repeat(1, 3, 1, 1)"], id="gray-into-color"),
    pytest.param(lambda: nn.Sequential(nn.Conv2d(3, 8, 3), nn.Conv2d(16, 32, 3))(torch.rand(2, 3, 32, 32)),
                 ["espera 16 canales", "trae 8", "nn.Conv2d(8, 32, kernel_size=3)"], id="conv-channels"),
    pytest.param(lambda: nn.Conv2d(1, 4, 3)(torch.rand(32, 32)), ["[32, 32]", "(1, 1, H, W)"], id="conv-2d-image"),
    pytest.param(lambda: torch.rand(1, 10)[7], ["elemento 7", "dimensión 0", "salida[0, 7]"], id="index-batch-of-one"),
    pytest.param(lambda: torch.rand(1, 10)[0, 12], ["índice 12", "dimensión 1", "10 elementos", "de 0 a 9"],
                 id="index-out-of-bounds"),
    pytest.param(lambda: nn.CrossEntropyLoss()(torch.rand(4, 10), torch.tensor([1.0, 2.0, 3.0, 4.0])),
                 ["Float (torch.float32)", "etiquetas.long()"], id="target-dtype"),
    pytest.param(lambda: nn.CrossEntropyLoss()(torch.rand(4, 10), torch.tensor([1, 2, 10, 4])),
                 ["vale 10", "nn.Linear(512, 11)"], id="target-out-of-range"),
    pytest.param(lambda: nn.CrossEntropyLoss()(torch.rand(4, 10), torch.tensor([1, -1, 3, 4])),
                 ["negativas (-1)"], id="target-negative"),
    pytest.param(lambda: nn.CrossEntropyLoss()(torch.rand(64, 10), torch.randint(0, 10, (32,))),
                 ["64 filas", "32 etiquetas", "2 filas", "x.flatten(1)"], id="batch-size-mismatch"),
    pytest.param(lambda: nn.Linear(3, 2)(torch.rand(1, 3, dtype=torch.float64)),
                 ["Double (torch.float64)", "Float (torch.float32)", "NumPy", "x = x.float()"], id="double-and-float"),
    pytest.param(lambda: nn.Linear(3, 2).double()(torch.rand(1, 3)), ["modelo.double()", "modelo = modelo.float()"],
                 id="double-model"),
    pytest.param(lambda: nn.Linear(3, 2)(torch.randint(0, 255, (1, 3), dtype=torch.uint8)),
                 ["Byte (torch.uint8)", "x = x.float() / 255"], id="uint8-images"),
    pytest.param(lambda: nn.Conv2d(3, 2, 3)(torch.rand(1, 3, 8, 8).half()), ["Half (torch.float16)", "(bias)"],
                 id="conv-half"),
    pytest.param(lambda: nn.Conv2d(3, 2, 3, bias=False)(torch.rand(1, 3, 8, 8, dtype=torch.float64)),
                 ["Double (torch.float64)", "x = x.float()"], id="conv-double"),
    # Sin GPU, el dispositivo «meta» da el error real de dos dispositivos distintos.
    pytest.param(lambda: torch.rand(2) + torch.rand(2, device="meta"), ["meta y cpu", ".to(device)"],
                 id="devices-meta"),
    pytest.param(lambda: torch.rand(8, 32, 32, 3).permute(0, 3, 1, 2).view(8, -1),
                 ["contiguo", "permute", "x.reshape(x.shape[0], -1)"], id="view-not-contiguous"),
    pytest.param(lambda: nn.Linear(2, 2)(torch.rand(1, 2)).numpy(), ["detach()", "salida.detach().cpu().numpy()"],
                 id="numpy-requires-grad"),
    pytest.param(_inplace_leaf, ["tensor hoja", "with torch.no_grad(): w -= lr * w.grad"], id="inplace-leaf"),
    pytest.param(_inplace_view_of_leaf, ["a través de una vista", "torch.no_grad()"], id="inplace-view-of-leaf"),
    pytest.param(_backward_twice, ["segunda vez", "perdida_total += perdida.item()"], id="backward-twice"),
    pytest.param(lambda: nn.BatchNorm1d(4).train()(torch.rand(1, 4)), ["[1, 4]", "modelo.eval()", "drop_last=True"],
                 id="batchnorm-batch-of-one"),
    pytest.param(_load_whole_model, ["weights_only=True", "course_utils.models.MLP", "clase `MLP`", "state_dict"],
                 id="weights-only"),
    # 2**62 bytes no caben en ninguna memoria ni espacio de direcciones: falla al pedirlos, sin reservar nada.
    pytest.param(lambda: torch.empty(2**62, dtype=torch.uint8), ["memoria RAM", "4,6 EB", "batch_size"],
                 id="cpu-out-of-memory"),
    pytest.param(lambda: torch.rand(4, 10) + torch.rand(3, 10), ["dimensión 0", "mide 4", "3 en el otro"],
                 id="broadcast"),
    pytest.param(lambda: torch.rand(4).item(), [".item()", "tiene 4", ".sum().item()"], id="item-of-many"),
    pytest.param(lambda: torch.rand(3).sum().backward(), ["nada que derivar", "requires_grad"], id="no-grad-fn"),
    pytest.param(lambda: nn.Linear(2, 2)(torch.rand(3, 2)).backward(), ["único número", "perdida.mean().backward()"],
                 id="backward-not-scalar"),
    pytest.param(lambda: nn.Linear(3, 2).load_state_dict(nn.Linear(4, 2).state_dict()),
                 ["`weight`", "[2, 4]", "[2, 3]"], id="state-dict-mismatch"),
    pytest.param(lambda: nn.MaxPool2d(2)(torch.rand(1, 3, 1, 1)), ["1×1", "0×0", "AdaptiveAvgPool2d"],
                 id="pool-too-small"),
    pytest.param(lambda: nn.Conv2d(3, 3, 5)(torch.rand(1, 3, 2, 2)), ["2×2", "5×5", "padding"], id="kernel-too-big"),
    pytest.param(lambda: torch.zeros(1, device="cuda"), ["GPU NVIDIA", "device = setup()"], id="cuda-without-gpu",
                 marks=NO_GPU),
]


@pytest.mark.parametrize(("trigger", "details"), REAL_ERRORS)
def test_real_error_is_explained_with_its_details(trigger, details):
    error = _raised(trigger)
    explanation = errors.explain(error)
    assert explanation is not None, f"sin explicación para {type(error).__name__}: {error}"
    text = str(explanation)
    for detail in details:
        assert detail in text, f"falta {detail!r} en:\n{text}"
    assert 3 <= len(text.splitlines()) <= 5, text


@NO_GPU
def test_torch_without_cuda(monkeypatch):
    """Un PyTorch solo para CPU no tiene _cuda_getDeviceCount: torch.cuda lanza su AssertionError real."""
    monkeypatch.delattr(torch._C, "_cuda_getDeviceCount")
    error = _raised(torch.cuda.init)
    assert isinstance(error, AssertionError)
    assert "solo para CPU" in str(errors.explain(error))


# Sin GPU no se pueden provocar: el texto es el de PyTorch 2.14.1 (aten/src/ATen/core/adaption.cpp,
# common_device_check_failure; TensorIterator.cpp; Convolution.cpp con los nombres de tipo que pone
# torch/csrc/Exceptions.cpp; c10/cuda/CUDACachingAllocator.cpp), y las mismas cadenas están en libtorch_cpu.so,
# libtorch_python.so y libc10_cuda.so de esa versión.
GPU_MESSAGES = [
    pytest.param(RuntimeError("Expected all tensors to be on the same device, but got mat1 is on cpu, different from "
                              "other tensors on cuda:0 (when checking argument in method wrapper_CUDA_addmm)"),
                 ["cpu y cuda:0", "imagenes.to(device)"], id="devices-addmm"),
    pytest.param(RuntimeError("Expected all tensors to be on the same device, but found at least two devices, cuda:0 "
                              "and cpu!"), ["cuda:0 y cpu"], id="devices-iterator"),
    pytest.param(RuntimeError("Input type (torch.cuda.FloatTensor) and weight type (torch.FloatTensor) should be the "
                              "same"), ["cuda y cpu", "imagenes.to(device)"], id="devices-conv"),
    pytest.param(torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 20.00 MiB. GPU 0 has a total capacity "
                                        "of 7.79 GiB of which 3.12 MiB is free. Of the allocated memory 7.50 GiB is "
                                        "allocated by PyTorch, and 12.00 MiB is reserved by PyTorch but unallocated."),
                 ["20,00 MiB", "batch_size", "torch.no_grad()"], id="cuda-out-of-memory"),
]


@pytest.mark.parametrize(("error", "details"), GPU_MESSAGES)
def test_gpu_messages_are_explained(error, details):
    text = str(errors.explain(error))
    for detail in details:
        assert detail in text, f"falta {detail!r} en:\n{text}"


@pytest.mark.skipif(not torch.cuda.is_available(), reason="necesita una GPU")
def test_real_gpu_errors():
    """Con GPU, los mismos errores de verdad: dispositivos distintos y memoria agotada."""
    triggers = [lambda: nn.Linear(2, 2).cuda()(torch.rand(1, 2)),
                lambda: nn.Conv2d(3, 2, 3).cuda()(torch.rand(1, 3, 8, 8)),
                lambda: torch.rand(2, device="cuda") + torch.rand(2),
                lambda: torch.empty(2**50, device="cuda")]
    for trigger in triggers:
        error = _raised(trigger)
        assert errors.explain(error) is not None, str(error)


@pytest.mark.parametrize("trigger", [
    lambda: (_ for _ in ()).throw(ValueError("hola")),
    lambda: {}["clave"],
    lambda: 1 / 0,
    lambda: torch.stack([torch.rand(3), torch.rand(4)]),  # un error de PyTorch que no está en la lista
])
def test_unrelated_errors_get_no_explanation(trigger):
    assert errors.explain(_raised(trigger)) is None


def test_plain_text_and_html():
    explanation = errors.explain(_raised(lambda: nn.Linear(784, 512)(torch.rand(1, 3072))))
    text = str(explanation)
    assert repr(explanation) == text
    lines = text.splitlines()
    assert lines[0].startswith("🔎 Qué significa: las formas no encajan")
    assert lines[1].startswith("Causa probable: ") and lines[2].startswith("Cómo arreglarlo: ")
    assert lines[3] == "    nn.Linear(3072, 512)"
    page = explanation._repr_html_()
    assert page.startswith('<div style="border-left: 4px solid') and page.endswith("</div>")
    assert "<b>Causa probable</b>" in page and "<code>in_features=784</code>" in page
    assert "<pre" in page and "<code>nn.Linear(3072, 512)</code></pre>" in page
    assert "`" not in page


def test_html_escapes_the_code():
    explanation = errors.Explanation("a < b", "`x<y>`", "c & d", "print(a < b)")
    page = explanation._repr_html_()
    assert "a &lt; b" in page and "<code>x&lt;y&gt;</code>" in page and "c &amp; d" in page
    assert "print(a &lt; b)" in page


# --- Dentro de IPython ------------------------------------------------------------------------------------------

CELL = "import torch\nsalida = torch.rand(1, 10)\nsalida[7]"


@pytest.fixture
def shell(tmp_path, monkeypatch):
    """Un IPython de verdad, sin colores y con el historial en memoria."""
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path))
    config = Config()
    config.HistoryManager.hist_file = ":memory:"
    ip = InteractiveShell.instance(config=config)
    ip.colors = "nocolor"
    yield ip
    ip.set_custom_exc((), None)
    InteractiveShell.clear_instance()


def _run(ip: InteractiveShell, cell: str, capsys) -> tuple[object, str]:
    """Ejecuta una celda y devuelve su resultado y lo que escribió."""
    result = ip.run_cell(cell)
    return result, capsys.readouterr().out


def test_shell_shows_original_traceback_then_the_box(shell, capsys):
    _, plain = _run(shell, CELL, capsys)
    assert errors.register(shell) and errors.is_registered(shell)
    result, out = _run(shell, CELL, capsys)
    assert isinstance(result.error_in_exec, IndexError)  # la celda sigue fallando
    assert "Traceback" in plain and "IndexError: index 7 is out of bounds for dimension 0 with size 1" in plain
    assert out.startswith(plain)  # el traceback, exactamente el de siempre…
    box = str(errors.explain(result.error_in_exec))
    assert out[len(plain):].strip() == box  # …y la explicación debajo
    assert "salida[0, 7]" in box


def test_shell_formats_the_box_as_html_and_text(shell):
    explanation = errors.explain(_raised(lambda: torch.rand(1, 10)[7]))
    data, _ = shell.display_formatter.format(explanation)
    assert data["text/plain"] == str(explanation)
    assert data["text/html"] == explanation._repr_html_()


@pytest.mark.parametrize("cell", ["raise ValueError('hola')", "{}['clave']", "x = (", "exec('x = (')"])
def test_shell_unknown_errors_only_show_their_traceback(shell, capsys, cell):
    _, plain = _run(shell, cell, capsys)
    errors.register(shell)
    _, out = _run(shell, cell, capsys)
    assert out == plain and "🔎" not in out


def test_failing_explainer_does_not_mask_the_error(shell, capsys, monkeypatch):
    def broken(error):
        raise RuntimeError("fallo interno al explicar")

    _, plain = _run(shell, CELL, capsys)
    errors.register(shell)
    monkeypatch.setattr(errors, "explain", broken)
    result, out = _run(shell, CELL, capsys)
    assert isinstance(result.error_in_exec, IndexError)
    assert out == plain and "fallo interno" not in out
    assert errors.is_registered(shell)  # IPython no lo ha desactivado


def test_setup_registers_and_unregisters(shell, capsys):
    threads = torch.get_num_threads()
    try:
        setup(verbose=False, explain_errors=False)
        assert not errors.is_registered(shell) and shell.custom_exceptions == ()
        setup(verbose=False)
        assert errors.is_registered(shell) and shell.custom_exceptions == (Exception,)
        assert "🔎" in _run(shell, CELL, capsys)[1]
        setup(verbose=False, explain_errors=False)
        assert not errors.is_registered(shell) and shell.custom_exceptions == ()
        assert "🔎" not in _run(shell, CELL, capsys)[1]
    finally:
        torch.set_num_threads(threads)
        socket.setdefaulttimeout(None)


def test_unregister_leaves_other_handlers_alone(shell):
    def other(self, etype, value, tb, tb_offset=None):
        return None

    shell.set_custom_exc((KeyError,), other)
    assert not errors.unregister(shell)
    assert shell.custom_exceptions == (KeyError,)


def _user_handler(self, etype, value, tb, tb_offset=None):
    print("manejador del alumno")


def test_a_handler_installed_after_ours_survives_unregister(shell, capsys):
    """setup(explain_errors=False) quita solo el manejador del curso: el que el alumno puso después, no."""
    errors.register(shell)
    shell.set_custom_exc((KeyError,), _user_handler)
    assert not errors.is_registered(shell)
    assert not errors.unregister(shell)
    assert shell.custom_exceptions == (KeyError,)
    assert "manejador del alumno" in _run(shell, "{}['clave']", capsys)[1]


def test_a_handler_installed_before_ours_comes_back_after_unregister(shell, capsys):
    shell.set_custom_exc((KeyError,), _user_handler)
    assert errors.register(shell) and errors.register(shell), "registrar dos veces no pierde el del alumno"
    assert "🔎" in _run(shell, CELL, capsys)[1]
    assert errors.unregister(shell) and not errors.is_registered(shell)
    assert shell.custom_exceptions == (KeyError,)
    assert "manejador del alumno" in _run(shell, "{}['clave']", capsys)[1]
    assert not errors.unregister(shell), "ya no queda nada del curso que quitar"


def test_outside_ipython_nothing_is_registered():
    assert get_ipython() is None
    assert not errors.register() and not errors.is_registered() and not errors.unregister()
    threads = torch.get_num_threads()
    try:
        setup(verbose=False)
    finally:
        torch.set_num_threads(threads)
        socket.setdefaulttimeout(None)
    assert get_ipython() is None


def test_no_rule_can_take_quadratic_time_on_a_huge_message():
    """Con «.+?» entre paréntesis, un mensaje de 96 KB con «Input type (» repetido tardaba 6 s en descartarse (y
    720 KB, minutos), con el kernel bloqueado. Ninguna regla usa ya un «.+?» o «.*?» sin límite: cada intento se para
    en el primer carácter que no puede ser suyo."""
    lazy = [pattern.pattern for pattern, _ in errors._RULES if re.search(r"\.[+*]\?", pattern.pattern)]
    assert lazy == []
    assert errors.explain(RuntimeError("Input type (" * 2000)) is None
    real = "Input type (torch.FloatTensor) and weight type (torch.cuda.FloatTensor) should be the same"
    assert errors.explain(RuntimeError(real)) is not None, "el mensaje real se sigue explicando"

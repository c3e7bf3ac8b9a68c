"""La MLP de course_utils es la misma red que el alumno escribe en la lección 02."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
import torch
from torch import nn

from course_utils.models import MLP

LESSON_02 = Path(__file__).resolve().parent.parent / "notebooks" / "02_red_neuronal_desde_cero.ipynb"


def _notebook_class(name: str) -> type:
    nb = nbformat.read(LESSON_02, as_version=4)
    source = next(c.source for c in nb.cells if c.cell_type == "code" and f"class {name}(nn.Module)" in c.source)
    namespace = {"torch": torch, "nn": nn}
    exec(source.split("\n\ntorch.manual_seed")[0], namespace)
    return namespace[name]


def test_notebook_mlp_and_package_mlp_have_the_same_structure():
    notebook_model, package_model = _notebook_class("MLP")(), MLP()
    assert repr(notebook_model) == repr(package_model)
    shapes = [(name, tuple(p.shape)) for name, p in notebook_model.named_parameters()]
    assert shapes == [(name, tuple(p.shape)) for name, p in package_model.named_parameters()]
    package_model.load_state_dict(notebook_model.state_dict())
    batch = torch.rand(5, 3, 32, 32)
    assert torch.equal(notebook_model(batch), package_model(batch))


def test_mlp_sizes_and_parameter_count():
    assert sum(p.numel() for p in MLP().parameters()) == 1_841_162
    small = MLP(hidden_sizes=(256, 128))
    assert [m.out_features for m in small.modules() if isinstance(m, nn.Linear)] == [256, 128, 10]
    assert small(torch.rand(2, 3, 32, 32)).shape == (2, 10)


def test_mlp_rejects_bad_sizes():
    with pytest.raises(ValueError, match="deben ser positivos"):
        MLP(hidden_sizes=(512, 0))


@pytest.mark.parametrize("num_classes", [1, 5, 10, 100])
def test_pretrained_head_for_several_class_counts(num_classes, capsys):
    from course_utils.models import load_pretrained

    model, pretrained = load_pretrained("resnet18", num_classes=num_classes, offline=True)
    assert isinstance(model.fc, nn.Linear) and (model.fc.in_features, model.fc.out_features) == (512, num_classes)
    model.eval()
    with torch.no_grad():
        assert model(torch.rand(3, 3, 32, 32)).shape == (3, num_classes)
    capsys.readouterr()


def test_freezing_leaves_only_the_head_trainable(capsys):
    from course_utils.models import count_parameters, load_pretrained

    model, _ = load_pretrained("resnet18", num_classes=10, freeze_backbone=True, offline=True)
    trainable = [name for name, p in model.named_parameters() if p.requires_grad]
    assert trainable == ["fc.weight", "fc.bias"]
    assert count_parameters(model, trainable_only=True) == 512 * 10 + 10
    assert count_parameters(model) == 11_181_642
    capsys.readouterr()


def test_offline_without_cached_weights_falls_back_and_says_so(tmp_path, monkeypatch, capsys):
    from course_utils.models import load_pretrained

    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path))
    model, pretrained = load_pretrained("resnet18", num_classes=3, offline=True)
    assert pretrained is False
    line = capsys.readouterr().out.strip()
    assert "pesos ALEATORIOS" in line and "sin COURSE_OFFLINE=1" in line and "lección 00" in line


def test_failed_download_falls_back_with_a_warning(tmp_path, monkeypatch, capsys):
    import urllib.error

    from course_utils import models as course_models

    def refuse(weights=None):
        if weights is not None:
            raise urllib.error.URLError("sin red")
        return course_models.models.resnet18(weights=None)

    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path))
    monkeypatch.setitem(course_models.PRETRAINED, "resnet18", (refuse, course_models.ResNet18_Weights))
    with pytest.warns(UserWarning, match="No se pudieron cargar los pesos de ImageNet"):
        _, pretrained = course_models.load_pretrained("resnet18", offline=False)
    assert pretrained is False and "ALEATORIOS" in capsys.readouterr().out


def test_cached_weights_are_used_offline(tmp_path, monkeypatch, capsys):
    """Con el archivo en la caché de torch hub, se carga sin red (aquí, un archivo hecho a mano)."""
    from torchvision.models import ResNet18_Weights

    from course_utils import models as course_models

    weights = ResNet18_Weights.DEFAULT
    checkpoints = tmp_path / "checkpoints"
    checkpoints.mkdir()
    calls = []

    def from_cache(weights=None):
        calls.append(weights)
        return course_models.models.resnet18(weights=None)

    (checkpoints / Path(weights.url).name).write_bytes(b"")
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path))
    monkeypatch.setitem(course_models.PRETRAINED, "resnet18", (from_cache, ResNet18_Weights))
    _, pretrained = course_models.load_pretrained("resnet18", offline=True)
    assert pretrained is True and calls == [weights]
    assert "pesos de ImageNet" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"num_classes": 0}, "num_classes debe ser un entero positivo, pero vale 0"),
        ({"num_classes": -3}, "pero vale -3"),
        ({"name": "resnet1000"}, r"Modelo desconocido 'resnet1000': los disponibles son \['resnet18'\]"),
    ],
)
def test_bad_arguments(kwargs, message):
    from course_utils.models import load_pretrained

    with pytest.raises(ValueError, match=message):
        load_pretrained(offline=True, **kwargs)


def test_residual_block_matches_torchvision_basic_block():
    """Con los mismos pesos, el bloque del curso y el BasicBlock de torchvision dan lo mismo (con y sin atajo 1×1)."""
    from torchvision.models.resnet import BasicBlock

    from course_utils.models import ResidualBlock

    for in_channels, out_channels, stride in [(16, 16, 1), (16, 32, 2)]:
        torch.manual_seed(0)
        ours = ResidualBlock(in_channels, out_channels, stride)
        downsample = None
        if stride != 1 or in_channels != out_channels:
            downsample = nn.Sequential(nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False),
                                       nn.BatchNorm2d(out_channels))
        theirs = BasicBlock(in_channels, out_channels, stride, downsample)
        renamed = {k.replace("shortcut.", "downsample."): v for k, v in ours.state_dict().items()}
        theirs.load_state_dict(renamed)
        x = torch.randn(4, in_channels, 8, 8)
        assert torch.allclose(ours.eval()(x), theirs.eval()(x), atol=1e-6)
        assert ours(x).shape == (4, out_channels, 8 // stride, 8 // stride)


def test_small_cnn_shapes_and_bad_widths():
    from course_utils.models import SmallCNN

    model = SmallCNN()
    assert model(torch.zeros(2, 3, 32, 32)).shape == (2, 10)
    assert model.stage3(model.stage2(model.stage1(model.stem(torch.zeros(1, 3, 32, 32))))).shape[-2:] == (4, 4)
    with pytest.raises(ValueError, match="widths debe ser 4 números de canales positivos"):
        SmallCNN((32, 64, 0, 128))

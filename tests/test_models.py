"""La MLP de course_utils es la misma red que el alumno escribe en la lección 02."""

from __future__ import annotations

import re
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


# --- Pesos de la caché de torch hub: se verifican (SHA-256 y weights_only=True) cada vez que se usan ---

_PLANTED_MARKER = "codigo_plantado_ejecutado.txt"


class _Hostile:
    """Un objeto que, al deserializarlo sin ``weights_only``, ejecuta código: crea un archivo marcador."""

    def __init__(self, folder: Path):
        self.marker = folder / _PLANTED_MARKER

    def __reduce__(self):
        return (exec, (f"open({str(self.marker)!r}, 'w').close()",))


@pytest.fixture
def hub(tmp_path, monkeypatch):
    """Una caché de torch hub vacía en tmp_path; devuelve la ruta donde irían los pesos de ResNet18."""
    from course_utils import models as course_models

    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path / "hub"))
    path = course_models.weights_path()
    path.parent.mkdir(parents=True)
    return path


def _trust(monkeypatch, path: Path) -> None:
    """Hace que el prefijo SHA-256 esperado sea el del archivo ``path`` (como si fuera el original)."""
    from course_utils import models as course_models
    from course_utils.files import sha256_hexdigest

    prefix = sha256_hexdigest(path)[:8]
    monkeypatch.setattr(course_models, "expected_sha256_prefix", lambda weights=None: prefix)


def _write_hostile(path: Path) -> None:
    torch.save({"fc.weight": torch.zeros(1), "trampa": _Hostile(path.parent)}, path)


def _write_garbage(path: Path) -> None:
    path.write_bytes(b"esto no es un archivo de pesos\x00\xff" * 100)


def _write_empty(path: Path) -> None:
    path.write_bytes(b"")


def _write_truncated(path: Path) -> None:
    torch.save(nn.Linear(64, 64).state_dict(), path)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


BAD_FILES = {"hostil": _write_hostile, "basura": _write_garbage, "vacío": _write_empty, "truncado": _write_truncated}


def test_the_expected_prefix_is_the_one_torchvision_puts_in_the_name():
    from torchvision.models import ResNet18_Weights

    from course_utils.models import expected_sha256_prefix, weights_path

    assert Path(ResNet18_Weights.DEFAULT.url).name == "resnet18-f37072fd.pth"
    assert expected_sha256_prefix() == "f37072fd" and weights_path().name == "resnet18-f37072fd.pth"


def test_the_hostile_file_really_runs_code_without_weights_only(tmp_path):
    """Control del test: el archivo plantado SÍ ejecuta código si se carga como hacía torchvision."""
    _write_hostile(tmp_path / "trampa.pth")
    torch.load(tmp_path / "trampa.pth", weights_only=False)
    assert (tmp_path / _PLANTED_MARKER).exists()


@pytest.mark.parametrize("matching_hash", [False, True], ids=["suma-distinta", "suma-coincidente"])
@pytest.mark.parametrize("kind", sorted(BAD_FILES))
def test_a_bad_cached_file_is_set_aside_named_and_never_run(hub, monkeypatch, kind, matching_hash):
    """Basura, vacío, truncado u hostil: se avisa en español con su nombre, se aparta sin borrarlo y no se usa.

    Con ``suma-coincidente`` el prefijo esperado es el del archivo malo: así se prueba la segunda barrera,
    ``torch.load(weights_only=True)``, que tampoco debe ejecutar el código plantado.
    """
    from course_utils.models import find_or_download_resnet18_weights

    BAD_FILES[kind](hub)
    original = hub.read_bytes()
    if matching_hash:
        _trust(monkeypatch, hub)
    with pytest.warns(UserWarning) as caught:
        assert find_or_download_resnet18_weights(offline=True) is False
    message = " ".join(str(w.message) for w in caught)
    assert str(hub) in message and f"{hub.name}.dañado" in message and "apartado" in message
    if kind == "vacío":  # la primera barrera, antes que la suma: el motivo es que está vacío
        assert "está vacío (0 bytes)" in message, message
    assert not (hub.parent / _PLANTED_MARKER).exists(), "¡se ejecutó el código plantado!"
    assert not hub.exists()
    assert (hub.parent / f"{hub.name}.dañado").read_bytes() == original


def test_a_bad_file_offline_gives_random_weights_with_the_usual_message(hub, capsys):
    from course_utils.models import load_pretrained

    _write_hostile(hub)
    with pytest.warns(UserWarning, match="apartado"):
        _, pretrained = load_pretrained("resnet18", num_classes=3, offline=True)
    assert pretrained is False and "pesos ALEATORIOS" in capsys.readouterr().out
    assert not (hub.parent / _PLANTED_MARKER).exists()


def test_a_second_bad_file_does_not_overwrite_the_first_one_set_aside(hub):
    from course_utils.models import find_or_download_resnet18_weights

    for content in (b"primero", b"segundo"):
        hub.write_bytes(content)
        with pytest.warns(UserWarning, match="apartado"):
            assert find_or_download_resnet18_weights(offline=True) is False
    kept = sorted(p.read_bytes() for p in hub.parent.iterdir())
    assert kept == [b"primero", b"segundo"]


def test_a_correct_file_verifies_and_loads_into_resnet18(hub, monkeypatch, capsys):
    """Con un archivo cuya suma SHA-256 coincide, se cargan exactamente esos pesos, sin red y sin avisos."""
    import warnings

    from course_utils import models as course_models

    reference = course_models.models.resnet18(weights=None)
    torch.save(reference.state_dict(), hub)
    _trust(monkeypatch, hub)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert course_models.find_or_download_resnet18_weights(offline=True) is True
        model, pretrained = course_models.load_pretrained("resnet18", num_classes=4, offline=True)
    assert pretrained is True and "pesos de ImageNet" in capsys.readouterr().out
    assert torch.equal(model.conv1.weight, reference.conv1.weight)
    assert model.fc.out_features == 4 and hub.exists()


def test_a_loadable_resnet18_file_with_one_value_changed_is_refused_by_its_hash_alone(hub, monkeypatch, capsys):
    """Unos pesos que pasan todas las demás comprobaciones (se cargan con weights_only=True, son un state_dict de
    ResNet18 que encaja en la red) pero no son los publicados: un solo número cambiado. Solo la suma SHA-256 lo
    detecta; sin ella, se cargarían como si fueran los de ImageNet."""
    from course_utils import models as course_models

    reference = course_models.models.resnet18(weights=None)
    torch.save(reference.state_dict(), hub)
    _trust(monkeypatch, hub)  # el original: su suma es la esperada
    tampered = reference.state_dict()
    tampered["conv1.weight"] = tampered["conv1.weight"].clone()
    tampered["conv1.weight"][0, 0, 0, 0] += 1.0
    torch.save(tampered, hub)
    assert course_models.models.resnet18(weights=None).load_state_dict(
        torch.load(hub, weights_only=True)
    ), "el archivo cambiado se carga sin problemas en una ResNet18"
    with pytest.warns(UserWarning, match="suma SHA-256 no empieza por"):
        model, pretrained = course_models.load_pretrained("resnet18", num_classes=3, offline=True)
    assert pretrained is False and "pesos ALEATORIOS" in capsys.readouterr().out
    assert not torch.equal(model.conv1.weight, tampered["conv1.weight"])
    assert not hub.exists() and len(list(hub.parent.iterdir())) == 1, "apartado, no borrado"


@pytest.mark.parametrize("kind", ["carpeta", "enlace-roto"])
def test_a_folder_or_a_broken_link_in_place_of_the_weights_is_set_aside_not_followed(hub, kind):
    """Lo único que falla es que no es un archivo: sin esa comprobación, leer su tamaño o su suma rompería."""
    from course_utils.models import find_or_download_resnet18_weights

    if kind == "carpeta":
        hub.mkdir()
    else:
        hub.symlink_to(hub.parent / "no-existe.pth")
    with pytest.warns(UserWarning, match=f"{re.escape(str(hub))} no es un archivo.*apartado"):
        assert find_or_download_resnet18_weights(offline=True) is False
    aside = hub.parent / f"{hub.name}.dañado"
    assert (aside.is_dir() if kind == "carpeta" else aside.is_symlink()) and not hub.exists()


def test_a_verified_file_that_is_not_a_state_dict_is_refused(hub, monkeypatch):
    """Un tensor suelto: su suma es la esperada y se carga con weights_only=True, pero no es un state_dict."""
    from course_utils.models import find_or_download_resnet18_weights

    torch.save(torch.zeros(3), hub)
    _trust(monkeypatch, hub)
    with pytest.warns(UserWarning, match="contiene Tensor en vez de un state_dict"):
        assert find_or_download_resnet18_weights(offline=True) is False
    assert (hub.parent / f"{hub.name}.dañado").exists()


def test_weights_whose_name_carries_no_hash_cannot_be_verified():
    from types import SimpleNamespace

    from course_utils.models import expected_sha256_prefix

    with pytest.raises(ValueError, match="no lleva la suma SHA-256"):
        expected_sha256_prefix(SimpleNamespace(url="https://download.pytorch.org/models/resnet18.pth"))


def test_verified_weights_that_do_not_fit_the_network_give_random_weights(hub, monkeypatch, capsys):
    """Un state_dict de tensores con la suma esperada que no es el de una ResNet18: aviso en español, no un error."""
    from course_utils.models import load_pretrained

    torch.save({"w": torch.ones(3)}, hub)
    _trust(monkeypatch, hub)
    with pytest.warns(UserWarning, match="No se pudieron cargar los pesos de ImageNet"):
        model, pretrained = load_pretrained("resnet18", num_classes=3, offline=True)
    assert pretrained is False and "pesos ALEATORIOS" in capsys.readouterr().out
    assert model.fc.out_features == 3


def test_online_a_bad_file_is_set_aside_and_the_normal_download_replaces_it(hub, monkeypatch, tmp_path):
    """Con conexión, tras apartar el archivo malo, descarga torchvision (aquí, una descarga simulada)."""
    from course_utils import models as course_models

    good = tmp_path / "bueno.pth"
    torch.save({"w": torch.ones(3)}, good)
    _trust(monkeypatch, good)
    downloads = []

    def fake_download(url, dst, hash_prefix=None, progress=True):
        downloads.append((url, Path(dst).name, hash_prefix))
        Path(dst).write_bytes(good.read_bytes())

    monkeypatch.setattr(torch.hub, "download_url_to_file", fake_download)
    _write_garbage(hub)
    with pytest.warns(UserWarning, match="apartado"):
        assert course_models.find_or_download_resnet18_weights(offline=False) is True
    assert downloads == [(course_models.ResNet18_Weights.DEFAULT.url, hub.name, "f37072fd")]
    assert hub.read_bytes() == good.read_bytes() and (hub.parent / f"{hub.name}.dañado").exists()


def test_online_a_download_that_does_not_verify_is_not_reported_as_ready(hub, monkeypatch):
    from course_utils import models as course_models

    monkeypatch.setattr(torch.hub, "download_url_to_file", lambda url, dst, *a, **k: _write_garbage(Path(dst)))
    with pytest.warns(UserWarning, match="apartado"):
        assert course_models.find_or_download_resnet18_weights(offline=False) is False


def test_failed_download_falls_back_with_a_warning(hub, monkeypatch, capsys):
    import urllib.error

    from course_utils import models as course_models

    def refuse(*args, **kwargs):
        raise urllib.error.URLError("sin red")

    monkeypatch.setattr(torch.hub, "download_url_to_file", refuse)
    with pytest.warns(UserWarning, match="No se pudieron descargar los pesos de ImageNet") as caught:
        _, pretrained = course_models.load_pretrained("resnet18", offline=False)
    assert pretrained is False and "ALEATORIOS" in capsys.readouterr().out
    assert len(caught) == 1, "sin archivo no hay nada que comprobar ni que apartar: un solo aviso"


def test_a_hostile_download_never_runs_its_code(hub):
    """torchvision carga lo descargado con weights_only=True: aunque la descarga (aquí, simulada, sin la
    comprobación de la suma que hace la de verdad) traiga un archivo con código, ese código no se ejecuta."""
    from course_utils.models import find_or_download_resnet18_weights

    def hostile_download(url, dst, *args, **kwargs):
        _write_hostile(Path(dst))

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(torch.hub, "download_url_to_file", hostile_download)
        with pytest.warns(UserWarning, match="apartado"):
            assert find_or_download_resnet18_weights(offline=False) is False
    assert not (hub.parent / _PLANTED_MARKER).exists(), "¡se ejecutó el código de la descarga!"


@pytest.mark.parametrize("offline", [True, False])
def test_a_bad_file_that_cannot_be_set_aside_gives_random_weights_and_a_spanish_warning(
    hub, monkeypatch, capsys, offline
):
    """Caché de torch de solo lectura con un archivo malo: ni PermissionError en inglés ni pesos sin comprobar."""
    import errno
    import urllib.error

    from course_utils import models as course_models

    def read_only(path):
        raise PermissionError(errno.EACCES, "Permission denied", str(path))

    def refuse(*args, **kwargs):
        raise urllib.error.URLError("sin red")

    _write_garbage(hub)
    monkeypatch.setattr(course_models, "set_aside", read_only)
    monkeypatch.setattr(torch.hub, "download_url_to_file", refuse)
    with pytest.warns(UserWarning, match="no hay permiso de escritura") as caught:
        _, pretrained = course_models.load_pretrained("resnet18", num_classes=3, offline=offline)
    assert pretrained is False and "pesos ALEATORIOS" in capsys.readouterr().out
    message = str(caught[0].message)
    assert str(hub) in message and "Tampoco he podido apartarlo" in message and "bórralo" in message
    assert hub.exists(), "el archivo sigue ahí: nada se ha borrado"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"num_classes": 0}, "num_classes debe ser al menos 1, pero vale 0"),
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
    with pytest.raises(ValueError, match="Cada número de canales de widths debe ser al menos 1, pero vale 0"):
        SmallCNN((32, 64, 0, 128))
    with pytest.raises(ValueError, match="widths debe ser 4 números de canales positivos"):
        SmallCNN((32, 64, 128))
    with pytest.raises(TypeError, match="num_classes debe ser un número entero, pero llegó str"):
        SmallCNN(num_classes="10")

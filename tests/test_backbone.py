"""El tronco que preentrena el curso: se entrena una vez, se guarda con su suma y se carga sin ejecutar código."""

from __future__ import annotations

import pickle
import warnings

import pytest
import torch

from course_utils import models
from course_utils.data import CIFAR10Tensor, make_synthetic
from course_utils.models import COURSE_BACKBONE, PretrainRecipe, course_backbone, pretrained_resnet18

TINY = PretrainRecipe(epochs=1, batch_size=32, lr=0.05)


@pytest.fixture(scope="module")
def train() -> CIFAR10Tensor:
    """Unas pocas imágenes sintéticas de entrenamiento (unas 60 de las cinco clases de origen)."""
    return CIFAR10Tensor(*make_synthetic("train"), "sintético", "train").subset(120)


def _only_file(folder):
    files = sorted(folder.glob("resnet18-curso-5clases-*.pt"))
    assert len(files) == 1, files
    return files[0]


def test_it_is_trained_once_then_loaded_with_the_same_weights(train, tmp_path, capsys):
    first = course_backbone(train, TINY, tmp_path, progress=True)
    assert "la entreno ahora" in capsys.readouterr().out
    second = course_backbone(train, TINY, tmp_path, progress=True)
    assert "cargada de" in capsys.readouterr().out
    course_backbone(train, TINY, tmp_path / "otra", progress=False)
    trained_quietly = capsys.readouterr().out
    course_backbone(train, TINY, tmp_path / "otra", progress=False)
    assert capsys.readouterr().out == trained_quietly, "sin barra, la misma línea al entrenarlo y al cargarlo"
    assert first.fc.out_features == 5 and not first.training
    for (name, a), (_, b) in zip(first.state_dict().items(), second.state_dict().items(), strict=True):
        assert torch.equal(a, b), name


def test_another_recipe_or_other_images_get_their_own_file(train, tmp_path, monkeypatch):
    monkeypatch.setattr(models, "pretrain_course_backbone", _untrained)
    course_backbone(train, TINY, tmp_path, progress=False)
    course_backbone(train, PretrainRecipe(epochs=1, batch_size=32, lr=0.01), tmp_path, progress=False)
    course_backbone(train.subset(100, seed=1), TINY, tmp_path, progress=False)
    assert len(list(tmp_path.glob("resnet18-curso-5clases-*.pt"))) == 3


def _untrained(train, recipe, device="cpu", progress=True):
    """Un «preentrenamiento» instantáneo (pesos aleatorios con semilla fija) para las pruebas de archivos dañados."""
    torch.manual_seed(recipe.seed)
    return models.resnet18_for(5).eval()


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (lambda path: path.write_bytes(path.read_bytes()[:1000]), "no se puede leer"),
        (lambda path: path.write_bytes(b""), "no se puede leer"),
        ("tensor", "la suma de verificación de los pesos no coincide"),
        ("code", "no se puede leer"),
        ("fields", "le faltan los campos sha256"),
        ("other", "es de otra versión, de otra receta o de otros datos"),
        ("version", "es de otra versión, de otra receta o de otros datos"),
        ("list", "contiene list en vez de un diccionario"),
        ("int", "su state_dict no es un diccionario de tensores"),
        ("ten", "sus pesos no son los de una ResNet18 con 5 clases"),
    ],
)
def test_a_damaged_file_is_set_aside_not_deleted_and_retrained(train, tmp_path, monkeypatch, damage, reason):
    monkeypatch.setattr(models, "pretrain_course_backbone", _untrained)
    reference = course_backbone(train, TINY, tmp_path, progress=False)
    path = _only_file(tmp_path)
    if isinstance(damage, str) and damage != "code":
        # Cada daño deja en regla todo lo demás: solo lo puede descubrir la comprobación que lo mira.
        payload = torch.load(path, weights_only=True)
        if damage == "tensor":  # un peso cambiado y la suma de antes: lo descubre la suma
            payload["state_dict"]["fc.bias"][0] += 1
        elif damage == "fields":
            del payload["sha256"]
        elif damage == "other":  # un archivo de otra receta con el nombre de esta
            payload["key"] = "0" * 64
        elif damage == "version":  # la clave de esta receta, pero de otra versión del formato
            payload["version"] += 1
        elif damage == "list":
            payload = list(payload.values())
        elif damage == "int":  # un número donde iba un tensor (sin esa comprobación, la suma ni se podría calcular)
            payload["state_dict"]["fc.bias"] = 0
        else:  # los pesos íntegros, con su suma, de una ResNet18 de 10 clases: no caben en la de 5
            payload["state_dict"] = models.resnet18_for(10).state_dict()
            payload["sha256"] = models._state_sha256(payload["state_dict"])
        torch.save(payload, path)
    elif damage == "code":  # un archivo que ejecutaría código al cargarlo con pickle
        path.write_bytes(pickle.dumps(_Exploit()))
    else:
        damage(path)
    with pytest.warns(UserWarning, match=reason) as caught:
        again = course_backbone(train, TINY, tmp_path, progress=False)
    assert "lo aparto como" in str(caught[0].message) and "lo entreno de nuevo" in str(caught[0].message)
    aside = [p for p in tmp_path.iterdir() if p != path]
    assert len(aside) == 1, "el archivo dañado se aparta con otro nombre, sin borrarlo"
    assert torch.equal(again.fc.weight, reference.fc.weight)
    assert _only_file(tmp_path) == path and course_backbone(train, TINY, tmp_path, progress=False) is not None
    assert not _Exploit.ran


def test_a_damaged_file_that_cannot_be_set_aside_is_named_and_the_backbone_retrained(train, tmp_path, monkeypatch):
    monkeypatch.setattr(models, "pretrain_course_backbone", _untrained)
    course_backbone(train, TINY, tmp_path, progress=False)
    path = _only_file(tmp_path)
    path.write_bytes(b"basura")

    def read_only(path):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(models, "set_aside", read_only)
    with pytest.warns(UserWarning, match="no se ha podido apartar \\(no hay permiso de escritura\\) y lo entreno"):
        model = course_backbone(train, TINY, tmp_path, progress=False)
    assert model.fc.out_features == 5
    monkeypatch.undo()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # el archivo malo se sustituyó por el tronco nuevo: se carga sin avisos
        course_backbone(train, TINY, tmp_path, progress=False)


def test_a_backbone_that_cannot_be_saved_is_still_returned_with_a_spanish_warning(train, tmp_path, monkeypatch):
    def full_disk(path, write, overwrite=False):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(models, "pretrain_course_backbone", _untrained)
    monkeypatch.setattr(models, "atomic_write", full_disk)
    with pytest.warns(UserWarning, match="No he podido guardar el tronco en .*no queda espacio en el disco"):
        model = course_backbone(train, TINY, tmp_path, progress=False)
    assert model.fc.out_features == 5 and not list(tmp_path.iterdir())


class _Exploit:
    ran = False

    def __reduce__(self):
        return (setattr, (_Exploit, "ran", True))


def test_bad_input_gets_a_spanish_error(train, tmp_path):
    with pytest.raises(TypeError, match="Se esperaba un CIFAR10Tensor"):
        course_backbone(train.images, TINY, tmp_path)
    with pytest.raises(ValueError, match="diez clases de CIFAR-10"):
        course_backbone(train.select_classes([5, 6, 7, 8, 9]), TINY, tmp_path)
    with pytest.raises(TypeError, match="recipe debe ser un PretrainRecipe"):
        course_backbone(train, {"epochs": 1}, tmp_path)


def test_without_imagenet_weights_the_course_backbone_is_used_and_named(train, tmp_path, monkeypatch):
    monkeypatch.setattr(models, "pretrain_course_backbone", _untrained)
    monkeypatch.setenv("COURSE_DATA", str(tmp_path))
    monkeypatch.setattr(models, "verified_state_dict", lambda weights, offline: None)
    model, origin = pretrained_resnet18(7, train, offline=True)
    assert origin == COURSE_BACKBONE == "ResNet18 preentrenada por el curso en 5 clases"
    assert model.fc.out_features == 7 and model.fc.in_features == 512
    assert list((tmp_path / "cache").glob("resnet18-curso-5clases-*.pt"))

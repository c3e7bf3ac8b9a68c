"""Capa de datos: cada fuente, la caché y su integridad, el conjunto sintético, los lotes y los errores."""

from __future__ import annotations

import errno
import os
import pickle
import re
import urllib.error
from pathlib import Path

import numpy as np
import pytest
import torch
import torchvision.datasets
from hygiene import SHARED_CIFAR10, in_ci, skip_or_fail_in_ci
from PIL import Image

from course_utils import data
from course_utils.config import get_settings
from course_utils.data import (
    CLASSES_EN,
    CLASSES_ES,
    BatchTransform,
    CIFAR10Tensor,
    cache_path,
    find_imagefolder_root,
    load_cifar10,
    load_imagefolder,
    make_loader,
    make_synthetic,
)


def _write_imagefolder(root, per_class=(3, 2), classes=CLASSES_EN):
    """Un árbol ImageFolder diminuto: cada imagen es de un solo color que codifica su clase."""
    for split, count in zip(("train", "test"), per_class, strict=True):
        for label, name in enumerate(classes):
            folder = root / split / name
            folder.mkdir(parents=True)
            for i in range(count):
                color = (label * 25, i * 40, 200)
                Image.new("RGB", (32, 32), color).save(folder / f"{i:04d}.png")
    return root


def test_imagefolder_source_sizes_labels_and_order(tmp_path, capsys):
    _write_imagefolder(tmp_path / "cifar10-jpg")
    train = load_cifar10("train", data_dir=tmp_path, offline=True)
    test = load_cifar10("test", data_dir=tmp_path, offline=True)
    assert (len(train), len(test)) == (30, 20)
    assert train.source == "imagefolder" and not train.synthetic
    assert train.images.dtype == torch.uint8 and train.images.shape == (30, 3, 32, 32)
    assert train.labels.tolist() == [label for label in range(10) for _ in range(3)]
    assert train.images[:, 0, 0, 0].tolist() == [label * 25 for label in range(10) for _ in range(3)]
    out = capsys.readouterr().out
    assert "CIFAR-10, entrenamiento: 30 imágenes desde carpeta de imágenes JPEG (ImageFolder)." in out


def test_second_load_comes_from_the_cache(tmp_path, monkeypatch):
    _write_imagefolder(tmp_path)
    first = load_cifar10("train", data_dir=tmp_path, offline=True)
    assert cache_path(tmp_path, "train").exists()
    monkeypatch.setattr(data, "load_imagefolder", lambda *a: pytest.fail("no debía volver a decodificar"))
    second = load_cifar10("train", data_dir=tmp_path, offline=True)
    assert torch.equal(first.images, second.images) and torch.equal(first.labels, second.labels)
    assert second.source == "imagefolder"


@pytest.mark.parametrize("damage", ["truncate", "flip-bytes"])
def test_corrupted_cache_is_reported_and_rebuilt(tmp_path, damage):
    _write_imagefolder(tmp_path)
    good = load_cifar10("train", data_dir=tmp_path, offline=True)
    path = cache_path(tmp_path, "train")
    raw = bytearray(path.read_bytes())
    if damage == "truncate":
        raw = raw[: len(raw) // 2]
    else:
        middle = len(raw) // 2
        raw[middle : middle + 64] = bytes(64)
    path.write_bytes(bytes(raw))
    notes = tmp_path / "cache" / "notas.txt"
    notes.write_text("mío")
    with pytest.warns(UserWarning, match="dañada o incompleta"):
        again = load_cifar10("train", data_dir=tmp_path, offline=True)
    assert torch.equal(again.images, good.images)
    assert data._read_cache(path, "train") is not None, "la caché reconstruida debe estar íntegra"
    assert notes.read_text() == "mío"
    assert (tmp_path / "cache" / "cifar10-train.pt.dañado").read_bytes() == bytes(raw), "se aparta, no se borra"


class _Hostile:
    """Un objeto cuyo pickle, si alguien lo cargara sin ``weights_only``, crearía un archivo testigo."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.mkdir, (str(self.marker),))


def _recheck(payload):
    """El mismo contenido con la suma recalculada: la suma cuadra aunque el contenido esté mal."""
    payload["sha256"] = data._checksum(payload["images"], payload["labels"])
    return payload


def _set_label(payload, value):
    payload["labels"][0] = value
    return _recheck(payload)


def _change_one_pixel(payload):
    """Todo en regla (campos, forma, tipo, cuentas, etiquetas) salvo un píxel: solo la suma de verificación lo ve."""
    images = payload["images"].clone()
    images[0, 0, 0, 0] ^= 1
    return payload | {"images": images}


_BAD_CONTENTS = {
    "un-píxel": (_change_one_pixel, "la suma de verificación no coincide"),
    "forma": (lambda p: _recheck(p | {"images": p["images"][:, :, :16, :16]}), r"\(30, 3, 16, 16\)"),
    "dtype": (lambda p: _recheck(p | {"images": p["images"].float()}), "float32 de forma"),
    "etiquetas-float": (lambda p: _recheck(p | {"labels": p["labels"].float()}), "etiquetas deben ser int64"),
    "etiqueta-10": (lambda p: _set_label(p, 10), "fuera de 0–9 \\(van de 0 a 10\\)"),
    "etiqueta-negativa": (lambda p: _set_label(p, -1), "fuera de 0–9 \\(van de -1 a 9\\)"),
    "cuentas": (lambda p: _recheck(p | {"labels": p["labels"][:-1]}), "30 imágenes pero 29 etiquetas"),
    **{  # cada campo, por separado: sin su comprobación, leerlo rompería la carga con un KeyError en inglés
        f"sin-{name}": (lambda p, name=name: {k: v for k, v in p.items() if k != name}, f"faltan los campos {name}")
        for name in ("version", "images", "labels", "source", "sha256")  # escritos aquí, no leídos de data
    },
    "etiquetas-lista": (
        lambda p: p | {"labels": p["labels"].tolist()},
        "int64 de forma \\(N,\\), pero son list",
    ),
    "versión": (lambda p: p | {"version": 2}, "versión 2 y el curso usa la 1"),
    "versión-float": (lambda p: p | {"version": 1.0}, "versión 1.0 y el curso usa la 1"),
    "imágenes-lista": (
        lambda p: p | {"images": p["images"].tolist()},
        "uint8 de forma \\(N, 3, 32, 32\\), pero son list",
    ),
    "etiquetas-2d": (
        lambda p: p | {"labels": p["labels"].view(-1, 1)},
        "int64 de forma \\(N,\\), pero son int64 de forma \\(30, 1\\)",
    ),
    "tamaño": (lambda p: p | {"source": "descarga"}, "30 imágenes y la partición de entrenamiento debe tener 50 000"),
    "origen": (lambda p: p | {"source": "sintético"}, "su origen \\('sintético'\\) no es una fuente del curso"),
    "origen-no-texto": (lambda p: p | {"source": 5}, "su origen \\(int\\) no es una fuente del curso"),
    "no-diccionario": (lambda p: [p["images"], p["labels"]], "list en vez de un diccionario"),
}


@pytest.mark.parametrize("kind", [*_BAD_CONTENTS, "pickle-hostil", "torch-save-hostil"])
def test_cache_with_bad_contents_is_set_aside_and_rebuilt(tmp_path, kind):
    _write_imagefolder(tmp_path)
    good = load_cifar10("train", data_dir=tmp_path, offline=True)
    path = cache_path(tmp_path, "train")
    marker = tmp_path / "código-ejecutado"
    if kind == "pickle-hostil":
        path.write_bytes(pickle.dumps({"version": 1, "images": _Hostile(marker)}))
        reason = "no se puede leer como caché del curso"
    elif kind == "torch-save-hostil":
        torch.save({"version": 1, "images": _Hostile(marker)}, path)
        reason = "no se puede leer como caché del curso"
    else:
        damage, reason = _BAD_CONTENTS[kind]
        torch.save(damage(torch.load(path, weights_only=True)), path)
    assert not marker.exists()
    bad = path.read_bytes()
    with pytest.warns(UserWarning, match=re.escape(str(path)) + " está dañada o incompleta: .*" + reason) as caught:
        again = load_cifar10("train", data_dir=tmp_path, offline=True)
    assert not marker.exists(), "cargar la caché nunca debe ejecutar código del archivo"
    messages = [str(warning.message) for warning in caught]
    assert len(messages) == 1 and "la aparto como cifar10-train.pt.dañado" in messages[0]
    assert (tmp_path / "cache" / "cifar10-train.pt.dañado").read_bytes() == bad, "se aparta, no se borra"
    assert again.source == "imagefolder" and torch.equal(again.images, good.images)
    assert torch.equal(again.labels, good.labels)
    assert data._read_cache(path, "train") is not None, "la caché reconstruida debe estar íntegra"


def test_a_damaged_cache_that_cannot_be_set_aside_is_named_and_rebuilt(tmp_path, monkeypatch):
    _write_imagefolder(tmp_path)
    good = load_cifar10("train", data_dir=tmp_path, offline=True)
    path = cache_path(tmp_path, "train")
    path.write_bytes(b"basura")

    def read_only(path):
        raise PermissionError(errno.EACCES, "Permission denied", str(path))

    monkeypatch.setattr(data, "set_aside", read_only)
    with pytest.warns(UserWarning, match="no se ha podido apartar \\(no hay permiso de escritura\\) y la reconstruyo"):
        again = load_cifar10("train", data_dir=tmp_path, offline=True)
    assert torch.equal(again.images, good.images) and torch.equal(again.labels, good.labels)


def _refuse_to_write(*args, **kwargs):
    raise PermissionError(errno.EACCES, "Permission denied")


def test_unwritable_cache_uses_memory_and_warns_once(tmp_path, monkeypatch):
    _write_imagefolder(tmp_path)
    monkeypatch.setattr(data, "_UNWRITABLE_FOLDERS", set())
    monkeypatch.setattr(data, "atomic_write", _refuse_to_write)
    with pytest.warns(UserWarning) as caught:
        train = load_cifar10("train", data_dir=tmp_path, offline=True)
        test = load_cifar10("test", data_dir=tmp_path, offline=True)
    assert (len(train), len(test)) == (30, 20) and train.source == test.source == "imagefolder"
    messages = [str(warning.message) for warning in caught]
    assert messages == [
        f"No se ha podido guardar nada en la caché de {tmp_path / 'cache'} (no hay permiso de escritura): uso "
        "los datos desde la memoria y se volverán a decodificar en cada carga. Para tener caché, apunta "
        "COURSE_DATA a una carpeta en la que se pueda escribir."
    ], "un solo aviso, aunque fallen las dos particiones"
    assert not cache_path(tmp_path, "train").exists()


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root escribe en carpetas 0o555")
def test_read_only_data_folder_works_without_cache(tmp_path, monkeypatch):
    shared = tmp_path / "compartida"
    _write_imagefolder(shared)
    monkeypatch.setattr(data, "_UNWRITABLE_FOLDERS", set())
    monkeypatch.setenv("COURSE_DATA", str(shared))
    os.chmod(shared, 0o555)
    try:
        with pytest.warns(UserWarning, match=f"No se ha podido guardar nada en la caché de {re.escape(str(shared))}"):
            train = load_cifar10("train", offline=True)
        assert len(train) == 30 and train.labels.tolist() == [label for label in range(10) for _ in range(3)]
        assert sorted(p.name for p in shared.iterdir()) == ["test", "train"], "no se escribe nada en la carpeta"
    finally:
        os.chmod(shared, 0o755)


def _truncate(path):
    """Deja una imagen a medias, como una copia interrumpida."""
    path.write_bytes(path.read_bytes()[:40])


def test_an_unreadable_image_is_skipped_with_a_warning(tmp_path):
    _write_imagefolder(tmp_path, per_class=(10, 2))  # 100 imágenes de entrenamiento: 1 ilegible es el 1 %
    _truncate(tmp_path / "train" / "cat" / "0003.png")
    with pytest.warns(UserWarning) as caught:
        train = load_cifar10("train", data_dir=tmp_path, offline=True)
    messages = [str(warning.message) for warning in caught]
    assert messages == [
        f"La imagen {Path('train', 'cat', '0003.png')} está truncada o no es una imagen: me la salto.",
        f"En {tmp_path / 'train'} se ha saltado 1 imagen ilegible; quedan 99.",
    ]
    assert len(train) == 99 and train.labels.bincount().tolist() == [10, 10, 10, 9, 10, 10, 10, 10, 10, 10]
    cats = train.images[train.labels == 3, 1, 0, 0].tolist()
    assert cats == [min(i * 40, 255) for i in (0, 1, 2, 4, 5, 6, 7, 8, 9)], "cada imagen conserva su etiqueta"


def test_garbage_files_are_skipped_and_counted(tmp_path):
    _write_imagefolder(tmp_path, per_class=(60, 1))  # 600 imágenes: caben 6 ilegibles
    bad = [tmp_path / "train" / name / "0001.png" for name in CLASSES_EN[:6]]
    for path in bad:
        path.write_bytes(b"esto no es una imagen")
    with pytest.warns(UserWarning) as caught:
        images, labels = load_imagefolder(tmp_path, "train")
    messages = [str(warning.message) for warning in caught]
    assert len(messages) == 6 and len(images) == len(labels) == 594
    assert (
        messages[-1]
        == f"En {tmp_path / 'train'} se han saltado 6 imágenes ilegibles (solo se nombran las 5 primeras); quedan 594."
    )


def test_too_many_unreadable_images_is_an_error(tmp_path):
    _write_imagefolder(tmp_path, per_class=(3, 1))
    for path in sorted((tmp_path / "train").rglob("*.png"))[:20]:
        _truncate(path)
    expected = (
        f"En {re.escape(str(tmp_path / 'train'))} hay 20 imágenes ilegibles de 30, demasiadas para usar la "
        r"partición \(más del 1 %; la clase airplane se queda sin imágenes; .*\): "
        + re.escape(str(Path("train", "airplane", "0000.png")))
    )
    with pytest.raises(ValueError, match=expected):
        load_cifar10("train", data_dir=tmp_path, offline=True)
    assert not cache_path(tmp_path, "train").exists()


def test_a_class_left_empty_is_an_error(tmp_path):
    _write_imagefolder(tmp_path, per_class=(1, 1))
    _truncate(tmp_path / "test" / "truck" / "0000.png")
    with pytest.raises(ValueError, match=r"la clase truck se queda sin imágenes\): .*truck.*0000\.png\."):
        load_imagefolder(tmp_path, "test")


def _write_torchvision_format(root, train_size=20, test_size=10):
    folder = root / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    per_batch = train_size // 5
    batches = [(f"data_batch_{i}", per_batch) for i in range(1, 6)] + [("test_batch", test_size)]
    for name, size in batches:
        content = {
            "data": rng.integers(0, 256, (size, 3072), dtype=np.uint8),
            "labels": [int(x) for x in rng.integers(0, 10, size)],
        }
        (folder / name).write_bytes(pickle.dumps(content))
    (folder / "batches.meta").write_bytes(pickle.dumps({"label_names": list(CLASSES_EN)}))
    return folder


def test_torchvision_format_source(tmp_path, monkeypatch):
    folder = _write_torchvision_format(tmp_path)
    monkeypatch.setattr(torchvision.datasets.CIFAR10, "_check_integrity", lambda self: True)
    monkeypatch.setattr("torchvision.datasets.cifar.check_integrity", lambda *a, **k: True)
    train = load_cifar10("train", data_dir=tmp_path, offline=True)
    assert train.source == "torchvision" and len(train) == 20
    first = pickle.loads((folder / "data_batch_1").read_bytes())
    assert torch.equal(train.images[0], torch.from_numpy(first["data"][0].reshape(3, 32, 32)))
    assert train.labels[:4].tolist() == first["labels"]


def test_damaged_torchvision_files_are_reported(tmp_path):
    _write_torchvision_format(tmp_path)  # las sumas md5 no son las de torchvision: "dañados"
    with pytest.warns(UserWarning, match="dañados o incompletos"):
        result = load_cifar10("test", data_dir=tmp_path, offline=True)
    assert result.synthetic


class _FakeCIFAR10:
    calls: list[bool] = []

    def __init__(self, root, train, download, **options):
        _FakeCIFAR10.calls.append(download)
        raise urllib.error.URLError("sin red")


def test_offline_never_downloads_and_falls_back(tmp_path, monkeypatch, capsys):
    _FakeCIFAR10.calls = []
    monkeypatch.setattr(torchvision.datasets, "CIFAR10", _FakeCIFAR10)
    result = load_cifar10("train", data_dir=tmp_path, offline=True)
    assert _FakeCIFAR10.calls == []
    assert result.synthetic and result.source == "sintético" and len(result) == 5000
    out = capsys.readouterr().out
    assert "SINTÉTICO" in out and "no es CIFAR-10" in out and "COURSE_OFFLINE" in out
    assert "entrenamiento, 5000 imágenes." in out, "hasta cuatro cifras, sin espacio de miles"
    assert not cache_path(tmp_path, "train").exists(), "el conjunto sintético no se guarda en caché"
    assert str(tmp_path) in out, "nombra la carpeta en la que buscó"


def test_a_failed_download_says_to_connect_not_to_leave_offline_mode(tmp_path, monkeypatch, capsys):
    """Sin COURSE_OFFLINE, si la descarga falla, el aviso no culpa al modo sin conexión: pide conectarse."""
    _FakeCIFAR10.calls = []
    monkeypatch.setattr(torchvision.datasets, "CIFAR10", _FakeCIFAR10)
    with pytest.warns(UserWarning, match="No se pudo descargar CIFAR-10"):
        result = load_cifar10("test", data_dir=tmp_path, offline=False)
    assert result.synthetic and _FakeCIFAR10.calls[-1] is True
    out = capsys.readouterr().out
    assert "SINTÉTICO" in out and str(tmp_path) in out and "conéctate a internet" in out
    assert "COURSE_OFFLINE=1" not in out, out


def test_failed_download_falls_back_with_a_warning(tmp_path, monkeypatch):
    _FakeCIFAR10.calls = []
    monkeypatch.setattr(torchvision.datasets, "CIFAR10", _FakeCIFAR10)
    with pytest.warns(UserWarning, match="No se pudo descargar CIFAR-10"):
        result = load_cifar10("test", data_dir=tmp_path, offline=False)
    assert _FakeCIFAR10.calls == [True]
    assert result.synthetic and len(result) == 1000


def test_synthetic_is_deterministic_balanced_and_learnable():
    images, labels = make_synthetic("train")
    again, _ = make_synthetic("train")
    assert torch.equal(images, again)
    assert images.dtype == torch.uint8 and images.shape == (5000, 3, 32, 32)
    assert labels.bincount().tolist() == [500] * 10
    test_images, test_labels = make_synthetic("test")
    assert not torch.equal(test_images[:10], images[:10])
    # Una regresión logística de unos segundos debe pasar con holgura del azar (10 %), sin resolverlo: el color
    # de fondo solo separa grupos de clases y la textura del parche no la ve bien un modelo lineal.
    torch.manual_seed(0)
    x = BatchTransform()(images).flatten(1)
    model = torch.nn.Linear(3072, 10)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    for _ in range(60):
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(model(x), labels).backward()
        optimizer.step()
    accuracy = (model(BatchTransform()(test_images).flatten(1)).argmax(1) == test_labels).float().mean()
    assert 0.35 < accuracy < 0.9


def test_batches_shapes_ranges_and_seeded_shuffle():
    images, labels = make_synthetic("test")
    dataset = data.CIFAR10Tensor(images, labels, "sintético", "test", BatchTransform())
    batches = list(make_loader(dataset, batch_size=256))
    assert [len(y) for _, y in batches] == [256, 256, 256, 232]
    x, y = batches[0]
    assert x.shape == (256, 3, 32, 32) and x.dtype == torch.float32 and y.dtype == torch.int64
    assert torch.equal(y, labels[:256])
    low = (0 - torch.tensor(data.MEAN)) / torch.tensor(data.STD)
    high = (1 - torch.tensor(data.MEAN)) / torch.tensor(data.STD)
    assert (x.amin((0, 2, 3)) >= low - 1e-5).all() and (x.amax((0, 2, 3)) <= high + 1e-5).all()
    first = [y for _, y in make_loader(dataset, 100, shuffle=True, seed=1)]
    second = [y for _, y in make_loader(dataset, 100, shuffle=True, seed=1)]
    assert all(torch.equal(a, b) for a, b in zip(first, second, strict=True))
    loader = make_loader(dataset, 100, shuffle=True, seed=1)
    epoch_1, epoch_2 = torch.cat([y for _, y in loader]), torch.cat([y for _, y in loader])
    assert not torch.equal(epoch_1, epoch_2), "cada época debe barajar de nuevo"
    assert sorted(epoch_1.tolist()) == sorted(labels.tolist())


def test_flip_and_crop_act_per_image():
    images = torch.randint(0, 256, (64, 3, 32, 32), dtype=torch.uint8)
    plain = BatchTransform()(images)
    flipped = BatchTransform(flip=True, seed=3)(images)
    same = [torch.equal(f, p) for f, p in zip(flipped, plain, strict=True)]
    mirrored = [torch.equal(f, p.flip(2)) for f, p in zip(flipped, plain, strict=True)]
    assert all(s or m for s, m in zip(same, mirrored, strict=True))
    assert 10 < sum(mirrored) < 54, "cada imagen se voltea por separado, con probabilidad 1/2"
    cropped = BatchTransform(crop_padding=4, seed=3)(images)
    padded = torch.nn.functional.pad(images.float() / 255, (4, 4, 4, 4))
    padded = (padded - torch.tensor(data.MEAN).view(3, 1, 1)) / torch.tensor(data.STD).view(3, 1, 1)
    offsets = set()
    for image, source in zip(cropped, padded, strict=True):
        matches = [
            (t, left)
            for t in range(9)
            for left in range(9)
            if torch.allclose(image, source[:, t : t + 32, left : left + 32], atol=1e-6)
        ]
        assert matches, "cada recorte debe ser una ventana de 32×32 de la imagen rellenada"
        offsets.add(matches[0])
    assert len(offsets) > 10
    assert BatchTransform(flip=True)(images[0]).shape == (3, 32, 32)


def test_transforms_do_not_modify_the_input():
    images = torch.randint(0, 256, (8, 3, 32, 32), dtype=torch.uint8)
    copy = images.clone()
    BatchTransform(flip=True, crop_padding=4)(images)
    assert torch.equal(images, copy)


def test_subset_and_class_names():
    images, labels = make_synthetic("test")
    dataset = data.CIFAR10Tensor(images, labels, "sintético", "test")
    small = dataset.subset(100, seed=2)
    assert len(small) == 100 and torch.equal(small.images, dataset.subset(100, seed=2).images)
    with pytest.raises(ValueError, match="entre 1 y 1000"):
        dataset.subset(0)
    assert CLASSES_ES[:3] == ("avión", "automóvil", "pájaro") and CLASSES_ES[-1] == "camión"
    assert len(CLASSES_EN) == len(CLASSES_ES) == 10


def test_counts_are_written_with_a_thousands_space():
    """50 000 y no 50000 ni 50,000: desde cinco cifras, espacio de miles; lo que no es entero, tal cual."""
    images = torch.zeros(1, 3, 32, 32, dtype=torch.uint8).expand(12_000, -1, -1, -1)  # una vista, sin copiar
    dataset = data.CIFAR10Tensor(images, torch.zeros(12_000), "sintético", "train")
    assert "imágenes=12 000," in repr(dataset)
    with pytest.raises(ValueError, match="entre 1 y 12 000 imágenes, pero se pidieron 20 000"):
        dataset.subset(20_000)
    with pytest.raises(TypeError, match=r"size debe ser un número entero, pero llegó float \(-1,50\)\."):
        dataset.subset(-1.5)
    with pytest.raises(ValueError, match="solo tiene 0 imágenes; se pidieron 10 000"):
        dataset.few_per_class(10_000)
    with pytest.raises(ValueError, match=r"Hay 12 000 imágenes pero \(3,\) etiquetas"):
        data.CIFAR10Tensor(images, torch.zeros(3), "sintético", "train")


def test_the_announcement_separates_thousands(capsys):
    data._announce("train", "torchvision", 50_000, from_cache=True)
    assert "CIFAR-10, entrenamiento: 50 000 imágenes desde archivos de torchvision" in capsys.readouterr().out


def test_unknown_split(tmp_path):
    with pytest.raises(ValueError, match="split debe ser 'train' o 'test', pero llegó 'validacion'"):
        load_cifar10("validacion", data_dir=tmp_path, offline=True)


def test_wrong_folder_layout(tmp_path):
    (tmp_path / "train").mkdir()
    (tmp_path / "train" / "foto.jpg").write_bytes(b"")
    with pytest.raises(ValueError, match="una subcarpeta por clase"):
        load_cifar10("train", data_dir=tmp_path, offline=True)
    with pytest.raises(FileNotFoundError, match="Se esperaba la carpeta 'test/'.*train"):
        load_imagefolder(tmp_path, "test")


def test_missing_class_folder(tmp_path):
    _write_imagefolder(tmp_path, classes=CLASSES_EN[:-1])
    with pytest.raises(ValueError, match=r"faltan \['truck'\] y sobran \[\]"):
        load_cifar10("train", data_dir=tmp_path, offline=True)


def test_bad_batch_arguments():
    images, labels = make_synthetic("test", size=10)
    dataset = data.CIFAR10Tensor(images, labels, "sintético", "test")
    with pytest.raises(ValueError, match="batch_size debe ser un entero positivo"):
        make_loader(dataset, batch_size=0)
    with pytest.raises(ValueError, match="vacío"):
        make_loader([], 4)
    with pytest.raises(ValueError, match=r"uint8 de forma \(N, 3, 32, 32\)"):
        data.CIFAR10Tensor(images.float(), labels, "sintético", "test")
    with pytest.raises(ValueError, match="lote"):
        BatchTransform()(images[:, :2])


@pytest.mark.cifar10_real
def test_real_cifar10_from_course_data():
    if find_imagefolder_root(get_settings().data_dir) is None:
        reason = "Sin la copia de CIFAR-10 en la carpeta de datos (CI la extrae de ../shared/data)."
        # La pasada de datos de .ci/run fija COURSE_DATA en la copia extraída: allí, que falte es un fallo. La del
        # recién llegado (make test sin ninguna variable COURSE_*) no tiene datos, como la de un alumno nuevo.
        if SHARED_CIFAR10.exists() and os.environ.get("COURSE_DATA"):
            skip_or_fail_in_ci(f"{reason} Existe {SHARED_CIFAR10}, pero COURSE_DATA no apunta a su copia extraída.")
        pytest.skip(reason)
    train, test = load_cifar10("train"), load_cifar10("test")
    assert (len(train), len(test)) == (50_000, 10_000)
    assert not train.synthetic and train.source in ("imagefolder", "torchvision")
    assert train.labels.bincount().tolist() == [5000] * 10
    assert test.labels.bincount().tolist() == [1000] * 10
    assert train.images.shape == (50_000, 3, 32, 32) and train.images.dtype == torch.uint8
    # El orden de las clases es el de CIFAR-10: el canal azul medio de los barcos supera al de los ciervos.
    blue = [train.images[train.labels == k, 2].float().mean() for k in range(10)]
    assert blue[CLASSES_EN.index("ship")] > blue[CLASSES_EN.index("deer")]


def test_select_classes_and_few_per_class():
    images, labels = make_synthetic("test")
    dataset = data.CIFAR10Tensor(images, labels, "sintético", "test")
    new = dataset.select_classes([5, 6, 7, 8, 9])
    assert new.classes == ("perro", "rana", "caballo", "barco", "camión")
    assert len(new) == 500 and new.labels.bincount().tolist() == [100] * 5
    assert torch.equal(new.images[new.labels == 0], images[labels == 5])
    few = new.few_per_class(10, seed=1)
    assert len(few) == 50 and few.labels.bincount().tolist() == [10] * 5
    assert torch.equal(few.images, new.few_per_class(10, seed=1).images)
    with pytest.raises(ValueError, match="etiquetas distintas entre 0 y 9"):
        dataset.select_classes([3, 3])
    with pytest.raises(ValueError, match="solo tiene 100 imágenes; se pidieron 200"):
        new.few_per_class(200)


def test_torchvision_dataset_is_the_standard_dataset_of_each_source(tmp_path, monkeypatch, capsys):
    from torchvision import transforms
    from torchvision.datasets import ImageFolder

    from course_utils.data import SyntheticImages, torchvision_dataset

    _FakeCIFAR10.calls = []
    monkeypatch.setattr(torchvision.datasets, "CIFAR10", _FakeCIFAR10)
    synthetic = torchvision_dataset("test", transform=transforms.ToTensor(), data_dir=tmp_path, offline=True)
    assert isinstance(synthetic, SyntheticImages) and len(synthetic) == 1000 and _FakeCIFAR10.calls == []
    image, label = synthetic[3]
    _, labels = make_synthetic("test")
    assert image.shape == (3, 32, 32) and image.dtype == torch.float32 and label == int(labels[3])
    assert "SINTÉTICO" in capsys.readouterr().out
    _write_imagefolder(tmp_path / "cifar10-jpg")
    folder = torchvision_dataset("train", data_dir=tmp_path, offline=True)
    assert isinstance(folder, ImageFolder) and len(folder) == 30 and folder[0][1] == 0
    with pytest.warns(UserWarning, match="No se pudo descargar CIFAR-10"):
        fallback = torchvision_dataset("train", data_dir=tmp_path / "vacía", offline=False)
    assert isinstance(fallback, SyntheticImages) and _FakeCIFAR10.calls == [True]


def test_data_functions_reject_wrong_types_shapes_and_ranges():
    images, labels = make_synthetic("test")
    dataset = CIFAR10Tensor(images, labels, "sintético", "test")
    with pytest.raises(ValueError, match="count debe ser al menos 1, pero vale -1"):
        dataset.few_per_class(-1)
    with pytest.raises(TypeError, match="count debe ser un número entero"):
        dataset.few_per_class(2.5)
    with pytest.raises(TypeError, match="batch_size debe ser un número entero"):
        make_loader(dataset, batch_size=2.5)
    with pytest.raises(ValueError, match="deben ser uint8 \\(de 0 a 255\\), pero son torch.int32"):
        BatchTransform()(images[:2].to(torch.int32))
    with pytest.raises(ValueError, match="parece que los canales van al final"):
        BatchTransform()(images[:2].permute(0, 2, 3, 1))
    with pytest.raises(TypeError, match="imágenes"):
        BatchTransform()(images[:2].numpy())


def test_a_hostile_pickle_in_the_torchvision_files_never_runs(tmp_path):
    """Los archivos de torchvision son pickles: sin su suma MD5 oficial, CIFAR10 no los abre y el curso sigue."""
    marker = tmp_path / "ejecutado"

    class Trap:
        def __reduce__(self):
            return (marker.mkdir, ())

    folder = _write_torchvision_format(tmp_path)
    (folder / "data_batch_1").write_bytes(pickle.dumps({"data": Trap(), "labels": []}))
    with pytest.warns(UserWarning, match="dañados o incompletos"):
        result = load_cifar10("train", data_dir=tmp_path, offline=True)
    assert not marker.exists(), "el código del pickle no se ha ejecutado"
    assert result.synthetic


# --- skip_or_fail_in_ci (tests/hygiene.py): en CI, una prueba que no puede ejecutarse falla ---------------


@pytest.mark.parametrize("value", ["true", "1", "TRUE"])
def test_skip_or_fail_in_ci_fails_in_ci(monkeypatch, value):
    monkeypatch.setenv("CI", value)
    assert in_ci()
    with pytest.raises(pytest.fail.Exception, match="En CI esta prueba debe ejecutarse, pero no puede: falta X"):
        skip_or_fail_in_ci("falta X")


@pytest.mark.parametrize("value", [None, "", "false", "0"])
def test_skip_or_fail_in_ci_skips_outside_ci(monkeypatch, value):
    if value is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", value)
    assert not in_ci()
    with pytest.raises(pytest.skip.Exception, match="falta X"):
        skip_or_fail_in_ci("falta X")


def test_without_the_real_copy_ci_fails_only_in_its_data_pass(monkeypatch, tmp_path):
    """Sin la copia de CIFAR-10, la prueba de la copia real falla en CI si existe ../shared/data y COURSE_DATA está
    fijada (la pasada de datos); sin COURSE_DATA (la del recién llegado) o sin ../shared, se salta."""
    monkeypatch.setenv("CI", "true")
    monkeypatch.setenv("COURSE_DATA", str(tmp_path / "sin-datos"))
    archive = tmp_path / "cifar10-jpg.tar.gz"
    monkeypatch.setitem(globals(), "SHARED_CIFAR10", archive)
    with pytest.raises(pytest.skip.Exception, match="Sin la copia de CIFAR-10"):
        test_real_cifar10_from_course_data()
    archive.write_bytes(b"")
    with pytest.raises(pytest.fail.Exception, match="En CI esta prueba debe ejecutarse"):
        test_real_cifar10_from_course_data()
    monkeypatch.delenv("COURSE_DATA")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache-vacia"))
    with pytest.raises(pytest.skip.Exception, match="Sin la copia de CIFAR-10"):
        test_real_cifar10_from_course_data()


def _order(loader) -> torch.Tensor:
    """Las etiquetas de una pasada completa por el cargador, en el orden en que salen."""
    return torch.cat([labels for _, labels in loader])


def test_shuffled_loader_order_depends_on_the_seed():
    """La misma semilla da el mismo orden; otra semilla, otro; y cada época se baraja de nuevo."""
    images, _ = make_synthetic("test", size=10)
    dataset = CIFAR10Tensor(images.repeat(10, 1, 1, 1)[:100], torch.arange(100) % 10, "sintético", "test")
    dataset.labels = torch.arange(100)  # cada imagen con una etiqueta distinta: la etiqueta dice de qué imagen es
    first = _order(make_loader(dataset, 16, shuffle=True, seed=1))
    assert torch.equal(first.sort().values, torch.arange(100)), "cada imagen sale una vez por época"
    assert not torch.equal(first, torch.arange(100)), "shuffle=True baraja"
    assert torch.equal(first, _order(make_loader(dataset, 16, shuffle=True, seed=1)))
    assert not torch.equal(first, _order(make_loader(dataset, 16, shuffle=True, seed=2))), "la semilla no cuenta"
    loader = make_loader(dataset, 16, shuffle=True, seed=1)
    assert not torch.equal(_order(loader), _order(loader)), "dos épocas seguidas salen en el mismo orden"
    assert torch.equal(_order(make_loader(dataset, 16)), torch.arange(100)), "sin shuffle, en orden"


def test_a_data_folder_that_is_a_file_is_named_when_falling_back_to_synthetic(tmp_path, capsys):
    not_a_folder = tmp_path / "cifar.txt"
    not_a_folder.write_text("no soy una carpeta")
    dataset = load_cifar10("test", data_dir=not_a_folder, offline=True)
    out = capsys.readouterr().out
    assert dataset.synthetic and f"La carpeta de datos, {not_a_folder}, es un archivo y no una carpeta" in out
    assert "Apunta COURSE_DATA a una carpeta" in out
    assert not_a_folder.read_text() == "no soy una carpeta"


def test_an_unreadable_data_folder_is_named_when_falling_back_to_synthetic(tmp_path, capsys, monkeypatch):
    folder = tmp_path / "datos"
    folder.mkdir()
    monkeypatch.setattr(data.os, "access", lambda path, mode: Path(path) != folder)  # root lo lee todo
    load_cifar10("test", data_dir=folder, offline=True)
    assert f"La carpeta de datos, {folder}, no se puede leer (no hay permiso)" in capsys.readouterr().out


def test_the_size_check_of_each_source_on_its_own():
    """Un ImageFolder puede tener de 1 imagen a la partición entera; las demás fuentes, exactamente la partición."""
    assert data._size_problem(50_000, "train", "imagefolder") is None
    assert data._size_problem(1, "test", "imagefolder") is None
    assert "hasta 10 000" in data._size_problem(0, "test", "imagefolder")
    assert "hasta 10 000" in data._size_problem(10_001, "test", "imagefolder")
    assert data._size_problem(10_000, "test", "torchvision") is None
    problem = data._size_problem(9_999, "test", "torchvision")
    assert problem.startswith("tiene 9999 imágenes y la partición de prueba debe tener 10 000"), problem


def test_validation_split_is_disjoint_reproducible_and_checked():
    images, labels = make_synthetic("train", 100)
    data = CIFAR10Tensor(images, labels, "sintético", "train")
    train, val = data.split_validation(20, seed=3)
    assert (len(train), len(val)) == (80, 20)
    again_train, again_val = data.split_validation(20, seed=3)
    assert torch.equal(val.images, again_val.images) and torch.equal(train.labels, again_train.labels)
    other = data.split_validation(20, seed=4)[1]
    assert not torch.equal(val.images, other.images), "otra semilla, otras imágenes de validación"
    # Ninguna imagen en los dos lados, y entre los dos están todas.
    rows = {bytes(image.flatten().tolist()) for image in train.images}
    assert not rows & {bytes(image.flatten().tolist()) for image in val.images}
    assert len(rows) + len(val) == len({bytes(image.flatten().tolist()) for image in data.images})
    for size in (0, 100, 250):
        with pytest.raises(ValueError, match=rf"entre 1 y 99 imágenes \(deja alguna para entrenar\), .* {size}"):
            data.split_validation(size)

"""CIFAR-10 en memoria: fuentes reales, caché con suma de verificación, lotes rápidos y datos sintéticos.

Orden de búsqueda de ``load_cifar10``:

1. la caché del curso (``<COURSE_DATA>/cache/cifar10-<split>.pt``), si existe y está íntegra;
2. el formato de torchvision (``<COURSE_DATA>/cifar-10-batches-py``), con ``torchvision.datasets.CIFAR10``;
3. un árbol ImageFolder (``<raíz>/train/<clase>/*.jpg`` y ``<raíz>/test/<clase>/*.jpg``), donde la raíz es
   ``COURSE_DATA`` o ``COURSE_DATA/cifar10-jpg``, con ``torchvision.datasets.ImageFolder``;
4. la descarga de torchvision, salvo con ``COURSE_OFFLINE=1``;
5. si nada de lo anterior funciona, un conjunto sintético con la forma de CIFAR-10, que se anuncia como tal.
"""

from __future__ import annotations

import hashlib
import os
import urllib.error
import warnings
from collections.abc import Sequence
from numbers import Integral
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

import numpy as np
import torch
from PIL import Image
from torch.utils.data import BatchSampler, DataLoader, Dataset, RandomSampler, SequentialSampler

if TYPE_CHECKING:
    from torchvision.datasets import CIFAR10

from course_utils.config import get_settings
from course_utils.files import atomic_write, os_reason, set_aside
from course_utils.formatting import format_number, format_percent
from course_utils.validation import (
    check_callable,
    check_channels_first,
    check_count,
    check_flag,
    check_images,
    check_integer,
    check_path,
    check_seed,
    check_tensor,
)

CLASSES_EN = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
CLASSES_ES = ("avión", "automóvil", "pájaro", "gato", "ciervo", "perro", "rana", "caballo", "barco", "camión")
SPLITS = ("train", "test")
SPLIT_NAMES_ES = {"train": "entrenamiento", "test": "prueba"}
SPLIT_SIZES = {"train": 50_000, "test": 10_000}
# Media y desviación típica de cada canal, medidas sobre las 50 000 imágenes de entrenamiento (copia JPEG).
MEAN = (0.4913, 0.4821, 0.4465)
STD = (0.2452, 0.2428, 0.2606)
SOURCES_ES = {
    "torchvision": "archivos de torchvision (cifar-10-batches-py)",
    "imagefolder": "carpeta de imágenes JPEG (ImageFolder)",
    "descarga": "descarga de torchvision",
    "sintético": "conjunto SINTÉTICO generado por el curso (no es CIFAR-10)",
}
SYNTHETIC_SIZES = {"train": 5_000, "test": 1_000}
_CACHE_VERSION = 1
_CACHE_FIELDS = ("version", "images", "labels", "source", "sha256")
_CACHE_SOURCES = ("torchvision", "imagefolder", "descarga")  # el conjunto sintético nunca se guarda


def _count(value: object) -> str:
    """Un número de imágenes pedido por quien llama: en español si es entero y, si no, tal cual llegó."""
    return format_number(value) if isinstance(value, Integral) and not isinstance(value, bool) else str(value)


class CIFAR10Tensor(Dataset):
    """CIFAR-10 decodificado en memoria: imágenes uint8 (N, 3, 32, 32) y etiquetas int64 (N,).

    Admite índices sueltos y listas de índices (un lote entero de una vez); ``transform`` se aplica a lo
    que se devuelve, sea una imagen o un lote.
    """

    def __init__(
        self,
        images: torch.Tensor,
        labels: torch.Tensor,
        source: str,
        split: str,
        transform=None,
        classes: Sequence[str] = CLASSES_ES,
    ):
        images, labels = check_tensor(images, "imágenes"), check_tensor(labels, "etiquetas")
        if transform is not None:
            check_callable(transform, "transform", "BatchTransform(flip=True)")
        if images.dtype != torch.uint8 or images.ndim != 4 or tuple(images.shape[1:]) != (3, 32, 32):
            raise ValueError(
                "Se esperaban imágenes uint8 de forma (N, 3, 32, 32), pero llegaron "
                f"{images.dtype} de forma {tuple(images.shape)}."
            )
        if labels.shape != (images.shape[0],):
            raise ValueError(f"Hay {format_number(images.shape[0])} imágenes pero {tuple(labels.shape)} etiquetas.")
        self.images, self.labels = images, labels.long()
        self.source, self.split, self.transform = source, split, transform
        self.classes = tuple(classes)

    @property
    def synthetic(self) -> bool:
        """True si los datos son el conjunto sintético y no CIFAR-10."""
        return self.source == "sintético"

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, index):
        images, labels = self.images[index], self.labels[index]
        if self.transform is not None:
            images = self.transform(images)
        return images, labels

    def __repr__(self) -> str:
        return (
            f"CIFAR10Tensor(split={self.split!r}, imágenes={format_number(len(self))}, origen={self.source!r}, "
            f"transform={self.transform!r})"
        )

    def _take(self, index: torch.Tensor, labels: torch.Tensor | None = None, classes=None) -> CIFAR10Tensor:
        labels = self.labels[index] if labels is None else labels
        classes = self.classes if classes is None else classes
        return CIFAR10Tensor(self.images[index], labels, self.source, self.split, self.transform, classes)

    def with_transform(self, transform) -> CIFAR10Tensor:
        """El mismo conjunto (sin copiar los tensores) con otra transformación."""
        return CIFAR10Tensor(self.images, self.labels, self.source, self.split, transform, self.classes)

    def subset(self, size: int, seed: int = 0) -> CIFAR10Tensor:
        """Un subconjunto aleatorio (reproducible con ``seed``) de ``size`` imágenes."""
        size = check_integer(size, "size")
        seed = check_seed(seed)
        if not 0 < size <= len(self):
            raise ValueError(
                f"El subconjunto debe tener entre 1 y {format_number(len(self))} imágenes, pero se pidieron "
                f"{_count(size)}."
            )
        return self._take(torch.randperm(len(self), generator=torch.Generator().manual_seed(seed))[:size])

    def split_validation(self, size: int, seed: int = 0) -> tuple[CIFAR10Tensor, CIFAR10Tensor]:
        """Aparta ``size`` imágenes al azar (reproducible con ``seed``): devuelve (entrenamiento, validación)."""
        size = check_integer(size, "size")
        seed = check_seed(seed)
        if not 0 < size < len(self):
            raise ValueError(
                f"La validación debe tener entre 1 y {format_number(len(self) - 1)} imágenes (deja alguna para "
                f"entrenar), pero se pidieron {_count(size)}."
            )
        order = torch.randperm(len(self), generator=torch.Generator().manual_seed(seed))
        return self._take(order[size:].sort().values), self._take(order[:size].sort().values)

    def select_classes(self, labels: Sequence[int]) -> CIFAR10Tensor:
        """Solo las imágenes de esas clases, con las etiquetas renumeradas 0, 1, 2… en ese orden."""
        if isinstance(labels, torch.Tensor | np.ndarray):
            labels = labels.tolist()
        if isinstance(labels, str | bytes) or not isinstance(labels, Sequence):
            raise TypeError(f"Se esperaba una lista de etiquetas (como [0, 1, 2]), pero llegó {type(labels).__name__}.")
        labels = [check_integer(label, "Cada etiqueta de select_classes") for label in labels]
        if not labels or any(not 0 <= k < len(self.classes) for k in labels) or len(set(labels)) != len(labels):
            raise ValueError(
                f"Se esperaban etiquetas distintas entre 0 y {len(self.classes) - 1}, pero llegó {labels}."
            )
        keep = torch.isin(self.labels, torch.tensor(labels))
        remap = torch.full((len(self.classes),), -1, dtype=torch.long)
        remap[labels] = torch.arange(len(labels))
        return self._take(keep.nonzero().flatten(), remap[self.labels[keep]], [self.classes[k] for k in labels])

    def few_per_class(self, count: int, seed: int = 0) -> CIFAR10Tensor:
        """``count`` imágenes al azar de cada clase (reproducible con ``seed``)."""
        count = check_count(count, "count")
        seed = check_seed(seed)
        order = torch.randperm(len(self), generator=torch.Generator().manual_seed(seed))
        chosen = []
        for label in range(len(self.classes)):
            of_class = order[self.labels[order] == label][:count]
            if len(of_class) < count:
                raise ValueError(
                    f"La clase {self.classes[label]} solo tiene {format_number(len(of_class))} imágenes; "
                    f"se pidieron {_count(count)}."
                )
            chosen.append(of_class)
        return self._take(torch.cat(chosen))


class BatchTransform:
    """Pasa un lote uint8 a float normalizado y, si se pide, lo aumenta imagen a imagen.

    El aumento clásico de CIFAR-10: recorte aleatorio de 32×32 tras rellenar con ``crop_padding`` píxeles
    negros por cada lado, y volteo horizontal con probabilidad 1/2 (``flip``). Cada imagen del lote recibe
    su propio recorte y su propio volteo, con operaciones sobre el lote entero y un generador con semilla.
    """

    def __init__(
        self,
        flip: bool = False,
        crop_padding: int = 0,
        mean: Sequence[float] = MEAN,
        std: Sequence[float] = STD,
        seed: int = 0,
    ):
        crop_padding = check_integer(crop_padding, "crop_padding")
        if not 0 <= crop_padding <= 64:
            raise ValueError(f"crop_padding debe ir de 0 a 64 píxeles (con CIFAR-10, 4), pero vale {crop_padding}.")
        channels = []
        for values, name in ((mean, "mean"), (std, "std")):
            try:
                tensor = torch.as_tensor(values, dtype=torch.float32).reshape(-1)
            except (TypeError, ValueError, RuntimeError):
                tensor = torch.empty(0)
            if isinstance(values, str) or tensor.numel() != 3 or not torch.isfinite(tensor).all():
                raise ValueError(f"{name} debe tener 3 números, uno por canal (R, G, B), pero llegó {values!r}.")
            channels.append(tensor.view(1, 3, 1, 1))
        if (channels[1] <= 0).any():
            raise ValueError(f"std debe tener 3 números positivos (se divide entre ellos), pero llegó {std!r}.")
        seed = check_seed(seed)
        self.flip, self.crop_padding = check_flag(flip, "flip"), crop_padding
        self.mean, self.std = channels
        self.generator = torch.Generator().manual_seed(seed)

    def __repr__(self) -> str:
        return f"BatchTransform(flip={self.flip}, crop_padding={self.crop_padding})"

    def __call__(self, images: torch.Tensor) -> torch.Tensor:
        images = check_tensor(images, "imágenes")
        single = images.ndim == 3
        if single and images.shape[0] != 3 and images.shape[-1] == 3:
            raise ValueError(
                f"Se esperaba una imagen (3, H, W), pero llegó la forma {tuple(images.shape)}: parece que los canales "
                "van al final; usa imagen.permute(2, 0, 1)."
            )
        batch = images.unsqueeze(0) if single else images
        check_channels_first(batch)
        if images.is_floating_point() and images.numel():
            check_images(batch)  # sin nan ni infinitos, y no floats de 0 a 255
        if not images.dtype.is_floating_point and images.dtype != torch.uint8:
            raise ValueError(
                f"Las imágenes con números enteros deben ser uint8 (de 0 a 255), pero son {images.dtype}: "
                "conviértelas con imagenes.to(torch.uint8), o pásalas a reales de 0 a 1."
            )
        if batch.ndim != 4 or batch.shape[1] != 3:
            raise ValueError(
                f"Se esperaba una imagen (3, H, W) o un lote (N, 3, H, W), pero llegó {tuple(images.shape)}."
            )
        # Siempre una copia nueva en float32: las operaciones «_» de abajo nunca tocan la entrada.
        batch = batch.to(torch.float32, copy=True)
        if images.dtype == torch.uint8:
            batch.div_(255)
        if self.crop_padding:
            batch = self._random_crop(batch)
        if self.flip:
            batch = self._random_flip(batch)
        batch.sub_(self.mean).div_(self.std)
        return batch.squeeze(0) if single else batch

    def _random_crop(self, batch: torch.Tensor) -> torch.Tensor:
        p, (n, _, height, width) = self.crop_padding, batch.shape
        padded = torch.nn.functional.pad(batch, (p, p, p, p))
        # Todas las ventanas de height×width como una vista (sin copiar): (N, 3, 2p+1, 2p+1, H, W).
        windows = padded.unfold(2, height, 1).unfold(3, width, 1)
        tops = torch.randint(0, 2 * p + 1, (n,), generator=self.generator)
        lefts = torch.randint(0, 2 * p + 1, (n,), generator=self.generator)
        return windows[torch.arange(n), :, tops, lefts]

    def _random_flip(self, batch: torch.Tensor) -> torch.Tensor:
        flip = torch.rand(batch.shape[0], generator=self.generator) < 0.5
        batch[flip] = batch[flip].flip(3)
        return batch


def make_loader(
    dataset: Dataset, batch_size: int = 256, shuffle: bool = False, seed: int = 0, num_batches: int | None = None
) -> DataLoader:
    """Un DataLoader que pide al conjunto lotes enteros (una lista de índices) en vez de imagen a imagen.

    Con ``num_batches`` da exactamente ese número de lotes barajados, recorriendo el conjunto (cada vez en otro
    orden) tantas veces como haga falta: con pocas imágenes, ``fit`` entrena esos pasos en una sola época.
    """
    if isinstance(dataset, torch.Tensor) or not hasattr(dataset, "__len__") or not hasattr(dataset, "__getitem__"):
        raise TypeError(
            "Se esperaba un conjunto de datos que dé (imágenes, etiquetas), como un CIFAR10Tensor o un "
            f"TensorDataset(imagenes, etiquetas), pero llegó {type(dataset).__name__}."
        )
    if len(dataset) == 0:
        raise ValueError("El conjunto de datos está vacío: no hay ningún lote que sacar.")
    if isinstance(batch_size, Integral) and not isinstance(batch_size, bool) and batch_size < 1:
        raise ValueError(f"batch_size debe ser un entero positivo, pero vale {batch_size}.")
    batch_size = check_count(batch_size, "batch_size")
    check_flag(shuffle, "shuffle")
    seed = check_seed(seed)
    if num_batches is not None:
        num_samples = check_count(num_batches, "num_batches") * batch_size
        sampler = RandomSampler(dataset, num_samples=num_samples, generator=torch.Generator().manual_seed(seed))
    elif shuffle:
        sampler = RandomSampler(dataset, generator=torch.Generator().manual_seed(seed))
    else:
        sampler = SequentialSampler(dataset)
    return DataLoader(dataset, sampler=BatchSampler(sampler, batch_size, drop_last=False), batch_size=None)


def _check_split(split: str) -> None:
    if split not in SPLITS:
        raise ValueError(f"split debe ser 'train' o 'test', pero llegó {split!r}.")


def cache_path(data_dir: Path, split: str) -> Path:
    """Dónde guarda el curso la partición ya decodificada."""
    return Path(data_dir) / "cache" / f"cifar10-{split}.pt"


def _checksum(images: torch.Tensor, labels: torch.Tensor) -> str:
    digest = hashlib.sha256(memoryview(images.contiguous().numpy()).cast("B"))
    digest.update(memoryview(labels.contiguous().numpy()).cast("B"))
    return digest.hexdigest()


def _write_cache(path: Path, images: torch.Tensor, labels: torch.Tensor, source: str) -> None:
    """Escribe la caché de golpe (``atomic_write``): o queda entera o no queda nada nuevo."""
    payload = {
        "version": _CACHE_VERSION,
        "images": images,
        "labels": labels,
        "source": source,
        "sha256": _checksum(images, labels),
    }
    atomic_write(path, lambda temporary: torch.save(payload, temporary), overwrite=True)


_UNWRITABLE_FOLDERS: set[Path] = set()


def _save_cache(path: Path, images: torch.Tensor, labels: torch.Tensor, source: str) -> None:
    """Guarda la caché; si la carpeta no admite escritura, lo avisa una sola vez y sigue con los datos en memoria."""
    try:
        _write_cache(path, images, labels, source)
    except OSError as error:
        folder = path.parent
        if folder in _UNWRITABLE_FOLDERS:
            return
        _UNWRITABLE_FOLDERS.add(folder)
        warnings.warn(
            f"No se ha podido guardar nada en la caché de {folder} ({os_reason(error)}): uso los datos desde "
            "la memoria y se volverán a decodificar en cada carga. Para tener caché, apunta COURSE_DATA a una "
            "carpeta en la que se pueda escribir.",
            stacklevel=3,
        )


def _describe(value: object) -> str:
    """Qué es ``value``, en pocas palabras: el tipo y la forma de un tensor, o el tipo de lo demás."""
    if isinstance(value, torch.Tensor):
        return f"{str(value.dtype).removeprefix('torch.')} de forma {tuple(value.shape)}"
    return type(value).__name__


def _size_problem(count: int, split: str, source: str) -> str | None:
    """Si ``count`` imágenes no cuadran con la partición: completa, salvo en un ImageFolder (puede ser menor)."""
    expected = SPLIT_SIZES[split]
    if (0 < count <= expected) if source == "imagefolder" else count == expected:
        return None
    limit = "hasta " if source == "imagefolder" else ""
    return (
        f"tiene {format_number(count)} imágenes y la partición de {SPLIT_NAMES_ES[split]} debe tener "
        f"{limit}{format_number(expected)} (origen: {SOURCES_ES[source]})"
    )


def _tensors_problem(images: object, labels: object, split: str, source: str) -> str | None:
    """Qué falla (en español) en las imágenes y etiquetas de una caché, o None si están bien."""
    is_tensor = isinstance(images, torch.Tensor)
    if not is_tensor or images.dtype != torch.uint8 or images.ndim != 4 or images.shape[1:] != (3, 32, 32):
        return f"las imágenes deben ser uint8 de forma (N, 3, 32, 32), pero son {_describe(images)}"
    if not isinstance(labels, torch.Tensor) or labels.dtype != torch.int64 or labels.ndim != 1:
        return f"las etiquetas deben ser int64 de forma (N,), pero son {_describe(labels)}"
    if len(labels) != len(images):
        return f"hay {format_number(len(images))} imágenes pero {format_number(len(labels))} etiquetas"
    if (problem := _size_problem(len(labels), split, source)) is not None:
        return problem
    low, high = int(labels.min()), int(labels.max())
    if low < 0 or high > 9:
        return f"hay etiquetas fuera de 0–9 (van de {format_number(low)} a {format_number(high)})"
    return None


def _cache_problem(payload: object, split: str) -> str | None:
    """Por qué ``payload`` no sirve como caché de ``split`` (en español), o None si está íntegra."""
    if not isinstance(payload, dict):
        return f"contiene {type(payload).__name__} en vez de un diccionario"
    missing = [field for field in _CACHE_FIELDS if field not in payload]
    if missing:
        return f"le faltan los campos {', '.join(missing)}"
    version, source, digest = payload["version"], payload["source"], payload["sha256"]
    if type(version) is not int or version != _CACHE_VERSION:
        return f"es de la versión {version!r} y el curso usa la {_CACHE_VERSION}"
    if not isinstance(source, str) or source not in _CACHE_SOURCES:
        shown = repr(source) if isinstance(source, str) else _describe(source)
        return f"su origen ({shown}) no es una fuente del curso"
    images, labels = payload["images"], payload["labels"]
    if (problem := _tensors_problem(images, labels, split, source)) is not None:
        return problem
    if not isinstance(digest, str) or _checksum(images, labels) != digest:
        return "la suma de verificación no coincide"
    return None


def _set_cache_aside(path: Path, problem: str) -> None:
    """Aparta (renombra, no borra) una caché inservible y avisa en español con el archivo y el motivo."""
    try:
        where = f"la aparto como {set_aside(path).name}"
    except OSError as error:
        where = f"no se ha podido apartar ({os_reason(error)})"
    warnings.warn(
        f"La caché {path} está dañada o incompleta: {problem}; {where} y la reconstruyo desde los datos originales.",
        stacklevel=4,
    )


def _read_cache(path: Path, split: str) -> tuple[torch.Tensor, torch.Tensor, str] | None:
    """Lee y valida la caché de ``split``; si no sirve, la aparta, lo avisa y devuelve None para reconstruirla."""
    if not path.exists():
        return None
    try:
        with warnings.catch_warnings():  # los avisos en inglés de torch.load sobran: el curso da el suyo
            warnings.simplefilter("ignore")
            payload = torch.load(path, map_location="cpu", weights_only=True)  # nunca ejecuta código del archivo
    except Exception as error:  # noqa: BLE001 - cualquier fallo de lectura significa caché inservible
        problem = f"no se puede leer como caché del curso ({type(error).__name__})"
    else:
        problem = _cache_problem(payload, split)
    if problem is not None:
        _set_cache_aside(path, problem)
        return None
    return payload["images"], payload["labels"], payload["source"]


def _datasets() -> ModuleType:
    """torchvision.datasets, importado solo al leer sus formatos: importarlo cuesta más de un segundo."""
    import torchvision.datasets

    return torchvision.datasets


def _from_torchvision(split: str, data_dir: Path) -> tuple[torch.Tensor, torch.Tensor] | None:
    """Lee el formato propio de torchvision si está en la carpeta de datos."""
    if not (data_dir / "cifar-10-batches-py").is_dir():
        return None
    try:
        dataset = _datasets().CIFAR10(root=str(data_dir), train=split == "train", download=False)
    except RuntimeError:
        warnings.warn(
            "Los archivos de torchvision en cifar-10-batches-py están dañados o incompletos; "
            "busco otra fuente (y, con conexión, la descarga los repara).",
            stacklevel=3,
        )
        return None
    return _from_cifar10(dataset)


def _from_cifar10(dataset: CIFAR10) -> tuple[torch.Tensor, torch.Tensor]:
    """Imágenes (N, 3, 32, 32) y etiquetas de un ``torchvision.datasets.CIFAR10`` ya cargado."""
    return _from_numpy_hwc(dataset.data), torch.tensor(dataset.targets)


def _from_numpy_hwc(array: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(array)).permute(0, 3, 1, 2).contiguous()


def find_imagefolder_root(data_dir: Path) -> Path | None:
    """La raíz de un árbol ImageFolder (con ``train/`` o ``test/``) en la carpeta de datos, si la hay."""
    for root in (data_dir, data_dir / "cifar10-jpg"):
        if (root / "train").is_dir() or (root / "test").is_dir():
            return root
    return None


def load_imagefolder(root: Path, split: str) -> tuple[torch.Tensor, torch.Tensor]:
    """Decodifica ``<root>/<split>/<clase>/*.jpg`` con ImageFolder; las clases deben ser las de CIFAR-10."""
    _check_split(split)
    folder = Path(root) / split
    if not folder.is_dir():
        found = sorted(p.name for p in Path(root).iterdir() if p.is_dir()) if Path(root).is_dir() else []
        raise FileNotFoundError(
            f"Se esperaba la carpeta '{split}/' dentro de la raíz ImageFolder, pero solo hay: {found or 'nada'}."
        )
    classes = sorted(p.name for p in folder.iterdir() if p.is_dir())
    if tuple(classes) != CLASSES_EN:
        missing = [c for c in CLASSES_EN if c not in classes]
        extra = [c for c in classes if c not in CLASSES_EN]
        raise ValueError(
            f"La carpeta '{split}/' debe tener una subcarpeta por clase de CIFAR-10 {list(CLASSES_EN)}; "
            f"faltan {missing} y sobran {extra}."
        )
    dataset = _datasets().ImageFolder(str(folder))
    images = np.empty((len(dataset.samples), 32, 32, 3), dtype=np.uint8)
    bad = []
    for index, (path, _) in enumerate(dataset.samples):
        decoded = _read_image(Path(path))
        if decoded is None:
            bad.append(index)
        else:
            images[index] = decoded
    targets = torch.tensor(dataset.targets)
    if bad:
        keep = _skip_unreadable(folder, [Path(dataset.samples[i][0]) for i in bad], targets, bad)
        return _from_numpy_hwc(images[keep.numpy()]), targets[keep]
    return _from_numpy_hwc(images), targets


_MAX_UNREADABLE = 0.01  # más de un 1 % de imágenes ilegibles deja la partición inservible
_NAMED_UNREADABLE = 5  # cuántos archivos ilegibles se nombran, uno a uno


def _read_image(path: Path) -> np.ndarray | None:
    """Los píxeles RGB (32, 32, 3) de ``path``, o None si el archivo está truncado o no es una imagen."""
    try:
        with Image.open(path) as image:
            size = image.size
            if size == (32, 32):
                return np.asarray(image.convert("RGB"))
    except (OSError, SyntaxError, ValueError):  # lo que lanza PIL con un archivo truncado o que no es imagen
        return None
    raise ValueError(f"Se esperaban imágenes de 32×32, pero {path.name} mide {size}.")


def _unreadable(count: int) -> str:
    """«1 imagen ilegible» o «N imágenes ilegibles», con el número en español."""
    return "1 imagen ilegible" if count == 1 else f"{format_number(count)} imágenes ilegibles"


def _skip_unreadable(folder: Path, paths: list[Path], targets: torch.Tensor, bad: list[int]) -> torch.Tensor:
    """Avisa de cada imagen ilegible y devuelve qué imágenes quedan; si son demasiadas, lanza un error."""
    keep = torch.ones(len(targets), dtype=torch.bool)
    keep[bad] = False
    names = [str(path.relative_to(folder.parent)) for path in paths]
    empty = [CLASSES_EN[k] for k in range(len(CLASSES_EN)) if not (targets[keep] == k).any()]
    over = len(bad) > _MAX_UNREADABLE * len(targets)
    if over or empty:
        shown = ", ".join(names[:_NAMED_UNREADABLE]) + ("…" if len(names) > _NAMED_UNREADABLE else "")
        reasons = [f"más del {format_percent(_MAX_UNREADABLE, 0)}"] if over else []
        reasons += [f"la clase {name} se queda sin imágenes" for name in empty]
        raise ValueError(
            f"En {folder} hay {_unreadable(len(bad))} de {format_number(len(targets))}, demasiadas para usar "
            f"la partición ({'; '.join(reasons)}): {shown}. Vuelve a copiar esas imágenes o el conjunto entero."
        )
    for name in names[:_NAMED_UNREADABLE]:
        warnings.warn(f"La imagen {name} está truncada o no es una imagen: me la salto.", stacklevel=4)
    named = f" (solo se nombran las {_NAMED_UNREADABLE} primeras)" if len(names) > _NAMED_UNREADABLE else ""
    skipped = "se ha saltado 1 imagen ilegible" if len(bad) == 1 else f"se han saltado {_unreadable(len(bad))}"
    warnings.warn(f"En {folder} {skipped}{named}; quedan {format_number(int(keep.sum()))}.", stacklevel=4)
    return keep


def _download(split: str, data_dir: Path) -> tuple[torch.Tensor, torch.Tensor] | None:
    """Descarga CIFAR-10 con torchvision; devuelve None si no hay red."""
    try:
        dataset = _datasets().CIFAR10(root=str(data_dir), train=split == "train", download=True)
    except (urllib.error.URLError, OSError, RuntimeError) as error:
        warnings.warn(f"No se pudo descargar CIFAR-10 ({error}).", stacklevel=3)
        return None
    return _from_cifar10(dataset)


def make_synthetic(split: str, size: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Imágenes sintéticas de 32×32 con 10 clases que se pueden aprender, pero no de un vistazo.

    Cada imagen es un fondo de color con un parche redondo de textura en una posición al azar. La textura
    (rayas verticales, horizontales o diagonales, cuadros o anillos) distingue las clases 0–4 entre sí, y las
    5–9 entre sí, con las mismas cinco texturas; la clase k y la k + 5 solo se distinguen por el fondo, de
    colores cálidos en las cinco primeras y fríos en las otras cinco; dentro de cada mitad, el tono solo da una
    pista (el preferido de cada clase sale en el 60 % de sus imágenes). Así, lo que una red aprende con las
    clases 0–4 le sirve para las 5–9.
    Cada imagen varía al azar la posición y el tamaño del parche, la fase, la frecuencia y un pequeño giro de
    la textura, su contraste y su tinte, el tono y el brillo del fondo, y lleva bastante ruido. Es
    determinista: la misma partición da siempre las mismas imágenes, con las etiquetas equilibradas.
    """
    _check_split(split)
    size = SYNTHETIC_SIZES[split] if size is None else check_count(size, "size")
    generator = torch.Generator().manual_seed(1234 if split == "train" else 5678)
    labels = torch.arange(size) % 10
    labels = labels[torch.randperm(size, generator=generator)]

    def uniform(*shape: int) -> torch.Tensor:
        return torch.rand(*shape, generator=generator)

    # Por clase: textura (0 verticales, 1 horizontales, 2 diagonales, 3 cuadros, 4 anillos) y familia de colores.
    kind = (labels % 5).view(-1, 1, 1)
    frequency = (0.6 + 0.6 * uniform(size)).view(-1, 1, 1)
    warm = torch.tensor([[0.75, 0.35, 0.3], [0.7, 0.65, 0.3], [0.6, 0.35, 0.65]])
    cool = torch.tensor([[0.3, 0.6, 0.35], [0.3, 0.4, 0.75], [0.3, 0.65, 0.7]])
    # El tono preferido de cada clase sale en el 60 % de sus imágenes: el color da una pista, no la respuesta.
    preferred = uniform(size) < 0.6
    shade = torch.where(preferred, labels % 3, torch.randint(0, 3, (size,), generator=generator))
    background = torch.where((labels < 5).view(-1, 1), warm[shade], cool[shade])
    ys, xs = torch.meshgrid(torch.arange(32.0), torch.arange(32.0), indexing="ij")
    dy, dx = ys - (8 + 16 * uniform(size, 1, 1)), xs - (8 + 16 * uniform(size, 1, 1))  # centro del parche
    phase = 2 * torch.pi * uniform(size, 1, 1)
    diagonal_sign = torch.where(uniform(size, 1, 1) < 0.5, 1.0, -1.0)  # «/» o «\»: el volteo no cambia la clase
    tilt = 0.3 * (uniform(size, 1, 1) - 0.5)  # un giro de hasta ±8,6°
    u = dx * torch.cos(tilt) - dy * torch.sin(tilt)
    v = dx * torch.sin(tilt) + dy * torch.cos(tilt)
    textures = torch.stack(
        [
            torch.sin(frequency * u + phase),
            torch.sin(frequency * v + phase),
            torch.sin(frequency * (u + diagonal_sign * v) / 2**0.5 + phase),
            1.6 * torch.sin(frequency * u + phase) * torch.sin(frequency * v + phase),
            torch.sin(frequency * torch.sqrt(u**2 + v**2) + phase),
        ]
    )
    pattern = textures.gather(0, kind.unsqueeze(0).expand(1, size, 32, 32)).squeeze(0)
    radius = 9 + 4 * uniform(size, 1, 1)
    window = torch.sigmoid(1.5 * (radius - torch.sqrt(dx**2 + dy**2)))  # parche redondo de borde suave
    contrast = 0.12 + 0.18 * uniform(size, 1, 1)
    background = (background + 0.08 * (2 * uniform(size, 3) - 1)) * (0.7 + 0.5 * uniform(size, 1))
    tint = 0.7 + 0.6 * uniform(size, 3, 1, 1)  # la textura pesa distinto en cada canal
    images = background.view(-1, 3, 1, 1) + (contrast * window * pattern).unsqueeze(1) * tint
    images = images + 0.12 * torch.randn(size, 3, 32, 32, generator=generator)
    return (images.clamp(0, 1) * 255).round().to(torch.uint8), labels


def _announce(split: str, source: str, size: int, from_cache: bool) -> None:
    """Una línea en español que dice de dónde salen los datos."""
    cached = " (leído de la caché del curso)" if from_cache else ""
    print(f"CIFAR-10, {SPLIT_NAMES_ES[split]}: {format_number(size)} imágenes desde {SOURCES_ES[source]}{cached}.")


def _folder_problem(data_dir: Path) -> str | None:
    """Por qué ``data_dir`` no sirve como carpeta de datos (es un archivo, no se puede leer…), o None si sirve."""
    if data_dir.is_file():
        return f"La carpeta de datos, {data_dir}, es un archivo y no una carpeta"
    if data_dir.is_dir() and not os.access(data_dir, os.R_OK | os.X_OK):
        return f"La carpeta de datos, {data_dir}, no se puede leer (no hay permiso)"
    return None


def _announce_synthetic(split: str, size: int, data_dir: Path, offline: bool) -> None:
    """Una línea en español: por qué se usa el conjunto sintético y qué hacer para tener CIFAR-10."""
    if (problem := _folder_problem(data_dir)) is not None:
        print(
            f"{problem}: uso un {SOURCES_ES['sintético']}, {SPLIT_NAMES_ES[split]}, {format_number(size)} "
            "imágenes. Apunta COURSE_DATA a una carpeta en la que se pueda leer y escribir (o quítala para usar "
            "la de siempre)."
        )
        return
    if offline:
        why = "el modo sin conexión (COURSE_OFFLINE=1) no lo descarga"
        todo = "ejecuta una vez con conexión y sin COURSE_OFFLINE=1"
    else:
        why = "no se ha podido descargar (¿no hay conexión?)"
        todo = "conéctate a internet y vuelve a ejecutar la celda"
    print(
        f"CIFAR-10 no está en la carpeta de datos ({data_dir}) y {why}: uso un {SOURCES_ES['sintético']}, "
        f"{SPLIT_NAMES_ES[split]}, {format_number(size)} imágenes. Para los datos reales, {todo} (se descargan "
        "solos, unos 170 MB), o copia CIFAR-10 en esa carpeta (COURSE_DATA)."
    )


def load_cifar10(
    split: str = "train",
    data_dir: str | Path | None = None,
    offline: bool | None = None,
    transform=None,
) -> CIFAR10Tensor:
    """Carga una partición de CIFAR-10 ('train' o 'test') desde la mejor fuente disponible."""
    _check_split(split)
    settings = get_settings()
    data_dir = check_path(data_dir, "data_dir") if data_dir is not None else settings.data_dir
    offline = settings.offline if check_flag(offline, "offline", allow_none=True) is None else offline
    cache = cache_path(data_dir, split)
    cached = _read_cache(cache, split)
    if cached is not None:
        images, labels, source = cached
        _announce(split, source, len(labels), from_cache=True)
        return CIFAR10Tensor(images, labels, source, split, transform)
    loaded, source = _from_torchvision(split, data_dir), "torchvision"
    if loaded is None and (root := find_imagefolder_root(data_dir)) is not None:
        loaded, source = load_imagefolder(root, split), "imagefolder"
    if loaded is None and not offline:
        loaded, source = _download(split, data_dir), "descarga"
    if loaded is None:
        images, labels = make_synthetic(split)
        _announce_synthetic(split, len(labels), data_dir, offline)
        return CIFAR10Tensor(images, labels, "sintético", split, transform)
    images, labels = loaded
    _save_cache(cache, images, labels, source)
    _announce(split, source, len(labels), from_cache=False)
    return CIFAR10Tensor(images, labels, source, split, transform)


class SyntheticImages(Dataset):
    """El conjunto sintético como un Dataset estándar: una imagen PIL y su etiqueta por índice."""

    def __init__(self, split: str, transform=None):
        self.images, self.labels = make_synthetic(split)
        self.transform = transform

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, index: int) -> tuple[object, int]:
        image = Image.fromarray(self.images[index].permute(1, 2, 0).numpy())
        return (self.transform(image) if self.transform else image), int(self.labels[index])


def torchvision_dataset(
    split: str = "train", transform=None, data_dir: str | Path | None = None, offline: bool | None = None
) -> Dataset:
    """CIFAR-10 como Dataset estándar de torchvision (una imagen PIL por índice), de la fuente disponible.

    Con los archivos de torchvision o con conexión, ``torchvision.datasets.CIFAR10``; con la copia JPEG,
    ``ImageFolder``; sin datos ni conexión, el conjunto sintético (y lo anuncia).
    """
    _check_split(split)
    settings = get_settings()
    data_dir = check_path(data_dir, "data_dir") if data_dir is not None else settings.data_dir
    offline = settings.offline if check_flag(offline, "offline", allow_none=True) is None else offline
    train = split == "train"
    if (data_dir / "cifar-10-batches-py").is_dir():
        return _datasets().CIFAR10(root=str(data_dir), train=train, download=False, transform=transform)
    if (root := find_imagefolder_root(data_dir)) is not None and (root / split).is_dir():
        return _datasets().ImageFolder(str(root / split), transform=transform)
    if not offline:
        try:
            return _datasets().CIFAR10(root=str(data_dir), train=train, download=True, transform=transform)
        except (urllib.error.URLError, OSError, RuntimeError) as error:
            warnings.warn(f"No se pudo descargar CIFAR-10 ({error}).", stacklevel=2)
    dataset = SyntheticImages(split, transform)
    _announce_synthetic(split, len(dataset), data_dir, offline)
    return dataset

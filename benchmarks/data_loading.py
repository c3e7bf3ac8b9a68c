"""Compara, en una misma ejecución y sobre los mismos datos, una época de lotes por dos caminos.

- Estándar: ``ImageFolder`` con ``RandomHorizontalFlip`` + ``ToTensor`` + ``Normalize`` imagen a imagen, a
  través de ``DataLoader(batch_size=256, shuffle=True)``.
- Curso: la partición decodificada una vez en un tensor uint8 (caché), normalizada y volteada por lotes.

También mide la primera carga (decodificar y guardar la caché) y una carga desde la caché.
Uso: ``python benchmarks/data_loading.py [RAÍZ_IMAGEFOLDER]``. Sin argumento busca la copia JPEG en
COURSE_DATA y, si no está, extrae ``../shared/data/cifar10-jpg.tar.gz`` en una carpeta temporal.
La última línea es un objeto JSON con las cifras.
"""

from __future__ import annotations

import json
import sys
import tarfile
import tempfile
import time
from pathlib import Path

import torch
from torch.utils.data import DataLoader
from torchvision import datasets, transforms

from course_utils import data
from course_utils.config import get_settings

ARCHIVE = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "cifar10-jpg.tar.gz"


def find_root(workdir: Path, root: Path | None = None) -> Path:
    """La raíz ImageFolder de CIFAR-10: la indicada (o el primer argumento), COURSE_DATA o ../shared extraído."""
    if root is not None:
        return root
    if len(sys.argv) > 1 and not sys.argv[1].startswith("-"):
        return Path(sys.argv[1])
    root = data.find_imagefolder_root(get_settings().data_dir)
    if root is not None:
        return root
    if not ARCHIVE.exists():
        sys.exit("No encuentro CIFAR-10 en formato ImageFolder: pasa su carpeta como argumento.")
    with tarfile.open(ARCHIVE) as archive:
        archive.extractall(workdir, filter="data")
    return workdir / "cifar10-jpg"


def linked_data_dir(workdir: Path, root: Path | None = None) -> tuple[Path, Path]:
    """(raíz ImageFolder, carpeta de datos vacía que la enlaza): el curso hará allí su propia caché."""
    root = find_root(workdir, root)
    data_dir = workdir / "datos"
    data_dir.mkdir()
    (data_dir / "cifar10-jpg").symlink_to(root.resolve(), target_is_directory=True)
    return root, data_dir


def epoch_seconds(loader) -> tuple[float, int]:
    start, seen = time.perf_counter(), 0
    for _images, labels in loader:
        seen += len(labels)
    return time.perf_counter() - start, seen


def main() -> None:
    torch.set_num_threads(2)
    with tempfile.TemporaryDirectory() as workdir:
        root, cache_dir = linked_data_dir(Path(workdir))

        start = time.perf_counter()
        data.load_cifar10("train", data_dir=cache_dir, offline=True)
        first_load = time.perf_counter() - start
        start = time.perf_counter()
        train = data.load_cifar10("train", data_dir=cache_dir, offline=True)
        cached_load = time.perf_counter() - start

        standard = datasets.ImageFolder(
            str(root / "train"),
            transform=transforms.Compose(
                [
                    transforms.RandomHorizontalFlip(),
                    transforms.ToTensor(),
                    transforms.Normalize(data.MEAN, data.STD),
                ]
            ),
        )
        standard_s, standard_n = epoch_seconds(DataLoader(standard, batch_size=256, shuffle=True))
        course = train.with_transform(data.BatchTransform(flip=True))
        course_s, course_n = epoch_seconds(data.make_loader(course, batch_size=256, shuffle=True))

    assert standard_n == course_n == 50_000, (standard_n, course_n)
    print(f"Primera carga (decodificar 50 000 JPEG y guardar la caché): {first_load:.2f} s")
    print(f"Carga desde la caché:                                     {cached_load:.3f} s")
    print(f"Una época, camino estándar (ImageFolder + DataLoader):     {standard_s:.2f} s")
    print(f"Una época, camino del curso (tensor en memoria):          {course_s:.3f} s")
    print(f"Aceleración de la época: {standard_s / course_s:.1f}×")
    print(
        json.dumps(
            {
                "standard_epoch_s": round(standard_s, 3),
                "course_epoch_s": round(course_s, 3),
                "speedup": round(standard_s / course_s, 1),
                "first_load_s": round(first_load, 3),
                "cached_load_s": round(cached_load, 3),
            }
        )
    )


if __name__ == "__main__":
    main()

"""Cuánto cuestan los números subnormales: la MLP memorizando 2000 imágenes, sin y con ``set_flush_denormal``.

Cuando la red ya acierta casi todas sus imágenes de entrenamiento, muchos gradientes (y el estado de Adam que se
calcula con ellos) caen por debajo de 1,2·10⁻³⁸, donde float32 pasa a números subnormales que la CPU calcula
mucho más despacio. ``setup()`` del curso los convierte en cero con ``torch.set_flush_denormal(True)``. Este
script entrena lo mismo dos veces en la misma ejecución, con la misma semilla (primero sin y después con), con
el conjunto sintético del curso y, si se da su carpeta, con el CIFAR-10 real, e imprime los segundos de cada
una. Uso: ``python benchmarks/denormals.py [CARPETA_CIFAR10] [--epocas N]``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch

from course_utils.data import BatchTransform, CIFAR10Tensor, load_cifar10, make_loader, make_synthetic
from course_utils.models import MLP
from course_utils.training import fit


def train_seconds(data: CIFAR10Tensor, flush: bool, epochs: int) -> tuple[float, float]:
    """Segundos de entrenamiento y exactitud final en entrenamiento de la MLP con 2000 imágenes y Adam."""
    torch.set_flush_denormal(flush)
    torch.manual_seed(0)
    model = MLP()
    loader = make_loader(data.subset(2000).with_transform(BatchTransform()), batch_size=256, shuffle=True)
    history = fit(model, loader, None, torch.optim.Adam(model.parameters(), lr=1e-3), epochs, progress=False)
    return history.seconds[-1], history.train_acc[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", nargs="?", type=Path, help="carpeta con CIFAR-10 (opcional)")
    parser.add_argument("--epocas", type=int, default=20)
    args = parser.parse_args()
    torch.set_num_threads(2)
    sets = {"sintético": CIFAR10Tensor(*make_synthetic("train"), "sintético", "train")}
    if args.data:
        sets["CIFAR-10"] = load_cifar10("train", data_dir=args.data, offline=True)
    supported = torch.set_flush_denormal(True)
    print(f"¿Admite esta CPU set_flush_denormal? {supported} (núcleos {torch.backends.cpu.get_cpu_capability()})")
    result = {"flush_supported": supported, "epochs": args.epocas}
    for name, data in sets.items():
        slow, acc_slow = train_seconds(data, False, args.epocas)
        fast, acc_fast = train_seconds(data, True, args.epocas)
        print(f"{name}: {args.epocas} épocas, sin {slow:.1f} s (exactitud {acc_slow:.1%}) · con {fast:.1f} s "
              f"(exactitud {acc_fast:.1%}) · {slow / fast:.1f} veces más deprisa")
        result[name] = {"without_s": round(slow, 1), "with_s": round(fast, 1)}
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()

"""La MLP 3072-512-512-10 en CIFAR-10 completo: tres recetas, una detrás de otra en la misma ejecución.

(a) Receta de tutorial: ImageFolder con ToTensor + Normalize, DataLoader(batch_size=64, shuffle=True),
    SGD(lr=1e-3) y CrossEntropyLoss, durante 60 s de entrenamiento.
(b) La misma con Adam(lr=1e-3).
(c) La receta del curso (lección 04): lotes desde el tensor en memoria con volteo, AdamW con weight decay,
    OneCycleLR y suavizado de etiquetas, con el plan ajustado al presupuesto en esta máquina
    (``fit_for_seconds``: mide un lote y calcula cuántos caben). En float32; con ``--bf16``, en bfloat16 donde
    el hardware lo acelera. La receta se eligió en la lección 04 sobre una partición de validación; aquí se
    entrena con las 50 000 imágenes de entrenamiento, sin validación.

Las tres con el mismo presupuesto (``--budget``, 60 s por defecto). Cada receta se entrena sin mirar la prueba
y, al agotar el presupuesto, se mide su exactitud en prueba una sola vez; el tiempo de evaluar no cuenta como
entrenamiento. Uso: ``python benchmarks/train_mlp.py [RAÍZ_IMAGEFOLDER] [--budget S] [--bf16]``. La última
línea es un objeto JSON.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import time
from pathlib import Path

import torch
from torch import nn
from torch.utils.data import DataLoader
from torchvision import datasets, transforms

sys.path.insert(0, str(Path(__file__).resolve().parent))
from data_loading import linked_data_dir  # noqa: E402

from course_utils import data  # noqa: E402
from course_utils.models import MLP  # noqa: E402
from course_utils.training import bf16_is_fast, evaluate, fit_for_seconds  # noqa: E402

BUDGET_S = 60.0
# La receta del curso: los mismos números que la lección 04 (una prueba lo comprueba).
BATCH_SIZE = 256
LEARNING_RATE = 2e-3
WEIGHT_DECAY = 0.5
LABEL_SMOOTHING = 0.1
# Operaciones de coma flotante por imagen en un paso de entrenamiento de la MLP 3072-512-512-10: la pasada hacia
# delante (2 por multiplicación-suma), los gradientes de los pesos (otro tanto) y los de las entradas de cada capa
# salvo la primera (la imagen no pide gradiente).
LAYERS = ((3072, 512), (512, 512), (512, 10))
FLOP_PER_IMAGE = sum(4 * n_in * n_out for n_in, n_out in LAYERS) + sum(2 * n_in * n_out for n_in, n_out in LAYERS[1:])


def peak_gflops(size: int = 4096, repeats: int = 5) -> float:
    """Techo de cálculo de esta máquina en float32: el mejor de varios productos de matrices grandes (GFLOP/s)."""
    a, b = torch.randn(size, size), torch.randn(size, size)
    torch.mm(a, b)
    best = math.inf
    for _ in range(repeats):
        start = time.perf_counter()
        torch.mm(a, b)
        best = min(best, time.perf_counter() - start)
    return 2 * size**3 / best / 1e9


def tutorial(root: Path, optimizer_name: str, test_loader, budget: float) -> float:
    """Receta de tutorial durante ``budget`` segundos de entrenamiento; devuelve su exactitud en prueba al final."""
    torch.manual_seed(0)
    to_tensor = transforms.Compose([transforms.ToTensor(), transforms.Normalize(data.MEAN, data.STD)])
    loader = DataLoader(datasets.ImageFolder(str(root / "train"), transform=to_tensor), batch_size=64, shuffle=True)
    model = MLP()
    if optimizer_name == "sgd":
        optimizer = torch.optim.SGD(model.parameters(), lr=1e-3)
    else:
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    model.train()
    trained = 0.0
    while trained < budget:
        start = time.perf_counter()
        for images, labels in loader:
            loss = loss_fn(model(images), labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            if trained + time.perf_counter() - start >= budget:
                break
        trained += time.perf_counter() - start
    _, accuracy = evaluate(model, test_loader)  # la prueba, una sola vez, al agotar el presupuesto
    print(f"({'a' if optimizer_name == 'sgd' else 'b'}) tutorial con {optimizer_name.upper()}: {accuracy:.1%}")
    return accuracy


def course(data_dir: Path, test_loader, budget: float, bf16: bool) -> dict:
    """La receta de la lección 04 durante ``budget`` segundos; devuelve exactitud en prueba, segundos y épocas."""
    torch.manual_seed(0)
    train = data.load_cifar10("train", data_dir=data_dir, offline=True)
    train_loader = data.make_loader(
        train.with_transform(data.BatchTransform(flip=True)), batch_size=BATCH_SIZE, shuffle=True
    )
    model = MLP()
    optimizer = torch.optim.AdamW(model.parameters(), lr=LEARNING_RATE, weight_decay=WEIGHT_DECAY)

    def one_cycle(opt, steps):
        return torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=LEARNING_RATE, total_steps=steps)

    mixed = bf16 and bf16_is_fast(torch.device("cpu"))
    # Sin validación: la receta ya se eligió en la lección 04; aquí se entrena con todo el entrenamiento.
    history = fit_for_seconds(model, train_loader, None, optimizer, budget, one_cycle,
                              nn.CrossEntropyLoss(label_smoothing=LABEL_SMOOTHING), mixed_precision=mixed,
                              progress=False)
    _, accuracy = evaluate(model, test_loader)  # la prueba, una sola vez, al final
    epochs = history.images_seen[-1] / len(train)
    dtype = "bfloat16" if mixed else "float32"
    print(f"(c) receta del curso ({epochs:.1f} épocas en {history.seconds[-1]:.1f} s, {dtype}): {accuracy:.1%}")
    gflops = history.images_seen[-1] * FLOP_PER_IMAGE / history.seconds[-1] / 1e9
    return {"acc": accuracy, "seconds": history.seconds[-1], "epochs": epochs, "dtype": dtype, "gflops": gflops}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", nargs="?", type=Path, help="carpeta ImageFolder de CIFAR-10 (opcional)")
    parser.add_argument("--budget", type=float, default=BUDGET_S, help="segundos de entrenamiento por receta")
    parser.add_argument("--bf16", action="store_true", help="la receta del curso en bfloat16 si la CPU lo acelera")
    args = parser.parse_args()
    torch.set_num_threads(2)
    with tempfile.TemporaryDirectory() as workdir:
        root, data_dir = linked_data_dir(Path(workdir), args.root)
        test = data.load_cifar10("test", data_dir=data_dir, offline=True)
        test_loader = data.make_loader(test.with_transform(data.BatchTransform()), batch_size=1000)
        sgd_acc = tutorial(root, "sgd", test_loader, args.budget)
        adam_acc = tutorial(root, "adam", test_loader, args.budget)
        result = course(data_dir, test_loader, args.budget, args.bf16)
    peak = peak_gflops()
    print(f"Presupuesto: {args.budget:.0f} s de entrenamiento por receta, 2 hilos de CPU, CIFAR-10 (copia JPEG)")
    print(f"Exactitud en prueba: (a) SGD {sgd_acc:.1%} · (b) Adam {adam_acc:.1%} · (c) curso {result['acc']:.1%}")
    print(f"Receta del curso: {result['gflops']:.0f} GFLOP/s de media en el entrenamiento (con la medición, los datos "
          f"y el optimizador) frente a un techo de {peak:.0f} GFLOP/s (matmul float32 de 4096×4096, "
          f"núcleos {torch.backends.cpu.get_cpu_capability()}): {result['gflops'] / peak:.0%}")
    print(
        json.dumps(
            {
                "budget_s": round(args.budget),
                "tutorial_sgd_acc": round(sgd_acc, 4),
                "tutorial_adam_acc": round(adam_acc, 4),
                "course_acc": round(result["acc"], 4),
                "course_train_s": round(result["seconds"], 1),
                "course_epochs": round(result["epochs"], 2),
                "dtype": result["dtype"],
                "course_gflops": round(result["gflops"], 1),
                "peak_gflops": round(peak, 1),
                "cpu_capability": torch.backends.cpu.get_cpu_capability(),
            }
        )
    )

if __name__ == "__main__":
    main()

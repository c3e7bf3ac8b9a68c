"""La MLP 3072-512-512-10 en CIFAR-10 completo: tres recetas, una detrás de otra en la misma ejecución.

(a) Receta de tutorial: ImageFolder con ToTensor + Normalize, DataLoader(batch_size=64, shuffle=True),
    SGD(lr=1e-3) y CrossEntropyLoss, durante 60 s de entrenamiento.
(b) La misma con Adam(lr=1e-3).
(c) La receta del curso (lección 03): lotes desde el tensor en memoria con volteo, AdamW con weight decay,
    OneCycleLR, suavizado de etiquetas y bfloat16 donde el hardware lo acelera.

Imprime la exactitud en prueba al agotar el presupuesto y el tiempo que cada receta tardó en llegar al 50 %
(evaluando en prueba cada 2 s de entrenamiento en (a) y (b), y al final de cada época, unos 2 s, en (c)). El
tiempo de evaluar no cuenta como entrenamiento. Uso: ``python benchmarks/train_mlp.py [RAÍZ_IMAGEFOLDER]``.
La última línea es un objeto JSON con las cifras.
"""

from __future__ import annotations

import json
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
from course_utils.training import bf16_is_fast, evaluate, fit  # noqa: E402

BUDGET_S = 60.0
EVAL_EVERY_S = 2.0
TARGET = 0.5
# La receta del curso: los mismos números que la lección 03 (una prueba lo comprueba).
EPOCHS = 22
BATCH_SIZE = 256
LEARNING_RATE = 2e-3
WEIGHT_DECAY = 0.5
LABEL_SMOOTHING = 0.1


def tutorial(root: Path, optimizer_name: str, test_loader) -> tuple[float, float | None]:
    """Receta de tutorial durante BUDGET_S segundos de entrenamiento; devuelve (exactitud, segundos hasta el 50 %)."""
    torch.manual_seed(0)
    to_tensor = transforms.Compose([transforms.ToTensor(), transforms.Normalize(data.MEAN, data.STD)])
    loader = DataLoader(datasets.ImageFolder(str(root / "train"), transform=to_tensor), batch_size=64, shuffle=True)
    model = MLP()
    if optimizer_name == "sgd":
        optimizer = torch.optim.SGD(model.parameters(), lr=1e-3)
    else:
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    trained, next_check, reached, accuracy = 0.0, EVAL_EVERY_S, None, 0.0
    while trained < BUDGET_S:
        model.train()
        start = time.perf_counter()
        for images, labels in loader:
            loss = loss_fn(model(images), labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            elapsed = trained + time.perf_counter() - start
            if elapsed >= next_check or elapsed >= BUDGET_S:
                trained = elapsed
                _, accuracy = evaluate(model, test_loader)
                if reached is None and accuracy >= TARGET:
                    reached = trained
                next_check += EVAL_EVERY_S
                model.train()
                start = time.perf_counter()
                if trained >= BUDGET_S:
                    break
        else:
            trained += time.perf_counter() - start
    print(f"({'a' if optimizer_name == 'sgd' else 'b'}) tutorial con {optimizer_name.upper()}: {accuracy:.1%}")
    return accuracy, reached


def course(data_dir: Path, test_loader) -> tuple[float, float | None, float]:
    """La receta de la lección 03; devuelve (exactitud dentro del presupuesto, segundos hasta el 50 %, segundos)."""
    torch.manual_seed(0)
    train = data.load_cifar10("train", data_dir=data_dir, offline=True)
    train_loader = data.make_loader(
        train.with_transform(data.BatchTransform(flip=True)), batch_size=BATCH_SIZE, shuffle=True
    )
    model = MLP()
    optimizer = torch.optim.AdamW(model.parameters(), lr=LEARNING_RATE, weight_decay=WEIGHT_DECAY)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=LEARNING_RATE, total_steps=EPOCHS * len(train_loader)
    )
    loss_fn = nn.CrossEntropyLoss(label_smoothing=LABEL_SMOOTHING)
    mixed = bf16_is_fast(torch.device("cpu"))
    history = fit(
        model, train_loader, test_loader, optimizer, EPOCHS, loss_fn, scheduler, mixed_precision=mixed, progress=False
    )
    within = [acc for acc, s in zip(history.test_acc, history.seconds, strict=True) if s <= BUDGET_S]
    reached = next((s for acc, s in zip(history.test_acc, history.seconds, strict=True) if acc >= TARGET), None)
    print(
        f"(c) receta del curso ({EPOCHS} épocas, bfloat16: {'sí' if mixed else 'no'}): {history.test_acc[-1]:.1%} "
        f"en {history.seconds[-1]:.1f} s de entrenamiento"
    )
    return (within[-1] if within else 0.0), reached, history.seconds[-1]


def main() -> None:
    torch.set_num_threads(2)
    with tempfile.TemporaryDirectory() as workdir:
        root, data_dir = linked_data_dir(Path(workdir))
        test = data.load_cifar10("test", data_dir=data_dir, offline=True)
        test_loader = data.make_loader(test.with_transform(data.BatchTransform()), batch_size=1000)
        sgd_acc, _ = tutorial(root, "sgd", test_loader)
        adam_acc, adam_time = tutorial(root, "adam", test_loader)
        course_acc, course_time, course_seconds = course(data_dir, test_loader)

    def seconds(value: float | None) -> str:
        return "nunca" if value is None else f"{value:.1f} s"

    print(f"Presupuesto: {BUDGET_S:.0f} s de entrenamiento por receta, 2 hilos de CPU, CIFAR-10 (copia JPEG)")
    print(f"Exactitud en prueba: (a) SGD {sgd_acc:.1%} · (b) Adam {adam_acc:.1%} · (c) curso {course_acc:.1%}")
    print(f"Tiempo hasta el 50 %: (b) Adam {seconds(adam_time)} · (c) curso {seconds(course_time)}")
    print(
        json.dumps(
            {
                "budget_s": int(BUDGET_S),
                "tutorial_sgd_acc": round(sgd_acc, 4),
                "tutorial_adam_acc": round(adam_acc, 4),
                "course_acc": round(course_acc, 4),
                "tutorial_adam_time_to_50_s": None if adam_time is None else round(adam_time, 1),
                "course_time_to_50_s": None if course_time is None else round(course_time, 1),
                "course_train_s": round(course_seconds, 1),
            }
        )
    )


if __name__ == "__main__":
    main()

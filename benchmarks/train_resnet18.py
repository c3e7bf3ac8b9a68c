"""ResNet18 en CIFAR-10 completo (copia JPEG) con 2 hilos de CPU: las cifras de la lección 07.

1. Una época de entrenar la cabeza lineal sobre características ya calculadas, frente a una época que pasa
   cada lote por la red congelada antes de entrenar la cabeza (la proporción es la aceleración).
2. El estudio de transferencia sin descargas: el tronco del curso (``course_utils.models.course_backbone``,
   ResNet18 preentrenada en cinco clases: avión, automóvil, pájaro, gato, ciervo, con las 45 000 imágenes de
   entrenamiento que deja la validación de la lección 07) y las otras cinco aprendidas con BUDGETS imágenes
   etiquetadas por clase y SEEDS semillas: cabeza sobre las características transferidas, ajuste fino del tronco
   y la misma red desde cero (``course_utils.training.transfer_study``, lo mismo que la lección 07 en modo
   completo, con las mismas imágenes y semillas).
3. Entrenar ResNet18 desde cero a 32×32 con un presupuesto de 10 minutos (segundos por época y exactitud).

Los entrenamientos no miran la prueba por el camino: cada red se evalúa en prueba una sola vez, al terminar.
Sin pesos de ImageNet (no se pueden descargar aquí): la red congelada del punto 1 tiene pesos aleatorios, lo
que no cambia el tiempo. Uso: ``python benchmarks/train_resnet18.py [RAÍZ_IMAGEFOLDER]``. La última línea es
un objeto JSON con las cifras.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

import torch
from torch import nn
from torch.utils.data import TensorDataset
from torchvision import models

sys.path.insert(0, str(Path(__file__).resolve().parent))
from data_loading import linked_data_dir  # noqa: E402

from course_utils import data  # noqa: E402
from course_utils.models import SOURCE_CLASSES, course_backbone  # noqa: E402
from course_utils.training import TRANSFER_METHODS, evaluate, extract_features, fit, transfer_study  # noqa: E402

# Los mismos números que la lección 07 (una prueba lo comprueba).
IMAGENET_MEAN, IMAGENET_STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)
NEW_CLASSES = [5, 6, 7, 8, 9]  # las que el tronco del curso no ha visto (las suyas son SOURCE_CLASSES)
VALIDATION_SIZE = 5000  # la misma validación apartada (semilla 0) que la lección 07
BUDGETS = (5, 10, 50, 250)  # imágenes etiquetadas por clase nueva
SEEDS = (0, 1, 2)
STEPS = 300  # lotes de 64 para cada cabeza, cada ajuste fino y cada red desde cero
SCRATCH_BUDGET_S = 600.0
HEAD_EPOCHS = 5


def transforms(augment: bool) -> data.BatchTransform:
    return data.BatchTransform(flip=augment, crop_padding=4 if augment else 0, mean=IMAGENET_MEAN, std=IMAGENET_STD)


def resnet(num_classes: int) -> nn.Module:
    model = models.resnet18(weights=None)
    model.fc = nn.Linear(512, num_classes)
    return model


def train_resnet(model, train, epochs):
    """SGD con momento y OneCycleLR, el mismo esquema que la lección 07, sin evaluar nada por el camino."""
    train_loader = data.make_loader(train.with_transform(transforms(True)), 256, shuffle=True)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True, weight_decay=5e-4)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=0.1, total_steps=epochs * len(train_loader))
    return fit(
        model,
        train_loader,
        None,
        optimizer,
        epochs,
        scheduler=scheduler,
        progress=False,
        num_classes=len(train.classes),
    )


def accuracy_on_test(model, test) -> float:
    """Exactitud en prueba, medida una sola vez, cuando el entrenamiento ya ha terminado."""
    loader = data.make_loader(test.with_transform(transforms(False)), 1000)
    return evaluate(model, loader, num_classes=len(test.classes))[1]


def head_speed(train) -> tuple[float, float, float]:
    """(s por época con características precalculadas, s por época con la red congelada, s de extraerlas)."""
    torch.manual_seed(0)
    backbone = resnet(10)
    backbone.fc = nn.Identity()
    backbone.requires_grad_(False).eval()
    loader = data.make_loader(train.with_transform(transforms(False)), 256, shuffle=True)
    head = nn.Linear(512, 10)
    optimizer = torch.optim.Adam(head.parameters(), lr=1e-3)
    start = time.perf_counter()
    for images, labels in loader:
        with torch.no_grad():
            features = backbone(images)
        optimizer.zero_grad()
        nn.functional.cross_entropy(head(features), labels).backward()
        optimizer.step()
    frozen_epoch = time.perf_counter() - start
    start = time.perf_counter()
    features, labels = extract_features(backbone, data.make_loader(train.with_transform(transforms(False)), 1000))
    extraction = time.perf_counter() - start
    feature_loader = data.make_loader(TensorDataset(features, labels), 256, shuffle=True)
    start = time.perf_counter()
    for _ in range(HEAD_EPOCHS):
        for batch, targets in feature_loader:
            optimizer.zero_grad()
            nn.functional.cross_entropy(head(batch), targets).backward()
            optimizer.step()
    precomputed_epoch = (time.perf_counter() - start) / HEAD_EPOCHS
    return precomputed_epoch, frozen_epoch, extraction


def transfer(train, test, folder: Path) -> dict[str, dict[int, list[float]]]:
    """El estudio de transferencia: {método: {imágenes por clase: [exactitud por semilla]}} en las 5 clases nuevas."""
    train, validation = train.split_validation(VALIDATION_SIZE, seed=0)
    start = time.perf_counter()
    pretrained = course_backbone(train, folder=folder, progress=False)
    seconds = time.perf_counter() - start
    accuracy = accuracy_on_test(pretrained, validation.select_classes(SOURCE_CLASSES))
    print(f"  tronco del curso: {accuracy:.1%} en la validación de sus 5 clases, {seconds:.0f} s", flush=True)
    pretrained.fc = nn.Identity()
    return transfer_study(
        pretrained,
        lambda: resnet(len(NEW_CLASSES)),
        train.select_classes(NEW_CLASSES),
        test.select_classes(NEW_CLASSES),
        transforms,
        BUDGETS,
        SEEDS,
        STEPS,
        progress=False,
    )


def budget_figures(study: dict[str, dict[int, list[float]]]) -> dict[str, dict[str, float]]:
    """Media y desviación típica por presupuesto de cada método, para el JSON."""
    figures = {}
    for budget in BUDGETS:
        row = {}
        for name, key in zip(TRANSFER_METHODS, ("head", "finetune", "scratch"), strict=True):
            values = torch.tensor(study[name][budget])
            row[f"{key}_mean"], row[f"{key}_std"] = round(values.mean().item(), 4), round(values.std().item(), 4)
        figures[str(budget)] = row
    return figures


def scratch_budget(train, test) -> tuple[float, float, float]:
    """(exactitud, s de la primera época, s totales) de ResNet18 desde cero con SCRATCH_BUDGET_S segundos."""
    torch.manual_seed(0)
    probe = resnet(10)
    loader = data.make_loader(train.with_transform(transforms(True)), 256, shuffle=True)
    optimizer = torch.optim.SGD(probe.parameters(), lr=0.01)
    start = time.perf_counter()
    for step, (images, labels) in enumerate(loader):
        optimizer.zero_grad()
        nn.functional.cross_entropy(probe(images), labels).backward()
        optimizer.step()
        if step == 9:
            break
    estimated_epoch = (time.perf_counter() - start) / 10 * len(loader)
    epochs = max(1, int(SCRATCH_BUDGET_S // estimated_epoch))
    print(f"  época estimada en {estimated_epoch:.0f} s: {epochs} épocas en el presupuesto", flush=True)
    torch.manual_seed(0)
    model = resnet(10)
    history = train_resnet(model, train, epochs)
    return accuracy_on_test(model, test), history.seconds[0], history.seconds[-1]


def main() -> None:
    torch.set_num_threads(2)
    with tempfile.TemporaryDirectory() as workdir:
        _, data_dir = linked_data_dir(Path(workdir))
        train = data.load_cifar10("train", data_dir=data_dir, offline=True)
        test = data.load_cifar10("test", data_dir=data_dir, offline=True)
        precomputed, frozen, extraction = head_speed(train)
        print(
            f"Cabeza: {precomputed:.3f} s/época con características precalculadas (extraerlas: {extraction:.0f} s) "
            f"frente a {frozen:.1f} s/época pasando por la red congelada: {frozen / precomputed:.0f}×",
            flush=True,
        )
        per_budget = budget_figures(transfer(train, test, data_dir / "cache"))
    for budget, row in per_budget.items():
        print(
            f"Transferencia con {budget} imágenes por clase ({len(SEEDS)} semillas): "
            f"cabeza transferida {row['head_mean']:.1%} ± {row['head_std']:.1%}, "
            f"ajuste fino {row['finetune_mean']:.1%} ± {row['finetune_std']:.1%}, "
            f"desde cero {row['scratch_mean']:.1%} ± {row['scratch_std']:.1%}",
            flush=True,
        )
    scratch_acc, epoch_s, total_s = scratch_budget(train, test)
    print(f"Desde cero, 32×32: {epoch_s:.0f} s/época; {scratch_acc:.1%} en prueba tras {total_s:.0f} s", flush=True)
    print(
        json.dumps(
            {
                "head_epoch_precomputed_s": round(precomputed, 4),
                "head_epoch_frozen_backbone_s": round(frozen, 2),
                "speedup": round(frozen / precomputed, 1),
                "full_epoch_32px_s": round(epoch_s, 1),
                "scratch_acc_10min": round(scratch_acc, 4),
                "transfer_backbone": "ResNet18 preentrenada por el curso en 5 clases",
                "transfer_seeds": list(SEEDS),
                "transfer_budgets": per_budget,
                "feature_extraction_s": round(extraction, 1),
                "scratch_train_s": round(total_s, 1),
            }
        )
    )


if __name__ == "__main__":
    main()

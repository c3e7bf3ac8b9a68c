"""La red convolucional de la lección 05 frente a la MLP de la lección 04, con el mismo presupuesto de tiempo.

Las dos se entrenan en CIFAR-10 completo (copia JPEG) durante ``--budget`` segundos (300 por defecto), en
float32 (sin bfloat16, para que valga en cualquier CPU), una detrás de otra en la misma ejecución. Cada receta
mide primero cuánto tarda un lote en esta máquina y ajusta su OneCycleLR a los lotes que caben
(``course_utils.training.fit_for_seconds``). Las recetas se eligieron en las lecciones 04 y 05 sobre una
partición de validación; aquí se entrenan con las 50 000 imágenes de entrenamiento, sin validación, y la prueba
se mide una sola vez, al agotar el presupuesto (la evaluación no cuenta como entrenamiento).

- CNN: ``SmallCNN`` en formato channels_last, SGD con Nesterov y OneCycleLR, recorte aleatorio y volteo, y en
  prueba la media de la imagen y su reflejo (volteo en prueba).
- MLP: la receta de la lección 04 (AdamW, weight decay, OneCycleLR, suavizado de etiquetas, volteo).

Para explorar otros ajustes de la CNN (``--widths``, ``--batch``, ``--lr``), el script aparta 5000 imágenes de
entrenamiento como validación y mide en ellas, no en prueba: elegir mirando la prueba la convertiría en otra
validación.

Uso: ``python benchmarks/train_cnn.py [RAÍZ_IMAGEFOLDER] [--budget S]``. La última línea es un objeto JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

sys.path.insert(0, str(Path(__file__).resolve().parent))
from data_loading import linked_data_dir  # noqa: E402
from train_mlp import BATCH_SIZE as MLP_BATCH_SIZE  # noqa: E402  (la receta de la lección 04 vive allí)
from train_mlp import LABEL_SMOOTHING as MLP_LABEL_SMOOTHING  # noqa: E402
from train_mlp import LEARNING_RATE as MLP_LEARNING_RATE  # noqa: E402
from train_mlp import WEIGHT_DECAY as MLP_WEIGHT_DECAY  # noqa: E402

from course_utils import data  # noqa: E402
from course_utils.models import MLP, SmallCNN, count_parameters  # noqa: E402
from course_utils.training import evaluate, fit_for_seconds  # noqa: E402

# La receta de la CNN: los mismos números que la lección 05 (una prueba lo comprueba).
CNN_WIDTHS = (16, 32, 64, 128)
CNN_BATCH_SIZE = 512
CNN_LEARNING_RATE = 0.2
CNN_WEIGHT_DECAY = 5e-4
CNN_LABEL_SMOOTHING = 0.1
CNN_CROP_PADDING = 4


def flip_accuracy(model: nn.Module, loader) -> float:
    """Exactitud con volteo en prueba: la media de los logits de cada imagen y de su reflejo horizontal."""
    model.eval()
    correct = total = 0
    with torch.no_grad():
        for images, labels in loader:
            logits = model(images) + model(images.flip(3))
            correct += (logits.argmax(dim=1) == labels).sum().item()
            total += len(labels)
    return correct / total


def forward_flops(model: nn.Module) -> int:
    """Operaciones de coma flotante de una pasada hacia delante con una imagen de 3×32×32."""
    model.eval()
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        model(torch.zeros(1, 3, 32, 32))
    return counter.get_total_flops()


def train_for(model: nn.Module, loader, optimizer, budget: float, label_smoothing: float):
    """Entrena durante ``budget`` segundos con OneCycleLR hasta la tasa del optimizador, sin evaluar nada por
    el camino (la prueba se mide una vez, al final, en ``summary``); devuelve el historial."""

    def one_cycle(opt, steps):
        return torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=opt.defaults["lr"], total_steps=steps)

    return fit_for_seconds(model, loader, None, optimizer, budget, one_cycle,
                           nn.CrossEntropyLoss(label_smoothing=label_smoothing), progress=False)


def train_cnn(train, test_loader, budget: float, widths=CNN_WIDTHS, batch_size=CNN_BATCH_SIZE,
              learning_rate=CNN_LEARNING_RATE) -> dict:
    """Entrena la CNN de la lección 05 durante ``budget`` segundos y devuelve sus cifras."""
    torch.manual_seed(0)
    model = SmallCNN(widths).to(memory_format=torch.channels_last)
    augment = data.BatchTransform(flip=True, crop_padding=CNN_CROP_PADDING)
    loader = data.make_loader(train.with_transform(augment), batch_size=batch_size, shuffle=True)
    optimizer = torch.optim.SGD(model.parameters(), lr=learning_rate, momentum=0.9, nesterov=True,
                                weight_decay=CNN_WEIGHT_DECAY)
    history = train_for(model, loader, optimizer, budget, CNN_LABEL_SMOOTHING)
    return summary(model, history, test_loader, len(train), flip=True)


def train_mlp(train, test_loader, budget: float) -> dict:
    """Entrena la MLP con la receta de la lección 04 durante ``budget`` segundos y devuelve sus cifras."""
    torch.manual_seed(0)
    model = MLP()
    loader = data.make_loader(train.with_transform(data.BatchTransform(flip=True)), batch_size=MLP_BATCH_SIZE,
                              shuffle=True)
    optimizer = torch.optim.AdamW(model.parameters(), lr=MLP_LEARNING_RATE, weight_decay=MLP_WEIGHT_DECAY)
    history = train_for(model, loader, optimizer, budget, MLP_LABEL_SMOOTHING)
    return summary(model, history, test_loader, len(train), flip=False)


def summary(model: nn.Module, history, test_loader, train_size: int, flip: bool) -> dict:
    """Exactitud en prueba (medida aquí, una sola vez, al final), parámetros, épocas, s por época y GFLOP/s."""
    epochs = history.images_seen[-1] / train_size
    seconds = history.seconds[-1]
    _, accuracy = evaluate(model, test_loader)
    return {
        "acc": flip_accuracy(model, test_loader) if flip else accuracy,
        "acc_no_flip": accuracy,
        "params": count_parameters(model),
        "epochs": round(epochs, 2),
        "epoch_s": seconds / epochs,
        "train_s": seconds,
        # Entrenar cuesta unas tres pasadas hacia delante por imagen (delante, gradiente de entradas y de pesos).
        "gflops": 3 * forward_flops(model) * history.images_seen[-1] / seconds / 1e9,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", nargs="?", type=Path, help="carpeta ImageFolder de CIFAR-10 (opcional)")
    parser.add_argument("--budget", type=float, default=300.0, help="segundos de entrenamiento por receta")
    parser.add_argument("--skip-mlp", action="store_true", help="solo la CNN (para explorar)")
    parser.add_argument("--widths", type=lambda text: tuple(int(w) for w in text.split(",")), default=CNN_WIDTHS,
                        help="canales de la CNN, p. ej. 16,32,64,128 (para explorar)")
    parser.add_argument("--batch", type=int, default=CNN_BATCH_SIZE, help="lote de la CNN (para explorar)")
    parser.add_argument("--lr", type=float, default=CNN_LEARNING_RATE, help="tasa máxima de la CNN (para explorar)")
    args = parser.parse_args()
    torch.set_num_threads(2)
    with tempfile.TemporaryDirectory() as workdir:
        _, data_dir = linked_data_dir(Path(workdir), args.root)
        train = data.load_cifar10("train", data_dir=data_dir, offline=True)
        test = data.load_cifar10("test", data_dir=data_dir, offline=True)
    exploring = (args.widths, args.batch, args.lr) != (CNN_WIDTHS, CNN_BATCH_SIZE, CNN_LEARNING_RATE)
    where = "prueba"
    if exploring:  # elegir ajustes mirando la prueba la convertiría en validación: se aparta una de verdad
        train, test = train.split_validation(5000, seed=0)
        where = "validación"
        print("Ajustes distintos de los de la lección 05: se entrena con 45 000 imágenes y se mide en 5000 de "
              "validación apartadas de las de entrenamiento, no en prueba.", flush=True)
    test_loader = data.make_loader(test.with_transform(data.BatchTransform()), batch_size=1000)
    cnn = train_cnn(train, test_loader, args.budget, args.widths, args.batch, args.lr)
    print(f"CNN: {cnn['acc']:.1%} en {where} con volteo ({cnn['acc_no_flip']:.1%} sin él), {cnn['epochs']} épocas, "
          f"{cnn['epoch_s']:.1f} s por época, {cnn['gflops']:.0f} GFLOP/s", flush=True)
    mlp = None if args.skip_mlp else train_mlp(train, test_loader, args.budget)
    if mlp:
        print(f"MLP: {mlp['acc']:.1%} en {where}, {mlp['epochs']} épocas, {mlp['epoch_s']:.1f} s por época, "
              f"{mlp['gflops']:.0f} GFLOP/s", flush=True)
    print(f"Presupuesto: {args.budget:.0f} s de entrenamiento por receta, float32, {torch.get_num_threads()} hilos, "
          "CIFAR-10 (copia JPEG)")
    print(json.dumps({
        "budget_s": round(args.budget),
        "measured_on": "validation" if exploring else "test",
        "cnn_acc": round(cnn["acc"], 4),
        "mlp_acc": None if mlp is None else round(mlp["acc"], 4),
        "cnn_params": cnn["params"],
        "mlp_params": None if mlp is None else mlp["params"],
        "cnn_epoch_s": round(cnn["epoch_s"], 1),
        "cnn_epochs": cnn["epochs"],
        "cnn_acc_no_flip": round(cnn["acc_no_flip"], 4),
        "cnn_gflops": round(cnn["gflops"], 1),
        "cnn_train_s": round(cnn["train_s"], 1),
        "dtype": "float32",
        "mlp_epochs": None if mlp is None else mlp["epochs"],
        "mlp_gflops": None if mlp is None else round(mlp["gflops"], 1),
        "mlp_train_s": None if mlp is None else round(mlp["train_s"], 1),
    }))

if __name__ == "__main__":
    main()

"""Entrena la MLP del curso con paralelismo de datos: DistributedDataParallel (DDP), lanzado con torchrun (lección 08).

torchrun arranca un proceso por trabajador y le pone en el entorno su número (RANK), cuántos son (WORLD_SIZE) y dónde
encontrarse (MASTER_ADDR, MASTER_PORT). Cada proceso entrena con su parte de cada lote, y DDP promedia los gradientes
de todos antes de cada paso: los pesos son los mismos en todos los procesos después de cada paso.

    torchrun --standalone --local-addr=127.0.0.1 --nproc-per-node=2 train_ddp.py --lote 256 --epocas 1

Sin torchrun (python train_ddp.py …) es un solo proceso que entrena igual, sin repartir nada.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader, TensorDataset
from torch.utils.data.distributed import DistributedSampler

from course_utils.config import get_settings
from course_utils.data import MEAN, STD, load_cifar10
from course_utils.files import atomic_write
from course_utils.formatting import format_number, format_percent, format_seconds
from course_utils.models import MLP


def positive(text: str) -> int:
    """Un entero de 1 en adelante, o un error de argparse en español."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"se esperaba un número entero de 1 en adelante, pero llegó {text!r}")
    return value


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    """Las opciones del script, en español como las del curso."""
    parser = argparse.ArgumentParser(description="Entrena la MLP del curso con DistributedDataParallel.")
    parser.add_argument("--lote", type=positive, default=256, help="lote GLOBAL: se reparte entre los procesos")
    parser.add_argument("--epocas", type=positive, default=1, help="épocas de entrenamiento")
    parser.add_argument("--pasos", type=positive, default=None, help="parar tras estos pasos (para comparar pesos)")
    parser.add_argument("--lr", type=float, default=0.05, help="tasa de aprendizaje de SGD con momento 0,9")
    parser.add_argument("--hilos", type=positive, default=1, help="hilos de CPU de cada proceso")
    parser.add_argument("--semilla", type=int, default=0)
    parser.add_argument("--guardar", type=Path, default=None, help="archivo nuevo para los pesos finales (proceso 0)")
    parser.add_argument(
        "--guardar-tras", type=positive, default=None, help="guarda también los pesos tras estos pasos, en …_pasoN.pt"
    )
    parser.add_argument("--demo-all-reduce", action="store_true", help="solo enseña all_reduce con un tensor pequeño")
    return parser.parse_args(argv)


def _count(value: int, singular: str, plural: str) -> str:
    """«1 proceso», «2 procesos»."""
    return f"{value} {singular if value == 1 else plural}"


def rank_and_world() -> tuple[int, int]:
    """(número de este proceso, número de procesos): (0, 1) sin torchrun."""
    if not dist.is_initialized():
        return 0, 1
    return dist.get_rank(), dist.get_world_size()


def say(*parts: object) -> None:
    """Imprime solo desde el proceso 0: los demás hacen lo mismo y repetirían cada línea."""
    if rank_and_world()[0] == 0:
        print(*parts, flush=True)


def demo_all_reduce() -> None:
    """Cada proceso aporta un tensor distinto; all_reduce deja en todos la suma."""
    if not dist.is_initialized():
        raise RuntimeError("La demostración de all_reduce necesita varios procesos: lánzala con torchrun.")
    rank, world = rank_and_world()
    mine = torch.tensor([rank + 1.0, 10.0 * (rank + 1)])
    before = mine.clone()
    dist.all_reduce(mine, op=dist.ReduceOp.SUM)  # en el sitio: mine pasa a ser la suma de todos
    lines = [None] * world
    dist.all_gather_object(lines, f"proceso {rank}: antes {before.tolist()} → después {mine.tolist()}")
    for line in lines:
        say(line)


def load_training_data() -> tuple[TensorDataset, TensorDataset]:
    """Entrenamiento y validación (45 000 / 5000; menos en modo rápido), como tensores uint8 en memoria."""
    rank, world = rank_and_world()
    if rank != 0:
        dist.barrier()  # el proceso 0 carga primero: si hay que crear la caché, la crea uno solo
    quiet = rank != 0
    stdout, sys.stdout = sys.stdout, (open(os.devnull, "w") if quiet else sys.stdout)  # noqa: SIM115
    try:
        # Los datos no dependen de --semilla (que es la de los pesos iniciales y el barajado): siempre los mismos.
        images = load_cifar10("train")
        if get_settings().quick:  # modo rápido: 2560 de entrenamiento y 256 de validación
            images = images.subset(2816, seed=0)
        train, validation = images.split_validation(256 if get_settings().quick else 5000, seed=0)
    finally:
        if quiet:
            sys.stdout.close()
        sys.stdout = stdout
    if rank == 0 and world > 1:
        dist.barrier()
    return TensorDataset(train.images, train.labels), TensorDataset(validation.images, validation.labels)


def normalize(images: torch.Tensor) -> torch.Tensor:
    """uint8 de 0 a 255 → float normalizado por canal, como en la lección 04."""
    mean = torch.tensor(MEAN).view(1, 3, 1, 1)
    std = torch.tensor(STD).view(1, 3, 1, 1)
    return (images.float() / 255 - mean) / std


@torch.no_grad()
def accuracy(model: nn.Module, data: TensorDataset) -> float:
    """Exactitud en un conjunto, en lotes de 1000."""
    model.eval()
    images, labels = data.tensors
    hits = sum(
        (model(normalize(images[i : i + 1000])).argmax(1) == labels[i : i + 1000]).sum().item()
        for i in range(0, len(labels), 1000)
    )
    model.train()
    return hits / len(labels)


def save(model: nn.Module, path: Path) -> None:
    """Guarda los pesos desde el proceso 0: son los mismos en todos, y varios escribirían el mismo archivo."""
    if rank_and_world()[0] == 0:
        atomic_write(path, lambda temporary: torch.save(model.state_dict(), temporary))
        print(f"pesos guardados por el proceso 0 en {path.name}", flush=True)


def train(args: argparse.Namespace) -> None:
    """El bucle de entrenamiento de siempre, con tres cambios: DistributedSampler, set_epoch y DDP."""
    rank, world = rank_and_world()
    if args.lote % world:
        raise ValueError(f"El lote global ({args.lote}) debe repartirse a partes iguales entre {world} procesos.")
    train_data, validation = load_training_data()
    # Cada proceso ve su parte de cada época: los índices barajados (igual en todos, con la misma semilla y
    # época) se reparten por turnos. drop_last: si no se reparten exactas, descarta las sobrantes (sin él,
    # repetiría algunas para igualar).
    sampler = DistributedSampler(
        train_data, num_replicas=world, rank=rank, shuffle=True, seed=args.semilla, drop_last=True
    )
    loader = DataLoader(train_data, batch_size=args.lote // world, sampler=sampler, drop_last=True)
    torch.manual_seed(args.semilla)
    model = MLP()  # los mismos pesos iniciales en todos (y DDP, al crearse, copia los del proceso 0 a los demás)
    # Se guarda y se evalúa `model`, no `network`: el state_dict de DDP lleva «module.» delante de cada nombre.
    network = DistributedDataParallel(model) if dist.is_initialized() else model
    optimizer = torch.optim.SGD(network.parameters(), lr=args.lr, momentum=0.9)
    loss_function = nn.CrossEntropyLoss()
    say(
        f"{_count(world, 'proceso', 'procesos')} × {_count(args.hilos, 'hilo', 'hilos')} · lote global "
        f"{args.lote} = {world} × {args.lote // world} · {format_number(len(train_data))} imágenes de entrenamiento, "
        f"{format_number(len(sampler))} por proceso y época"
    )
    steps = 0
    for epoch in range(args.epocas):
        sampler.set_epoch(epoch)  # sin esto, cada época barajaría igual que la primera
        start, total_loss = time.perf_counter(), torch.zeros(2)
        for images, labels in loader:
            optimizer.zero_grad()
            loss = loss_function(network(normalize(images)), labels)
            loss.backward()  # DDP suma los gradientes de todos (all-reduce) y divide la suma entre los procesos
            optimizer.step()
            total_loss += torch.tensor([loss.item(), 1.0])
            steps += 1
            if steps == args.guardar_tras and args.guardar is not None:
                save(model, args.guardar.with_name(f"{args.guardar.stem}_paso{steps}.pt"))
            if steps == args.pasos:
                break
        seconds = time.perf_counter() - start
        if dist.is_initialized():
            dist.all_reduce(total_loss)  # la pérdida media de todos los procesos, no solo la del 0
        if rank == 0:  # solo el proceso 0 evalúa: los demás tienen la misma red
            print(
                f"época {epoch + 1}/{args.epocas}: pérdida {format_number(total_loss[0] / total_loss[1], 3)} · "
                f"exactitud en validación {format_percent(accuracy(model, validation))} · {format_seconds(seconds)}",
                flush=True,
            )
        if steps == args.pasos:
            say(f"parado tras {steps} pasos")
            break
    if args.guardar is not None:
        save(model, args.guardar)


def main(argv: list[str] | None = None) -> None:
    """Lee las opciones, conecta los procesos (si los lanzó torchrun) y entrena o hace la demostración."""
    args = parse_arguments(argv)
    torch.set_num_threads(args.hilos)
    if "RANK" in os.environ:  # lanzado por torchrun
        dist.init_process_group(backend="gloo")  # con GPU: "nccl", y cada proceso en su GPU (LOCAL_RANK)
    try:
        demo_all_reduce() if args.demo_all_reduce else train(args)
    finally:
        if dist.is_initialized():
            dist.destroy_process_group()


if __name__ == "__main__":
    main()

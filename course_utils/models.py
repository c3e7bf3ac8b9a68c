"""Modelos del curso."""

from __future__ import annotations

import urllib.error
import warnings
from pathlib import Path

import torch
from torch import nn
from torchvision import models
from torchvision.models import ResNet18_Weights

from course_utils.config import get_settings

# Modelos con cabeza sustituible: constructor de torchvision y su enum de pesos.
PRETRAINED = {"resnet18": (models.resnet18, ResNet18_Weights)}


class MLP(nn.Module):
    """La red de la lección 02: aplanar y capas lineales con ReLU (3072 → 512 → 512 → 10 por defecto)."""

    def __init__(self, in_features: int = 3 * 32 * 32, hidden_sizes=(512, 512), num_classes: int = 10):
        super().__init__()
        sizes = [in_features, *hidden_sizes]
        if any(int(size) < 1 for size in [*sizes, num_classes]):
            raise ValueError(f"Los tamaños de las capas deben ser positivos, pero llegó {sizes + [num_classes]}.")
        self.flatten = nn.Flatten()
        layers: list[nn.Module] = []
        for size_in, size_out in zip(sizes[:-1], sizes[1:], strict=True):
            layers += [nn.Linear(size_in, size_out), nn.ReLU()]
        layers.append(nn.Linear(sizes[-1], num_classes))
        self.layers = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(self.flatten(x))


def weights_path(weights=ResNet18_Weights.DEFAULT) -> Path:
    """Dónde guarda torchvision unos pesos (la caché de torch hub); por defecto, los de ResNet18."""
    return Path(torch.hub.get_dir()) / "checkpoints" / Path(weights.url).name


def find_or_download_resnet18_weights(offline: bool) -> bool:
    """True si los pesos de ImageNet de ResNet18 están en la caché (descargándolos si se puede)."""
    if weights_path().exists():
        return True
    if offline:
        return False
    try:
        ResNet18_Weights.DEFAULT.get_state_dict(progress=True, check_hash=True)
    except (urllib.error.URLError, OSError, RuntimeError):
        return False
    return weights_path().exists()


def load_pretrained(
    name: str = "resnet18",
    num_classes: int = 10,
    freeze_backbone: bool = False,
    offline: bool | None = None,
) -> tuple[nn.Module, bool]:
    """Devuelve (modelo, preentrenado): la red con una cabeza nueva de ``num_classes`` salidas.

    Usa los pesos de ImageNet si están en la caché de torch o se pueden descargar (torchvision comprueba su
    suma de verificación); si no, pesos aleatorios, y lo dice en una línea. Con ``freeze_backbone`` solo la
    cabeza nueva queda entrenable.
    """
    if name not in PRETRAINED:
        raise ValueError(f"Modelo desconocido {name!r}: los disponibles son {sorted(PRETRAINED)}.")
    if not isinstance(num_classes, int) or num_classes < 1:
        raise ValueError(f"num_classes debe ser un entero positivo, pero vale {num_classes!r}.")
    offline = get_settings().offline if offline is None else offline
    builder, weights_enum = PRETRAINED[name]
    weights = weights_enum.DEFAULT
    model = None
    if weights_path(weights).exists() or not offline:
        try:
            model = builder(weights=weights)
        except (urllib.error.URLError, OSError, RuntimeError) as error:
            warnings.warn(f"No se pudieron cargar los pesos de ImageNet ({error}).", stacklevel=2)
    pretrained = model is not None
    if pretrained:
        print(f"{name}: pesos de ImageNet ({weights}) cargados.")
    else:
        model = builder(weights=None)
        print(
            f"{name}: pesos ALEATORIOS, porque sin conexión no se pueden descargar los de ImageNet. Para "
            "tenerlos, ejecuta la lección 00 con conexión (sin COURSE_OFFLINE=1)."
        )
    model.fc = nn.Linear(model.fc.in_features, num_classes)
    if freeze_backbone:
        model.requires_grad_(False)
        model.fc.requires_grad_(True)
    return model, pretrained


def count_parameters(model: nn.Module, trainable_only: bool = False) -> int:
    """Número de parámetros del modelo (solo los entrenables, si se pide)."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)

"""Modelos del curso."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path

import torch
from torch import nn
from torchvision import models
from torchvision.models import ResNet18_Weights

from course_utils.config import get_settings
from course_utils.files import os_reason, set_aside, sha256_hexdigest
from course_utils.validation import _kind, check_channels_first, check_count, check_flag, check_model

# Modelos con cabeza sustituible: constructor de torchvision y su enum de pesos.
PRETRAINED = {"resnet18": (models.resnet18, ResNet18_Weights)}


class MLP(nn.Module):
    """La red de la lección 02: aplanar y capas lineales con ReLU (3072 → 512 → 512 → 10 por defecto)."""

    def __init__(self, in_features: int = 3 * 32 * 32, hidden_sizes=(512, 512), num_classes: int = 10):
        super().__init__()
        if isinstance(hidden_sizes, (str, bytes)) or not isinstance(hidden_sizes, Sequence):
            raise TypeError(
                f"hidden_sizes debe ser una secuencia de enteros, como (512, 512), pero llegó {_kind(hidden_sizes)}."
            )
        sizes = [in_features, *hidden_sizes]
        for size in [*sizes, num_classes]:
            check_count(size, "Cada tamaño de capa (in_features, hidden_sizes, num_classes)", minimum=0)
        if any(int(size) < 1 for size in [*sizes, num_classes]):
            raise ValueError(f"Los tamaños de las capas deben ser positivos, pero llegó {sizes + [num_classes]}.")
        self.flatten = nn.Flatten()
        layers: list[nn.Module] = []
        for size_in, size_out in zip(sizes[:-1], sizes[1:], strict=True):
            layers += [nn.Linear(size_in, size_out), nn.ReLU()]
        layers.append(nn.Linear(sizes[-1], num_classes))
        self.layers = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_channels_first(x)  # (N, 32, 32, 3) también tiene 3072 números por imagen y pasaría sin avisar
        return self.layers(self.flatten(x))


def _check_channels(in_channels: object, out_channels: object) -> None:
    """Exige números de canales enteros y positivos."""
    check_count(in_channels, "in_channels")
    check_count(out_channels, "out_channels")


def _check_image_batch(x: object) -> None:
    """Exige un lote de imágenes (N, 3, H, W): solo mira la forma, para no frenar la red."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"Se esperaba un tensor de PyTorch con un lote de imágenes, pero llegó {_kind(x)}.")
    if x.ndim == 3 and x.shape[0] == 3:
        raise ValueError(
            f"Se esperaba un lote de imágenes (N, 3, H, W), pero llegó la forma {tuple(x.shape)}: parece una sola "
            "imagen; añade la dimensión del lote con imagen.unsqueeze(0)."
        )
    check_channels_first(x)
    if x.ndim != 4 or x.shape[1] != 3:
        raise ValueError(f"Se esperaba un lote de imágenes (N, 3, H, W), pero llegó la forma {tuple(x.shape)}.")


class ResidualBlock(nn.Module):
    """Bloque residual como el ``BasicBlock`` de torchvision: ``relu(f(x) + atajo(x))``.

    ``f`` son dos convoluciones 3×3 con BatchNorm; el atajo es la identidad o, si cambian los canales o el
    tamaño (``stride`` 2), una convolución 1×1 con BatchNorm que adapta ``x`` a la forma de ``f(x)``.
    """

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1):
        super().__init__()
        _check_channels(in_channels, out_channels)
        check_count(stride, "stride")
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.shortcut: nn.Module = nn.Identity()
        if stride != 1 or in_channels != out_channels:
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False), nn.BatchNorm2d(out_channels)
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + self.shortcut(x))


def conv_bn_relu(in_channels: int, out_channels: int) -> nn.Sequential:
    """Convolución 3×3 (con relleno 1: mismo alto y ancho), BatchNorm y ReLU."""
    _check_channels(in_channels, out_channels)
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, 3, padding=1, bias=False),
        nn.BatchNorm2d(out_channels),
        nn.ReLU(inplace=True),
    )


class SmallCNN(nn.Module):
    """La red convolucional de la lección 05: tres etapas que reducen el tamaño a la mitad y doblan los canales.

    32×32 → ``conv`` → 16×16 (``pool``) → bloque residual → 8×8 → 4×4 → bloque residual → media global → ``fc``.
    """

    def __init__(self, widths: tuple[int, int, int, int] = (16, 32, 64, 128), num_classes: int = 10):
        super().__init__()
        num_classes = check_count(num_classes, "num_classes")
        if isinstance(widths, str) or not isinstance(widths, tuple | list):
            raise TypeError(f"widths debe ser una tupla de 4 números de canales, pero llegó {_kind(widths)}.")
        widths = tuple(check_count(w, "Cada número de canales de widths") for w in widths)
        if len(widths) != 4 or any(int(w) < 1 for w in widths) or num_classes < 1:
            raise ValueError(
                f"widths debe ser 4 números de canales positivos y num_classes un entero positivo, pero llegaron "
                f"widths={widths} y num_classes={num_classes}."
            )
        c1, c2, c3, c4 = widths
        self.stem = conv_bn_relu(3, c1)
        self.stage1 = nn.Sequential(conv_bn_relu(c1, c2), nn.MaxPool2d(2), ResidualBlock(c2, c2))
        self.stage2 = nn.Sequential(conv_bn_relu(c2, c3), nn.MaxPool2d(2))
        self.stage3 = nn.Sequential(conv_bn_relu(c3, c4), nn.MaxPool2d(2), ResidualBlock(c4, c4))
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.flatten = nn.Flatten()
        self.fc = nn.Linear(c4, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _check_image_batch(x)
        x = self.stage3(self.stage2(self.stage1(self.stem(x))))
        return self.fc(self.flatten(self.pool(x)))


def weights_path(weights=ResNet18_Weights.DEFAULT) -> Path:
    """Dónde guarda torchvision unos pesos (la caché de torch hub); por defecto, los de ResNet18."""
    return Path(torch.hub.get_dir()) / "checkpoints" / Path(weights.url).name


def expected_sha256_prefix(weights=ResNet18_Weights.DEFAULT) -> str:
    """El principio de la suma SHA-256 que torchvision pone en el nombre (``resnet18-f37072fd.pth`` → ``f37072fd``)."""
    match = torch.hub.HASH_REGEX.search(Path(weights.url).name)
    if match is None:
        raise ValueError(f"El nombre de {weights.url} no lleva la suma SHA-256 con la que comprobar el archivo.")
    return match.group(1)


def _weights_problem(path: Path, weights) -> tuple[str | None, dict | None]:
    """(problema, state_dict): comprueba la suma SHA-256 y carga con ``weights_only=True``, sin ejecutar código."""
    if not path.is_file():
        return "no es un archivo", None
    if path.stat().st_size == 0:
        return "está vacío (0 bytes)", None
    prefix = expected_sha256_prefix(weights)
    if not sha256_hexdigest(path).startswith(prefix):
        return f"su suma SHA-256 no empieza por {prefix}: está incompleto o no es el original", None
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # weights_only=True se niega a ejecutar código y avisa con UnpicklingError
        return f"no contiene solo pesos (tensores) y no se puede cargar con seguridad: {type(error).__name__}", None
    if not isinstance(state, dict):
        return f"contiene {type(state).__name__} en vez de un state_dict", None
    return None, state


def _checked_state_dict(path: Path, weights) -> dict | None:
    """El state_dict de ``path`` si se verifica; si no, aparta el archivo (sin borrarlo), avisa y devuelve None."""
    problem, state = _weights_problem(path, weights)
    if problem is None:
        return state
    try:
        moved = set_aside(path)
    except OSError as error:  # p. ej., la caché de torch está en una carpeta de solo lectura
        where = (
            f"Tampoco he podido apartarlo ({os_reason(error)}): bórralo o sustitúyelo tú para que se pueda descargar "
            "de nuevo."
        )
    else:
        where = f"Lo he apartado como {moved.name} (no se ha borrado) para que se pueda descargar de nuevo."
    warnings.warn(f"El archivo de pesos {path} {problem}. No lo he usado. {where}", stacklevel=3)
    return None


def verified_state_dict(weights=ResNet18_Weights.DEFAULT, offline: bool = False) -> dict | None:
    """Los pesos de la caché (o recién descargados) tras comprobar su suma SHA-256; None si no hay pesos fiables."""
    check_flag(offline, "offline")
    path = weights_path(weights)
    if path.exists() or path.is_symlink():
        state = _checked_state_dict(path, weights)
        if state is not None:
            return state
    if offline:
        return None
    try:  # la descarga normal de torchvision: escribe en un temporal y comprueba la suma antes de moverlo
        weights.get_state_dict(progress=True, check_hash=True, weights_only=True)
    except Exception as error:  # sin red, o lo descargado no se puede leer (eso lo juzga la comprobación de abajo)
        if not path.exists():
            warnings.warn(f"No se pudieron descargar los pesos de ImageNet ({error}).", stacklevel=2)
            return None
    return _checked_state_dict(path, weights) if path.exists() else None


def find_or_download_resnet18_weights(offline: bool) -> bool:
    """True solo si los pesos de ImageNet de ResNet18 están en la caché (o se descargan) y se verifican."""
    return verified_state_dict(ResNet18_Weights.DEFAULT, offline) is not None


def load_pretrained(
    name: str = "resnet18",
    num_classes: int = 10,
    freeze_backbone: bool = False,
    offline: bool | None = None,
) -> tuple[nn.Module, bool]:
    """Devuelve (modelo, preentrenado): la red con una cabeza nueva de ``num_classes`` salidas.

    Usa los pesos de ImageNet si están en la caché de torch o se pueden descargar, siempre tras comprobar su
    suma SHA-256 y cargarlos con ``weights_only=True``; un archivo dañado se aparta (sin borrarlo) con un aviso.
    Si no hay pesos fiables, usa pesos aleatorios y lo dice en una línea. Con ``freeze_backbone`` solo la
    cabeza nueva queda entrenable.
    """
    if name not in PRETRAINED:
        raise ValueError(f"Modelo desconocido {name!r}: los disponibles son {sorted(PRETRAINED)}.")
    num_classes = check_count(num_classes, "num_classes")
    check_flag(freeze_backbone, "freeze_backbone")
    offline = get_settings().offline if check_flag(offline, "offline", allow_none=True) is None else offline
    builder, weights_enum = PRETRAINED[name]
    weights = weights_enum.DEFAULT
    model = builder(weights=None)
    state = verified_state_dict(weights, offline)
    if state is not None:
        try:
            model.load_state_dict(state)
        except RuntimeError as error:
            warnings.warn(f"No se pudieron cargar los pesos de ImageNet ({error}).", stacklevel=2)
            state = None
            model = builder(weights=None)
    pretrained = state is not None
    if pretrained:
        print(f"{name}: pesos de ImageNet ({weights}) cargados.")
    else:
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
    check_model(model)
    check_flag(trainable_only, "trainable_only")
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)

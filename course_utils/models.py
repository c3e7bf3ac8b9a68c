"""Modelos del curso."""

from __future__ import annotations

import hashlib
import json
import warnings
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from torch import nn
from torchvision import models
from torchvision.models import ResNet18_Weights

from course_utils.config import get_settings
from course_utils.data import CLASSES_ES, BatchTransform, CIFAR10Tensor, make_loader
from course_utils.files import atomic_write, os_reason, set_aside, sha256_hexdigest
from course_utils.formatting import format_number
from course_utils.training import fit
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


# El tronco que preentrena el propio curso cuando no hay pesos de ImageNet: ResNet18 con cinco clases de CIFAR-10.
SOURCE_CLASSES = (0, 1, 2, 3, 4)  # avión, automóvil, pájaro, gato y ciervo; las otras cinco quedan para transferir
IMAGENET_MEAN, IMAGENET_STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)
COURSE_BACKBONE = "ResNet18 preentrenada por el curso en 5 clases"
IMAGENET_BACKBONE = "ResNet18 preentrenada en ImageNet"
_BACKBONE_VERSION = 1
_BACKBONE_FIELDS = ("version", "key", "state_dict", "sha256")


@dataclass(frozen=True)
class PretrainRecipe:
    """Cómo se preentrena el tronco del curso: SGD con momento de Nesterov y OneCycleLR, con aumento de datos."""

    epochs: int = 3
    batch_size: int = 256
    lr: float = 0.1
    seed: int = 0


# En modo rápido hay unas 45 veces menos imágenes: lotes menores, una tasa más baja y unos segundos de entrenamiento.
QUICK_RECIPE = PretrainRecipe(epochs=2, batch_size=128, lr=0.05)


def imagenet_transform(augment: bool = False) -> BatchTransform:
    """Lotes normalizados con la media y la desviación de ImageNet; con ``augment``, volteo y recorte al azar."""
    check_flag(augment, "augment")
    return BatchTransform(flip=augment, crop_padding=4 if augment else 0, mean=IMAGENET_MEAN, std=IMAGENET_STD)


def resnet18_for(num_classes: int) -> nn.Module:
    """ResNet18 de torchvision con pesos aleatorios y una cabeza ``fc`` de ``num_classes`` salidas."""
    model = models.resnet18(weights=None)
    model.fc = nn.Linear(model.fc.in_features, check_count(num_classes, "num_classes"))
    return model


def _state_sha256(state: dict) -> str:
    """Suma SHA-256 de los nombres, formas y valores de los tensores de un state_dict, en orden."""
    digest = hashlib.sha256()
    for name in sorted(state):
        tensor = state[name].detach().contiguous().cpu()
        digest.update(f"{name}:{tensor.dtype}:{tuple(tensor.shape)};".encode())
        digest.update(memoryview(tensor.view(-1).view(torch.uint8).numpy()).cast("B") if tensor.numel() else b"")
    return digest.hexdigest()


def _backbone_key(train: CIFAR10Tensor, recipe: PretrainRecipe) -> str:
    """Identifica un tronco: la receta, las clases de origen y las imágenes exactas con que se entrena."""
    digest = hashlib.sha256(json.dumps([_BACKBONE_VERSION, asdict(recipe), SOURCE_CLASSES]).encode())
    digest.update(memoryview(train.images.contiguous().numpy()).cast("B"))
    digest.update(memoryview(train.labels.contiguous().numpy()).cast("B"))
    return digest.hexdigest()


def backbone_cache_path(folder: Path, key: str) -> Path:
    """El archivo del tronco del curso para una receta y unos datos (la clave va en el nombre)."""
    return Path(folder) / f"resnet18-curso-5clases-{key[:16]}.pt"


def _backbone_problem(payload: object, key: str) -> str | None:
    """Por qué ``payload`` no sirve como tronco del curso (en español), o None si está íntegro."""
    if not isinstance(payload, dict):
        return f"contiene {type(payload).__name__} en vez de un diccionario"
    missing = [field for field in _BACKBONE_FIELDS if field not in payload]
    if missing:
        return f"le faltan los campos {', '.join(missing)}"
    if payload["version"] != _BACKBONE_VERSION or payload["key"] != key:
        return "es de otra versión, de otra receta o de otros datos"
    state = payload["state_dict"]
    if not isinstance(state, dict) or not all(isinstance(value, torch.Tensor) for value in state.values()):
        return "su state_dict no es un diccionario de tensores"
    if _state_sha256(state) != payload["sha256"]:
        return "la suma de verificación de los pesos no coincide"
    try:
        resnet18_for(len(SOURCE_CLASSES)).load_state_dict(state)
    except RuntimeError:
        return "sus pesos no son los de una ResNet18 con 5 clases"
    return None


def _read_backbone(path: Path, key: str) -> dict | None:
    """Los pesos del tronco guardado si se verifican; si no, aparta el archivo (sin borrarlo), avisa y da None."""
    if not path.exists():
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            payload = torch.load(path, map_location="cpu", weights_only=True)  # nunca ejecuta código del archivo
    except Exception as error:  # noqa: BLE001 - cualquier fallo de lectura significa archivo inservible
        problem = f"no se puede leer como tronco del curso ({type(error).__name__})"
    else:
        problem = _backbone_problem(payload, key)
    if problem is None:
        return payload["state_dict"]
    try:
        where = f"lo aparto como {set_aside(path).name}"
    except OSError as error:
        where = f"no se ha podido apartar ({os_reason(error)})"
    warnings.warn(f"El tronco guardado {path} no sirve: {problem}; {where} y lo entreno de nuevo.", stacklevel=3)
    return None


def pretrain_course_backbone(
    train: CIFAR10Tensor, recipe: PretrainRecipe, device: torch.device | str = "cpu", progress: bool = True
) -> nn.Module:
    """Entrena desde cero ResNet18 con las imágenes de ``train`` de SOURCE_CLASSES, con la receta dada."""
    source = train.select_classes(SOURCE_CLASSES).with_transform(imagenet_transform(True))
    torch.manual_seed(recipe.seed)
    model = resnet18_for(len(SOURCE_CLASSES))
    loader = make_loader(source, recipe.batch_size, shuffle=True, seed=recipe.seed)
    optimizer = torch.optim.SGD(model.parameters(), lr=recipe.lr, momentum=0.9, nesterov=True, weight_decay=5e-4)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, recipe.lr, total_steps=recipe.epochs * len(loader))
    fit(
        model,
        loader,
        None,
        optimizer,
        recipe.epochs,
        scheduler=scheduler,
        device=device,
        num_classes=len(SOURCE_CLASSES),
        progress=progress,
    )
    return model.cpu().eval()


def course_backbone(
    train: CIFAR10Tensor,
    recipe: PretrainRecipe | None = None,
    folder: str | Path | None = None,
    device: torch.device | str = "cpu",
    progress: bool | None = None,
) -> nn.Module:
    """El tronco del curso (ResNet18 de 5 clases, en ``eval()``): de su archivo si está íntegro; si no, lo entrena.

    Se entrena con las imágenes de ``train`` de SOURCE_CLASSES (la validación y la prueba no se tocan) y se
    guarda en ``folder`` (por defecto, la caché de la carpeta de datos) con una suma SHA-256 de sus pesos; se
    carga con ``weights_only=True``, y un archivo dañado se aparta (sin borrarlo) y se entrena de nuevo. La barra
    de progreso y el aviso de que lo entrena, por defecto, solo en modo completo.
    """
    if not isinstance(train, CIFAR10Tensor):
        raise TypeError(f"Se esperaba un CIFAR10Tensor (de load_cifar10), pero llegó {type(train).__name__}.")
    if train.classes != CLASSES_ES:
        raise ValueError("El tronco del curso se entrena con las diez clases de CIFAR-10 antes de separarlas.")
    settings = get_settings()
    recipe = (QUICK_RECIPE if settings.quick else PretrainRecipe()) if recipe is None else recipe
    # En modo rápido entrena unos segundos: sin barra ni avisos, la misma línea al entrenarlo que al cargarlo, y así
    # la celda da la misma salida si se repite (la primera vez lo entrena y la segunda carga el archivo).
    progress = not settings.quick if check_flag(progress, "progress", allow_none=True) is None else progress
    if not isinstance(recipe, PretrainRecipe):
        raise TypeError(f"recipe debe ser un PretrainRecipe, pero llegó {type(recipe).__name__}.")
    folder = Path(settings.data_dir) / "cache" if folder is None else Path(folder)
    key = _backbone_key(train, recipe)
    path = backbone_cache_path(folder, key)
    model = resnet18_for(len(SOURCE_CLASSES))
    state = _read_backbone(path, key)
    if state is not None:
        model.load_state_dict(state)
        print(f"{COURSE_BACKBONE}: cargada de {path.name}." if progress else f"{COURSE_BACKBONE}: {path.name}.")
        return model.eval()
    images = train.select_classes(SOURCE_CLASSES)
    if progress:
        print(
            f"{COURSE_BACKBONE}: la entreno ahora con {format_number(len(images))} imágenes de "
            f"{', '.join(images.classes[:-1])} y {images.classes[-1]} ({recipe.epochs} épocas); se guardará para la "
            "próxima vez."
        )
    else:  # sin barra, la misma línea que al cargarla
        print(f"{COURSE_BACKBONE}: {path.name}.")
    model = pretrain_course_backbone(train, recipe, device, progress)
    state = {name: tensor.detach().clone() for name, tensor in model.state_dict().items()}
    payload = {"version": _BACKBONE_VERSION, "key": key, "state_dict": state, "sha256": _state_sha256(state)}
    try:
        atomic_write(path, lambda temporary: torch.save(payload, temporary), overwrite=True)
    except OSError as error:
        warnings.warn(f"No he podido guardar el tronco en {path.parent} ({os_reason(error)}).", stacklevel=2)
    return model


def pretrained_resnet18(
    num_classes: int, train: CIFAR10Tensor, offline: bool | None = None, device: torch.device | str = "cpu"
) -> tuple[nn.Module, str]:
    """(modelo, origen): ResNet18 con cabeza nueva, con pesos de ImageNet si se verifican y, si no, los del curso."""
    num_classes = check_count(num_classes, "num_classes")
    offline = get_settings().offline if check_flag(offline, "offline", allow_none=True) is None else offline
    state = verified_state_dict(ResNet18_Weights.DEFAULT, offline)
    if state is not None:
        model = models.resnet18(weights=None)
        model.load_state_dict(state)
        print(f"{IMAGENET_BACKBONE}: pesos verificados.")
        origin = IMAGENET_BACKBONE
    else:
        model, origin = course_backbone(train, device=device), COURSE_BACKBONE
    model.fc = nn.Linear(model.fc.in_features, num_classes)
    return model, origin

"""Comprobaciones de las entradas del paquete: si algo no encaja, un error en español que dice qué se esperaba."""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterable
from numbers import Integral, Real
from pathlib import Path, PurePath

import torch
from torch import nn

from course_utils.formatting import format_number


def _kind(value: object) -> str:
    """El nombre del tipo de un valor para los mensajes: ``list``, ``numpy.ndarray``, ``torch.Tensor``..."""
    kind = type(value)
    module = kind.__module__.split(".")[0]
    return kind.__name__ if module == "builtins" else f"{module}.{kind.__name__}"


def _conversion_hint(value: object, name: str) -> str:
    """Cómo convertir en tensor lo que llegó, si se sabe."""
    if _kind(value) == "numpy.ndarray":
        return f": conviértelo con torch.from_numpy({name})"
    if isinstance(value, (list, tuple)):
        return f": conviértelo con torch.tensor({name}) (o torch.stack({name}) si es una lista de tensores)"
    return ""


def check_tensor(value: object, name: str) -> torch.Tensor:
    """Exige un ``torch.Tensor`` y dice cómo convertir una lista o un array de NumPy."""
    if not isinstance(value, torch.Tensor):
        variable = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().replace(" ", "_")
        hint = _conversion_hint(value, variable)
        raise TypeError(f"Se esperaba un tensor de PyTorch con las {name}, pero llegó {_kind(value)}{hint}.")
    return value


def to_tensor(value: object, name: str) -> torch.Tensor:
    """Convierte en tensor un tensor, un array de NumPy o una lista de números; si no puede, un TypeError claro."""
    if isinstance(value, torch.Tensor):
        return value
    try:
        return torch.as_tensor(value)
    except (TypeError, ValueError, RuntimeError) as error:
        raise TypeError(
            f"Se esperaba un tensor (o una lista de números) con las {name}, pero llegó {_kind(value)}."
        ) from error


def check_channels_first(x: torch.Tensor, variable: str = "imagenes") -> None:
    """Detecta imágenes con los canales al final, (N, H, W, 3), que deberían ir como (N, 3, H, W)."""
    if x.ndim == 4 and x.shape[1] != 3 and x.shape[-1] == 3:
        raise ValueError(
            f"Se esperaban imágenes (N, 3, H, W), pero llegó la forma {tuple(x.shape)}: parece que los canales "
            f"van al final; usa {variable}.permute(0, 3, 1, 2)."
        )


def check_images(images: object, name: str = "imágenes", allow_single: bool = False) -> torch.Tensor:
    """Exige imágenes (N, 3, H, W) en uint8 (0–255) o float, no vacías; ``allow_single`` admite una (3, H, W)."""
    images = check_tensor(images, name)
    shape = tuple(images.shape)
    if images.ndim == 3 and shape[0] == 3 and not allow_single:
        raise ValueError(
            f"Se esperaban {name} (N, 3, H, W), pero llegó la forma {shape}: parece una sola imagen; añade la "
            "dimensión del lote con imagen.unsqueeze(0)."
        )
    if images.ndim == 3 and shape[-1] == 3 and shape[0] != 3:
        raise ValueError(
            f"Se esperaban {name} (N, 3, H, W), pero llegó la forma {shape}: parece una sola imagen con los canales "
            "al final; usa imagen.permute(2, 0, 1).unsqueeze(0)."
        )
    check_channels_first(images)
    if not (images.ndim == 4 or allow_single and images.ndim == 3) or images.shape[-3] != 3:
        raise ValueError(f"Se esperaban {name} (N, 3, H, W), pero llegó la forma {shape}.")
    if images.dtype != torch.uint8 and not images.is_floating_point():
        raise TypeError(
            f"Las {name} deben ser uint8 (de 0 a 255) o float, pero son {images.dtype}: usa imagenes.to(torch.uint8) "
            "si van de 0 a 255, o imagenes.float()."
        )
    if images.numel() == 0:
        raise ValueError(f"No hay {name}: llegó un tensor vacío de forma {shape}.")
    if images.is_floating_point():
        _check_finite(images, name)
        if images.max() > FLOAT_IMAGE_LIMIT:
            raise ValueError(
                f"Las {name} son float con valores hasta {format_number(images.max().item(), 1)}: parecen de 0 a 255. "
                "Se esperaban floats de 0 a 1 (o normalizados con la media y la desviación): usa imagenes / 255, o "
                "imagenes.to(torch.uint8) si son enteros de 0 a 255."
            )
    return images


# Una imagen normalizada con la media y la desviación de CIFAR-10 o de ImageNet no pasa de unos 2,7.
FLOAT_IMAGE_LIMIT = 10.0


def _check_finite(values: torch.Tensor, name: str) -> None:
    """Lanza ValueError, con la posición del primero, si hay algún nan o infinito en ``values``."""
    bad = (~torch.isfinite(values)).nonzero()
    if len(bad):
        where = tuple(int(i) for i in bad[0])
        raise ValueError(
            f"Hay {format_number(len(bad))} valores no finitos (nan o infinito) en las {name}; el primero, en la "
            f"posición {where}, vale {values[where].item()}. Suele venir de un entrenamiento que ha divergido "
            "(tasa de aprendizaje demasiado alta) o de una división entre 0."
        )


def check_labels(
    labels: object, num_classes: int, n: int | None = None, name: str = "etiquetas", of: str = "imágenes"
) -> torch.Tensor:
    """Exige un vector (N,) de enteros de 0 a ``num_classes - 1`` y, con ``n``, de longitud ``n``."""
    labels = check_tensor(labels, name)
    if labels.ndim != 1:
        hint = ""
        if labels.ndim == 2 and labels.shape[1] == num_classes:
            hint = ": parece una fila de puntuaciones por clase; quédate con la mayor con .argmax(dim=1)"
        raise ValueError(f"Se esperaba un vector (N,) de {name}, pero llegó la forma {tuple(labels.shape)}{hint}.")
    if labels.is_floating_point() or labels.is_complex() or labels.dtype == torch.bool:
        raise TypeError(
            f"Las {name} deben ser números enteros (torch.long), pero son {labels.dtype}: conviértelas con .long()."
        )
    if n is not None and len(labels) != n:
        raise ValueError(f"Hay {format_number(n)} {of} pero {format_number(len(labels))} {name}.")
    bad = ((labels < 0) | (labels >= num_classes)).nonzero().flatten()
    if len(bad):
        position = int(bad[0])
        raise ValueError(
            f"Las {name} deben ir de 0 a {format_number(num_classes - 1)}, pero en la posición "
            f"{format_number(position)} hay un {format_number(labels[position].item())}."
        )
    return labels


def check_probabilities(
    probabilities: object, num_classes: int, n: int | None = None, name: str = "probabilidades"
) -> torch.Tensor:
    """Exige una matriz (N, clases) de floats entre 0 y 1 (la salida de softmax) y, con ``n``, N igual a ``n``."""
    probabilities = check_tensor(probabilities, name)
    if not probabilities.is_floating_point():
        raise TypeError(f"Las {name} deben ser números decimales (float), pero son {probabilities.dtype}.")
    if probabilities.ndim != 2 or probabilities.shape[1] != num_classes:
        raise ValueError(
            f"Se esperaban {name} (N, {num_classes}), una fila por imagen, pero llegó la forma "
            f"{tuple(probabilities.shape)}."
        )
    if n is not None and len(probabilities) != n:
        raise ValueError(f"Hay {format_number(n)} imágenes pero {format_number(len(probabilities))} filas de {name}.")
    _check_finite(probabilities, name)
    if probabilities.numel() and (probabilities.min() < 0 or probabilities.max() > 1):
        raise ValueError(
            f"Las {name} deben ir de 0 a 1, pero hay valores entre {format_number(probabilities.min().item(), 2)} y "
            f"{format_number(probabilities.max().item(), 2)}: parecen logits; aplica torch.softmax(salidas, dim=1)."
        )
    return probabilities


def check_integer(value: object, name: str) -> int:
    """Exige un número entero (no bool ni float), sin mirar su valor."""
    if isinstance(value, bool) or not isinstance(value, Integral):
        shown = f" ({format_number(value, 2)})" if isinstance(value, Real) and not isinstance(value, bool) else ""
        raise TypeError(f"{name} debe ser un número entero, pero llegó {_kind(value)}{shown}.")
    return int(value)


def check_flag(value: object, name: str, allow_none: bool = False) -> bool | None:
    """Exige ``True`` o ``False`` (o ``None`` si se admite): una cadena como «no» no vale como booleano."""
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or _kind(value) == "numpy.bool":
        return bool(value)
    options = "True, False o None" if allow_none else "True o False"
    raise TypeError(f"{name} debe ser {options}, pero llegó {_kind(value)} ({value!r}).")


def check_count(value: object, name: str, minimum: int = 1) -> int:
    """Exige un número entero (no bool ni float) de al menos ``minimum``: tamaños de lote, épocas, cantidades."""
    value = check_integer(value, name)
    if value < minimum:
        raise ValueError(f"{name} debe ser al menos {format_number(minimum)}, pero vale {format_number(value)}.")
    return int(value)


def check_positive_number(
    value: object, name: str, what: str = "un número positivo", maximum: float | None = None
) -> float:
    """Exige un número real finito mayor que 0 (por ejemplo, unos segundos) y, con ``maximum``, no mayor que él."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} debe ser {what}, pero llegó {_kind(value)}.")
    if math.isnan(value):
        raise ValueError(f"{name} debe ser {what}, pero vale nan (no es un número).")
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} debe ser {what}, pero vale {format_number(value)}.")
    if maximum is not None and value > maximum:
        raise ValueError(
            f"{name} debe ser {what} de como mucho {format_number(maximum)}, pero vale {format_number(value, 0)}."
        )
    return float(value)


def check_device(device: object) -> torch.device:
    """Exige un dispositivo de PyTorch válido y disponible en este ordenador."""
    if not isinstance(device, (str, torch.device)):
        raise TypeError(
            f"Se esperaba un dispositivo («cpu», «cuda» o el que devuelve setup()), pero llegó {_kind(device)}."
        )
    try:
        parsed = torch.device(device)
    except RuntimeError as error:
        raise ValueError(
            f"«{device}» no es un dispositivo de PyTorch: usa «cpu», «cuda», «mps» o el que devuelve setup()."
        ) from error
    if parsed.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(
                f"Pediste «{device}», pero este ordenador no tiene una GPU de NVIDIA disponible: usa setup() para "
                "elegir el dispositivo."
            )
        if parsed.index is not None and parsed.index >= torch.cuda.device_count():
            raise ValueError(
                f"Pediste «{device}», pero solo hay {format_number(torch.cuda.device_count())} GPU (de la 0 a la "
                f"{format_number(torch.cuda.device_count() - 1)}): usa setup() para elegir el dispositivo."
            )
    if parsed.type == "mps" and not torch.backends.mps.is_available():
        raise ValueError(
            f"Pediste «{device}», pero este ordenador no tiene un chip de Apple con Metal disponible: usa setup() "
            "para elegir el dispositivo."
        )
    return parsed


def check_model(model: object, name: str = "model") -> nn.Module:
    """Exige una red ya creada (una instancia de ``nn.Module``), no su clase."""
    if isinstance(model, type) and issubclass(model, nn.Module):
        raise TypeError(f"Has pasado la clase {model.__name__}, no una red: crea una con {model.__name__}().")
    if not isinstance(model, nn.Module):
        raise TypeError(f"Se esperaba una red (un nn.Module) en {name}, pero llegó {_kind(model)}.")
    return model


def check_optimizer(optimizer: object) -> torch.optim.Optimizer:
    """Exige un optimizador ya creado (``torch.optim.SGD(modelo.parameters(), lr=...)``), no su clase."""
    if isinstance(optimizer, type) and issubclass(optimizer, torch.optim.Optimizer):
        raise TypeError(
            f"Has pasado la clase {optimizer.__name__}, no un optimizador: crea uno con "
            f"torch.optim.{optimizer.__name__}(modelo.parameters(), lr=...)."
        )
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError(f"Se esperaba un optimizador de torch.optim, pero llegó {_kind(optimizer)}.")
    return optimizer


def check_optimizer_for(optimizer: torch.optim.Optimizer, model: nn.Module) -> None:
    """Exige que el optimizador actualice los parámetros de ``model``: si no, entrenar no cambiaría la red."""
    own = {id(parameter) for parameter in model.parameters()}
    optimized = [p for group in optimizer.param_groups for p in group["params"]]
    if own and not any(id(parameter) in own for parameter in optimized):
        raise ValueError(
            f"El optimizador no contiene ningún parámetro de esta red ({type(model).__name__}): entrenarla no la "
            "cambiaría. ¿Lo creaste con los parámetros de otra red? Créalo con los de esta: "
            "torch.optim.SGD(modelo.parameters(), lr=...)."
        )


def check_loader(loader: object, task: str) -> None:
    """Exige un cargador de lotes (como el de ``make_loader``) con al menos un lote."""
    not_a_loader = isinstance(loader, torch.Tensor | str | bytes) or not isinstance(loader, Iterable)
    if not_a_loader or not hasattr(loader, "__len__"):
        raise TypeError(
            f"Se esperaba un cargador de lotes (imágenes, etiquetas) para el conjunto de {task}, como el de "
            f"make_loader, pero llegó {_kind(loader)}."
        )
    if len(loader) == 0:  # type: ignore[arg-type]
        raise ValueError(f"El conjunto de {task} está vacío: no hay ningún lote con el que trabajar.")


def check_callable(value: object, name: str, example: str) -> None:
    """Exige una función (algo que se pueda llamar), como ``example``; una red ya creada no vale como constructor."""
    if isinstance(value, nn.Module) and "crea" in example:
        raise TypeError(
            f"{name} debe ser una función que crea la red (como {example}), pero llegó una red ya creada "
            f"({type(value).__name__}): pasa la función, sin paréntesis, o lambda: {type(value).__name__}()."
        )
    if not callable(value):
        raise TypeError(f"{name} debe ser una función, como {example}, pero llegó {_kind(value)} ({value!r:.40}).")


def check_seed(value: object, name: str = "seed") -> int:
    """Exige una semilla: un entero de 0 a 2³² − 1 (lo que admiten PyTorch y NumPy)."""
    value = check_integer(value, name)
    if not 0 <= value < 2**32:
        raise ValueError(f"{name} debe ser un entero de 0 a 4 294 967 295 (2³² − 1), pero vale {format_number(value)}.")
    return value


def check_path(value: object, name: str = "path") -> Path:
    """Exige una ruta de archivo: un ``str`` o un ``pathlib.Path``."""
    if not isinstance(value, (str, PurePath)):
        raise TypeError(f"{name} debe ser una ruta (str o pathlib.Path), pero llegó {_kind(value)}.")
    if isinstance(value, str) and not value.strip():
        raise ValueError(f"{name} debe ser una ruta, pero llegó un texto vacío.")
    return Path(value)


_HISTORY_FIELDS = ("train_loss", "train_acc", "val_loss", "val_acc", "seconds")


def check_history(history: object, name: str = "history") -> object:
    """Exige un historial como el que devuelve ``fit`` (un ``History``, con sus listas de métricas)."""
    missing = [field for field in _HISTORY_FIELDS if not hasattr(history, field)]
    if missing:
        raise TypeError(
            f"Se esperaba en {name} un historial (el History que devuelve fit), pero llegó {_kind(history)}, "
            f"sin {', '.join(missing)}."
        )
    return history

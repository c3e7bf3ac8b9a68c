"""Bucle de entrenamiento, evaluación, métricas y puntos de control."""

from __future__ import annotations

import copy
import math
import pickle
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import nn
from torch.utils.data import TensorDataset
from tqdm.auto import tqdm

from course_utils.data import make_loader
from course_utils.files import atomic_write
from course_utils.formatting import format_number, format_percent, format_seconds
from course_utils.validation import (
    check_callable,
    check_count,
    check_device,
    check_flag,
    check_labels,
    check_loader,
    check_model,
    check_optimizer,
    check_optimizer_for,
    check_path,
    check_positive_number,
    check_seed,
    check_tensor,
)

# La barra de tqdm con el porcentaje a la española («45 %»); sin la velocidad, que tqdm escribe con punto decimal.
# Un presupuesto de tiempo de más de una semana es casi seguro un error (unidades, un cero de más).
MAX_BUDGET_S = 7 * 24 * 3600
_BAR_FORMAT = "{desc}: {percentage:3.0f} % |{bar}| {n_fmt}/{total_fmt} lotes [{elapsed}<{remaining}{postfix}]"
_STUDY_BAR = "{desc}: {percentage:3.0f} % |{bar}| {n_fmt}/{total_fmt} pruebas [{elapsed}<{remaining}]"


@dataclass
class History:
    """Métricas de cada época: pérdida y exactitud (de 0 a 1) en entrenamiento y validación, y segundos."""

    train_loss: list[float] = field(default_factory=list)
    train_acc: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)  # vacías si fit no recibió datos de validación
    val_acc: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)  # tiempo de entrenamiento acumulado
    images_seen: list[int] = field(default_factory=list)  # imágenes de entrenamiento vistas, acumuladas
    best_epoch: int | None = None  # con keep_best: la época (desde 1) cuyos pesos se quedó el modelo

    def metrics(self) -> dict[str, list[float]]:
        """Las métricas que no dependen del reloj (para comparar ejecuciones)."""
        return {
            "train_loss": self.train_loss,
            "train_acc": self.train_acc,
            "val_loss": self.val_loss,
            "val_acc": self.val_acc,
        }


def bf16_is_fast(device: torch.device) -> bool:
    """True si el dispositivo calcula en bfloat16 por hardware (GPU moderna o CPU con AVX-512 BF16/AMX)."""
    device = check_device(device)
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    if device.type != "cpu":
        return False
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def _check_batch(outputs: torch.Tensor, labels: torch.Tensor, num_classes: int) -> None:
    """Detiene el entrenamiento con un error claro si la salida o las etiquetas no encajan."""
    if outputs.ndim != 2 or outputs.shape[1] != num_classes:
        raise ValueError(
            f"El modelo debe devolver una fila de {num_classes} logits por imagen, (N, {num_classes}), "
            f"pero devolvió la forma {tuple(outputs.shape)}."
        )
    if labels.numel() and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError(
            f"Las etiquetas deben ir de 0 a {num_classes - 1}, pero hay etiquetas entre "
            f"{labels.min().item()} y {labels.max().item()}."
        )


def evaluate(
    model: nn.Module,
    loader: Iterable,
    loss_fn: Callable | None = None,
    device: torch.device | str = "cpu",
    num_classes: int = 10,
) -> tuple[float, float]:
    """Pérdida media y exactitud del modelo sobre un conjunto, en modo evaluación y sin gradientes."""
    check_model(model)
    check_loader(loader, "evaluación")
    check_device(device)
    check_count(num_classes, "num_classes")
    loss_fn = loss_fn or nn.CrossEntropyLoss()
    model.eval()
    total_loss, correct, seen = 0.0, 0, 0
    with torch.no_grad():
        for images, labels in _pairs(loader, "evaluación"):
            images, labels = images.to(device), labels.to(device)
            outputs = model(images)
            _check_batch(outputs, labels, num_classes)
            total_loss += loss_fn(outputs.float(), labels).item() * len(labels)
            correct += (outputs.argmax(dim=1) == labels).sum().item()
            seen += len(labels)
    return total_loss / seen, correct / seen


def predict(
    model: nn.Module, loader: Iterable, device: torch.device | str = "cpu"
) -> tuple[torch.Tensor, torch.Tensor]:
    """Probabilidades (N, clases) y etiquetas reales (N,) de todo un conjunto."""
    logits, labels = _outputs(model, loader, device, "predicción")
    return torch.softmax(logits, dim=1), labels


def _outputs(
    model: nn.Module, loader: Iterable, device: torch.device | str, task: str
) -> tuple[torch.Tensor, torch.Tensor]:
    """Salidas del modelo (en float32, en la CPU) y etiquetas de todo un conjunto, sin gradientes."""
    check_model(model)
    check_loader(loader, task)
    check_device(device)
    model.eval()
    outputs, all_labels = [], []
    with torch.no_grad():
        for images, labels in _pairs(loader, task):
            outputs.append(model(images.to(device)).float().cpu())
            all_labels.append(labels)
    return torch.cat(outputs), torch.cat(all_labels)


def _pairs(loader: Iterable, task: str) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """Los lotes del cargador, exigiendo que cada uno sea un par (imágenes, etiquetas)."""
    for batch in loader:
        if not (isinstance(batch, tuple | list) and len(batch) == 2):
            shown = f"{type(batch).__name__} de {len(batch)} elementos" if isinstance(batch, tuple | list) else None
            raise TypeError(
                f"Cada lote del cargador de {task} debe ser un par (imágenes, etiquetas), como los de make_loader, "
                f"pero llegó {shown or type(batch).__name__}."
            )
        yield batch


def fit(
    model: nn.Module,
    train_loader: Iterable,
    val_loader: Iterable | None,
    optimizer: torch.optim.Optimizer,
    epochs: int,
    loss_fn: Callable | None = None,
    scheduler=None,
    device: torch.device | str = "cpu",
    num_classes: int = 10,
    mixed_precision: bool = False,
    on_epoch_end: Callable[[History], None] | None = None,
    progress: bool = True,
    max_steps: int | None = None,
    time_limit_s: float | None = None,
    keep_best: bool = False,
) -> History:
    """Entrena ``epochs`` épocas y evalúa en validación (``val_loader``) al final de cada una.

    ``val_loader`` son datos apartados del entrenamiento para elegir (optimizador, tasa, épocas); nunca el
    conjunto de prueba, que se evalúa una sola vez al final con ``evaluate``. Con ``val_loader=None`` no se
    evalúa nada. Con ``keep_best`` el modelo termina con los pesos de la época de mejor exactitud en validación.
    ``scheduler`` (opcional) avanza un paso por lote, como ``OneCycleLR``. Con ``mixed_precision`` los cálculos
    de la red van en bfloat16 (más rápido donde el hardware lo admite) y los pesos siguen en float32. Con
    ``max_steps`` se detiene tras ese número de lotes, y con ``time_limit_s`` cuando el tiempo de entrenamiento
    (sin contar la evaluación) llega a ese número de segundos, aunque la última época quede a medias.
    """
    check_model(model)
    check_optimizer(optimizer)
    check_optimizer_for(optimizer, model)
    check_count(epochs, "epochs")
    if max_steps is not None:
        check_count(max_steps, "max_steps")
    if time_limit_s is not None:
        check_positive_number(time_limit_s, "time_limit_s", "un número de segundos positivo", MAX_BUDGET_S)
    check_flag(mixed_precision, "mixed_precision")
    check_flag(progress, "progress")
    check_flag(keep_best, "keep_best")
    if keep_best and val_loader is None:
        raise ValueError("keep_best=True elige la mejor época en validación: pasa también val_loader.")
    if loss_fn is not None:
        check_callable(loss_fn, "loss_fn", "nn.CrossEntropyLoss()")
    check_count(num_classes, "num_classes")
    check_loader(train_loader, "entrenamiento")
    if val_loader is not None:
        check_loader(val_loader, "validación")
    device = check_device(device)
    loss_fn = loss_fn or nn.CrossEntropyLoss()
    model.to(device)
    history = History()
    training_time = 0.0
    total_steps = epochs * len(train_loader) if max_steps is None else min(max_steps, epochs * len(train_loader))
    epochs = math.ceil(total_steps / len(train_loader))  # con max_steps, la última época puede quedar a medias
    bar = tqdm(total=total_steps, desc="Entrenando", unit="lote", bar_format=_BAR_FORMAT, disable=not progress)
    steps = 0
    best_state = None
    for epoch in range(1, epochs + 1):
        start = time.perf_counter()
        model.train()
        total_loss, correct, seen = 0.0, 0, 0
        for images, labels in _pairs(train_loader, "entrenamiento"):
            out_of_time = time_limit_s is not None and training_time + time.perf_counter() - start >= time_limit_s
            if steps == total_steps or (out_of_time and steps > 0):
                break
            steps += 1
            images, labels = images.to(device), labels.to(device)
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=mixed_precision):
                outputs = model(images)
                _check_batch(outputs, labels, num_classes)
                loss = loss_fn(outputs, labels)
            if not torch.isfinite(loss):
                raise FloatingPointError(
                    f"La pérdida dejó de ser un número finito ({format_number(loss.item())}) en la época {epoch}: "
                    "prueba con una tasa de aprendizaje más baja o revisa los datos."
                )
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            if scheduler is not None:
                scheduler.step()
            total_loss += loss.item() * len(labels)
            correct += (outputs.argmax(dim=1) == labels).sum().item()
            seen += len(labels)
            bar.update(1)
        training_time += time.perf_counter() - start
        if seen == 0:  # el tiempo se acabó justo al terminar la época anterior
            break
        history.train_loss.append(total_loss / seen)
        history.train_acc.append(correct / seen)
        history.seconds.append(training_time)
        history.images_seen.append((history.images_seen[-1] if history.images_seen else 0) + seen)
        if val_loader is not None:
            val_loss, val_acc = evaluate(model, val_loader, loss_fn, device, num_classes)
            history.val_loss.append(val_loss)
            history.val_acc.append(val_acc)
            bar.set_postfix_str(f"época {epoch}/{epochs} · exactitud en validación {format_percent(val_acc)}")
            if keep_best and val_acc > max(history.val_acc[:-1], default=-1.0):
                history.best_epoch = epoch
                best_state = copy.deepcopy(model.state_dict())
        if on_epoch_end is not None:
            on_epoch_end(history)
    bar.close()
    if best_state is not None:
        model.load_state_dict(best_state)
    return history


def seconds_per_step(
    model: nn.Module,
    train_loader: Iterable,
    optimizer: torch.optim.Optimizer,
    loss_fn: Callable | None = None,
    device: torch.device | str = "cpu",
    steps: int = 5,
    mixed_precision: bool = False,
) -> float:
    """Segundos que tarda un paso de entrenamiento, medidos sobre copias del modelo y del optimizador."""
    check_model(model)
    check_loader(train_loader, "entrenamiento")
    check_device(device)
    check_count(steps, "steps")
    check_optimizer(optimizer)
    # Una sola copia de los dos: así el optimizador copiado apunta a los parámetros de la red copiada.
    probe, probe_optimizer = copy.deepcopy((model, optimizer))
    probe.to(device).train()
    loss_fn = loss_fn or nn.CrossEntropyLoss()
    batches = iter(train_loader)
    start = 0.0
    for step in range(steps + 1):  # el primer paso calienta y no se cuenta
        if step == 1:
            start = time.perf_counter()
        images, labels = next(batches, (None, None))
        if images is None:  # menos lotes que pasos de medida: se vuelve a empezar
            batches = iter(train_loader)
            images, labels = next(batches)
        with torch.autocast(torch.device(device).type, dtype=torch.bfloat16, enabled=mixed_precision):
            loss = loss_fn(probe(images.to(device)), labels.to(device))
        probe_optimizer.zero_grad()
        loss.backward()
        probe_optimizer.step()
    return (time.perf_counter() - start) / steps


def _plan_message(
    budget_s: float, step_s: float, total_steps: int, batches_per_epoch: int, evaluates: bool = True
) -> str:
    """La línea que anuncia cuántos lotes caben en el presupuesto de ``fit_for_seconds``."""
    step_ms = format_number(step_s * 1000, 1 if step_s < 0.01 else 0)  # por debajo de 10 ms, con un decimal
    return (
        f"Presupuesto: {format_seconds(budget_s, 0)}. Un lote tarda {step_ms} ms en esta máquina, así que caben "
        f"{format_number(total_steps)} lotes ({format_number(total_steps / batches_per_epoch, 1)} épocas de "
        f"{format_number(batches_per_epoch)} lotes)."
        + (" La evaluación en validación al final de cada época no cuenta." if evaluates else "")
    )


def fit_for_seconds(
    model: nn.Module,
    train_loader: Iterable,
    val_loader: Iterable | None,
    optimizer: torch.optim.Optimizer,
    budget_s: float,
    make_scheduler: Callable[[torch.optim.Optimizer, int], object] | None = None,
    loss_fn: Callable | None = None,
    device: torch.device | str = "cpu",
    margin: float = 0.06,
    verbose: bool = True,
    **fit_options,
) -> History:
    """Entrena durante unos ``budget_s`` segundos en esta máquina: mide un paso y ajusta el plan a lo que cabe.

    Cuenta la medición y los pasos de entrenamiento (``History.seconds`` incluye los dos) y para al agotar el
    presupuesto aunque el plan no haya terminado; no cuenta la evaluación en validación al final de cada época.
    ``make_scheduler(optimizer, pasos)`` crea el programador de la tasa de aprendizaje (por ejemplo
    ``OneCycleLR``) con el número total de pasos ya decidido.
    """
    check_model(model)
    check_positive_number(budget_s, "budget_s", "un número de segundos positivo", MAX_BUDGET_S)
    check_flag(verbose, "verbose")
    check_loader(train_loader, "entrenamiento")
    check_device(device)
    if make_scheduler is not None:
        check_callable(make_scheduler, "make_scheduler", "lambda optimizador, pasos: OneCycleLR(...)")
    if isinstance(margin, bool) or not isinstance(margin, int | float) or not 0 <= margin < 1:
        raise ValueError(f"margin debe ser un número de 0 a 1 (por ejemplo 0.06), pero vale {margin!r}.")
    start = time.perf_counter()
    mixed = fit_options.get("mixed_precision", False)
    step_s = seconds_per_step(model, train_loader, optimizer, loss_fn, device, mixed_precision=mixed)
    left = budget_s - (time.perf_counter() - start)
    if left <= 0:
        raise ValueError(
            f"El presupuesto, {format_seconds(budget_s, 3)}, se ha ido entero en medir un lote "
            f"({format_number(step_s * 1000, 1)} ms): no queda tiempo para entrenar. Pide más segundos."
        )
    total_steps = max(1, int(left / (step_s * (1 + margin))))
    epochs = math.ceil(total_steps / len(train_loader))
    if verbose:
        print(_plan_message(budget_s, step_s, total_steps, len(train_loader), val_loader is not None))
    scheduler = make_scheduler(optimizer, total_steps) if make_scheduler is not None else None
    measuring = time.perf_counter() - start
    history = fit(
        model,
        train_loader,
        val_loader,
        optimizer,
        epochs,
        loss_fn,
        scheduler,
        device,
        max_steps=total_steps,
        time_limit_s=budget_s - measuring,
        **fit_options,
    )
    history.seconds = [measuring + seconds for seconds in history.seconds]  # la medición también cuenta
    return history


def accuracy_per_class(predictions: torch.Tensor, labels: torch.Tensor, num_classes: int = 10) -> torch.Tensor:
    """Exactitud (0–1) de cada clase: aciertos de la clase / imágenes de la clase (nan si no hay ninguna)."""
    matrix = confusion_matrix(predictions, labels, num_classes)
    counts = matrix.sum(dim=1)
    return torch.where(counts > 0, matrix.diagonal() / counts.clamp(min=1), torch.tensor(math.nan))


def confusion_matrix(predictions: torch.Tensor, labels: torch.Tensor, num_classes: int = 10) -> torch.Tensor:
    """Matriz (clases × clases): la fila es la clase real y la columna la predicha."""
    check_count(num_classes, "num_classes")
    predictions = check_labels(predictions, num_classes, name="predicciones")
    labels = check_labels(labels, num_classes, n=len(predictions), name="etiquetas", of="predicciones")
    pairs = labels.long() * num_classes + predictions.long()
    return torch.bincount(pairs, minlength=num_classes * num_classes).reshape(num_classes, num_classes)


def top_confusions(matrix: torch.Tensor, classes: Sequence[str], count: int = 8) -> list[tuple[str, str, float]]:
    """Los ``count`` errores más frecuentes: (clase real, clase predicha, fracción de su fila), de mayor a menor."""
    check_count(count, "count")
    matrix = check_tensor(matrix, "matriz de confusión").double()
    if matrix.shape != (len(classes), len(classes)):
        raise ValueError(f"Se esperaba una matriz {len(classes)}×{len(classes)}, pero llegó {tuple(matrix.shape)}.")
    rates = matrix / matrix.sum(dim=1, keepdim=True).clamp(min=1)
    rates.fill_diagonal_(-1.0)  # los aciertos no son errores
    order = rates.flatten().argsort(descending=True)[: min(count, len(classes) * (len(classes) - 1))]
    return [(classes[i // len(classes)], classes[i % len(classes)], rates.flatten()[i].item()) for i in order.tolist()]


def save_checkpoint(model: nn.Module, path: str | Path, overwrite: bool = False) -> Path:
    """Guarda solo los pesos (``state_dict``) de golpe; no sobrescribe un archivo salvo con ``overwrite=True``."""
    check_model(model)
    check_flag(overwrite, "overwrite")
    path = check_path(path)
    state = model.state_dict()
    return atomic_write(path, lambda temporary: torch.save(state, temporary), overwrite=overwrite)


def load_checkpoint(model: nn.Module, path: str | Path, map_location: str | torch.device = "cpu") -> nn.Module:
    """Carga pesos guardados con ``save_checkpoint`` de forma segura (``weights_only=True``)."""
    check_model(model)
    if isinstance(map_location, (str, torch.device)):
        check_device(map_location)
    elif not (isinstance(map_location, dict) or callable(map_location)):
        raise TypeError(
            f"map_location debe ser un dispositivo («cpu», «cuda» o el que devuelve setup()), pero llegó "
            f"{type(map_location).__name__}."
        )
    path = check_path(path)
    if path.is_dir():
        raise IsADirectoryError(f"{path} es una carpeta, no un punto de control: indica el archivo .pt de dentro.")
    if not path.exists():
        raise FileNotFoundError(f"No existe el punto de control {path}: ¿lo guardaste con save_checkpoint?")
    if path.stat().st_size == 0:
        raise ValueError(f"El punto de control {path} está vacío (0 bytes): no tiene pesos que cargar.")
    try:
        state = torch.load(path, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as error:
        if "Unsupported global" not in str(error):  # bytes al azar («Unsupported operand»): no traen código
            raise ValueError(
                f"El punto de control {path} está dañado o no es un archivo de PyTorch (no se puede leer como "
                "pesos); vuelve a guardarlo con save_checkpoint."
            ) from error
        raise ValueError(
            f"{path.name} no contiene solo pesos (tensores): torch.load(weights_only=True) se niega a "
            "ejecutar el código que trae. Carga únicamente archivos de fuentes de confianza."
        ) from error
    except PermissionError:
        raise PermissionError(f"No se puede leer el punto de control {path}: no hay permiso de lectura.") from None
    except Exception as error:  # basura, un archivo truncado...: torch da IndexError, EOFError o RuntimeError
        raise ValueError(
            f"El punto de control {path} está dañado o no es un archivo de PyTorch ({type(error).__name__}); "
            "vuelve a guardarlo con save_checkpoint."
        ) from error
    if not isinstance(state, dict):
        found = type(state).__name__
        raise ValueError(f"Se esperaba un state_dict (un diccionario), pero el archivo contiene {found}.")
    _check_same_layers(model, state, path)
    model.load_state_dict(state)
    return model


def _check_same_layers(model: nn.Module, state: dict, path: Path) -> None:
    """Lanza ValueError, en español, si los pesos de ``path`` no son de una red como ``model``."""
    expected = model.state_dict()
    not_tensors = [name for name, value in state.items() if not isinstance(value, torch.Tensor)]
    if not_tensors:
        raise ValueError(
            f"Los pesos de {path.name} no son todos tensores: {not_tensors[0]} es "
            f"{type(state[not_tensors[0]]).__name__}. Vuelve a guardarlos con save_checkpoint."
        )
    missing = [name for name in expected if name not in state]
    extra = [name for name in state if name not in expected]
    resized = [
        f"{name} {tuple(state[name].shape)} en vez de {tuple(value.shape)}"
        for name, value in expected.items()
        if name in state and isinstance(state[name], torch.Tensor) and state[name].shape != value.shape
    ]
    if not (missing or extra or resized):
        return
    details = []
    if missing:
        details.append(f"le faltan {format_number(len(missing))} (como {missing[0]})")
    if extra:
        details.append(f"le sobran {format_number(len(extra))} (como {extra[0]})")
    if resized:
        details.append(f"tienen otra forma {format_number(len(resized))} (como {resized[0]})")
    raise ValueError(
        f"Los pesos de {path.name} no son de una red como {type(model).__name__}: {'; '.join(details)}. Crea la "
        "misma red con la que los guardaste y carga en ella el punto de control."
    )


def extract_features(
    backbone: nn.Module, loader: Iterable, device: torch.device | str = "cpu"
) -> tuple[torch.Tensor, torch.Tensor]:
    """Pasa un conjunto una sola vez por una red congelada, sin gradientes, y devuelve (salidas, etiquetas)."""
    return _outputs(backbone, loader, device, "extracción de características")


def train_head(
    features: torch.Tensor,
    labels: torch.Tensor,
    test_loader: Iterable,
    num_classes: int,
    steps: int = 300,
    seed: int = 0,
) -> float:
    """Entrena con ``fit`` una cabeza lineal sobre características ya calculadas y devuelve su exactitud en prueba."""
    features = check_tensor(features, "características")
    if features.ndim != 2:
        hint = ": parecen imágenes; pásalas antes por extract_features" if features.ndim == 4 else ""
        raise ValueError(
            f"Se esperaban características (N, D), una fila por imagen, pero llegó la forma {tuple(features.shape)}"
            f"{hint}."
        )
    if len(features) == 0:
        raise ValueError("No hay características con las que entrenar la cabeza.")
    if not features.is_floating_point():
        raise TypeError(f"Las características deben ser float, pero son {features.dtype}: conviértelas con .float().")
    check_count(num_classes, "num_classes")
    check_count(steps, "steps")
    check_labels(labels, num_classes, n=len(features), of="características")
    torch.manual_seed(check_seed(seed))
    head = nn.Linear(features.shape[1], num_classes)
    return _fit_steps(head, TensorDataset(features, labels), test_loader, num_classes, steps, seed)


def train_from_scratch(
    builder: Callable[[], nn.Module],
    train_data,
    test_loader: Iterable,
    num_classes: int,
    steps: int = 300,
    seed: int = 0,
    device: torch.device | str = "cpu",
) -> float:
    """Entrena desde cero con ``fit`` (AdamW, ``steps`` lotes de 64) la red de ``builder`` y da su exactitud."""
    check_callable(builder, "builder", "una función que crea la red, como lambda: SmallCNN()")
    torch.manual_seed(check_seed(seed))
    return _fit_steps(builder(), train_data, test_loader, num_classes, steps, seed, device)


def _fit_steps(
    model: nn.Module,
    train_data,
    test_loader: Iterable,
    num_classes: int,
    steps: int,
    seed: int,
    device: torch.device | str = "cpu",
) -> float:
    """Entrena con ``fit`` y AdamW ``steps`` lotes de 64 (en una sola época) y devuelve la exactitud en prueba."""
    loader = make_loader(train_data, batch_size=64, seed=seed, num_batches=steps)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    fit(model, loader, None, optimizer, 1, device=device, num_classes=num_classes, progress=False)
    return evaluate(model, test_loader, device=device, num_classes=num_classes)[1]  # la prueba, una vez al final


def fine_tune_from(
    backbone: nn.Module,
    feature_size: int,
    train_data,
    test_loader: Iterable,
    num_classes: int,
    steps: int = 300,
    seed: int = 0,
    device: torch.device | str = "cpu",
) -> float:
    """Ajuste fino de una copia del tronco con una cabeza nueva (el tronco con una tasa diez veces menor)."""
    check_model(backbone)
    torch.manual_seed(check_seed(seed))
    trunk = copy.deepcopy(backbone).requires_grad_(True)
    head = nn.Linear(check_count(feature_size, "feature_size"), check_count(num_classes, "num_classes"))
    model = nn.Sequential(trunk, head)
    loader = make_loader(train_data, batch_size=64, seed=seed, num_batches=check_count(steps, "steps"))
    optimizer = torch.optim.AdamW([{"params": trunk.parameters(), "lr": 1e-4}, {"params": head.parameters()}], lr=1e-3)
    fit(model, loader, None, optimizer, 1, device=device, num_classes=num_classes, progress=False)
    return evaluate(model, test_loader, device=device, num_classes=num_classes)[1]  # la prueba, una vez al final


TRANSFER_METHODS = ("cabeza transferida", "ajuste fino", "desde cero")


def transfer_study(
    backbone: nn.Module,
    builder: Callable[[], nn.Module],
    new_train,
    new_test,
    transform: Callable[[bool], Callable],
    budgets: Sequence[int],
    seeds: Sequence[int],
    steps: int = 300,
    device: torch.device | str = "cpu",
    progress: bool = True,
) -> dict[str, dict[int, list[float]]]:
    """Cabeza sobre el tronco transferido, ajuste fino y red desde cero, con varias imágenes por clase y semillas.

    Para cada presupuesto (imágenes por clase) y cada semilla, toma esas imágenes al azar de ``new_train`` y
    mide en todo ``new_test`` (1) una cabeza lineal entrenada sobre las características de ``backbone`` (en modo
    ``eval()``, sin aumento: ``transform(False)``), (2) el ajuste fino de una copia de ``backbone`` con una cabeza
    nueva y (3) la red de ``builder`` entrenada desde cero, estas dos con las mismas imágenes aumentadas
    (``transform(True)``); las tres con ``steps`` lotes de 64. ``backbone`` devuelve características (su cabeza
    original ya sustituida por ``nn.Identity()``), y no se modifica.
    Devuelve ``{"cabeza transferida": {presupuesto: [exactitud por semilla]}, "ajuste fino": {…}, "desde cero": {…}}``.
    """
    check_model(backbone)
    check_flag(progress, "progress")
    check_callable(builder, "builder", "una función que crea la red, como lambda: SmallCNN()")
    check_callable(transform, "transform", "una función que da la transformación: transform(aumento) → BatchTransform")
    num_classes = len(new_train.classes)
    backbone.eval()  # las estadísticas de BatchNorm del tronco no se mueven al extraer
    image_test_loader = make_loader(new_test.with_transform(transform(False)), 1000)
    test_features, test_labels = extract_features(backbone, image_test_loader, device)
    feature_test_loader = make_loader(TensorDataset(test_features, test_labels), 1000)
    results: dict[str, dict[int, list[float]]] = {method: {} for method in TRANSFER_METHODS}
    runs = [(budget, seed) for budget in budgets for seed in seeds]
    for budget, seed in tqdm(runs, desc="Estudio", unit="prueba", bar_format=_STUDY_BAR, disable=not progress):
        few = new_train.few_per_class(budget, seed=seed)
        features, labels = extract_features(backbone, make_loader(few.with_transform(transform(False)), 1000), device)
        augmented = few.with_transform(transform(True))
        accuracies = (
            train_head(features, labels, feature_test_loader, num_classes, steps, seed),
            fine_tune_from(backbone, features.shape[1], augmented, image_test_loader, num_classes, steps, seed, device),
            train_from_scratch(builder, augmented, image_test_loader, num_classes, steps, seed, device),
        )
        for method, accuracy in zip(TRANSFER_METHODS, accuracies, strict=True):
            results[method].setdefault(budget, []).append(accuracy)
    backbone.eval()
    return results

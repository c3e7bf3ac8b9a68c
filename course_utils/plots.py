"""Gráficas del curso (matplotlib), con títulos y etiquetas en español."""

from __future__ import annotations

import math
from collections.abc import Sequence

import matplotlib.pyplot as plt
import torch
from matplotlib.axis import Axis
from matplotlib.ticker import Formatter, FuncFormatter, MaxNLocator

from course_utils.data import CLASSES_ES, MEAN, STD
from course_utils.formatting import format_number, format_percent
from course_utils.validation import (
    _kind,
    check_count,
    check_history,
    check_images,
    check_integer,
    check_labels,
    check_probabilities,
    to_tensor,
)


def _decimals_for(values: Sequence[float]) -> int:
    """Los decimales (hasta 6) que hacen falta para escribir exactas todas esas marcas: 0,25 → 2; 0,5 → 1."""
    return next((d for d in range(7) if all(abs(v - round(v, d)) < 1e-9 for v in values)), 6)


class DecimalCommaFormatter(Formatter):
    """Marcas de eje con coma decimal y los mismos decimales en todas: 0,0 · 0,5 · 1,0."""

    def __call__(self, x: float, pos: int | None = None) -> str:
        return format_number(x, _decimals_for([x]))

    def format_ticks(self, values: Sequence[float]) -> list[str]:
        """Todas las marcas del eje a la vez, con los decimales que pida la que más necesite."""
        decimals = _decimals_for(values)
        return [format_number(value, decimals) for value in values]


def decimal_comma_ticks(*axes: Axis) -> None:
    """Pone coma decimal en las marcas de esos ejes (``ax.xaxis``, ``ax.yaxis``): 0,5 en vez de 0.5."""
    for axis in axes:
        axis.set_major_formatter(DecimalCommaFormatter())


def to_displayable(images: torch.Tensor, mean: Sequence[float] = MEAN, std: Sequence[float] = STD) -> torch.Tensor:
    """Lleva imágenes (N, 3, H, W) o (3, H, W) a floats 0–1 con los canales al final, listas para imshow.

    Acepta uint8 (0–255), floats 0–1 o floats normalizados con ``mean``/``std`` (se detectan porque se
    salen del intervalo 0–1) y nunca modifica el tensor que recibe.
    """
    check_images(images, allow_single=True)
    images = images.detach().cpu()
    if images.dtype == torch.uint8:
        images = images.float() / 255
    elif images.min() < 0 or images.max() > 1:
        shape = (3, 1, 1)
        images = images.float() * torch.tensor(std).view(shape) + torch.tensor(mean).view(shape)
    return images.float().clamp(0, 1).movedim(-3, -1)


def show_images(
    images: torch.Tensor,
    labels: Sequence[int] | torch.Tensor,
    predictions: Sequence[int] | torch.Tensor | None = None,
    classes: Sequence[str] = CLASSES_ES,
    columns: int = 8,
    title: str | None = None,
) -> plt.Figure:
    """Cuadrícula de imágenes con su clase (y la predicción, en verde si acierta y en rojo si falla)."""
    check_images(images, allow_single=True)
    check_count(columns, "columns")
    pictures = to_displayable(images if images.ndim == 4 else images.unsqueeze(0))
    labels = check_labels(to_tensor(labels, "etiquetas").reshape(-1), len(classes), n=len(pictures)).tolist()
    if predictions is not None:
        predictions = to_tensor(predictions, "predicciones").reshape(-1)
        predictions = check_labels(predictions, len(classes), n=len(pictures), name="predicciones").tolist()
    columns = min(columns, len(pictures))
    rows = math.ceil(len(pictures) / columns)
    height = 2.4 if predictions is not None else 2.0
    fig, axes = plt.subplots(rows, columns, figsize=(1.6 * columns, height * rows), squeeze=False)
    for index, ax in enumerate(axes.flat):
        ax.axis("off")
        if index >= len(pictures):
            continue
        ax.imshow(pictures[index].numpy())
        text, color = classes[labels[index]], "black"
        if predictions is not None:
            guess = predictions[index]
            color = "green" if guess == labels[index] else "red"
            text = f"{classes[labels[index]]}\npred.: {classes[guess]}"
        ax.set_title(text, fontsize=9, color=color)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def show_probabilities(
    probabilities: torch.Tensor,
    classes: Sequence[str] = CLASSES_ES,
    true_label: int | None = None,
    title: str = "Probabilidad de cada clase",
) -> plt.Figure:
    """Barras horizontales con la probabilidad de cada clase; la más probable, resaltada."""
    probabilities = to_tensor(probabilities, "probabilidades").detach().cpu().reshape(-1)
    if len(probabilities) != len(classes):
        raise ValueError(
            f"Se esperaban {len(classes)} probabilidades (una por clase), pero llegaron "
            f"{format_number(len(probabilities))}."
        )
    check_probabilities(probabilities.reshape(1, -1), len(classes))
    total = probabilities.sum().item()
    if abs(total - 1) > 0.01:
        raise ValueError(
            f"Las probabilidades de una imagen deben sumar 1, pero suman {format_number(total, 2)}: "
            "aplica torch.softmax(salidas, dim=-1) a las salidas de la red."
        )
    if true_label is not None:
        true_label = check_integer(true_label.item() if torch.is_tensor(true_label) else true_label, "true_label")
        if not 0 <= true_label < len(classes):
            raise ValueError(f"true_label debe ir de 0 a {len(classes) - 1}, pero vale {true_label}.")
    best = int(probabilities.argmax())
    colors = ["tab:orange" if k == best else "tab:blue" for k in range(len(classes))]
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.barh(list(classes), probabilities.numpy(), color=colors)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("probabilidad")
    decimal_comma_ticks(ax.xaxis)
    if true_label is not None:
        ax.get_yticklabels()[true_label].set_fontweight("bold")
        title = f"{title} (clase real: {classes[true_label]})"
    ax.set_title(title)
    fig.tight_layout()
    return fig


class LiveCurves:
    """Curvas de pérdida y exactitud (entrenamiento y validación) que se redibujan al final de cada época."""

    def __init__(self, title: str = "Entrenamiento"):
        from IPython.display import display

        self.fig, (self.ax_loss, self.ax_acc) = plt.subplots(1, 2, figsize=(10, 3.5))
        self.fig.suptitle(title)
        self._draw_axes()
        self.handle = display(self.fig, display_id=True)
        plt.close(self.fig)  # solo se muestra a través de self.handle

    def _draw_axes(self) -> None:
        self.ax_loss.set(title="Pérdida", xlabel="época")
        self.ax_acc.set(title="Exactitud", xlabel="época", ylim=(0, 1))
        for ax in (self.ax_loss, self.ax_acc):
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # épocas enteras: 1, 2, 3…
            decimal_comma_ticks(ax.yaxis)

    def update(self, history) -> None:
        """Redibuja las curvas con el historial (un ``training.History``)."""
        check_history(history)
        epochs = range(1, len(history.train_loss) + 1)
        for ax in (self.ax_loss, self.ax_acc):
            ax.clear()
        self._draw_axes()
        self.ax_loss.plot(epochs, history.train_loss, "o-", label="entrenamiento")
        if history.val_loss:  # fit sin val_loader no evalúa
            self.ax_loss.plot(epochs, history.val_loss, "o-", label="validación")
        self.ax_acc.plot(epochs, history.train_acc, "o-", label="entrenamiento")
        if history.val_acc:
            self.ax_acc.plot(epochs, history.val_acc, "o-", label="validación")
        if getattr(history, "best_epoch", None) is not None:
            for ax in (self.ax_loss, self.ax_acc):
                ax.axvline(history.best_epoch, color="gray", linestyle=":", label="mejor época")
        for ax in (self.ax_loss, self.ax_acc):
            ax.legend()
            ax.grid(alpha=0.3)
        self.fig.tight_layout()
        if self.handle is not None:
            self.handle.update(self.fig)


def show_confusion_matrix(matrix: torch.Tensor, classes: Sequence[str] = CLASSES_ES) -> plt.Figure:
    """Matriz de confusión normalizada por filas (cada fila, una clase real, suma 1)."""
    matrix = to_tensor(matrix, "cuentas de la matriz de confusión").float()
    if matrix.shape != (len(classes), len(classes)):
        raise ValueError(f"Se esperaba una matriz {len(classes)}×{len(classes)}, pero llegó {tuple(matrix.shape)}.")
    if not torch.isfinite(matrix).all():
        raise ValueError("La matriz de confusión tiene valores no finitos (nan o infinito): debe contar aciertos.")
    if matrix.numel() and matrix.min() < 0:
        raise ValueError(
            f"La matriz de confusión cuenta imágenes y no puede tener valores negativos, pero tiene un "
            f"{format_number(matrix.min().item())}: créala con confusion_matrix(predicciones, etiquetas)."
        )
    rates = matrix / matrix.sum(dim=1, keepdim=True).clamp(min=1)
    fig, ax = plt.subplots(figsize=(7, 6))
    image = ax.imshow(rates.numpy(), cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(len(classes)), classes, rotation=45, ha="right")
    ax.set_yticks(range(len(classes)), classes)
    ax.set(xlabel="clase predicha", ylabel="clase real", title="Matriz de confusión (fracción de cada fila)")
    for row in range(len(classes)):
        for col in range(len(classes)):
            value = rates[row, col].item()
            ax.text(
                col,
                row,
                format_number(value, 2),
                ha="center",
                va="center",
                fontsize=7,
                color="white" if value > 0.5 else "black",
            )
    decimal_comma_ticks(fig.colorbar(image, ax=ax, fraction=0.046).ax.yaxis)
    fig.tight_layout()
    return fig


def show_accuracy_per_class(accuracies: torch.Tensor, classes: Sequence[str] = CLASSES_ES) -> plt.Figure:
    """Barras con la exactitud de cada clase."""
    accuracies = to_tensor(accuracies, "exactitudes").float()
    if accuracies.shape != (len(classes),):
        raise ValueError(
            f"Se esperaba una exactitud por clase, ({len(classes)},), pero llegó la forma {tuple(accuracies.shape)}."
        )
    known = accuracies[~accuracies.isnan()]  # nan: una clase sin imágenes
    if known.numel() and (known.min() < 0 or known.max() > 1):
        hint = ": parecen porcentajes; divide entre 100" if known.max() <= 100 and known.min() >= 0 else ""
        raise ValueError(
            f"Las exactitudes deben ir de 0 a 1, pero hay valores entre {format_number(known.min().item(), 2)} y "
            f"{format_number(known.max().item(), 2)}{hint}."
        )
    fig, ax = plt.subplots(figsize=(7, 3.2))
    ax.bar(list(classes), accuracies.numpy(), color="tab:blue")
    ax.set(ylim=(0, 1), ylabel="exactitud", title="Exactitud por clase")
    decimal_comma_ticks(ax.yaxis)
    ax.tick_params(axis="x", rotation=45)
    fig.tight_layout()
    return fig


def show_mistakes(
    images: torch.Tensor,
    labels: torch.Tensor,
    probabilities: torch.Tensor,
    count: int = 16,
    classes: Sequence[str] = CLASSES_ES,
) -> plt.Figure | None:
    """Los errores más seguros del modelo: imágenes mal clasificadas con mayor probabilidad en la predicción."""
    check_images(images)
    check_labels(labels, len(classes), n=len(images))
    check_probabilities(probabilities, len(classes), n=len(images))
    check_count(count, "count")
    predictions = probabilities.argmax(dim=1)
    wrong = (predictions != labels).nonzero().flatten()
    if len(wrong) == 0:
        print(
            f"El modelo no se equivoca en ninguna de las {format_number(len(labels))} imágenes: "
            "no hay errores que mostrar."
        )
        return None
    confidence = probabilities[wrong, predictions[wrong]]
    chosen = wrong[confidence.argsort(descending=True)[:count]]
    return show_images(images[chosen], labels[chosen], predictions[chosen], classes, title="Errores con más confianza")


def show_histories(histories: dict, title: str = "Exactitud en validación", x: str = "seconds") -> plt.Figure:
    """Exactitud en validación de varios historiales (``{nombre: History}``) frente a segundos o a épocas.

    ``x`` es ``"seconds"`` (segundos de entrenamiento) o ``"epochs"`` (número de época).
    """
    if x not in ("seconds", "epochs"):
        raise ValueError(f'x debe ser "seconds" o "epochs", pero llegó {x!r}.')
    if not isinstance(histories, dict):
        raise TypeError(f"Se esperaba un diccionario {{nombre: History}} en histories, pero llegó {_kind(histories)}.")
    if not histories:
        raise ValueError("Se esperaba al menos un historial en histories, pero llegó un diccionario vacío.")
    for name, history in histories.items():
        check_history(history, f"histories[{name!r}]")
    fig, ax = plt.subplots(figsize=(7, 3.8))
    for name, history in histories.items():
        if not history.val_acc:
            raise ValueError(
                f"histories[{name!r}] no tiene exactitud en validación: entrénalo con fit(..., val_loader)."
            )
        steps = history.seconds if x == "seconds" else list(range(1, len(history.val_acc) + 1))
        ax.plot(steps, history.val_acc, "o-", markersize=3, label=name)
    xlabel = "segundos de entrenamiento" if x == "seconds" else "épocas"
    ax.set(title=title, xlabel=xlabel, ylabel="exactitud en validación", ylim=(0, 1))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: format_percent(value, 0)))
    decimal_comma_ticks(ax.xaxis)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    return fig


def show_schedule(rates: Sequence[float], momenta: Sequence[float] | None = None) -> plt.Figure:
    """La tasa de aprendizaje de cada paso (y el momento, si se da), como los deja un programador como OneCycleLR."""
    rates = to_tensor(rates, "tasas de aprendizaje").double().reshape(-1)
    if rates.numel() == 0 or not torch.isfinite(rates).all():
        raise ValueError("Se esperaba una tasa de aprendizaje finita por paso, pero llegó una lista vacía o con nan.")
    series = [("Tasa de aprendizaje", rates)]
    if momenta is not None:
        momenta = to_tensor(momenta, "momentos").double().reshape(-1)
        if momenta.shape != rates.shape:
            raise ValueError(
                f"Se esperaba un momento por paso ({format_number(len(rates))}), pero llegaron "
                f"{format_number(len(momenta))}."
            )
        series.append(("Momento (beta1 de Adam)", momenta))
    fig, axes = plt.subplots(1, len(series), figsize=(5 * len(series), 3.2), squeeze=False)
    for ax, (title, values) in zip(axes.flat, series, strict=True):
        ax.plot(range(1, len(values) + 1), values.numpy())
        ax.set(title=title, xlabel="paso (lote)")
        decimal_comma_ticks(ax.yaxis)
        ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def show_transfer_study(
    results: dict, chance: float | None = None, title: str = "Transferencia frente a desde cero"
) -> plt.Figure:
    """Media ± desviación típica por presupuesto de cada método (``{método: {presupuesto: [exactitudes]}}``)."""
    if not isinstance(results, dict) or not results:
        wanted = "un diccionario {método: {presupuesto: [exactitudes]}}"
        raise ValueError(f"Se esperaba {wanted}, pero llegó {_kind(results)}.")
    for name, per_budget in results.items():
        ok = isinstance(per_budget, dict) and per_budget and all(
            isinstance(b, int) and isinstance(v, list | tuple) and v for b, v in per_budget.items()
        )
        if not ok:
            raise ValueError(
                f"results[{name!r}] debe ser un diccionario {{presupuesto: [exactitudes]}}, como el de transfer_study, "
                f"pero llegó {_kind(per_budget)}."
            )
    fig, ax = plt.subplots(figsize=(7, 3.8))
    offsets = [0.08 * (i - (len(results) - 1) / 2) for i in range(len(results))]  # cada método, un poco a un lado
    for offset, (name, per_budget) in zip(offsets, results.items(), strict=True):
        budgets = sorted(per_budget)
        values = [torch.tensor(per_budget[b], dtype=torch.float64) for b in budgets]
        means = [v.mean().item() for v in values]
        spreads = [v.std().item() if len(v) > 1 else 0.0 for v in values]
        shift = [b * 10**offset for b in budgets]  # para que los puntos de dos métodos no se tapen
        line = ax.errorbar(shift, means, yerr=spreads, fmt="o-", capsize=4, label=f"{name} (media ± desv. típica)")
        for b, v in zip(shift, values, strict=True):
            ax.plot([b] * len(v), v.tolist(), ".", color=line.lines[0].get_color(), alpha=0.4)
    if chance is not None:
        ax.axhline(chance, color="gray", linestyle=":", label="azar")
    all_budgets = sorted({b for per_budget in results.values() for b in per_budget})
    ax.set_xscale("log")
    ax.set_xticks(all_budgets, [format_number(b) for b in all_budgets])
    ax.minorticks_off()
    ax.set(title=title, xlabel="imágenes etiquetadas por clase", ylabel="exactitud en prueba")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: format_percent(value, 0)))
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def _feature_map(values: object, name: str) -> torch.Tensor:
    """Un mapa de características de una imagen como (canales, alto, ancho), con un error claro si no lo es."""
    values = to_tensor(values, f"activaciones de {name}").detach().cpu()
    if values.ndim == 4 and len(values) == 1:
        values = values[0]
    if values.ndim != 3:
        raise ValueError(
            f"Se esperaba el mapa de «{name}» de una sola imagen, (1, canales, alto, ancho), pero llegó la forma "
            f"{tuple(values.shape)}: pasa por la red un lote de una imagen, imagen.unsqueeze(0)."
        )
    if values.numel() == 0 or not values.is_floating_point() or not torch.isfinite(values).all():
        raise ValueError(
            f"El mapa de «{name}» debe tener números reales finitos, pero tiene forma {tuple(values.shape)}."
        )
    return values.float()


def show_feature_maps(
    image: torch.Tensor,
    feature_maps: dict,
    channels: int = 6,
    title: str = "Mapas de características: los canales que más se activan en cada etapa",
) -> plt.Figure:
    """La imagen y, por fila, los ``channels`` canales de mayor media de cada mapa (``{etapa: (1, C, H, W)}``)."""
    check_images(image, "imagen", allow_single=True)
    if image.ndim == 4 and len(image) != 1:
        raise ValueError(
            f"Se esperaba una sola imagen, pero llegaron {format_number(len(image))}: elige una, imagenes[:1]."
        )
    if not isinstance(feature_maps, dict) or not feature_maps:
        raise ValueError(f"Se esperaba un diccionario {{etapa: mapa}} no vacío, pero llegó {_kind(feature_maps)}.")
    maps = {str(name): _feature_map(values, str(name)) for name, values in feature_maps.items()}
    channels = check_count(channels, "channels")
    fig = plt.figure(figsize=(1.5 * (channels + 2), 1.6 * max(len(maps), 2)))
    grid = fig.add_gridspec(len(maps), channels + 2)
    picture = fig.add_subplot(grid[:, :2])
    picture.imshow(to_displayable(image.squeeze(0) if image.ndim == 4 else image).numpy())
    picture.set_title("entrada")
    picture.axis("off")
    for row, (name, values) in enumerate(maps.items()):
        order = values.mean(dim=(1, 2)).argsort(descending=True)[:channels].tolist()
        low, high = min(values[order].min().item(), 0.0), values[order].max().item()  # tras una ReLU, de 0
        for column, channel in enumerate(order):
            ax = fig.add_subplot(grid[row, column + 2])
            ax.imshow(values[channel].numpy(), cmap="viridis", vmin=low, vmax=max(high, low + 1e-12))
            ax.set_title(f"canal {channel}", fontsize=8)
            ax.set_xticks([])
            ax.set_yticks([])
            if column == 0:
                size = "×".join(str(n) for n in values.shape)
                ax.set_ylabel(f"{name}\n{size}", fontsize=9)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def show_saliency(
    images: torch.Tensor,
    saliency: torch.Tensor,
    labels: Sequence[int] | torch.Tensor,
    predictions: Sequence[int] | torch.Tensor,
    classes: Sequence[str] = CLASSES_ES,
) -> plt.Figure:
    """Cada imagen (clase real y predicha, en verde o en rojo) sobre su mapa de prominencia, escalado a su máximo."""
    check_images(images)
    saliency = to_tensor(saliency, "prominencias").detach().cpu()
    expected = (len(images), *images.shape[2:])
    if saliency.ndim == 4 and saliency.shape[1] in (1, 3):
        how = "mapas.squeeze(1)" if saliency.shape[1] == 1 else "el máximo sobre los canales, .amax(dim=1)"
        raise ValueError(
            f"Se esperaba un mapa por imagen, {expected}, pero llegó la forma {tuple(saliency.shape)}: usa {how}."
        )
    if tuple(saliency.shape) != expected:
        raise ValueError(
            f"Se esperaba un mapa por imagen, del tamaño de la imagen, {expected}, pero llegó la forma "
            f"{tuple(saliency.shape)}."
        )
    if not saliency.is_floating_point() or not torch.isfinite(saliency).all():
        raise ValueError("Los mapas de prominencia deben ser números reales finitos (el gradiente de la puntuación).")
    if saliency.min() < 0:
        raise ValueError(
            "Los mapas de prominencia no pueden ser negativos, pero tienen valores de hasta "
            f"{format_number(saliency.min().item(), 4)}: toma el valor absoluto del gradiente, .abs()."
        )
    labels = check_labels(to_tensor(labels, "etiquetas").reshape(-1), len(classes), n=len(images)).tolist()
    predictions = to_tensor(predictions, "predicciones").reshape(-1)
    predictions = check_labels(predictions, len(classes), n=len(images), name="predicciones").tolist()
    fig, axes = plt.subplots(2, len(images), figsize=(1.8 * len(images), 4.2), squeeze=False)
    pictures = to_displayable(images)
    for index in range(len(images)):
        top, bottom = axes[0, index], axes[1, index]
        top.imshow(pictures[index].numpy())
        right = labels[index] == predictions[index]
        top.set_title(
            f"real: {classes[labels[index]]}\npred.: {classes[predictions[index]]}",
            fontsize=9,
            color="green" if right else "red",
        )
        bottom.imshow((saliency[index] / saliency[index].max().clamp(min=1e-12)).numpy(), cmap="hot", vmin=0, vmax=1)
        for ax in (top, bottom):
            ax.axis("off")
    axes[1, 0].set_title("prominencia", fontsize=9, loc="left")
    fig.tight_layout()
    return fig

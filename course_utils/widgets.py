"""Widgets interactivos de las lecciones (ipywidgets)."""

from __future__ import annotations

import io
from collections.abc import Sequence

import ipywidgets as widgets
import torch
from matplotlib.figure import Figure

from course_utils.data import CLASSES_ES
from course_utils.formatting import format_number, format_percent
from course_utils.plots import decimal_comma_ticks, to_displayable
from course_utils.validation import (
    check_count,
    check_images,
    check_integer,
    check_labels,
    check_probabilities,
    check_tensor,
)

IMAGE_SHAPE = (3, 32, 32)


def _check_shape(shape: tuple[int, ...]) -> None:
    """Comprueba que la forma sea (C, H, W) con tamaños positivos."""
    if not isinstance(shape, (tuple, list)) or len(shape) != 3:
        raise ValueError(f"Se esperaba una forma (C, H, W) con tamaños positivos, pero llegó {shape!r}.")
    for size in shape:
        check_count(size, "Cada tamaño de la forma (C, H, W)")


def flat_index(c: int, h: int, w: int, shape: tuple[int, int, int] = IMAGE_SHAPE) -> int:
    """Posición del elemento (c, h, w) en el vector aplanado: c·H·W + h·W + w."""
    _check_shape(shape)
    for name, value, size in zip("chw", (c, h, w), shape, strict=True):
        check_integer(value, name)
        if not 0 <= value < size:
            raise IndexError(f"El índice {name}={value} está fuera de rango: debe ir de 0 a {size - 1}.")
    _, height, width = shape
    return c * height * width + h * width + w


def unflat_index(index: int, shape: tuple[int, int, int] = IMAGE_SHAPE) -> tuple[int, int, int]:
    """Camino de vuelta: de la posición plana a (c, h, w)."""
    _check_shape(shape)
    check_integer(index, "index")
    channels, height, width = shape
    total = channels * height * width
    if not 0 <= index < total:
        raise IndexError(f"La posición {index} está fuera de rango: debe ir de 0 a {total - 1}.")
    c, rest = divmod(index, height * width)
    h, w = divmod(rest, width)
    return c, h, w


def describe_mapping(c: int, h: int, w: int, shape: tuple[int, int, int] = IMAGE_SHAPE) -> str:
    """Texto HTML con la cuenta que lleva de (c, h, w) a la posición plana."""
    index = flat_index(c, h, w, shape)
    _, height, width = shape
    return (
        f"<b>(c, h, w) = ({c}, {h}, {w})</b> → posición plana "
        f"<b>{c}·{height * width} + {h}·{width} + {w} = {index}</b> "
        f"de {shape[0] * height * width} (de 0 a {shape[0] * height * width - 1})"
    )


def flatten_explorer(shape: tuple[int, int, int] = IMAGE_SHAPE) -> widgets.VBox:
    """Explorador: mueve c, h, w o la posición plana y mira cómo cambian los otros."""
    _check_shape(shape)
    channels, height, width = shape
    style = {"description_width": "110px"}
    c_slider = widgets.IntSlider(0, 0, channels - 1, description="canal c", style=style)
    h_slider = widgets.IntSlider(0, 0, height - 1, description="fila h", style=style)
    w_slider = widgets.IntSlider(0, 0, width - 1, description="columna w", style=style)
    flat_slider = widgets.IntSlider(0, 0, channels * height * width - 1, description="posición plana", style=style)
    text = widgets.HTML(describe_mapping(0, 0, 0, shape))
    updating = False

    def from_chw(_change: dict) -> None:
        nonlocal updating
        if updating:
            return
        updating = True
        flat_slider.value = flat_index(c_slider.value, h_slider.value, w_slider.value, shape)
        text.value = describe_mapping(c_slider.value, h_slider.value, w_slider.value, shape)
        updating = False

    def from_flat(_change: dict) -> None:
        nonlocal updating
        if updating:
            return
        updating = True
        c_slider.value, h_slider.value, w_slider.value = unflat_index(flat_slider.value, shape)
        text.value = describe_mapping(c_slider.value, h_slider.value, w_slider.value, shape)
        updating = False

    for slider in (c_slider, h_slider, w_slider):
        slider.observe(from_chw, names="value")
    flat_slider.observe(from_flat, names="value")
    return widgets.VBox([c_slider, h_slider, w_slider, flat_slider, text])


def _prediction_png(image: torch.Tensor, label: int, probabilities: torch.Tensor, classes: Sequence[str]) -> bytes:
    """Dibuja la imagen y sus probabilidades en un PNG (sin pyplot, para no mostrar nada por su cuenta)."""
    figure = Figure(figsize=(7, 2.8), dpi=90)
    ax_image, ax_bars = figure.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.6]})
    ax_image.imshow(to_displayable(image).numpy())
    ax_image.axis("off")
    ax_image.set_title(f"real: {classes[label]}")
    best = int(probabilities.argmax())
    colors = ["tab:green" if k == label else ("tab:red" if k == best else "tab:blue") for k in range(len(classes))]
    ax_bars.barh(list(classes), probabilities.numpy(), color=colors)
    ax_bars.invert_yaxis()
    ax_bars.set(xlim=(0, 1), xlabel="probabilidad")
    decimal_comma_ticks(ax_bars.xaxis)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def prediction_browser(
    images: torch.Tensor,
    labels: torch.Tensor,
    probabilities: torch.Tensor,
    classes: Sequence[str] = CLASSES_ES,
) -> widgets.VBox:
    """Navegador de predicciones: elige una imagen de prueba y mira sus probabilidades.

    La barra verde es la clase real; si la predicción falla, la predicha sale en rojo. La casilla «solo
    errores» limita el recorrido a las imágenes mal clasificadas.
    """
    check_images(images)
    labels, probabilities = check_tensor(labels, "etiquetas"), check_tensor(probabilities, "probabilidades")
    if not len(images) == len(labels) == len(probabilities):
        raise ValueError(
            "Se esperaban tantas imágenes como etiquetas y probabilidades, pero hay "
            f"{format_number(len(images))}, {format_number(len(labels))} y {format_number(len(probabilities))}."
        )
    check_labels(labels, len(classes))
    check_probabilities(probabilities, len(classes))
    predictions = probabilities.argmax(dim=1)
    wrong = (predictions != labels).nonzero().flatten().tolist()
    only_wrong = widgets.Checkbox(False, description="solo errores")
    slider = widgets.IntSlider(0, 0, len(images) - 1, description="imagen")
    caption = widgets.HTML()
    picture = widgets.Image(format="png")

    def indices() -> list[int]:
        return wrong if only_wrong.value and wrong else list(range(len(images)))

    def draw(_change: dict | None = None) -> None:
        shown = indices()
        index = shown[min(slider.value, len(shown) - 1)]
        label, guess = int(labels[index]), int(predictions[index])
        verdict = "acierto" if label == guess else "error"
        caption.value = (
            f"Imagen {index}: real <b>{classes[label]}</b>, predicción <b>{classes[guess]}</b> "
            f"({format_percent(probabilities[index, guess], 0)}) · {verdict}"
        )
        picture.value = _prediction_png(images[index], label, probabilities[index], classes)

    def switch(_change: dict) -> None:
        at_start = slider.value == 0
        slider.value = 0  # si cambia, el observador de value redibuja
        slider.max = len(indices()) - 1
        if at_start:
            draw()

    slider.observe(draw, names="value")
    only_wrong.observe(switch, names="value")
    draw()
    return widgets.VBox([widgets.HBox([slider, only_wrong]), caption, picture])

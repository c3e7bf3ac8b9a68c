"""Widgets interactivos de las lecciones (ipywidgets)."""

from __future__ import annotations

import ipywidgets as widgets

IMAGE_SHAPE = (3, 32, 32)


def _check_shape(shape: tuple[int, ...]) -> None:
    """Comprueba que la forma sea (C, H, W) con tamaños positivos."""
    if len(shape) != 3 or any(int(size) < 1 for size in shape):
        raise ValueError(f"Se esperaba una forma (C, H, W) con tamaños positivos, pero llegó {shape}.")


def flat_index(c: int, h: int, w: int, shape: tuple[int, int, int] = IMAGE_SHAPE) -> int:
    """Posición del elemento (c, h, w) en el vector aplanado: c·H·W + h·W + w."""
    _check_shape(shape)
    for name, value, size in zip("chw", (c, h, w), shape, strict=True):
        if not 0 <= value < size:
            raise IndexError(f"El índice {name}={value} está fuera de rango: debe ir de 0 a {size - 1}.")
    _, height, width = shape
    return c * height * width + h * width + w


def unflat_index(index: int, shape: tuple[int, int, int] = IMAGE_SHAPE) -> tuple[int, int, int]:
    """Camino de vuelta: de la posición plana a (c, h, w)."""
    _check_shape(shape)
    channels, height, width = shape
    total = channels * height * width
    if not 0 <= index < total:
        raise IndexError(f"La posición {index} está fuera de rango: debe ir de 0 a {total - 1}.")
    c, rest = divmod(index, height * width)
    h, w = divmod(rest, width)
    return c, h, w


def describe_mapping(c: int, h: int, w: int, shape: tuple[int, int, int] = IMAGE_SHAPE) -> str:
    """Texto HTML con la cuenta que lleva de (c, h, w) a la posición plana."""
    _, height, width = shape
    index = flat_index(c, h, w, shape)
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
    flat_slider = widgets.IntSlider(
        0, 0, channels * height * width - 1, description="posición plana", style=style
    )
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

"""Lógica del explorador de aplanado: (c, h, w) ↔ posición plana."""

from __future__ import annotations

import pytest
import torch

from course_utils.widgets import describe_mapping, flat_index, flatten_explorer, unflat_index


@pytest.mark.parametrize(
    ("chw", "expected"),
    [((0, 0, 0), 0), ((0, 0, 31), 31), ((0, 1, 0), 32), ((1, 0, 0), 1024), ((2, 31, 31), 3071)],
)
def test_flat_index_known_values(chw, expected):
    assert flat_index(*chw) == expected


def test_flat_index_agrees_with_torch_flatten():
    image = torch.arange(3 * 32 * 32).reshape(3, 32, 32)
    flat = image.flatten()
    for c, h, w in [(0, 5, 7), (1, 31, 0), (2, 17, 30)]:
        assert flat[flat_index(c, h, w)] == image[c, h, w]


def test_round_trip_on_every_position_of_a_small_shape():
    shape = (2, 3, 5)
    for index in range(30):
        assert flat_index(*unflat_index(index, shape), shape=shape) == index


@pytest.mark.parametrize("bad", [(3, 0, 0), (0, 32, 0), (0, 0, -1)])
def test_out_of_range_gives_spanish_error(bad):
    with pytest.raises(IndexError, match="fuera de rango"):
        flat_index(*bad)


def test_unflat_out_of_range():
    with pytest.raises(IndexError, match="de 0 a 3071"):
        unflat_index(3072)


def test_bad_shape():
    with pytest.raises(ValueError, match="forma"):
        unflat_index(0, (3, 32))


def test_explorer_updates_in_both_directions():
    box = flatten_explorer()
    c, h, w, flat, text = box.children
    c.value, h.value, w.value = 1, 2, 3
    assert flat.value == 1024 + 64 + 3
    assert text.value == describe_mapping(1, 2, 3)
    flat.value = 3071
    assert (c.value, h.value, w.value) == (2, 31, 31)
    assert "= 3071" in text.value


def test_prediction_browser_follows_the_slider_and_the_errors_filter():
    from course_utils.widgets import prediction_browser

    images = torch.randint(0, 256, (6, 3, 32, 32), dtype=torch.uint8)
    labels = torch.tensor([0, 1, 2, 3, 4, 5])
    probabilities = torch.full((6, 10), 0.05)
    guesses = [0, 7, 2, 3, 9, 5]  # se equivoca en las imágenes 1 y 4
    probabilities[torch.arange(6), guesses] = 0.55
    box = prediction_browser(images, labels, probabilities)
    (slider, only_wrong), caption, picture = box.children[0].children, box.children[1], box.children[2]
    assert caption.value.startswith("Imagen 0: real <b>avión</b>, predicción <b>avión</b> (55 %) · acierto")
    first_png = bytes(picture.value)
    assert first_png.startswith(b"\x89PNG")
    slider.value = 1
    assert "Imagen 1: real <b>automóvil</b>, predicción <b>caballo</b>" in caption.value
    assert bytes(picture.value) != first_png
    only_wrong.value = True
    assert slider.max == 1 and caption.value.startswith("Imagen 1:")
    slider.value = 1
    assert caption.value.startswith("Imagen 4: real <b>ciervo</b>, predicción <b>camión</b>")


def test_prediction_browser_rejects_mismatched_lengths():
    from course_utils.widgets import prediction_browser

    with pytest.raises(ValueError, match="tantas imágenes como etiquetas"):
        prediction_browser(torch.zeros(3, 3, 32, 32), torch.zeros(2), torch.zeros(3, 10))
    with pytest.raises(ValueError, match="pero hay 12 000, 2 y 3"):
        prediction_browser(torch.zeros(12_000, 3, 1, 1), torch.zeros(2), torch.zeros(3, 10))


def test_prediction_caption_and_probability_axis_in_spanish(monkeypatch):
    """El porcentaje del pie lleva espacio antes de «%» y el eje de probabilidad, coma decimal."""
    from course_utils import widgets

    axes = []
    draw_commas = widgets.decimal_comma_ticks
    monkeypatch.setattr(widgets, "decimal_comma_ticks", lambda *found: (axes.extend(found), draw_commas(*found)))
    probabilities = torch.full((1, 10), 0.0125)
    probabilities[0, 2] = 0.8875
    box = widgets.prediction_browser(torch.zeros(1, 3, 32, 32, dtype=torch.uint8), torch.tensor([2]), probabilities)
    assert "predicción <b>pájaro</b> (89 %) · acierto" in box.children[1].value
    labels = [t.get_text() for t in axes[0].get_ticklabels()]  # el PNG ya se dibujó
    assert labels == ["0,0", "0,2", "0,4", "0,6", "0,8", "1,0"]


def test_flat_index_accepts_sizes_of_one_and_rejects_zero():
    """Una imagen de un solo canal (1, 28, 28) o de una fila es válida; un tamaño 0, no."""
    from course_utils.widgets import flat_index

    assert flat_index(0, 2, 3, (1, 28, 28)) == 2 * 28 + 3
    assert flat_index(0, 0, 4, (1, 1, 5)) == 4
    with pytest.raises(ValueError, match=r"Cada tamaño de la forma \(C, H, W\) debe ser al menos 1, pero vale 0"):
        flat_index(0, 0, 0, (0, 28, 28))

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

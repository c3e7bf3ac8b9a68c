"""Números en español: coma decimal, espacio de miles (desde cinco cifras) y espacio antes de «%»."""

import math

import numpy as np
import pytest
import torch

from course_utils.formatting import format_number, format_percent, format_seconds


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, "0"),
        (999, "999"),
        (5000, "5000"),  # hasta cuatro cifras no se separan (RAE)
        (9999, "9999"),
        (10_000, "10 000"),
        (50_000, "50 000"),
        (1_234_567, "1 234 567"),
        (1_841_162, "1 841 162"),
    ],
)
def test_thousands_are_separated_only_from_five_digits(value, expected):
    assert format_number(value) == expected


def test_the_separator_is_decided_after_rounding():
    assert format_number(9999.6) == "10 000"
    assert format_number(9999.6, 1) == "9999,6"


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        (0.2413, 4, "0,2413"),
        (0.2413, 2, "0,24"),
        (2.5, 1, "2,5"),
        (1.0, 2, "1,00"),
        (12_345.678, 2, "12 345,68"),
        (1234.5, 1, "1234,5"),
    ],
)
def test_decimal_comma(value, decimals, expected):
    assert format_number(value, decimals) == expected


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [(-5000, 0, "-5000"), (-50_000, 0, "-50 000"), (-1234.56, 2, "-1234,56"), (-0.25, 2, "-0,25")],
)
def test_negative_numbers(value, decimals, expected):
    assert format_number(value, decimals) == expected


@pytest.mark.parametrize(("value", "decimals", "expected"), [(-0.0, 1, "0,0"), (-0.04, 1, "0,0"), (-0.4, 0, "0")])
def test_a_negative_that_rounds_to_zero_has_no_sign(value, decimals, expected):
    assert format_number(value, decimals) == expected


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        (np.float32(0.5), 1, "0,5"),
        (np.float64(0.2413), 4, "0,2413"),
        (np.int64(50_000), 0, "50 000"),
        (np.array(2.5), 1, "2,5"),
        (torch.tensor(0.25), 2, "0,25"),
        (torch.tensor(12_345), 0, "12 345"),
        (torch.tensor([3.5]), 1, "3,5"),  # un tensor de un solo elemento también vale
    ],
)
def test_numpy_scalars_and_single_element_tensors(value, decimals, expected):
    assert format_number(value, decimals) == expected


@pytest.mark.parametrize("value", [torch.tensor([1.0, 2.0]), torch.zeros(2, 3), torch.tensor([])])
def test_a_tensor_with_several_numbers_is_refused_in_spanish(value):
    with pytest.raises(TypeError, match=r"Esperaba un solo número, pero llegó un tensor de forma \("):
        format_number(value)


@pytest.mark.parametrize(("value", "name"), [("0.5", "str"), (None, "NoneType"), ([1, 2], "list"), (True, "bool")])
def test_what_is_not_a_number_is_refused_in_spanish(value, name):
    with pytest.raises(TypeError, match=f"Esperaba un número, pero llegó {name}"):
        format_number(value)
    with pytest.raises(TypeError, match="Esperaba un número"):
        format_percent(value)


def test_nan_and_infinities_are_written_in_words():
    assert format_number(math.nan, 2) == "no es un número"
    assert format_number(math.inf) == "infinito"
    assert format_number(-math.inf, 1) == "menos infinito"
    assert format_number(torch.tensor(float("nan"))) == "no es un número"
    assert format_percent(math.nan) == "no es un número"
    assert format_percent(math.inf) == "infinito"
    assert format_seconds(math.inf) == "infinito s"


@pytest.mark.parametrize(
    ("fraction", "decimals", "expected"),
    [
        (0.608, 1, "60,8 %"),
        (0.5, 0, "50 %"),
        (1, 1, "100,0 %"),
        (0, 1, "0,0 %"),
        (-0.0001, 1, "0,0 %"),
        (0.99996, 2, "100,00 %"),
        (123.45, 1, "12 345,0 %"),
        (np.float32(0.25), 1, "25,0 %"),
        (torch.tensor(0.75), 0, "75 %"),
    ],
)
def test_percent_has_a_decimal_comma_and_a_space_before_the_sign(fraction, decimals, expected):
    assert format_percent(fraction, decimals) == expected


def test_percent_defaults_to_one_decimal():
    assert format_percent(0.1234) == "12,3 %"


@pytest.mark.parametrize(
    ("seconds", "decimals", "expected"),
    [(55.14, 1, "55,1 s"), (0.04, 2, "0,04 s"), (3600, 0, "3600 s"), (12_000.5, 1, "12 000,5 s")],
)
def test_seconds(seconds, decimals, expected):
    assert format_seconds(seconds, decimals) == expected


def test_seconds_default_to_one_decimal():
    assert format_seconds(np.float64(2.26)) == "2,3 s"
    assert format_seconds(1.04) == "1,0 s"

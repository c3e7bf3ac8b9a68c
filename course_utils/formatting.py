"""Números como los escribe un lector en español: coma decimal, espacio de miles y espacio antes de «%»."""

from __future__ import annotations

import math
from numbers import Integral, Real

import torch

THOUSANDS = " "  # espacio normal: se ve igual en cualquier letra y nadie lo confunde con un decimal


def _real(value: object) -> float:
    """Convierte a float un número de Python, de NumPy o un tensor de un solo elemento."""
    if isinstance(value, torch.Tensor):
        if value.numel() != 1:
            raise TypeError(f"Esperaba un solo número, pero llegó un tensor de forma {tuple(value.shape)}.")
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, Real) and not hasattr(value, "__float__"):
        raise TypeError(f"Esperaba un número, pero llegó {type(value).__name__}.")
    return float(value)


def format_number(value: object, decimals: int = 0) -> str:
    """Un número en español: ``format_number(50000)`` → ``'50 000'``; ``format_number(0.2413, 4)`` → ``'0,2413'``."""
    if isinstance(decimals, bool) or not isinstance(decimals, Integral) or not 0 <= decimals <= 20:
        raise ValueError(f"decimals debe ser un entero de 0 a 20, pero vale {decimals!r}.")
    decimals = int(decimals)
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**300:
        exponent = int(abs(value).bit_length() * math.log10(2))  # no cabe en un float: su orden de magnitud
        return f"{'-' if value < 0 else ''}más de 10^{format_number(exponent - 1)}"
    number = _real(value)
    if not math.isfinite(number):
        return {math.inf: "infinito", -math.inf: "menos infinito"}.get(number, "no es un número")
    text = f"{number:,.{decimals}f}"  # 50,000.5 al estilo inglés
    minus, digits = ("-", text[1:]) if text.startswith("-") else ("", text)
    whole, _, fraction = digits.partition(".")
    if len(whole.replace(",", "")) <= 4:  # 1000 a 9999 se escriben sin separar, como en la norma de la RAE
        whole = whole.replace(",", "")
    whole = whole.replace(",", THOUSANDS)
    if minus and float(digits.replace(",", "")) == 0:
        minus = ""  # -0,0 se escribe 0,0
    return f"{minus}{whole},{fraction}" if fraction else f"{minus}{whole}"


def format_percent(fraction: object, decimals: int = 1) -> str:
    """Una fracción (0–1) como porcentaje: ``format_percent(0.608)`` → ``'60,8 %'``."""
    number = _real(fraction)
    if not math.isfinite(number):
        return format_number(number)
    return f"{format_number(number * 100, decimals)} %"


def format_seconds(seconds: object, decimals: int = 1) -> str:
    """Una duración en segundos: ``format_seconds(55.14)`` → ``'55,1 s'``."""
    return f"{format_number(seconds, decimals)} s"

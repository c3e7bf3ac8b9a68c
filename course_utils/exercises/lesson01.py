"""Ejercicios de la lección 01 · Aplanar imágenes.

La lección hace las cuentas para imágenes de 3×32×32; los ejercicios piden las mismas ideas para cualquier
forma (C, H, W), así que no basta con copiar los números 1024 y 32 de la lección.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from course_utils.exercises.framework import Exercise, WrongAnswer, _call, _format, _not_finite, _scalar
from course_utils.formatting import format_number

Shape = tuple[int, int, int]


def _shape_text(shape: Shape) -> str:
    """``(3, 64, 64)`` → ``'3×64×64'``."""
    return "×".join(str(size) for size in shape)


def _flat(c: int, h: int, w: int, shape: Shape) -> int:
    _, height, width = shape
    return c * height * width + h * width + w


def _unflat(index: int, shape: Shape) -> tuple[int, int, int]:
    _, height, width = shape
    c, rest = divmod(index, height * width)
    h, w = divmod(rest, width)
    return c, h, w


def _integer(value: Any, call: str = "") -> int | None:
    """El valor como entero, o None si no lo es (un float, un tensor de varios elementos…).

    Acepta los mismos números que el resto de ejercicios (escalares de NumPy, tensores sin dimensiones); un
    valor no finito (nan, inf) lanza WrongAnswer con su propio mensaje.
    """
    number = _scalar(value)
    if isinstance(number, float) and not math.isfinite(number):
        raise _not_finite(number, f"{call} devolvió {number}" if call else "")
    return number if isinstance(number, int) else None


class FlatPosition(Exercise):
    title = "Ejercicio 1 · de (c, h, w) a la posición plana"
    variable = "posicion_plana"
    skeleton = (
        "def posicion_plana(c, h, w, forma):\n"
        "    C, H, W = forma  # canales, alto y ancho de la imagen\n"
        "    posicion = ...  # ← tu código aquí: la fórmula con c, h, w, C, H y W\n"
        "    return posicion"
    )
    hint = (
        "Antes del elemento (c, h, w) van c canales completos de H·W números cada uno, h filas completas de W "
        "números y w elementos de su propia fila. Usa H y W, que salen de `forma`: nada de 1024 ni de 32."
    )
    solution = (
        "def posicion_plana(c, h, w, forma):\n"
        "    C, H, W = forma\n"
        "    posicion = c * H * W + h * W + w  # c canales, h filas y w elementos\n"
        "    return posicion"
    )
    # Primero la forma de la lección; después otras, cuadradas y no cuadradas (alto distinto del ancho).
    cases: tuple[tuple[Shape, tuple[int, int, int]], ...] = (
        ((3, 32, 32), (0, 0, 5)),
        ((3, 32, 32), (0, 3, 0)),
        ((3, 32, 32), (1, 0, 0)),
        ((3, 32, 32), (1, 17, 9)),
        ((3, 32, 32), (2, 31, 31)),
        ((3, 64, 64), (1, 2, 3)),
        ((3, 64, 64), (2, 63, 0)),
        ((1, 28, 28), (0, 5, 7)),
        ((1, 28, 28), (0, 27, 27)),
        ((2, 4, 6), (1, 3, 5)),
        ((2, 4, 6), (0, 1, 2)),
        ((3, 5, 9), (2, 4, 1)),
    )
    # Errores típicos: la fórmula equivocada y lo que dice el mensaje.
    mistakes: tuple[tuple[Callable[[int, int, int, int, int, int], int], str], ...] = (
        (
            lambda c, h, w, C, H, W: c * 1024 + h * 32 + w,
            "Tu fórmula sirve para 3×32×32, pero no para otras formas: has escrito 1024 y 32, que son los números "
            "de un canal y de una fila en 3×32×32. Usa H·W (los números de un canal) y W (los de una fila), que "
            "salen de `forma`.",
        ),
        (
            lambda c, h, w, C, H, W: c * 1024 + h * W + w,
            "Has escrito 1024, el tamaño de un canal de 32×32: un canal tiene H·W números, así que usa c·H·W.",
        ),
        (
            lambda c, h, w, C, H, W: c * H * W + h * 32 + w,
            "Has escrito 32, el ancho de las imágenes de la lección: una fila tiene W números, así que usa h·W.",
        ),
        (
            lambda c, h, w, C, H, W: c * H * W + w * H + h,
            "Has cambiado filas por columnas: PyTorch guarda cada canal fila a fila, así que antes del elemento "
            "(h, w) hay h filas completas de W números y después w elementos: h·W + w, no w·H + h.",
        ),
        (
            lambda c, h, w, C, H, W: c * H * W + h * H + w,
            "Cada fila tiene W números (el ancho), no H (el alto): la fila h empieza en h·W. Con imágenes "
            "cuadradas no se nota, pero con una forma como 2×4×6 sí.",
        ),
        (
            lambda c, h, w, C, H, W: h * W + w,
            "Falta saltar los c canales completos que van antes: suma c·H·W.",
        ),
        (
            lambda c, h, w, C, H, W: c * C * H * W + h * W + w,
            "Cada canal ocupa H·W números, sin multiplicar por C: C es cuántos canales hay, no su tamaño.",
        ),
    )

    def verify(self, answer: Callable) -> None:
        found = [_call(answer, c, h, w, shape, returns="posicion") for shape, (c, h, w) in self.cases]
        for (shape, (c, h, w)), value in zip(self.cases, found, strict=True):
            expected = _flat(c, h, w, shape)
            call = f"`posicion_plana({c}, {h}, {w}, {shape})`"
            number = _integer(value, call)
            if number == expected:
                continue
            if number is None:
                decimal = _scalar(value)
                if isinstance(decimal, float) and decimal == expected:
                    raise WrongAnswer(
                        f"{call} devolvió {_format(decimal)}, un número decimal (float): una posición es un entero. "
                        "¿Has usado / en vez de //, o algún número decimal?"
                    )
                raise WrongAnswer(f"{call} devolvió `{value!r}`: se esperaba un número entero, la posición.")
            _, height, width = shape
            message = (
                f"con una imagen de {_shape_text(shape)}, {call} devolvió {format_number(number)}, pero se esperaba "
                f"{format_number(expected)} (= {c}·{format_number(height * width)} + {h}·{width} + {w})."
            )
            for mistake, explanation in self.mistakes:
                if all(
                    _integer(case_value) == mistake(*case_index, *case_shape)
                    for (case_shape, case_index), case_value in zip(self.cases, found, strict=True)
                ):
                    raise WrongAnswer(f"{message} {explanation}")
            raise WrongAnswer(message)


def _triple(value: Any) -> Any:
    """Un tensor o array de una dimensión, como ``torch.tensor([c, h, w])``, como lista de sus números."""
    if isinstance(value, torch.Tensor | np.ndarray) and value.ndim == 1:
        return list(value)
    return value


class UnflatPosition(Exercise):
    title = "Ejercicio 2 · de la posición plana a (c, h, w)"
    variable = "de_vuelta"
    skeleton = (
        "def de_vuelta(posicion, forma):\n"
        "    C, H, W = forma  # canales, alto y ancho de la imagen\n"
        "    c = ...  # ← tu código aquí: usa // y %\n"
        "    h = ...\n"
        "    w = ...\n"
        "    return c, h, w"
    )
    hint = (
        "c es cuántos canales completos (de H·W números) caben en la posición: posicion // (H * W). Con el resto, "
        "posicion % (H * W), sacas h y w del mismo modo, con filas de W números."
    )
    solution = (
        "def de_vuelta(posicion, forma):\n"
        "    C, H, W = forma\n"
        "    c = posicion // (H * W)\n"
        "    resto = posicion % (H * W)  # la posición dentro de su canal\n"
        "    h = resto // W\n"
        "    w = resto % W\n"
        "    return c, h, w"
    )
    cases: tuple[tuple[Shape, int], ...] = (
        ((3, 32, 32), 0),
        ((3, 32, 32), 31),
        ((3, 32, 32), 32),
        ((3, 32, 32), 1023),
        ((3, 32, 32), 1024),
        ((3, 32, 32), 2390),
        ((3, 32, 32), 3071),
        ((3, 64, 64), 4095),
        ((3, 64, 64), 4096),
        ((3, 64, 64), 5000),
        ((3, 64, 64), 12287),
        ((1, 28, 28), 29),
        ((1, 28, 28), 783),
        ((2, 4, 6), 7),
        ((2, 4, 6), 23),
        ((2, 4, 6), 47),
    )
    mistakes: tuple[tuple[Callable[[int, int, int, int], tuple[int, int, int]], str], ...] = (
        (
            lambda p, C, H, W: (p // 1024, p % 1024 // 32, p % 32),
            "Tu cálculo sirve para 3×32×32, pero no para otras formas: has escrito 1024 y 32, que son los números "
            "de un canal y de una fila en 3×32×32. Usa H·W y W, que salen de `forma`.",
        ),
        (
            lambda p, C, H, W: (p // (H * W), p // W, p % W),
            "h = posicion // W cuenta también las filas de los canales anteriores: quita antes los canales "
            "completos, con h = (posicion % (H * W)) // W.",
        ),
        (
            lambda p, C, H, W: (p // (H * W), p % (H * W) % H, p % (H * W) // H),
            "Has cambiado filas por columnas: dentro de un canal hay filas de W números, así que h = resto // W "
            "y w = resto % W.",
        ),
        (
            lambda p, C, H, W: (p // (H * W), p % (H * W) // H, p % (H * W) % H),
            "Cada fila tiene W números (el ancho), no H (el alto): divide entre W. Con imágenes cuadradas no se "
            "nota, pero con una forma como 2×4×6 sí.",
        ),
        (
            lambda p, C, H, W: _unflat(p, (C, H, W))[::-1],
            "Has devuelto los tres números al revés: el orden es (c, h, w).",
        ),
    )

    def verify(self, answer: Callable) -> None:
        found = [_triple(_call(answer, index, shape, returns="c, h, w")) for shape, index in self.cases]
        for (shape, index), value in zip(self.cases, found, strict=True):
            expected = _unflat(index, shape)
            call = f"`de_vuelta({index}, {shape})`"
            if not isinstance(value, tuple | list) or len(value) != 3:
                raise WrongAnswer(f"{call} devolvió `{value!r}`: se esperaban tres números, (c, h, w).")
            numbers = tuple(_integer(v, call) for v in value)
            if numbers == expected:
                continue
            if None in numbers:
                raise WrongAnswer(
                    f"{call} devolvió `{tuple(value)!r}`: se esperaban tres enteros. Usa la división entera //, "
                    "porque / da números decimales."
                )
            message = (
                f"con una imagen de {_shape_text(shape)}, {call} devolvió `{numbers}`, pero se esperaba `{expected}`."
            )
            for mistake, explanation in self.mistakes:
                if all(
                    tuple(_integer(v) for v in found_value) == mistake(i, *s)
                    for (s, i), found_value in zip(self.cases, found, strict=True)
                    if isinstance(found_value, tuple | list) and len(found_value) == 3
                ):
                    raise WrongAnswer(f"{message} {explanation}")
            raise WrongAnswer(message)


def exercise_batch_64() -> torch.Tensor:
    """El lote fijo (6, 3, 64, 64) del ejercicio de aplanar lotes: imágenes más grandes que las de la lección."""
    return torch.rand(6, 3, 64, 64, generator=torch.Generator().manual_seed(1))


class FlattenBatch(Exercise):
    title = "Ejercicio 3 · aplanar un lote de imágenes de 3×64×64"
    variable = "lote_plano"
    hint = (
        "Cada imagen debe seguir siendo una fila: aplana desde la dimensión 1 y deja intacta la 0. Si usas "
        "reshape, ¿cuántos números tiene cada imagen de 3×64×64? Mejor aún, deja que lo calcule PyTorch con -1."
    )
    solution = (
        "lote_plano = torch.flatten(lote_ejercicio, start_dim=1)  # o nn.Flatten()(lote_ejercicio)\n"
        "# o lote_ejercicio.reshape(len(lote_ejercicio), -1): 3·64·64 = 12 288 números por imagen"
    )

    def verify(self, answer: torch.Tensor) -> None:
        if not isinstance(answer, torch.Tensor):
            raise WrongAnswer(f"se esperaba un tensor, pero es de tipo {type(answer).__name__}.")
        batch = exercise_batch_64()
        expected = batch.flatten(1)
        images, per_image = expected.shape
        shape = tuple(answer.shape)
        if shape == (batch.numel(),):
            raise WrongAnswer(
                f"la forma es `{shape}`: has aplanado también el eje del lote (start_dim=0) y las {images} imágenes "
                f"se han mezclado en un solo vector. Se esperaba `{tuple(expected.shape)}`."
            )
        if len(shape) == 2 and shape[1] == 3 * 32 * 32:
            raise WrongAnswer(
                f"la forma es `{shape}`: has escrito 3072, los números de una imagen de 3×32×32, pero estas imágenes "
                f"son de 3×64×64 y cada una tiene 3·64·64 = {format_number(per_image)} números. Así, cada imagen "
                f"ha quedado partida en {per_image // 3072} filas. Deja que PyTorch calcule el tamaño: "
                "torch.flatten(lote, start_dim=1) o reshape(len(lote), -1)."
            )
        if shape == tuple(batch.shape[:2]) + (batch.shape[2] * batch.shape[3],):
            raise WrongAnswer(
                f"la forma es `{shape}`: has aplanado desde la dimensión 2, así que los 3 canales siguen separados. "
                f"Aplana desde la 1 para tener una fila por imagen: se esperaba `{tuple(expected.shape)}`."
            )
        if shape != tuple(expected.shape):
            raise WrongAnswer(
                f"la forma es `{shape}`, pero se esperaba `{tuple(expected.shape)}`: una fila de "
                f"{format_number(per_image)} números (3·64·64) por cada una de las {images} imágenes."
            )
        if not torch.equal(answer.detach().cpu(), expected):
            raise WrongAnswer(
                "la forma es correcta, pero los números no están en el orden de torch.flatten: ¿has cambiado el "
                "orden de las dimensiones (permute o transpose) antes de aplanar?"
            )

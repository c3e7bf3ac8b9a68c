"""Ejercicios de la lección 05 · Redes convolucionales."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
from torch import nn

from course_utils.exercises.framework import Exercise, WrongAnswer, _learner_code, _not_finite, _number, _scalar
from course_utils.formatting import format_number


class ConvOutputShape(Exercise):
    title = "Ejercicio 1 · la forma de salida de una convolución"
    variable = "forma_salida"
    hint = (
        "El lote (8) no cambia, y los canales pasan a ser los de salida de la capa (16). Para el alto y el ancho "
        "usa la fórmula (H + 2·padding − kernel) // stride + 1."
    )
    solution = "forma_salida = (8, 16, (32 + 2 * 1 - 5) // 2 + 1, (32 + 2 * 1 - 5) // 2 + 1)  # (8, 16, 15, 15)"
    expected = (8, 16, 15, 15)

    def verify(self, answer: tuple[int, ...]) -> None:
        if isinstance(answer, torch.Tensor | np.ndarray) and answer.ndim == 1 and len(answer) == 4:
            answer = answer.tolist()  # torch.tensor([8, 16, 15, 15]): los cuatro números de la forma
        elif isinstance(answer, torch.Tensor):
            raise WrongAnswer("es un tensor: se esperaba su forma, una tupla de enteros como (8, 3, 32, 32).")
        if not isinstance(answer, tuple | list):
            raise WrongAnswer(f"se esperaba una tupla de enteros, como (8, 3, 32, 32), pero es {answer!r}.")
        numbers = [_scalar(n) for n in answer]
        for number in numbers:
            if isinstance(number, float) and not math.isfinite(number):
                raise _not_finite(number, f"tu forma contiene {number}")
        if not all(isinstance(n, int) for n in numbers):
            raise WrongAnswer(f"se esperaba una tupla de enteros, como (8, 3, 32, 32), pero es {answer!r}.")
        answer = tuple(numbers)
        if answer == self.expected[1:]:
            raise WrongAnswer(
                f"{answer} no tiene la dimensión del lote: la capa conserva las 8 imágenes, así que la forma tiene "
                f"cuatro números, (lote, canales, alto, ancho). Se esperaba {self.expected}."
            )
        if len(answer) != 4:
            raise WrongAnswer(
                f"{answer} tiene {len(answer)} números, pero se esperaban 4: (lote, canales, alto, ancho)."
            )
        batch, channels, height, width = answer
        if batch != 8:
            raise WrongAnswer(f"el lote es de 8 imágenes y la capa no lo cambia: el primer número es 8, no {batch}.")
        if channels == 3:
            raise WrongAnswer(
                "la forma tiene 3 canales, los de la imagen de entrada: los canales de salida los decide la capa "
                "(out_channels=16)."
            )
        if channels != 16:
            raise WrongAnswer(f"la capa tiene 16 canales de salida, pero tu forma dice {channels}.")
        if (height, width) == (14, 14):
            raise WrongAnswer(
                "14×14 sale de olvidar el relleno, (32 − 5) // 2 + 1, o el «+ 1» final: padding=1 añade una fila y "
                "una columna de ceros por cada lado, así que el alto es (32 + 2·1 − 5) // 2 + 1 = 15."
            )
        if (height, width) == (30, 30):
            raise WrongAnswer(
                "30×30 sería el tamaño con stride=1: con stride=2 el núcleo salta de 2 en 2, así que se divide "
                "entre 2 (división entera): (32 + 2·1 − 5) // 2 + 1 = 15."
            )
        if answer != self.expected:
            raise WrongAnswer(
                f"tu forma es {answer}, pero el alto y el ancho son (32 + 2·1 − 5) // 2 + 1 = 15: se esperaba "
                f"{self.expected}."
            )


class ConvParameterCount(Exercise):
    title = "Ejercicio 2 · parámetros de una capa convolucional"
    variable = "parametros_conv"
    hint = (
        "Los pesos tienen forma (salidas, entradas, alto, ancho): cada uno de los 128 filtros mira los 64 canales "
        "de entrada con un núcleo de 3×3. Y hay un sesgo por filtro."
    )
    solution = "parametros_conv = 128 * 64 * 3 * 3 + 128  # pesos + sesgos = 73 856"
    expected = 128 * 64 * 3 * 3 + 128

    def verify(self, answer: int) -> None:
        answer = _number(answer, "un número entero", integer=True)
        shown = format_number(answer)
        if answer == 128 * 64 * 3 * 3:
            raise WrongAnswer(
                f"{shown} cuenta solo los pesos: faltan los 128 sesgos, uno por filtro (canal de salida)."
            )
        if answer in (128 * 3 * 3 + 128, 128 * 3 * 3):
            raise WrongAnswer(
                f"{shown} no cuenta los canales de entrada: cada filtro mira los 64 canales a la vez, así que tiene "
                "64·3·3 pesos, no 3·3."
            )
        if answer in (64 * 128 + 128, 64 * 128):
            raise WrongAnswer(
                f"{shown} es la cuenta de una nn.Linear(64, 128): en una convolución, cada par (canal de entrada, "
                "canal de salida) tiene un núcleo de 3·3 = 9 pesos."
            )
        if answer == 128 * 64 * 3 * 3 + 64:
            raise WrongAnswer(
                f"{shown} no es: hay un sesgo por cada canal de salida (128), no por cada canal de entrada."
            )
        if answer != self.expected:
            raise WrongAnswer(f"tu respuesta es {shown}, pero la capa tiene {format_number(self.expected)} parámetros.")


class WriteResidualBlock(Exercise):
    title = "Ejercicio 3 · un bloque residual que conserva la forma"
    variable = "MiBloque"
    skeleton = (
        "class MiBloque(nn.Module):\n"
        "    def __init__(self, canales):\n"
        "        super().__init__()\n"
        "        ...  # ← las capas de f(x)\n"
        "\n"
        "    def forward(self, x):\n"
        "        ...  # ← devuelve relu(x + f(x))"
    )
    hint = (
        "En __init__: self.conv1 = nn.Conv2d(canales, canales, 3, padding=1, bias=False) y self.bn1 = "
        "nn.BatchNorm2d(canales), y lo mismo para conv2 y bn2. En forward: f = bn2(conv2(relu(bn1(conv1(x))))) y "
        "return torch.relu(x + f)."
    )
    solution = (
        "class MiBloque(nn.Module):\n"
        "    def __init__(self, canales):\n"
        "        super().__init__()\n"
        "        self.conv1 = nn.Conv2d(canales, canales, 3, padding=1, bias=False)\n"
        "        self.bn1 = nn.BatchNorm2d(canales)\n"
        "        self.conv2 = nn.Conv2d(canales, canales, 3, padding=1, bias=False)\n"
        "        self.bn2 = nn.BatchNorm2d(canales)\n\n"
        "    def forward(self, x):\n"
        "        f = self.bn2(self.conv2(torch.relu(self.bn1(self.conv1(x)))))\n"
        "        return torch.relu(x + f)"
    )
    channels = 16

    def verify(self, answer: type) -> None:
        if not (isinstance(answer, type) and issubclass(answer, nn.Module)):
            raise WrongAnswer("se esperaba la clase MiBloque (una subclase de nn.Module), sin instanciar.")
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(0)
            with _learner_code():
                block = answer(self.channels)
            x = torch.randn(4, self.channels, 8, 8)
        block.eval()
        with torch.no_grad():
            output = self._forward(block, x)
            if not isinstance(output, torch.Tensor):
                raise WrongAnswer(f"forward debe devolver un tensor, pero devolvió {type(output).__name__}.")
            if output.shape != x.shape:
                raise WrongAnswer(
                    f"con una entrada de forma {tuple(x.shape)} la salida tiene forma {tuple(output.shape)}: el "
                    "bloque debe conservar la forma (mismos canales, alto y ancho). Usa padding=1 y stride 1 en las "
                    "convoluciones 3×3."
                )
            if not any(p.requires_grad for p in block.parameters()):
                raise WrongAnswer(
                    "tu bloque no tiene parámetros: f(x) necesita capas que aprendan, como dos nn.Conv2d creadas en "
                    "__init__ (y guardadas en self)."
                )
            if torch.allclose(output, x):
                raise WrongAnswer("tu bloque devuelve x tal cual: falta sumarle f(x), la parte que aprende.")
            if torch.allclose(output, torch.relu(x)):
                raise WrongAnswer("tu bloque devuelve relu(x): f(x) no interviene en la salida.")
            convolutions = [m for m in block.modules() if isinstance(m, nn.Conv2d)]
            if not convolutions:
                raise WrongAnswer("f(x) debe estar hecha de convoluciones nn.Conv2d, pero tu bloque no tiene ninguna.")
            for convolution in convolutions:
                for parameter in convolution.parameters():
                    parameter.zero_()
            zeroed = self._forward(block, x)
        if torch.allclose(zeroed, torch.relu(x), atol=1e-6):
            return
        if torch.allclose(zeroed, torch.zeros_like(x)):
            raise WrongAnswer(
                "falta el atajo: con las convoluciones a cero, f(x) = 0 y el bloque debería devolver relu(x), pero "
                "devuelve ceros. ¿Devuelves relu(f(x)) en vez de relu(x + f(x))?"
            )
        if torch.allclose(zeroed, x):
            raise WrongAnswer(
                "con las convoluciones a cero el bloque devuelve x, no relu(x): la ReLU final va después de sumar, "
                "relu(x + f(x))."
            )
        raise WrongAnswer(
            "con las convoluciones a cero, f(x) = 0 y el bloque debería devolver relu(x), pero no es así: revisa que "
            "forward devuelva relu(x + f(x)), con x tal cual en el atajo."
        )

    @staticmethod
    def _forward(block: nn.Module, x: torch.Tensor) -> Any:
        try:
            with _learner_code():
                output = block(x)
        except RuntimeError as error:
            if "must match the size" not in str(error):
                raise
            raise WrongAnswer(
                f"x y f(x) no tienen la misma forma, así que no se pueden sumar ({error}). Usa padding=1 y stride 1 "
                "en las convoluciones 3×3, y los mismos canales de entrada y de salida, para que f(x) conserve la "
                "forma de x."
            ) from error
        if output is None:
            raise WrongAnswer(
                "forward no devuelve nada (le falta el `return`): termina con `return torch.relu(x + f)`, donde f es "
                "la salida de la segunda BatchNorm."
            )
        return output

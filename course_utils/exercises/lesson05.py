"""Ejercicios de la lección 05 · Redes convolucionales."""

from __future__ import annotations

import functools
import math
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from torch import nn

from course_utils.exercises.framework import (
    Exercise,
    NotAttempted,
    WrongAnswer,
    _call,
    _close,
    _format,
    _not_finite,
    _number,
    _scalar,
    _spanish_list,
)
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
            raise WrongAnswer(
                f"se esperaba una tupla de enteros, como (8, 3, 32, 32), pero en {answer!r} hay valores que no son "
                "enteros: cada tamaño de una forma es un número entero de posiciones (si sale de una división, usa // "
                "y no /)."
            )
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


STAGES = ("stem", "stage1", "stage2", "stage3", "fc")


@functools.cache
def stage_shapes(side: int, batch: int) -> dict[str, tuple[int, ...]]:
    """Las formas que da de verdad SmallCNN con un lote de imágenes de side×side, medidas con ganchos."""
    from course_utils.models import SmallCNN  # importa torchvision: solo cuando se pide, no con los ejercicios

    shapes: dict[str, tuple[int, ...]] = {}

    def keep(name: str) -> Callable:
        def hook(module: nn.Module, inputs: tuple, output: torch.Tensor) -> None:
            shapes[name] = tuple(output.shape)

        return hook

    with torch.random.fork_rng(devices=[]):
        model = SmallCNN().eval()
    handles = [model.get_submodule(name).register_forward_hook(keep(name)) for name in (*STAGES, "pool", "flatten")]
    try:
        with torch.no_grad():
            model(torch.zeros(batch, 3, side, side))
    finally:
        for handle in handles:
            handle.remove()
    return shapes


def _shape(name: str, value: Any) -> tuple[int | float, ...]:
    """La forma que ha escrito el alumno para una etapa, como tupla de números (acepta torch.Size y listas)."""
    if isinstance(value, torch.Tensor | np.ndarray) and value.ndim == 1:
        value = value.tolist()
    if isinstance(value, torch.Tensor) and value.ndim > 1:
        raise WrongAnswer(f"en «{name}» hay un tensor: se esperaba su forma, una tupla de enteros como (2, 3, 36, 36).")
    if not isinstance(value, tuple | list):
        raise WrongAnswer(
            f"la forma de «{name}» debe ser una tupla de enteros, como (2, 3, 36, 36), pero es {value!r}."
        )
    numbers = tuple(_scalar(n) for n in value)
    if any(n is None for n in numbers):
        raise WrongAnswer(
            f"la forma de «{name}» debe ser una tupla de enteros, como (2, 3, 36, 36), pero en {value!r} hay valores "
            "que no son números."
        )
    for number in numbers:
        if isinstance(number, float) and not math.isfinite(number):
            raise _not_finite(number, f"la forma de «{name}» contiene {number}")
    return tuple(int(n) if isinstance(n, float) and n.is_integer() else n for n in numbers)


class StageShapes(Exercise):
    title = "Ejercicio 3 · las formas de SmallCNN con imágenes de 36×36"
    variable = "formas_36"
    hint = (
        "Sigue el alto y el ancho etapa a etapa: las convoluciones 3×3 con padding=1 lo conservan, y cada MaxPool2d(2) "
        "lo divide entre 2 con división entera. Los canales los decide la primera convolución de cada etapa (míralos "
        "en print(modelo), en el apartado 7). Y fc recibe la media de cada canal, sea cual sea el tamaño del mapa."
    )
    solution = (
        "formas_36 = {\n"
        '    "stem": (2, 16, 36, 36),  # 3×3 con padding=1 y sin MaxPool: el tamaño no cambia\n'
        '    "stage1": (2, 32, 18, 18),  # MaxPool2d(2): 36 // 2\n'
        '    "stage2": (2, 64, 9, 9),  # 18 // 2\n'
        '    "stage3": (2, 128, 4, 4),  # 9 // 2 = 4: la última fila y la última columna se pierden\n'
        '    "fc": (2, 10),  # pool deja un número por canal, 128, y fc los convierte en 10 logits\n'
        "}"
    )
    side, batch = 36, 2

    def verify(self, answer: dict) -> str:
        if not isinstance(answer, dict):
            raise WrongAnswer(
                'se esperaba un diccionario como el de la celda, {"stem": (…), "stage1": (…), …}, pero es de tipo '
                f"{type(answer).__name__}."
            )
        missing = [f"«{name}»" for name in STAGES if name not in answer]
        if missing:
            raise WrongAnswer(f"al diccionario le falta {_spanish_list(missing)}: deja las cinco claves de la celda.")
        blank = [f"«{name}»" for name in STAGES if answer[name] is None or answer[name] is Ellipsis]
        if len(blank) == len(STAGES):
            raise NotAttempted
        if blank:
            raise WrongAnswer(f"todavía falta la forma de {_spanish_list(blank)}: cambia cada None por una tupla.")
        shapes = {name: _shape(name, answer[name]) for name in STAGES}
        real = stage_shapes(self.side, self.batch)
        if shapes in ({n: stage_shapes(32, b)[n] for n in STAGES} for b in (self.batch, 8)):
            raise WrongAnswer(
                "son las formas del apartado 4, con imágenes de 32×32: aquí las imágenes miden 36×36, así que cambian "
                "el alto y el ancho de cada etapa."
            )
        for name in STAGES:
            self._compare(name, shapes[name], real)
        return (
            "Son las formas que da la red de verdad (la comprobación la ha ejecutado con ganchos). En stage3, 9 // 2 "
            "= 4: la última fila y la última columna de stage2 no llegan a la salida. Y fc da 10 logits por imagen "
            "aunque la imagen no mida 32×32, porque pool hace la media de cada canal sea cual sea su tamaño."
        )

    def _compare(self, name: str, got: tuple, real: dict[str, tuple[int, ...]]) -> None:
        expected = real[name]
        if got == expected:
            return
        if name == "fc" and got in (real["pool"], real["flatten"]):
            layer = "pool" if got == real["pool"] else "flatten"
            raise WrongAnswer(
                f"{got} es la salida de {layer}, no la de fc: fc es una capa lineal que convierte los 128 números de "
                "cada imagen en un logit por clase."
            )
        if len(got) != len(expected):
            wanted = "(lote, canales, alto, ancho)" if len(expected) == 4 else "(lote, clases)"
            raise WrongAnswer(
                f"la forma de «{name}» tiene {len(got)} números, pero se esperaban {len(expected)}: {wanted}."
            )
        if got[0] != expected[0]:
            raise WrongAnswer(
                f"en «{name}» el primer número, el lote, es {got[0]}: el lote es de {expected[0]} imágenes y ninguna "
                "capa lo cambia."
            )
        if name == "fc":
            raise WrongAnswer(f"fc da un logit por clase, y CIFAR-10 tiene 10 clases: la salida no es {got}.")
        if got[1] != expected[1]:
            raise WrongAnswer(
                f"en «{name}» los canales no son {got[1]}: los decide la primera convolución de la etapa (su "
                "out_channels), no el tamaño de la imagen. Míralos en print(modelo), en el apartado 7."
            )
        before = self.side if name == "stem" else real[STAGES[STAGES.index(name) - 1]][2]
        size = got[2:]
        if any(not isinstance(n, int) for n in size) or (before % 2 and size == (before // 2 + 1,) * 2):
            raise WrongAnswer(
                f"en «{name}» el mapa llega de {before}×{before}, un tamaño impar: MaxPool2d(2) toma ventanas de 2×2 "
                f"sin solaparlas, y la última fila y la última columna, que no completan una ventana, se pierden. El "
                f"tamaño es {before} // 2, con división entera."
            )
        if name == "stem":
            raise WrongAnswer(
                "stem no reduce el tamaño: su convolución 3×3 lleva padding=1 y no tiene MaxPool2d. Solo las etapas "
                "dividen el alto y el ancho entre 2."
            )
        if size == (before, before):
            raise WrongAnswer(
                f"en «{name}» el tamaño no cambia en tu respuesta, pero cada etapa tiene un MaxPool2d(2) que divide el "
                "alto y el ancho entre 2."
            )
        raise WrongAnswer(
            f"tu forma de «{name}», {got}, no es la que da la red: sigue el alto y el ancho desde la entrada de "
            f"{self.side}×{self.side}, etapa a etapa."
        )


def _zero_model() -> nn.Module:
    """Una red pequeña con BatchNorm, en modo train() y con estadísticas ya movidas, para probar la respuesta."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        model = nn.Sequential(
            OrderedDict(
                capa1=nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU()),
                capa2=nn.Sequential(nn.Conv2d(8, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2)),
                media=nn.AdaptiveAvgPool2d(1),
                aplanar=nn.Flatten(),
                fc=nn.Linear(8, 4),
            )
        )
        with torch.no_grad():
            for _ in range(3):
                model(torch.randn(16, 3, 8, 8) * 2 + 1)
    return model.train()


def _zero_images() -> torch.Tensor:
    """Seis imágenes aleatorias de 3×8×8 con otra media y otra escala que las que ha visto la BatchNorm."""
    return torch.randn(6, 3, 8, 8, generator=torch.Generator().manual_seed(1)) * 3 - 0.5


def _zero_measures(names: tuple[str, ...]) -> dict[str, dict[str, float]]:
    """Para cada nombre: la fracción de ceros de su salida en eval(), su número de ceros y los de su entrada."""
    model, measures = _zero_model().eval(), {}

    def measure(name: str) -> Callable:
        def hook(module: nn.Module, inputs: tuple, output: torch.Tensor) -> None:
            measures[name] = {
                "fraction": (output == 0).float().mean().item(),
                "count": (output == 0).sum().item(),
                "input": (inputs[0] == 0).float().mean().item(),
            }

        return hook

    handles = [model.get_submodule(name).register_forward_hook(measure(name)) for name in names]
    with torch.no_grad():
        model(_zero_images())
    for handle in handles:
        handle.remove()
    return measures


class ZeroFraction(Exercise):
    title = "Ejercicio 4 · la fracción de ceros de cada etapa, con ganchos"
    variable = "fraccion_ceros"
    skeleton = (
        "def fraccion_ceros(modelo, imagenes, nombres):\n"
        '    # para cada nombre de `nombres` (como "stage1"), la fracción de valores iguales a 0 en la salida de\n'
        "    # modelo.get_submodule(nombre), con la red en eval() y sin gradientes; quita los ganchos al terminar\n"
        "    fracciones = {}\n"
        "    ...  # ← tu código aquí: un gancho por nombre que guarde su fracción en `fracciones`\n"
        "    return fracciones"
    )
    hint = (
        "Como en el apartado 8: una función gancho(modulo, entrada, salida) que haga fracciones[nombre] = "
        "(salida == 0).float().mean().item(), registrada con modelo.get_submodule(nombre).register_forward_hook(…) "
        "para cada nombre (guarda lo que devuelve). Después modelo.eval(), modelo(imagenes) dentro de "
        "torch.no_grad(), y .remove() de cada gancho."
    )
    solution = (
        "def fraccion_ceros(modelo, imagenes, nombres):\n"
        "    fracciones = {}\n\n"
        "    def guardar(nombre):\n"
        "        def gancho(modulo, entrada, salida):\n"
        "            fracciones[nombre] = (salida == 0).float().mean().item()\n\n"
        "        return gancho\n\n"
        "    manejadores = [modelo.get_submodule(n).register_forward_hook(guardar(n)) for n in nombres]\n"
        "    modelo.eval()\n"
        "    try:\n"
        "        with torch.no_grad():\n"
        "            modelo(imagenes)\n"
        "    finally:\n"
        "        for manejador in manejadores:\n"
        "            manejador.remove()\n"
        "    return fracciones"
    )
    name_lists = (("capa1", "capa2"), ("capa2",))  # dos llamadas: una respuesta que no use `nombres` no pasa

    def verify(self, answer: Callable) -> None:
        for names in self.name_lists:
            self._check_call(answer, names)

    def _check_call(self, answer: Callable, names: tuple[str, ...]) -> None:
        model = _zero_model()
        statistics = [buffer.clone() for buffer in model.buffers()]
        result = _call(answer, model, _zero_images(), list(names), returns="fracciones")
        left = [f"«{name}»" for name, module in model.named_modules() if module._forward_hooks]
        if left:
            raise WrongAnswer(
                f"tu función deja ganchos puestos en {_spanish_list(left)}: seguirían ejecutándose en cada pasada de "
                "la red, y cada vez que llamases a la función se sumaría otro. Guarda lo que devuelve "
                "register_forward_hook(…) y llama a su .remove() antes de terminar."
            )
        if not isinstance(result, dict):
            raise WrongAnswer(
                f"se esperaba un diccionario {{nombre: fracción}}, pero es de tipo {type(result).__name__}."
            )
        if set(result) != set(names):
            found = f"son: {', '.join(repr(key) for key in result)}" if result else "el diccionario está vacío"
            raise WrongAnswer(
                f"las claves del diccionario deben ser los nombres que recibe la función ({', '.join(map(repr, names))}"
                f"), pero {found}."
            )
        if any(not torch.equal(before, after) for before, after in zip(statistics, model.buffers(), strict=True)):
            raise WrongAnswer(
                "las estadísticas de BatchNorm de la red (running_mean y running_var) han cambiado: estaba en modo "
                "train(), en el que BatchNorm usa las del lote y actualiza las suyas, aun dentro de torch.no_grad(). "
                "Llama a modelo.eval() antes de pasar las imágenes."
            )
        measures = _zero_measures(names)
        for name in names:
            self._check_value(name, result[name], measures[name])

    @staticmethod
    def _check_value(name: str, value: Any, measured: dict[str, float]) -> None:
        number = _number(value, "un número, la fracción de ceros")
        expected, shown = measured["fraction"], _format(number)
        if _close(number, expected, 1e-6):
            return
        if _close(number, measured["count"], 0.5):
            raise WrongAnswer(
                f"para «{name}» tu función da {shown}, el número de ceros: se pide la fracción, de 0 a 1. Divide "
                "entre el número de valores de la salida, salida.numel() (o usa .float().mean())."
            )
        if _close(number, 100 * expected, 1e-4):
            raise WrongAnswer(f"para «{name}» tu función da {shown}, un porcentaje: se pide la fracción, de 0 a 1.")
        if _close(number, 1 - expected, 1e-6):
            raise WrongAnswer(
                f"para «{name}» tu función da {shown}, la fracción de valores distintos de cero: se piden los que son "
                "iguales a 0, (salida == 0)."
            )
        if number == 0 or _close(number, measured["input"], 1e-6):
            raise WrongAnswer(
                f"para «{name}» tu función da {shown}. ¿Cuentas los ceros de la entrada del gancho en vez de los de "
                "su salida (el tercer argumento), o los valores negativos, que después de una ReLU ya no quedan? "
                "Cuenta los de la salida que son iguales a 0."
            )
        raise WrongAnswer(
            f"para «{name}» tu función da {shown}, pero la fracción de ceros de su salida (en eval()) es "
            f"{_format(expected)}."
        )

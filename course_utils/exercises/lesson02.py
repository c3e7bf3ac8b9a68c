"""Ejercicios de la lección 02 · Una red neuronal desde cero."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from torch import nn

from course_utils.data import CLASSES_EN, CLASSES_ES
from course_utils.exercises.framework import (
    Exercise,
    WrongAnswer,
    _call,
    _close,
    _format,
    _learner_code,
    _number,
    _scalar,
)
from course_utils.formatting import format_number


def exercise_batch() -> torch.Tensor:
    """El lote fijo (8, 3, 32, 32) con el que se prueban las redes de los ejercicios."""
    return torch.rand(8, 3, 32, 32, generator=torch.Generator().manual_seed(1))


def _linear_sizes(model: nn.Module) -> list[tuple[int, int]]:
    return [(m.in_features, m.out_features) for m in model.modules() if isinstance(m, nn.Linear)]


class BuildMLP(Exercise):
    title = "Ejercicio 1 · una MLP más pequeña"
    variable = "modelo_pequeno"
    skeleton = (
        "class MLPPequena(nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.flatten = nn.Flatten()\n"
        "        ...  # ← tu código aquí: las capas 3072 → 256 → 128 → 10, con una ReLU entre cada dos\n"
        "\n"
        "    def forward(self, x):\n"
        "        ...  # ← tu código aquí: aplana x, pásalo por las capas y devuelve el resultado\n"
        "\n"
        "\n"
        "modelo_pequeno = MLPPequena()"
    )
    hint = (
        "Copia la clase MLP de la lección y cambia los tamaños: nn.Linear(3072, 256), nn.Linear(256, 128) y "
        "nn.Linear(128, 10), con una ReLU después de cada capa salvo la última. En forward, aplana con "
        "self.flatten y devuelve la salida de las capas."
    )
    solution = (
        "class MLPPequena(nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.flatten = nn.Flatten()\n"
        "        self.layers = nn.Sequential(\n"
        "            nn.Linear(3072, 256), nn.ReLU(),\n"
        "            nn.Linear(256, 128), nn.ReLU(),\n"
        "            nn.Linear(128, 10),\n"
        "        )\n\n"
        "    def forward(self, x):\n"
        "        return self.layers(self.flatten(x))\n\n\n"
        "modelo_pequeno = MLPPequena()"
    )
    expected_sizes = [(3072, 256), (256, 128), (128, 10)]

    def verify(self, answer: nn.Module) -> None:
        if isinstance(answer, type):
            raise WrongAnswer("has guardado la clase, no un modelo: crea una instancia con paréntesis, MLPPequena().")
        if not isinstance(answer, nn.Module):
            raise WrongAnswer(f"se esperaba un nn.Module, pero es de tipo {type(answer).__name__}.")
        sizes = _linear_sizes(answer)
        if sizes != self.expected_sizes:
            wanted = ", ".join(f"{a}→{b}" for a, b in self.expected_sizes)
            if not sizes:
                raise WrongAnswer(f"tu modelo no tiene ninguna capa nn.Linear, y se esperaban tres: {wanted}.")
            shown = ", ".join(f"{a}→{b}" for a, b in sizes)
            raise WrongAnswer(f"las capas lineales son {shown}, pero se esperaban {wanted}.")
        relus = sum(isinstance(m, nn.ReLU) for m in answer.modules())
        if relus < 2:
            raise WrongAnswer(
                f"hay {relus} ReLU, pero se esperaban 2 (una después de cada capa oculta): sin ellas, las tres "
                "capas lineales equivalen a una sola."
            )
        batch = exercise_batch()[:4]
        with _learner_code():
            output = answer(batch)
        if output is None:
            raise WrongAnswer("forward no devuelve nada (le falta el `return`): devuelve la salida de la última capa.")
        if not isinstance(output, torch.Tensor):
            raise WrongAnswer(f"forward debe devolver un tensor, pero devolvió {type(output).__name__}.")
        if tuple(output.shape) != (4, 10):
            raise WrongAnswer(f"con un lote (4, 3, 32, 32) la salida tiene forma {tuple(output.shape)}, no (4, 10).")
        self._check_logits(answer, output.detach())

    @staticmethod
    def _check_logits(model: nn.Module, output: torch.Tensor) -> None:
        """El modelo debe devolver logits: ni softmax (en una capa o en forward) ni una ReLU o una sigmoide al final."""
        layers = [m for m in model.modules() if isinstance(m, nn.Softmax | nn.LogSoftmax | nn.Softmax2d)]
        ones = torch.ones(len(output))
        probabilities = bool((output >= 0).all()) and torch.allclose(output.sum(dim=1), ones, atol=1e-4)
        log_probabilities = bool((output <= 0).all()) and torch.allclose(output.exp().sum(dim=1), ones, atol=1e-4)
        if not (layers or probabilities or log_probabilities):
            if bool((output >= 0).all()):
                raise WrongAnswer(
                    "todas las salidas de tu modelo son ≥ 0: ¿termina en una ReLU (o en una sigmoide)? La última "
                    "nn.Linear debe devolver los logits tal cual, y un logit negativo también informa (esa clase es "
                    "poco probable): una ReLU al final los deja todos en 0 y la red ya no distingue entre las clases "
                    "improbables. Quita lo que va detrás de la última nn.Linear."
                )
            return
        logarithms = isinstance(layers[-1], nn.LogSoftmax) if layers else not probabilities
        what = "logaritmos de probabilidades" if logarithms else "probabilidades"
        if layers:
            found = f"tu modelo termina en nn.{type(layers[-1]).__name__}, así que devuelve {what} y no logits."
        else:
            function = "log_softmax" if logarithms else "softmax"
            found = f"tu modelo devuelve {what} y no logits: ¿aplicas {function} en forward?"
        raise WrongAnswer(
            f"{found} El modelo debe devolver los logits, la salida de la última nn.Linear tal cual, porque "
            "nn.CrossEntropyLoss, la pérdida con la que se entrena, ya aplica softmax por dentro: con otro softmax "
            "delante, la red aprende mucho peor. Quítalo del modelo; si quieres ver probabilidades, aplica "
            "torch.softmax(salida, dim=1) fuera, al predecir."
        )


def exercise_logits() -> torch.Tensor:
    """Los logits fijos (5, 10) del ejercicio de nombres de clase."""
    return torch.randn(5, 10, generator=torch.Generator().manual_seed(2)) * 3


class LogitsToNames(Exercise):
    title = "Ejercicio 2 · de logits a nombres de clase"
    variable = "nombres"
    hint = "La clase de cada imagen es el índice del logit mayor de su fila: argmax(dim=1). Después usa CLASSES_ES."
    solution = "nombres = [CLASSES_ES[i] for i in logits_ejercicio.argmax(dim=1).tolist()]"

    def verify(self, answer: list[str]) -> None:
        logits = exercise_logits()
        expected = [CLASSES_ES[i] for i in logits.argmax(1).tolist()]
        if isinstance(answer, torch.Tensor):
            raise WrongAnswer("es un tensor de índices: convierte cada índice en su nombre con CLASSES_ES.")
        if isinstance(answer, np.ndarray) and answer.ndim == 1 and answer.dtype.kind == "U":
            answer = answer.tolist()  # np.array(CLASSES_ES)[indices]: los mismos nombres, en un array de NumPy
        if not isinstance(answer, list | tuple):
            raise WrongAnswer(
                f"se esperaba una lista de nombres, como ['gato', 'barco', …], pero es de tipo {type(answer).__name__}."
            )
        answer = list(answer)
        if len(answer) == 10 and len(expected) != 10:
            raise WrongAnswer(
                f"hay {len(answer)} nombres pero {len(expected)} imágenes: parece que usaste argmax(dim=0), que busca "
                "el máximo de cada columna (cada clase) en vez de cada fila (cada imagen)."
            )
        if len(answer) != len(expected):
            raise WrongAnswer(f"hay {len(answer)} nombres, pero se esperaban {len(expected)} (uno por imagen).")
        if [CLASSES_EN.index(a) if a in CLASSES_EN else -1 for a in answer] == logits.argmax(1).tolist():
            raise WrongAnswer("los nombres están en inglés: usa CLASSES_ES para tenerlos en español.")
        if answer != expected:
            same_names = all(isinstance(a, str) for a in answer) and sorted(answer) == sorted(expected)
            order = (
                " Son los nombres correctos, pero en otro orden: el nombre número i de la lista debe ser la clase "
                "de la imagen i, la de la fila i de los logits."
                if same_names
                else ""
            )
            raise WrongAnswer(f"se esperaba {expected}, pero tu lista es {answer}.{order}")


class ParameterCount(Exercise):
    title = "Ejercicio 3 · parámetros de una capa"
    variable = "num_parametros"
    hint = "Una capa nn.Linear(entradas, salidas) tiene una matriz de pesos entradas×salidas y un sesgo por salida."
    solution = "num_parametros = 512 * 256 + 256  # pesos + sesgos = 131 328"
    expected = 512 * 256 + 256

    def verify(self, answer: int) -> None:
        answer = _number(answer, "un número entero", integer=True)
        shown = format_number(answer)
        if answer == 512 * 256:
            raise WrongAnswer(f"{shown} cuenta solo los pesos: faltan los 256 sesgos (uno por neurona de salida).")
        if answer in (512 * 256 + 512, 513 * 257):
            raise WrongAnswer(f"{shown} no es: hay un sesgo por cada una de las 256 salidas, no por cada entrada.")
        if answer != self.expected:
            raise WrongAnswer(f"tu respuesta es {shown}, pero la capa tiene {format_number(self.expected)} parámetros.")


class FixForward(Exercise):
    title = "Ejercicio 4 · un forward que funcione con lotes"
    variable = "RedArreglada"
    skeleton = (
        "class RedArreglada(nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.lineal = nn.Linear(3072, 10)\n"
        "\n"
        "    def forward(self, x):\n"
        "        ...  # ← tu código aquí: aplana cada imagen del lote (sin modificar x) y pásala por self.lineal"
    )
    hint = (
        "Aplana desde la dimensión 1 (nn.Flatten() o torch.flatten(x, start_dim=1)) y no añadas ninguna "
        "dimensión: el lote ya la trae. Nada de operaciones «_» sobre x. Y no olvides el return."
    )
    solution = (
        "class RedArreglada(nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.lineal = nn.Linear(3072, 10)\n\n"
        "    def forward(self, x):\n"
        "        return self.lineal(torch.flatten(x, start_dim=1))"
    )

    def verify(self, answer: type) -> None:
        if not (isinstance(answer, type) and issubclass(answer, nn.Module)):
            raise WrongAnswer("se esperaba la clase RedArreglada (una subclase de nn.Module), sin instanciar.")
        with _learner_code():
            model = answer()
        batch = exercise_batch()
        original = batch.clone()
        try:
            with _learner_code():
                output = model(batch)
        except RuntimeError as error:
            raise WrongAnswer(
                f"con un lote (8, 3, 32, 32) forward falla ({error}). ¿Sigues aplanando desde la dimensión 0? "
                "Recuerda también que torch.flatten no cambia x: devuelve un tensor nuevo que hay que guardar."
            ) from error
        if not torch.equal(batch, original) or batch.shape != original.shape:
            raise WrongAnswer("forward modifica el tensor que recibe (¿unsqueeze_ u otra operación «_»?).")
        if output is None:
            raise WrongAnswer("forward no devuelve nada (le falta el `return`): devuelve la salida de self.lineal.")
        if not isinstance(output, torch.Tensor):
            raise WrongAnswer(f"forward debe devolver un tensor, pero devolvió {type(output).__name__}.")
        if tuple(output.shape) != (8, 10):
            raise WrongAnswer(f"con un lote (8, 3, 32, 32) la salida tiene forma {tuple(output.shape)}, no (8, 10).")
        with _learner_code():
            single = model(batch[:1])
        if tuple(single.shape) != (1, 10):
            raise WrongAnswer(f"con un lote de una imagen la salida tiene forma {tuple(single.shape)}, no (1, 10).")


def exercise_single_output() -> torch.Tensor:
    """Los logits fijos, de forma [1, 10], de una sola imagen: los del ejercicio de la probabilidad de una clase."""
    return torch.randn(1, 10, generator=torch.Generator().manual_seed(5)) * 2


def _few_classes_output() -> torch.Tensor:
    return torch.randn(1, 5, generator=torch.Generator().manual_seed(6)) * 2


class ClassProbability(Exercise):
    title = "Ejercicio 5 · la probabilidad de una clase"
    variable = "probabilidad_de_clase"
    skeleton = (
        "def probabilidad_de_clase(salida, k):\n"
        "    # salida: los logits de UNA imagen, de forma [1, num_clases]\n"
        "    probabilidad = ...  # ← tu código aquí: de logits a probabilidades, y la de la clase k\n"
        "    return probabilidad"
    )
    hint = (
        "La salida tiene forma [1, num_clases]: su primer índice elige la imagen del lote y el segundo, la clase. "
        "Convierte los logits con torch.softmax(salida, dim=1) y quédate con el elemento [0, k]. Si prefieres "
        "quitar antes el eje del lote, usa squeeze(0) y no squeeze(), que quitaría también cualquier otra "
        "dimensión de tamaño 1."
    )
    solution = (
        "def probabilidad_de_clase(salida, k):\n"
        "    probabilidades = torch.softmax(salida, dim=1)  # forma [1, num_clases]\n"
        "    probabilidad = probabilidades[0, k]  # imagen 0 del lote, clase k; o probabilidades.squeeze(0)[k]\n"
        "    return probabilidad"
    )
    success = (
        "Tu función respeta el eje del lote: `salida[0, k]` o `salida.squeeze(0)[k]`, nunca `salida[k]`. Y "
        "`squeeze(0)` es más seguro que `squeeze()`, que quita todas las dimensiones de tamaño 1: con una salida "
        "de forma [1, 1] se llevaría también la de las clases."
    )

    def _cases(self) -> list[tuple[torch.Tensor, int]]:
        single = exercise_single_output()
        one_class = torch.tensor([[1.5]])
        return [(single, 3), (single, 0), (_few_classes_output(), 4), (one_class, 0)]

    def verify(self, answer: Callable) -> str:
        for logits, k in self._cases():
            self._check_case(answer, logits, k)
        return self.success

    def _check_case(self, answer: Callable, logits: torch.Tensor, k: int) -> None:
        classes = logits.shape[1]
        shape = f"[1, {classes}]"
        call = f"`probabilidad_de_clase(salida, {k})`"
        salida = logits.clone()
        try:
            found = _call(answer, salida, k, returns="probabilidad")
        except IndexError as error:
            text = str(error)
            if "0-dim" in text:
                raise WrongAnswer(
                    f"con una salida de forma {shape} (una red con una sola clase), {call} falla: `squeeze()` sin "
                    "argumento quita todas las dimensiones de tamaño 1, también la de las clases, y deja un tensor "
                    "sin dimensiones, que no se puede indexar. Usa `squeeze(0)`, que solo quita la del lote, o "
                    "`salida[0, k]`."
                ) from error
            if "dimension 0 with size 1" in text:
                raise WrongAnswer(
                    f"{call} falla con IndexError: la salida tiene forma {shape} y su primera dimensión es el lote, "
                    f"de tamaño 1, así que el índice {k} no existe en ella. Usa `salida[0, k]` (imagen 0, clase k) o "
                    "`salida.squeeze(0)[k]`."
                ) from error
            raise
        if not torch.equal(salida, logits) or salida.shape != logits.shape:
            raise WrongAnswer(
                "tu función modifica la salida que recibe (¿squeeze_ u otra operación «_»?): usa la versión sin «_», "
                "que devuelve un tensor nuevo."
            )
        value = self._value(found, classes, k, call)
        probabilities = torch.softmax(logits, dim=1)[0]
        expected = probabilities[k].item()
        if _close(value, expected, 1e-5):
            return
        message = (
            f"{call} devolvió {_format(value)}, pero la probabilidad de la clase {k} es {format_number(expected, 4)}."
        )
        if _close(value, logits[0, k].item(), 1e-5):
            raise WrongAnswer(
                f"{message} Has devuelto un logit: aplica softmax, torch.softmax(salida, dim=1), para convertir los "
                "logits en probabilidades."
            )
        if _close(value, 1.0, 1e-5):
            raise WrongAnswer(
                f"{message} softmax con dim=0 normaliza cada columna y, con una sola imagen, todo vale 1. Usa "
                "dim=1, la dimensión de las clases."
            )
        if _close(value, torch.log_softmax(logits, dim=1)[0, k].item(), 1e-5):
            raise WrongAnswer(f"{message} Es el logaritmo de la probabilidad (log_softmax): usa softmax.")
        if _close(value, torch.sigmoid(logits[0, k]).item(), 1e-5):
            raise WrongAnswer(
                f"{message} Es la sigmoide del logit: para repartir la probabilidad entre todas las clases, usa "
                "softmax."
            )
        for other in range(classes):
            if _close(value, probabilities[other].item(), 1e-5):
                raise WrongAnswer(
                    f"{message} Es la probabilidad de la clase {other}: usa el argumento k, no un número fijo."
                )
        raise WrongAnswer(message)

    @staticmethod
    def _value(found: Any, classes: int, k: int, call: str) -> float:
        """El número que devolvió la función, o un mensaje concreto si no es un solo número."""
        if isinstance(found, torch.Tensor) and found.dim() != 0:
            shape = tuple(found.shape)
            if shape == (classes,) and k == 0:
                raise WrongAnswer(
                    f"{call} devolvió un tensor de forma {shape}, la fila entera: `salida[0]` elige la imagen 0 "
                    "del lote, no la clase 0 (por eso no da error). Usa `salida[0, k]` o `salida.squeeze(0)[k]`."
                )
            if shape == (classes,):
                raise WrongAnswer(
                    f"{call} devolvió un tensor de forma {shape}, con todas las clases: quédate solo con la k."
                )
            if shape == (1,):
                raise WrongAnswer(
                    f"{call} devolvió un tensor de forma (1,), que conserva el eje del lote (¿`salida[:, k]`?): "
                    "usa `salida[0, k]` para quedarte con un solo número."
                )
            raise WrongAnswer(
                f"{call} devolvió un tensor de forma {shape}: se esperaba un solo número, un float de Python o "
                "un tensor sin dimensiones."
            )
        number = _scalar(found)
        if number is None:
            raise WrongAnswer(f"{call} devolvió `{found!r}`: se esperaba un número, la probabilidad de la clase {k}.")
        return float(_number(number, context=f"{call} devolvió {number}"))

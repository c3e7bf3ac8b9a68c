"""Ejercicios con corrección automática, en español.

Cada ejercicio es una clase pequeña y declarativa: dice qué variable del cuaderno mira (``variable``),
da una pista (``hint``) y una solución (``solution``), y en ``verify`` comprueba la respuesta, lanzando
``WrongAnswer`` con un mensaje que nombra lo esperado y lo encontrado. En el cuaderno::

    ejercicio1 = FlatPosition()
    ejercicio1.comprobar()   # mira la variable del cuaderno
    ejercicio1.pista()
    ejercicio1.solucion()
"""

from __future__ import annotations

import html
import math
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import torch
from IPython.display import display
from torch import nn

from course_utils.data import CLASSES_EN, CLASSES_ES
from course_utils.widgets import flat_index, unflat_index

_MISSING = object()


class WrongAnswer(Exception):
    """La respuesta no es correcta; el mensaje explica por qué."""


class NotAttempted(Exception):
    """La respuesta sigue en blanco."""


@dataclass(frozen=True)
class Feedback:
    """Resultado de una comprobación, que se ve bien en JupyterLab y como texto plano."""

    status: str  # "correcto", "incorrecto", "sin intentar", "pista" o "solución"
    title: str
    message: str
    code: str = ""

    @property
    def correct(self) -> bool:
        return self.status == "correcto"

    _ICONS: ClassVar[dict[str, str]] = {
        "correcto": "✅",
        "incorrecto": "❌",
        "sin intentar": "✏️",
        "pista": "💡",
        "solución": "📖",
    }
    _COLORS: ClassVar[dict[str, str]] = {
        "correcto": "#1a7f37",
        "incorrecto": "#cf222e",
        "sin intentar": "#6e7781",
        "pista": "#9a6700",
        "solución": "#0969da",
    }

    def __str__(self) -> str:
        text = f"{self._ICONS[self.status]} {self.title}: {self.message}"
        return f"{text}\n\n{self.code}" if self.code else text

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        color = self._COLORS[self.status]
        code = f"<pre><code>{html.escape(self.code)}</code></pre>" if self.code else ""
        message = re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(self.message))
        return (
            f'<div style="border-left: 4px solid {color}; padding: 0.3em 0.8em; margin: 0.3em 0">'
            f'<b style="color: {color}">{self._ICONS[self.status]} {html.escape(self.title)}</b>: '
            f"{message}{code}</div>"
        )


class Exercise:
    """Base de todos los ejercicios."""

    title: ClassVar[str]
    variable: ClassVar[str]
    hint: ClassVar[str]
    solution: ClassVar[str]

    def verify(self, answer: Any) -> None:
        """Lanza WrongAnswer (o NotAttempted) si la respuesta no es correcta."""
        raise NotImplementedError

    def evaluate(self, answer: Any) -> Feedback:
        """Comprueba una respuesta y devuelve el veredicto, sin mostrarlo."""
        if answer is None or answer is Ellipsis:
            return self._blank()
        try:
            self.verify(answer)
        except NotAttempted:
            return self._blank()
        except WrongAnswer as wrong:
            return Feedback("incorrecto", self.title, str(wrong))
        except Exception as error:  # noqa: BLE001 - el código del alumno puede fallar de cualquier forma
            message = f"al ejecutar tu respuesta saltó un error: {type(error).__name__}: {error}"
            return Feedback("incorrecto", self.title, message)
        return Feedback("correcto", self.title, "¡Correcto!")

    def _blank(self) -> Feedback:
        message = f"todavía no has respondido: completa `{self.variable}` y vuelve a comprobar."
        return Feedback("sin intentar", self.title, message)

    def check(self, answer: Any = _MISSING) -> None:
        """Comprueba la respuesta (por defecto, la variable ``variable`` del cuaderno) y muestra el veredicto."""
        if answer is _MISSING:
            answer = sys._getframe(1).f_globals.get(self.variable)
        display(self.evaluate(answer))

    def show_hint(self) -> None:
        """Muestra una pista."""
        display(Feedback("pista", self.title, self.hint))

    def show_solution(self) -> None:
        """Muestra una solución."""
        display(Feedback("solución", self.title, "una forma de resolverlo es esta:", self.solution))

    # Los nombres en español que usan los cuadernos.
    comprobar = check
    pista = show_hint
    solucion = show_solution


def _call(function: Callable, *args: Any) -> Any:
    """Llama a la función del alumno; si devuelve None, la respuesta sigue en blanco."""
    if not callable(function):
        raise WrongAnswer(f"se esperaba una función, pero `{function!r}` es de tipo {type(function).__name__}.")
    result = function(*args)
    if result is None:
        raise NotAttempted
    return result


def _number(answer: Any, wanted: str = "un número", integer: bool = False) -> int | float:
    """La respuesta como número de Python; acepta también un tensor de un solo elemento."""
    if isinstance(answer, torch.Tensor):
        if answer.numel() != 1:
            raise WrongAnswer(f"es un tensor de forma {tuple(answer.shape)}: se esperaba un solo número.")
        answer = answer.item()
    if not isinstance(answer, int if integer else (int, float)):
        raise WrongAnswer(f"se esperaba {wanted}, pero es de tipo {type(answer).__name__}.")
    return answer


# --- Lección 01 -------------------------------------------------------------------------------------------


class FlatPosition(Exercise):
    title = "Ejercicio 1 · de (c, h, w) a la posición plana"
    variable = "posicion_plana"
    hint = "Antes del elemento van c canales completos de 32·32 números, h filas de 32 y w elementos de su fila."
    solution = "def posicion_plana(c, h, w):\n    return c * 1024 + h * 32 + w"
    cases = ((0, 0, 0), (0, 0, 5), (0, 3, 0), (1, 0, 0), (2, 31, 31), (1, 17, 9))

    def verify(self, answer: Callable) -> None:
        for c, h, w in self.cases:
            found, expected = _call(answer, c, h, w), flat_index(c, h, w)
            if found != expected:
                raise WrongAnswer(
                    f"posicion_plana({c}, {h}, {w}) devolvió {found!r}, pero se esperaba {expected} "
                    f"(= {c}·1024 + {h}·32 + {w})."
                )


class UnflatPosition(Exercise):
    title = "Ejercicio 2 · de la posición plana a (c, h, w)"
    variable = "de_vuelta"
    hint = "c es cuántos bloques de 1024 caben en la posición (//); con el resto (%) sacas h y w del mismo modo."
    solution = "def de_vuelta(posicion):\n    return posicion // 1024, (posicion % 1024) // 32, posicion % 32"
    cases = (0, 31, 32, 1023, 1024, 2390, 3071)

    def verify(self, answer: Callable) -> None:
        for index in self.cases:
            found, expected = _call(answer, index), unflat_index(index)
            if tuple(found) != expected:
                raise WrongAnswer(f"de_vuelta({index}) devolvió {found!r}, pero se esperaba {expected}.")


def exercise_batch() -> torch.Tensor:
    """El lote fijo (8, 3, 32, 32) del ejercicio de aplanar lotes."""
    return torch.rand(8, 3, 32, 32, generator=torch.Generator().manual_seed(1))


class FlattenBatch(Exercise):
    title = "Ejercicio 3 · aplanar un lote"
    variable = "lote_plano"
    hint = "Cada imagen debe seguir siendo una fila: aplana desde la dimensión 1 y deja intacta la 0."
    solution = "lote_plano = torch.flatten(lote_ejercicio, start_dim=1)  # o nn.Flatten()(lote_ejercicio)"

    def verify(self, answer: torch.Tensor) -> None:
        if not isinstance(answer, torch.Tensor):
            raise WrongAnswer(f"se esperaba un tensor, pero es de tipo {type(answer).__name__}.")
        batch = exercise_batch()
        expected = batch.flatten(1)
        if tuple(answer.shape) == (batch.numel(),):
            raise WrongAnswer(
                f"la forma es {tuple(answer.shape)}: has aplanado también el eje del lote (start_dim=0) y las "
                f"8 imágenes se han mezclado. Se esperaba {tuple(expected.shape)}."
            )
        if tuple(answer.shape) != tuple(expected.shape):
            raise WrongAnswer(f"la forma es {tuple(answer.shape)}, pero se esperaba {tuple(expected.shape)}.")
        if not torch.equal(answer, expected):
            raise WrongAnswer("la forma es correcta, pero los valores no coinciden con el lote aplanado.")


# --- Lección 02 -------------------------------------------------------------------------------------------


def _linear_sizes(model: nn.Module) -> list[tuple[int, int]]:
    return [(m.in_features, m.out_features) for m in model.modules() if isinstance(m, nn.Linear)]


class BuildMLP(Exercise):
    title = "Ejercicio 1 · una MLP más pequeña"
    variable = "modelo_pequeno"
    hint = (
        "Copia la clase MLP de la lección y cambia los tamaños: nn.Linear(3072, 256), nn.Linear(256, 128) y "
        "nn.Linear(128, 10), con una ReLU después de cada capa salvo la última. No olvides nn.Flatten()."
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
        "        return self.layers(self.flatten(x))\n\n"
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
            shown = ", ".join(f"{a}→{b}" for a, b in sizes) or "ninguna"
            wanted = ", ".join(f"{a}→{b}" for a, b in self.expected_sizes)
            raise WrongAnswer(f"las capas lineales son {shown}, pero se esperaban {wanted}.")
        relus = sum(isinstance(m, nn.ReLU) for m in answer.modules())
        if relus < 2:
            raise WrongAnswer(
                f"hay {relus} ReLU, pero se esperaban 2 (una después de cada capa oculta): sin ellas, las tres "
                "capas lineales equivalen a una sola."
            )
        batch = exercise_batch()[:4]
        output = answer(batch)
        if tuple(output.shape) != (4, 10):
            raise WrongAnswer(f"con un lote (4, 3, 32, 32) la salida tiene forma {tuple(output.shape)}, no (4, 10).")


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
            raise WrongAnswer(f"se esperaba {expected}, pero tu lista es {answer}.")


class ParameterCount(Exercise):
    title = "Ejercicio 3 · parámetros de una capa"
    variable = "num_parametros"
    hint = "Una capa nn.Linear(entradas, salidas) tiene una matriz de pesos entradas×salidas y un sesgo por salida."
    solution = "num_parametros = 512 * 256 + 256  # pesos + sesgos = 131328"
    expected = 512 * 256 + 256

    def verify(self, answer: int) -> None:
        answer = _number(answer, "un número entero", integer=True)
        if answer == 512 * 256:
            raise WrongAnswer(f"{answer} cuenta solo los pesos: faltan los 256 sesgos (uno por neurona de salida).")
        if answer in (512 * 256 + 512, 513 * 257):
            raise WrongAnswer(f"{answer} no es: hay un sesgo por cada una de las 256 salidas, no por cada entrada.")
        if answer != self.expected:
            raise WrongAnswer(f"tu respuesta es {answer}, pero la capa tiene {self.expected} parámetros.")


class FixForward(Exercise):
    title = "Ejercicio 4 · un forward que funcione con lotes"
    variable = "RedArreglada"
    hint = (
        "Aplana desde la dimensión 1 (nn.Flatten() o torch.flatten(x, start_dim=1)) y no añadas ninguna "
        "dimensión: el lote ya la trae. Nada de operaciones «_» sobre x."
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
        model = answer()
        batch = exercise_batch()
        original = batch.clone()
        try:
            output = model(batch)
        except RuntimeError as error:
            raise WrongAnswer(
                f"con un lote (8, 3, 32, 32) forward falla ({error}). ¿Sigues aplanando desde la dimensión 0?"
            ) from error
        if not torch.equal(batch, original) or batch.shape != original.shape:
            raise WrongAnswer("forward modifica el tensor que recibe (¿unsqueeze_ u otra operación «_»?).")
        if tuple(output.shape) != (8, 10):
            raise WrongAnswer(f"con un lote (8, 3, 32, 32) la salida tiene forma {tuple(output.shape)}, no (8, 10).")
        single = model(batch[:1])
        if tuple(single.shape) != (1, 10):
            raise WrongAnswer(f"con un lote de una imagen la salida tiene forma {tuple(single.shape)}, no (1, 10).")


# --- Lección 03 -------------------------------------------------------------------------------------------


def exercise_predictions() -> tuple[torch.Tensor, torch.Tensor]:
    """Logits (12, 10) y etiquetas (12,) fijos del ejercicio de exactitud."""
    generator = torch.Generator().manual_seed(3)
    return torch.randn(12, 10, generator=generator), torch.randint(0, 10, (12,), generator=generator)


class Accuracy(Exercise):
    title = "Ejercicio 1 · la exactitud de un lote"
    variable = "exactitud"
    hint = "Compara argmax(dim=1) de los logits con las etiquetas, cuenta los aciertos y divide entre el total."
    solution = "exactitud = (logits_ej.argmax(dim=1) == etiquetas_ej).float().mean().item()"

    def verify(self, answer: float) -> None:
        logits, labels = exercise_predictions()
        expected = (logits.argmax(1) == labels).float().mean().item()
        answer = _number(answer, "un número entre 0 y 1")
        if abs(answer - 100 * expected) < 1e-4 and expected > 0:
            raise WrongAnswer(f"{answer} es un porcentaje: se esperaba la fracción, {expected:.4f}.")
        hits = (logits.argmax(1) == labels).sum().item()
        if answer == hits and hits != expected:
            raise WrongAnswer(f"{answer} es el número de aciertos: divídelo entre las {len(labels)} imágenes.")
        if abs(answer - expected) > 1e-6:
            raise WrongAnswer(f"tu exactitud es {answer:.4f}, pero la del lote es {expected:.4f}.")


class InitialLoss(Exercise):
    title = "Ejercicio 2 · la pérdida de una red que duda de todo"
    variable = "perdida_inicial"
    hint = "Si las 10 clases tienen la misma probabilidad, 1/10, la entropía cruzada es −log(1/10) (logaritmo natural)."
    solution = "import math\n\nperdida_inicial = math.log(10)  # ≈ 2.3026"

    def verify(self, answer: float) -> None:
        answer = _number(answer)
        if abs(answer - 1.0) < 1e-6:
            raise WrongAnswer("1 sería log en base 10; la entropía cruzada usa el logaritmo natural.")
        if abs(answer - 0.1) < 1e-6:
            raise WrongAnswer("0.1 es la probabilidad de cada clase, no la pérdida: la pérdida es −log(0.1).")
        if abs(answer - math.log(10)) > 1e-3:
            raise WrongAnswer(f"tu respuesta es {answer}, pero −log(1/10) ≈ {math.log(10):.4f}.")


class TrainingStep(Exercise):
    title = "Ejercicio 3 · un paso de entrenamiento"
    variable = "paso_entrenamiento"
    hint = "Son cinco líneas: zero_grad, forward, pérdida, backward y step. Devuelve loss.item()."
    solution = (
        "def paso_entrenamiento(modelo, imagenes, etiquetas, optimizador, funcion_perdida):\n"
        "    optimizador.zero_grad()\n"
        "    perdida = funcion_perdida(modelo(imagenes), etiquetas)\n"
        "    perdida.backward()\n"
        "    optimizador.step()\n"
        "    return perdida.item()"
    )

    @staticmethod
    def _setup() -> tuple[nn.Module, torch.optim.Optimizer, torch.Tensor, torch.Tensor]:
        generator = torch.Generator().manual_seed(4)
        model = nn.Linear(6, 3)
        with torch.no_grad():
            model.weight.copy_(torch.randn(3, 6, generator=generator))
            model.bias.zero_()
        images, labels = torch.randn(8, 6, generator=generator), torch.randint(0, 3, (8,), generator=generator)
        return model, torch.optim.SGD(model.parameters(), lr=0.5), images, labels

    def verify(self, answer: Callable) -> None:
        reference_model, reference_optimizer, images, labels = self._setup()
        model, optimizer, _, _ = self._setup()
        loss_fn = nn.CrossEntropyLoss()
        for step in (1, 2):
            reference_optimizer.zero_grad()
            expected = loss_fn(reference_model(images), labels)
            expected.backward()
            reference_optimizer.step()
            found = _call(answer, model, images, labels, optimizer, loss_fn)
            if isinstance(found, torch.Tensor):
                raise WrongAnswer("devuelves un tensor: usa loss.item() para devolver un número de Python.")
            if torch.equal(model.weight, self._setup()[0].weight):
                raise WrongAnswer("los pesos no han cambiado: falta optimizer.step() (o backward()).")
            if not torch.allclose(model.weight, reference_model.weight, atol=1e-6):
                raise WrongAnswer(
                    f"tras el paso {step} los pesos no son los esperados: ¿olvidaste optimizer.zero_grad()? "
                    "Sin él, los gradientes de un paso se suman a los del siguiente."
                )
            if abs(float(found) - expected.item()) > 1e-5:
                raise WrongAnswer(f"devolviste {found}, pero la pérdida del paso {step} era {expected.item():.4f}.")


# --- Lección 06 -------------------------------------------------------------------------------------------


class ReplaceHead(Exercise):
    title = "Ejercicio 1 · la cabeza de otra red"
    variable = "mobilenet"
    hint = (
        "Imprime la red: en MobileNetV3 la cabeza es la última capa de model.classifier, classifier[3], una "
        "nn.Linear(1024, 1000). Sustitúyela por una de 1024 a 10."
    )
    solution = (
        "mobilenet = models.mobilenet_v3_small(weights=None)\n"
        "mobilenet.classifier[3] = nn.Linear(mobilenet.classifier[3].in_features, 10)"
    )

    def verify(self, answer: nn.Module) -> None:
        from torchvision.models import MobileNetV3

        if not isinstance(answer, MobileNetV3):
            raise WrongAnswer(f"se esperaba una MobileNetV3 de torchvision, pero es {type(answer).__name__}.")
        if hasattr(answer, "fc"):
            raise WrongAnswer(
                "MobileNetV3 no tiene fc: le has añadido una capa que nunca se usa. Su cabeza es classifier[3]."
            )
        last = answer.classifier[-1]
        if not isinstance(last, nn.Linear):
            raise WrongAnswer(f"la última capa de classifier es {type(last).__name__}, no una nn.Linear.")
        if last.out_features != 10:
            raise WrongAnswer(f"la cabeza tiene {last.out_features} salidas; se esperaban 10 (las clases de CIFAR-10).")
        if last.in_features != 1024:
            raise WrongAnswer(f"la cabeza recibe {last.in_features} entradas, pero la capa anterior da 1024.")
        answer.eval()
        with torch.no_grad():
            output = answer(torch.rand(2, 3, 32, 32))
        if tuple(output.shape) != (2, 10):
            raise WrongAnswer(f"con un lote (2, 3, 32, 32) la salida es {tuple(output.shape)}, no (2, 10).")


class FrozenCount(Exercise):
    title = "Ejercicio 2 · parámetros entrenables tras congelar"
    variable = "entrenables"
    hint = "Solo queda entrenable la cabeza nueva, nn.Linear(512, 5): pesos y sesgos."
    solution = "entrenables = 512 * 5 + 5  # = 2565"

    def verify(self, answer: int) -> None:
        if not isinstance(answer, int):
            raise WrongAnswer(f"se esperaba un número entero, pero es de tipo {type(answer).__name__}.")
        if answer == 512 * 5:
            raise WrongAnswer("has contado los pesos de la cabeza, pero faltan sus 5 sesgos.")
        if answer > 11_000_000:
            raise WrongAnswer(
                f"{answer} son (casi) todos los parámetros de ResNet18: tras congelar, solo cuenta la cabeza."
            )
        if answer != 512 * 5 + 5:
            raise WrongAnswer(f"tu respuesta es {answer}, pero la cabeza de 512 a 5 tiene {512 * 5 + 5} parámetros.")


class FreezeBackbone(Exercise):
    title = "Ejercicio 3 · congelar el tronco"
    variable = "congelar_tronco"
    hint = "model.requires_grad_(False) congela todo; después, model.fc.requires_grad_(True) reactiva la cabeza."
    solution = (
        "def congelar_tronco(modelo):\n"
        "    modelo.requires_grad_(False)\n"
        "    modelo.fc.requires_grad_(True)\n"
        "    return modelo"
    )

    def verify(self, answer: Callable) -> None:
        from torchvision.models import resnet18

        model = resnet18(weights=None, num_classes=7)
        result = _call(answer, model)
        if result is not model:
            raise WrongAnswer("devuelve el mismo modelo que recibes (después de congelarlo), no uno nuevo.")
        trainable = {name for name, p in model.named_parameters() if p.requires_grad}
        if not trainable:
            raise WrongAnswer("has congelado también la cabeza: ningún parámetro queda entrenable.")
        if trainable != {"fc.weight", "fc.bias"}:
            others = sorted(trainable - {"fc.weight", "fc.bias"})
            raise WrongAnswer(f"siguen entrenables {len(others)} tensores del tronco, por ejemplo {others[:2]}.")


# --- Lección 04 -------------------------------------------------------------------------------------------


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
        if isinstance(answer, torch.Tensor):
            raise WrongAnswer("es un tensor: se esperaba su forma, una tupla de enteros como (8, 3, 32, 32).")
        if not isinstance(answer, tuple | list) or not all(isinstance(n, int) for n in answer):
            raise WrongAnswer(f"se esperaba una tupla de enteros, como (8, 3, 32, 32), pero es {answer!r}.")
        answer = tuple(answer)
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
    solution = "parametros_conv = 128 * 64 * 3 * 3 + 128  # pesos + sesgos = 73856"
    expected = 128 * 64 * 3 * 3 + 128

    def verify(self, answer: int) -> None:
        answer = _number(answer, "un número entero", integer=True)
        if answer == 128 * 64 * 3 * 3:
            raise WrongAnswer(
                f"{answer} cuenta solo los pesos: faltan los 128 sesgos, uno por filtro (canal de salida)."
            )
        if answer in (128 * 3 * 3 + 128, 128 * 3 * 3):
            raise WrongAnswer(
                f"{answer} no cuenta los canales de entrada: cada filtro mira los 64 canales a la vez, así que tiene "
                "64·3·3 pesos, no 3·3."
            )
        if answer in (64 * 128 + 128, 64 * 128):
            raise WrongAnswer(
                f"{answer} es la cuenta de una nn.Linear(64, 128): en una convolución, cada par (canal de entrada, "
                "canal de salida) tiene un núcleo de 3·3 = 9 pesos."
            )
        if answer == 128 * 64 * 3 * 3 + 64:
            raise WrongAnswer(
                f"{answer} no es: hay un sesgo por cada canal de salida (128), no por cada canal de entrada."
            )
        if answer != self.expected:
            raise WrongAnswer(f"tu respuesta es {answer}, pero la capa tiene {self.expected} parámetros.")


class WriteResidualBlock(Exercise):
    title = "Ejercicio 3 · un bloque residual que conserva la forma"
    variable = "MiBloque"
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
            return _call(block, x)
        except RuntimeError as error:
            if "must match the size" not in str(error):
                raise
            raise WrongAnswer(
                f"x y f(x) no tienen la misma forma, así que no se pueden sumar ({error}). Usa padding=1 y stride 1 "
                "en las convoluciones 3×3, y los mismos canales de entrada y de salida, para que f(x) conserve la "
                "forma de x."
            ) from error

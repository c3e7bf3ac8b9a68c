"""Ejercicios de la lección 03 · Cómo aprende una red."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch

from course_utils.exercises.framework import Exercise, WrongAnswer, _close, _format, _learner_code, _number
from course_utils.formatting import format_number


def exercise_gradient_data() -> tuple[torch.Tensor, torch.Tensor, float, float]:
    """Los puntos (x, y), el peso w y el sesgo b del ejercicio del gradiente a mano."""
    return torch.tensor([1.0, 2.0, -1.0, 3.0]), torch.tensor([-1.0, 0.0, -1.0, 5.0]), 2.0, -1.0


class GradientByHand(Exercise):
    title = "Ejercicio 1 · el gradiente respecto a b, a mano"
    variable = "gradiente_b"
    hint = (
        "Deriva como en la sección 1, con la regla de la cadena: la derivada de (w·x_i + b − y_i)² respecto a b es "
        "2·(w·x_i + b − y_i) por la derivada de lo de dentro, w·x_i + b − y_i, respecto a b. ¿Cuánto vale esa "
        "derivada, si w, x_i e y_i no cambian al mover b? Después, haz la media sobre los cuatro puntos."
    )
    solution = (
        "errores = w_ej * x_ej + b_ej - y_ej  # 2, 3, −2 y 0\n"
        "# la derivada de w·x_i + b − y_i respecto a b es 1: dL/db = (2/n)·Σ (w·x_i + b − y_i)\n"
        "gradiente_b = (2 * errores).mean().item()  # (4 + 6 − 4 + 0) / 4 = 1,5"
    )

    @staticmethod
    def expected() -> float:
        """dL/db con estos datos, calculada por autograd (no con la fórmula que tiene que deducir el alumno)."""
        x, y, w, b = exercise_gradient_data()
        bias = torch.tensor(b, requires_grad=True)
        ((w * x + bias - y) ** 2).mean().backward()
        return bias.grad.item()

    @staticmethod
    def _wrong_values() -> dict[str, float]:
        """Lo que dan las fórmulas equivocadas más frecuentes."""
        x, y, w, b = exercise_gradient_data()
        errors = w * x + b - y
        return {
            "dL/dw": (2 * errors * x).mean().item(),
            "suma": (2 * errors).sum().item(),
            "sin 2": errors.mean().item(),
            "signo": (2 * (y - w * x - b)).mean().item(),
            "sin b": (2 * (w * x - y)).mean().item(),
            "pérdida": (errors**2).mean().item(),
        }

    def verify(self, answer: float) -> None:
        answer = _number(answer)
        expected, shown = self.expected(), _format(answer)
        if _close(answer, expected, 1e-3):
            return
        wrong = self._wrong_values()
        if _close(answer, wrong["dL/dw"], 1e-3):
            raise WrongAnswer(
                f"{shown} es dL/dw, la pendiente respecto al peso w, y se pide la pendiente respecto a b. En la regla "
                "de la cadena cambia la derivada de lo de dentro: ¿cuánto vale la de w·x_i + b − y_i respecto a b?"
            )
        if _close(answer, wrong["suma"], 1e-3):
            raise WrongAnswer(
                f"{shown} es la suma de los cuatro términos: la pérdida es una media, así que su derivada también. "
                "Divide entre n = 4."
            )
        if _close(answer, wrong["sin 2"], 1e-3):
            raise WrongAnswer(
                f"a {shown} le falta el 2 que baja del cuadrado: la derivada de (w·x + b − y)² empieza por "
                "2·(w·x + b − y)."
            )
        if _close(answer, wrong["signo"], 1e-3):
            raise WrongAnswer(
                f"{shown} tiene el signo cambiado. Si escribes el error como (y − w·x − b), la derivada de lo de "
                "dentro respecto a b es −1, y ese signo menos no se puede perder."
            )
        if _close(answer, wrong["sin b"], 1e-3):
            raise WrongAnswer(
                f"en {shown} falta b: el modelo es w·x + b, con b_ej = {format_number(exercise_gradient_data()[3])}, "
                "así que cada error es w·x_i + b − y_i."
            )
        if _close(answer, wrong["pérdida"], 1e-3):
            raise WrongAnswer(f"{shown} es la pérdida L en ese punto, no su pendiente respecto a b.")
        raise WrongAnswer(f"tu respuesta es {shown}, pero dL/db vale {_format(expected)} con estos datos.")


ACCUMULATION_CODE = (
    "w = torch.tensor(1.0, requires_grad=True)\n"
    "for _ in range(3):\n"
    "    perdida = (2 * w - 5) ** 2\n"
    "    perdida.backward()"
)


class AccumulatedGradient(Exercise):
    title = "Ejercicio 2 · gradientes que se acumulan"
    variable = "grad_acumulado"
    hint = (
        "Primero, un solo backward: la derivada de (2w − 5)² es 2·(2w − 5)·2, en w = 1. Después, recuerda qué hace "
        "backward con lo que ya había en w.grad, y cuántas veces se llama."
    )
    solution = "grad_acumulado = 3 * (2 * (2 * 1.0 - 5) * 2)  # tres backward de −12 cada uno, sumados: −36"

    @staticmethod
    def expected() -> float:
        """Lo que deja de verdad en w.grad el código del ejercicio (se ejecuta, no se copia el número)."""
        namespace = {"torch": torch}
        exec(ACCUMULATION_CODE, namespace)
        return namespace["w"].grad.item()

    def verify(self, answer: float) -> None:
        answer = _number(answer)
        expected, shown = self.expected(), _format(answer)
        if _close(answer, expected, 1e-6):
            return
        single = expected / 3
        if _close(answer, single, 1e-6):
            raise WrongAnswer(
                f"{shown} es el gradiente de un solo backward. backward no sustituye lo que hay en w.grad, sino que "
                "le suma el gradiente nuevo, y el bucle lo llama tres veces sin borrarlo."
            )
        if _close(answer, -expected, 1e-6) or _close(answer, -single, 1e-6):
            raise WrongAnswer(
                f"{shown} tiene el signo cambiado: en w = 1, 2w − 5 vale −3, así que la pérdida baja si w crece y "
                "su pendiente es negativa."
            )
        if _close(answer, expected / 2, 1e-6) or _close(answer, single / 2, 1e-6):
            raise WrongAnswer(
                f"a {shown} le falta el 2 de 2·w: por la regla de la cadena, la derivada de (2w − 5)² es 2·(2w − 5)·2."
            )
        if _close(answer, 9.0, 1e-6) or _close(answer, 27.0, 1e-6):
            raise WrongAnswer(f"{shown} sale de la pérdida, (2·1 − 5)² = 9, y se pide el gradiente, w.grad.")
        raise WrongAnswer(f"tu respuesta es {shown}, pero el código deja w.grad = {_format(expected)}.")


class UpdateStep(Exercise):
    title = "Ejercicio 3 · el paso de descenso de gradiente"
    variable = "paso_descenso"
    skeleton = (
        "def paso_descenso(parametros, lr):\n"
        "    # parametros: una lista de tensores con requires_grad=True; backward() ya dejó su gradiente en .grad\n"
        "    ...  # ← tu código aquí: mueve cada tensor un paso en contra de su gradiente y después borra el gradiente"
    )
    hint = (
        "Recorre la lista con un for p in parametros. La actualización va dentro de with torch.no_grad(): y en el "
        "sitio, p -= lr * p.grad (p = p - lr * p.grad crearía otro tensor y dejaría el parámetro como estaba). "
        "Después, p.grad.zero_() pone su gradiente a cero."
    )
    solution = (
        "def paso_descenso(parametros, lr):\n"
        "    with torch.no_grad():\n"
        "        for p in parametros:\n"
        "            p -= lr * p.grad  # en contra del gradiente, en el sitio\n"
        "    for p in parametros:\n"
        "        p.grad.zero_()  # también vale p.grad = None, como optimizador.zero_grad()"
    )
    rates = (0.1, 0.5)  # con dos tasas distintas: una respuesta que use un número fijo no pasa

    @staticmethod
    def _parameters() -> list[torch.Tensor]:
        """w (3 números) y b, con el gradiente de un error cuadrático medio ya calculado por backward()."""
        generator = torch.Generator().manual_seed(7)
        w = torch.rand(3, generator=generator).requires_grad_()
        b = torch.tensor(0.5, requires_grad=True)
        x, y = torch.rand(8, 3, generator=generator), torch.rand(8, generator=generator)
        ((x @ w + b - y) ** 2).mean().backward()
        return [w, b]

    def verify(self, answer: Callable) -> None:
        if not callable(answer):
            raise WrongAnswer(f"se esperaba una función, pero `{answer!r}` es de tipo {type(answer).__name__}.")
        for lr in self.rates:
            self._check_step(answer, lr)

    def _check_step(self, answer: Callable, lr: float) -> None:
        parameters = self._parameters()
        before = [p.detach().clone() for p in parameters]
        gradients = [p.grad.clone() for p in parameters]
        try:
            with _learner_code():
                answer(parameters, lr)
        except RuntimeError as error:
            if "leaf Variable that requires grad" not in str(error):
                raise
            raise WrongAnswer(
                "tu función cambia un parámetro en el sitio fuera de `torch.no_grad()`, y PyTorch no lo permite con "
                "un tensor hoja que requiere gradiente (autograd tomaría la actualización como parte del cálculo). "
                "Haz la actualización dentro de `with torch.no_grad():`."
            ) from error
        self._check_values(parameters, before, gradients, lr)
        if not all(p.is_leaf and p.requires_grad for p in parameters):
            raise WrongAnswer(
                "tras tu paso, los parámetros ya no son tensores hoja con requires_grad=True, y el siguiente "
                "backward no les daría gradiente. Cámbialos en el sitio dentro de `torch.no_grad()`, sin "
                "`requires_grad_(False)` ni `detach_()`."
            )
        left = [p.grad for p in parameters if p.grad is not None and bool(p.grad.ne(0).any())]
        if left:
            raise WrongAnswer(
                "los parámetros se mueven bien, pero sus gradientes siguen ahí: el siguiente backward les sumaría el "
                "nuevo. Bórralos al final con `p.grad.zero_()` (o `p.grad = None`)."
            )

    @staticmethod
    def _check_values(
        parameters: list[torch.Tensor], before: list[torch.Tensor], gradients: list[torch.Tensor], lr: float
    ) -> None:
        """Cada parámetro debe valer lo de antes menos lr por su gradiente."""
        after = [p.detach() for p in parameters]
        names = ("w", "b")

        def moved(step: float) -> bool:
            return all(
                torch.allclose(a, old - step * g, atol=1e-6) for a, old, g in zip(after, before, gradients, strict=True)
            )

        if moved(lr):
            return
        shown = format_number(lr, 1)
        if all(torch.equal(a, old) for a, old in zip(after, before, strict=True)):
            raise WrongAnswer(
                "los parámetros no han cambiado. `p = p - lr * p.grad` no sirve: crea un tensor nuevo con otro nombre "
                "y deja el parámetro como estaba; usa `p -= lr * p.grad`, que lo cambia en el sitio. (Y el gradiente "
                "hay que usarlo antes de borrarlo.)"
            )
        if moved(-lr):
            raise WrongAnswer(
                "has sumado el gradiente en vez de restarlo: así el paso va cuesta arriba y la pérdida crece. El "
                "gradiente apunta hacia donde la pérdida sube; el descenso va en contra: `p -= lr * p.grad`."
            )
        if moved(1.0):
            raise WrongAnswer(
                f"cada parámetro se ha movido su gradiente entero: falta multiplicarlo por la tasa de aprendizaje, "
                f"lr (aquí, {shown})."
            )
        for other in UpdateStep.rates:
            if other != lr and moved(other):
                raise WrongAnswer(
                    f"con lr = {shown}, tu paso es el de lr = {format_number(other, 1)}: usa el argumento `lr` de la "
                    "función, no un número fijo."
                )
        for name, a, old in zip(names, after, before, strict=True):
            if torch.equal(a, old):
                raise WrongAnswer(
                    f"el parámetro {name} no ha cambiado: el bucle debe actualizar todos los tensores de `parametros`."
                )
        raise WrongAnswer(
            f"con lr = {shown}, los parámetros no valen lo que deberían tras el paso, p − lr·p.grad. ¿Usas el "
            "gradiente de cada parámetro, `p.grad`, y la tasa `lr`, una sola vez?"
        )


def exercise_line_points() -> tuple[torch.Tensor, torch.Tensor]:
    """Los 12 puntos (x, y) con ruido del ejercicio de la tasa que diverge: otra recta, con x de 1 a 4."""
    x = torch.linspace(1, 4, 12)
    noise = torch.rand(12, generator=torch.Generator().manual_seed(4)) - 0.5
    return x, 0.8 * x - 1 + 0.5 * noise


def exercise_learning_rates() -> list[float]:
    """Las tasas de aprendizaje entre las que se elige, de menor a mayor."""
    return [0.01, 0.03, 0.1, 0.15, 0.3, 0.5]


DIVERGENCE_STEPS = 30


def line_losses(x: torch.Tensor, y: torch.Tensor, lr: float, steps: int = DIVERGENCE_STEPS) -> list[float]:
    """La pérdida de cada paso del descenso de gradiente de la lección para la recta y = w·x + b (en float64)."""
    x, y = x.double(), y.double()
    w = torch.zeros((), dtype=torch.float64, requires_grad=True)
    b = torch.zeros((), dtype=torch.float64, requires_grad=True)
    losses = []
    for _ in range(steps):
        loss = ((w * x + b - y) ** 2).mean()
        losses.append(loss.item())
        loss.backward()
        with torch.no_grad():
            w -= lr * w.grad
            b -= lr * b.grad
        w.grad.zero_()
        b.grad.zero_()
    return losses


def diverges(losses: list[float]) -> bool:
    """¿La pérdida del último paso es mayor que la del primero (o ya no es un número finito)?"""
    return not (math.isfinite(losses[-1]) and losses[-1] <= losses[0])


class DivergingLearningRate(Exercise):
    title = "Ejercicio 4 · la menor tasa de aprendizaje que diverge"
    variable = "lr_diverge"
    hint = (
        "Recorre tasas_ej de menor a mayor; con cada una, llama a descenso(x_recta_ej, y_recta_ej, lr, pasos=30) y "
        "compara la pérdida del último paso con la del primero. La primera tasa con la que no baja es la respuesta."
    )
    solution = (
        "lr_diverge = None\n"
        "for lr in tasas_ej:  # de menor a mayor\n"
        "    _, _, perdidas = descenso(x_recta_ej, y_recta_ej, lr, pasos=30)\n"
        "    if not perdidas[-1] < perdidas[0]:  # mayor, inf o nan: diverge\n"
        "        lr_diverge = lr\n"
        "        break"
    )

    @staticmethod
    def losses(lr: float) -> list[float]:
        return line_losses(*exercise_line_points(), lr)

    @classmethod
    def expected(cls) -> float:
        """La menor tasa de la lista que diverge, calculada ejecutando el descenso con cada una."""
        return next(lr for lr in exercise_learning_rates() if diverges(cls.losses(lr)))

    def verify(self, answer: Any) -> None:
        if isinstance(answer, list | tuple | set):
            raise WrongAnswer(
                "has guardado varias tasas: se esperaba una sola, la menor de la lista con la que la pérdida diverge."
            )
        answer = _number(answer, "un número, una tasa de aprendizaje")
        rates = exercise_learning_rates()
        chosen = next((lr for lr in rates if _close(answer, lr, 1e-6 * lr)), None)
        if chosen is None:
            listed = " · ".join(format_number(lr, 2) for lr in rates)
            raise WrongAnswer(f"{_format(answer)} no está en la lista `tasas_ej` ({listed}): elige una de sus tasas.")
        losses = self.losses(chosen)
        if not diverges(losses):
            raise WrongAnswer(
                f"con lr = {format_number(chosen, 2)} la pérdida baja de {format_number(losses[0], 3)} a "
                f"{format_number(losses[-1], 3)} en {DIVERGENCE_STEPS} pasos: el descenso converge, no diverge."
            )
        expected = self.expected()
        if chosen != expected:
            raise WrongAnswer(
                f"con lr = {format_number(chosen, 2)} la pérdida sí diverge, pero no es la menor tasa de la lista "
                "con la que diverge."
            )

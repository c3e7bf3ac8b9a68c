"""Ejercicios de la lección 04 · Entrenar una MLP con CIFAR-10."""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import nn

from course_utils.exercises.framework import Exercise, WrongAnswer, _call, _close, _format, _number, _scalar
from course_utils.formatting import format_number, format_percent


def exercise_predictions() -> tuple[torch.Tensor, torch.Tensor]:
    """Logits (12, 10) y etiquetas (12,) fijos del ejercicio de exactitud."""
    generator = torch.Generator().manual_seed(3)
    return torch.randn(12, 10, generator=generator), torch.randint(0, 10, (12,), generator=generator)


class Accuracy(Exercise):
    title = "Ejercicio 1 · la exactitud de un lote"
    variable = "exactitud_lote"
    hint = "Compara argmax(dim=1) de los logits con las etiquetas, cuenta los aciertos y divide entre el total."
    solution = "exactitud_lote = (logits_ej.argmax(dim=1) == etiquetas_ej).float().mean().item()"

    def verify(self, answer: float) -> None:
        logits, labels = exercise_predictions()
        expected = (logits.argmax(1) == labels).float().mean().item()
        answer = _number(answer, "un número entre 0 y 1")
        if expected > 0 and _close(answer, 100 * expected, 1e-4):
            raise WrongAnswer(
                f"{_format(answer)} es un porcentaje: se esperaba la fracción, {_format(expected)} (un "
                f"{format_percent(expected)} de aciertos)."
            )
        hits = (logits.argmax(1) == labels).sum().item()
        if answer == hits and hits != expected:
            raise WrongAnswer(f"{_format(answer)} es el número de aciertos: divídelo entre las {len(labels)} imágenes.")
        if not _close(answer, expected, 1e-6):
            raise WrongAnswer(
                f"tu exactitud es {format_number(answer, 4)}, pero la del lote es {format_number(expected, 4)}."
            )


class InitialLoss(Exercise):
    title = "Ejercicio 2 · la pérdida de una red que duda de todo"
    variable = "perdida_inicial"
    hint = "Si las 10 clases tienen la misma probabilidad, 1/10, la entropía cruzada es −log(1/10) (logaritmo natural)."
    solution = "import math\n\nperdida_inicial = math.log(10)  # ≈ 2,3026"

    def verify(self, answer: float) -> None:
        answer = _number(answer)
        expected = format_number(math.log(10), 4)
        if _close(answer, 1.0, 1e-6):
            raise WrongAnswer(
                f"1 sería el logaritmo en base 10; la entropía cruzada usa el logaritmo natural: ln(10) ≈ {expected}."
            )
        if _close(answer, math.log2(10), 1e-3):
            raise WrongAnswer(
                f"{_format(answer)} es el logaritmo en base 2; la entropía cruzada usa el logaritmo natural: "
                f"ln(10) ≈ {expected}."
            )
        if _close(answer, 0.1, 1e-6):
            raise WrongAnswer("0,1 es la probabilidad de cada clase, no la pérdida: la pérdida es −log(1/10).")
        if _close(answer, -math.log(10), 1e-3):
            raise WrongAnswer(
                f"{_format(answer)} es log(1/10): la pérdida es −log(1/10), positiva. Te falta el signo menos."
            )
        if not _close(answer, math.log(10), 1e-3):
            raise WrongAnswer(f"tu respuesta es {_format(answer)}, pero −log(1/10) ≈ {expected}.")


class TrainingStep(Exercise):
    title = "Ejercicio 3 · un paso de entrenamiento"
    variable = "paso_entrenamiento"
    skeleton = (
        "def paso_entrenamiento(modelo, imagenes, etiquetas, optimizador, funcion_perdida):\n"
        "    ...  # ← 1. borra los gradientes del paso anterior\n"
        "    perdida = ...  # ← 2. forward (pasa las imágenes por el modelo) y 3. la pérdida con las etiquetas\n"
        "    ...  # ← 4. backward: calcula los gradientes\n"
        "    ...  # ← 5. actualiza los pesos\n"
        "    return perdida.item()"
    )
    hint = (
        "Son cinco líneas, en este orden: optimizador.zero_grad(), el forward (modelo(imagenes)), la pérdida "
        "(funcion_perdida(salida, etiquetas)), perdida.backward() y optimizador.step(). Devuelve perdida.item()."
    )
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
        model = nn.utils.skip_init(nn.Linear, 6, 3)  # los pesos se copian abajo
        with torch.no_grad():
            model.weight.copy_(torch.randn(3, 6, generator=generator))
            model.bias.zero_()
        images, labels = torch.randn(8, 6, generator=generator), torch.randint(0, 3, (8,), generator=generator)
        return model, torch.optim.SGD(model.parameters(), lr=0.5), images, labels

    @staticmethod
    def _step_from(
        state: dict[str, torch.Tensor], images: torch.Tensor, labels: torch.Tensor, outputs: Callable
    ) -> nn.Module:
        """Un paso de entrenamiento desde los pesos ``state``, pasando la salida del modelo por ``outputs``."""
        model = nn.utils.skip_init(nn.Linear, 6, 3)  # sin inicializar: no toca el generador aleatorio del alumno
        model.load_state_dict(state)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
        nn.CrossEntropyLoss()(outputs(model(images)), labels).backward()
        optimizer.step()
        return model

    def verify(self, answer: Callable) -> None:
        reference_model, reference_optimizer, images, labels = self._setup()
        model, optimizer, _, _ = self._setup()
        loss_fn = nn.CrossEntropyLoss()
        for step in (1, 2):
            before = model.weight.detach().clone()
            state = {name: value.detach().clone() for name, value in model.state_dict().items()}
            reference_optimizer.zero_grad()
            expected = loss_fn(reference_model(images), labels)
            expected.backward()
            reference_optimizer.step()
            found = _call(answer, model, images, labels, optimizer, loss_fn, returns="perdida.item()")
            if isinstance(found, torch.Tensor) and (found.requires_grad or found.dim() != 0):
                raise WrongAnswer(
                    "devuelves un tensor: usa perdida.item() para devolver un número de Python (así tampoco "
                    "guardas el grafo de cálculo)."
                )
            if torch.equal(model.weight, before):
                if model.weight.grad is None:
                    raise WrongAnswer(
                        "los pesos no han cambiado y no hay gradientes: falta perdida.backward() (o llamas a "
                        "optimizador.zero_grad() después de backward, que los borra antes de usarlos)."
                    )
                raise WrongAnswer(
                    "los pesos no han cambiado: falta optimizador.step() (o lo llamas antes de backward)."
                )
            if not torch.allclose(model.weight, reference_model.weight, atol=1e-6):
                softmax_step = self._step_from(state, images, labels, lambda output: torch.softmax(output, dim=1))
                if torch.allclose(model.weight, softmax_step.weight, atol=1e-6):
                    raise WrongAnswer(
                        f"tras el paso {step} los pesos no son los esperados: aplicas softmax a la salida del modelo "
                        "antes de `funcion_perdida`. nn.CrossEntropyLoss ya aplica softmax por dentro y espera los "
                        "logits tal cual: pásale `modelo(imagenes)` directamente. Con dos softmax seguidos, la "
                        "pérdida apenas cambia y la red casi no aprende."
                    )
                raise WrongAnswer(
                    f"tras el paso {step} los pesos no son los esperados: ¿olvidaste optimizador.zero_grad()? "
                    "Sin él, los gradientes de un paso se suman a los del siguiente."
                )
            returned = f"en el paso {step}, tu función devolvió {_scalar(found)}"
            value = _number(found, "un número, la pérdida del lote", context=returned)
            if not _close(value, expected.item(), 1e-5):
                raise WrongAnswer(
                    f"devolviste {_format(value)}, pero la pérdida del paso {step} era "
                    f"{format_number(expected.item(), 4)}."
                )

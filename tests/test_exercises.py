"""Cada ejercicio acepta su solución de referencia, rechaza errores típicos con un mensaje concreto y
reconoce una respuesta en blanco."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn
from torchvision import models

from course_utils import exercises as ex
from course_utils.data import CLASSES_EN, CLASSES_ES

ALL = [
    ex.FlatPosition,
    ex.UnflatPosition,
    ex.FlattenBatch,
    ex.BuildMLP,
    ex.LogitsToNames,
    ex.ParameterCount,
    ex.FixForward,
    ex.Accuracy,
    ex.InitialLoss,
    ex.TrainingStep,
    ex.ReplaceHead,
    ex.FrozenCount,
    ex.FreezeBackbone,
    ex.ConvOutputShape,
    ex.ConvParameterCount,
    ex.WriteResidualBlock,
]


def _solve(exercise: ex.Exercise):
    """Ejecuta la solución de referencia como lo haría el alumno y devuelve su variable."""
    namespace = {
        "torch": torch,
        "nn": nn,
        "CLASSES_ES": CLASSES_ES,
        "lote_ejercicio": ex.exercise_batch(),
        "logits_ejercicio": ex.exercise_logits(),
        "logits_ej": ex.exercise_predictions()[0],
        "etiquetas_ej": ex.exercise_predictions()[1],
        "math": math,
        "models": models,
    }
    exec(exercise.solution, namespace)
    return namespace[exercise.variable]


@pytest.mark.parametrize("kind", ALL, ids=lambda k: k.__name__)
def test_reference_solution_is_accepted(kind):
    feedback = kind().evaluate(_solve(kind()))
    assert feedback.correct, feedback.message
    assert str(feedback).startswith("✅") and "¡Correcto!" in feedback._repr_html_()


@pytest.mark.parametrize("kind", ALL, ids=lambda k: k.__name__)
def test_blank_answer_is_friendly(kind):
    for blank in (None, ...):
        feedback = kind().evaluate(blank)
        assert feedback.status == "sin intentar"
        assert "todavía no has respondido" in feedback.message and kind.variable in feedback.message
        assert "Traceback" not in str(feedback)


@pytest.mark.parametrize("kind", ALL, ids=lambda k: k.__name__)
def test_hint_and_solution_are_displayed(kind, capsys):
    exercise = kind()
    exercise.pista()
    exercise.solucion()
    out = capsys.readouterr().out
    assert "💡" in out and exercise.hint in out and exercise.solution in out


class _SingleImage(nn.Module):
    """La versión frágil de la lección: aplana desde 0 y añade el lote con unsqueeze_."""

    def __init__(self):
        super().__init__()
        self.lineal = nn.Linear(3072, 10)

    def forward(self, x):
        return self.lineal(torch.flatten(x, start_dim=0).unsqueeze_(0))


class _InPlace(nn.Module):
    def __init__(self):
        super().__init__()
        self.lineal = nn.Linear(3072, 10)

    def forward(self, x):
        x.mul_(1.0)
        x.unsqueeze_(0)
        return self.lineal(x.squeeze(0).flatten(1))


def _step_without_zero_grad(model, images, labels, optimizer, loss_fn):
    loss = loss_fn(model(images), labels)
    loss.backward()
    optimizer.step()
    return loss.item()


def _step_without_step(model, images, labels, optimizer, loss_fn):
    optimizer.zero_grad()
    loss = loss_fn(model(images), labels)
    loss.backward()
    return loss.item()


def _step_returning_tensor(model, images, labels, optimizer, loss_fn):
    optimizer.zero_grad()
    loss = loss_fn(model(images), labels)
    loss.backward()
    optimizer.step()
    return loss


def _mobilenet_with_fc():
    model = models.mobilenet_v3_small(weights=None)
    model.fc = nn.Linear(1024, 10)
    return model


def _mobilenet_head(size_in, size_out):
    model = models.mobilenet_v3_small(weights=None)
    model.classifier[3] = nn.Linear(size_in, size_out)
    return model


def _freeze_all(model):
    model.requires_grad_(False)
    return model


def _freeze_nothing(model):
    return model


def _mlp(*layers):
    return nn.Sequential(nn.Flatten(), *layers)


class _Block(nn.Module):
    """Base de los bloques residuales equivocados: dos convoluciones 3×3 con BatchNorm, con o sin relleno."""

    def __init__(self, canales, padding=1):
        super().__init__()
        self.conv1 = nn.Conv2d(canales, canales, 3, padding=padding, bias=False)
        self.bn1 = nn.BatchNorm2d(canales)
        self.conv2 = nn.Conv2d(canales, canales, 3, padding=padding, bias=False)
        self.bn2 = nn.BatchNorm2d(canales)

    def f(self, x):
        return self.bn2(self.conv2(torch.relu(self.bn1(self.conv1(x)))))


class _NoShortcut(_Block):
    def forward(self, x):
        return torch.relu(self.f(x))


class _NoPadding(_Block):
    def __init__(self, canales):
        super().__init__(canales, padding=0)

    def forward(self, x):
        return torch.relu(x + self.f(x))


class _NoPaddingNoShortcut(_NoPadding):
    def forward(self, x):
        return torch.relu(self.f(x))


class _ReluBeforeSum(_Block):
    def forward(self, x):
        return x + torch.relu(self.f(x))


class _ReturnsInput(_Block):
    def forward(self, x):
        return x


class _NoParameters(nn.Module):
    def __init__(self, canales):
        super().__init__()

    def forward(self, x):
        return torch.relu(x + torch.tanh(x))


class _Skeleton(nn.Module):
    """La celda del cuaderno tal como la recibe el alumno."""

    def __init__(self, canales):
        super().__init__()
        ...

    def forward(self, x):
        ...


WRONG = [
    (
        ex.FlatPosition,
        lambda c, h, w: c * 32 + h * 1024 + w,
        "posicion_plana(0, 3, 0) devolvió 3072, pero se esperaba 96",
    ),
    (ex.FlatPosition, lambda c, h, w: c * 1024 + h * 32, "posicion_plana(0, 0, 5) devolvió 0"),
    (ex.FlatPosition, 3072, "se esperaba una función"),
    (ex.UnflatPosition, lambda i: (i // 1024, i // 32, i % 32), "de_vuelta(1024) devolvió (1, 32, 0)"),
    (ex.UnflatPosition, lambda i: (i % 3, i // 3, 0), "de_vuelta(31) devolvió"),
    (ex.FlattenBatch, ex.exercise_batch().flatten(), "has aplanado también el eje del lote (start_dim=0)"),
    (ex.FlattenBatch, ex.exercise_batch().flatten(2), "la forma es (8, 3, 1024), pero se esperaba (8, 3072)"),
    (ex.FlattenBatch, [1, 2, 3], "se esperaba un tensor"),
    (
        ex.BuildMLP,
        _mlp(nn.Linear(3072, 256), nn.Linear(256, 128), nn.Linear(128, 10)),
        "hay 0 ReLU, pero se esperaban 2",
    ),
    (
        ex.BuildMLP,
        _mlp(nn.Linear(3072, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10)),
        "las capas lineales son 3072→512, 512→512, 512→10, pero se esperaban 3072→256, 256→128, 128→10",
    ),
    (
        ex.BuildMLP,
        nn.Sequential(nn.Linear(3072, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10)),
        "saltó un error: RuntimeError",
    ),
    (ex.BuildMLP, nn.Sequential, "has guardado la clase"),
    (
        ex.LogitsToNames,
        [CLASSES_ES[i] for i in ex.exercise_logits().argmax(0).tolist()],
        "parece que usaste argmax(dim=0)",
    ),
    (
        ex.LogitsToNames,
        [CLASSES_EN[i] for i in ex.exercise_logits().argmax(1).tolist()],
        "los nombres están en inglés",
    ),
    (ex.LogitsToNames, ex.exercise_logits().argmax(1), "es un tensor de índices"),
    (ex.ParameterCount, 512 * 256, "faltan los 256 sesgos"),
    (ex.ParameterCount, 512 * 256 + 512, "un sesgo por cada una de las 256 salidas"),
    (ex.ParameterCount, 768, "tu respuesta es 768, pero la capa tiene 131328 parámetros"),
    (ex.FixForward, _SingleImage, "¿Sigues aplanando desde la dimensión 0?"),
    (ex.FixForward, _InPlace, "forward modifica el tensor que recibe"),
    (ex.FixForward, _SingleImage(), "se esperaba la clase RedArreglada"),
    (ex.Accuracy, 25.0, "es un porcentaje: se esperaba la fracción, 0.2500"),
    (ex.Accuracy, 3, "3 es el número de aciertos"),
    (ex.Accuracy, torch.ones(12), "es un tensor de forma (12,)"),
    (ex.Accuracy, 0.5, "tu exactitud es 0.5000, pero la del lote es 0.2500"),
    (ex.InitialLoss, 1.0, "logaritmo natural"),
    (ex.InitialLoss, 0.1, "es la probabilidad de cada clase"),
    (ex.InitialLoss, 2.0, "tu respuesta es 2.0"),
    (ex.TrainingStep, _step_without_zero_grad, "¿olvidaste optimizer.zero_grad()?"),
    (ex.TrainingStep, _step_without_step, "falta optimizer.step()"),
    (ex.TrainingStep, _step_returning_tensor, "usa loss.item()"),
    (ex.ReplaceHead, _mobilenet_with_fc(), "MobileNetV3 no tiene fc"),
    (ex.ReplaceHead, _mobilenet_head(1024, 1000), "la cabeza tiene 1000 salidas"),
    (ex.ReplaceHead, _mobilenet_head(512, 10), "la cabeza recibe 512 entradas"),
    (ex.ReplaceHead, models.resnet18(weights=None, num_classes=10), "se esperaba una MobileNetV3"),
    (ex.FrozenCount, 2560, "faltan sus 5 sesgos"),
    (ex.FrozenCount, 11_179_077, "casi) todos los parámetros"),
    (ex.FrozenCount, 5130, "tu respuesta es 5130"),
    (ex.FreezeBackbone, _freeze_all, "has congelado también la cabeza"),
    (ex.FreezeBackbone, _freeze_nothing, "siguen entrenables"),
    (ex.ConvOutputShape, (16, 15, 15), "no tiene la dimensión del lote"),
    (ex.ConvOutputShape, (8, 16, 14, 14), "sale de olvidar el relleno"),
    (ex.ConvOutputShape, (8, 16, 30, 30), "con stride=2 el núcleo salta de 2 en 2"),
    (ex.ConvOutputShape, (8, 3, 15, 15), "los canales de salida los decide la capa"),
    (ex.ConvOutputShape, torch.zeros(8, 16, 15, 15), "es un tensor: se esperaba su forma"),
    (ex.ConvOutputShape, (8, 16, 16, 16), "tu forma es (8, 16, 16, 16)"),
    (ex.ConvParameterCount, 128 * 64 * 3 * 3, "faltan los 128 sesgos"),
    (ex.ConvParameterCount, 128 * 3 * 3 + 128, "no cuenta los canales de entrada"),
    (ex.ConvParameterCount, 64 * 128 + 128, "es la cuenta de una nn.Linear(64, 128)"),
    (ex.ConvParameterCount, 128 * 64 * 3 * 3 + 64, "no por cada canal de entrada"),
    (ex.ConvParameterCount, 1000, "tu respuesta es 1000, pero la capa tiene 73856 parámetros"),
    (ex.WriteResidualBlock, _NoShortcut, "falta el atajo"),
    (ex.WriteResidualBlock, _NoPadding, "x y f(x) no tienen la misma forma"),
    (ex.WriteResidualBlock, _NoPaddingNoShortcut, "el bloque debe conservar la forma"),
    (ex.WriteResidualBlock, _ReluBeforeSum, "la ReLU final va después de sumar"),
    (ex.WriteResidualBlock, _ReturnsInput, "devuelve x tal cual"),
    (ex.WriteResidualBlock, _NoParameters, "no tiene parámetros"),
    (ex.WriteResidualBlock, _NoShortcut(16), "se esperaba la clase MiBloque"),
]


@pytest.mark.parametrize(
    ("kind", "answer", "fragment"), WRONG, ids=[f"{k.__name__}-{i}" for i, (k, _, _) in enumerate(WRONG)]
)
def test_typical_wrong_answers_get_specific_messages(kind, answer, fragment):
    feedback = kind().evaluate(answer)
    assert feedback.status == "incorrecto"
    assert fragment in feedback.message, feedback.message
    assert str(feedback).startswith("❌")


def test_every_exercise_has_at_least_two_wrong_answers_tested():
    counts = {kind: sum(k is kind for k, _, _ in WRONG) for kind in ALL}
    assert min(counts.values()) >= 2, counts


def test_check_reads_the_notebook_variable(capsys):
    posicion_plana = None  # noqa: F841 - la comprobación la lee de los globales del llamador
    globals()["posicion_plana"] = lambda c, h, w: c * 1024 + h * 32 + w
    try:
        ex.FlatPosition().comprobar()
    finally:
        del globals()["posicion_plana"]
    assert "¡Correcto!" in capsys.readouterr().out
    ex.FlatPosition().comprobar()
    assert "todavía no has respondido" in capsys.readouterr().out


def test_residual_block_skeleton_counts_as_blank():
    """La celda del cuaderno sin completar (cuerpos con ...) no es un error, sino una respuesta en blanco."""
    feedback = ex.WriteResidualBlock().evaluate(_Skeleton)
    assert feedback.status == "sin intentar"
    assert "MiBloque" in feedback.message


def test_residual_block_check_leaves_the_random_state_alone():
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    ex.WriteResidualBlock().evaluate(_solve(ex.WriteResidualBlock()))
    assert torch.equal(torch.rand(3), expected)

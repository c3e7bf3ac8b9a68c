"""Cada comprobación de cada ejercicio, con una respuesta equivocada que solo ella rechaza.

Cada `raise` de los módulos de ejercicios (``lesson01`` … ``lesson07``) es una comprobación. Para cada una hay aquí
una respuesta que supera todas las anteriores y cae justo en esa: la prueba exige que el error salga de ese `raise`
y no de otro. Si una comprobación desapareciera, o dejara de mirar lo que debe, su respuesta pasaría por buena o la
rechazaría otra comprobación con otro mensaje, y la prueba fallaría. Otra prueba exige que ningún `raise` se quede
sin su respuesta.

El `raise` se señala con un trozo de su código (``check``), que debe aparecer en uno solo de los `raise` del
ejercicio o de las funciones sueltas de su módulo. Las pruebas funcionan también con ``make mutacion``: mutmut copia
cada función en variantes con otro nombre (``xǁClaseǁmétodo__mutmut_3``), y aquí se traducen al nombre original.

Lo que ve el alumno con cada una de esas respuestas (y con las de MORE_ANSWERS: las correctas, las de otro tipo, las
que rozan un error típico) está escrito en ``exercise_messages.json``, para leerlo y revisar su español de una vez:
la prueba falla si un mensaje cambia. Tras cambiar uno a propósito, vuelve a escribirlo con
``.venv/bin/python tests/test_exercise_checks.py`` y revisa la diferencia con ``git diff``.
"""

from __future__ import annotations

import ast
import functools
import inspect
import json
import math
import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import torch
from test_exercises import (
    ALL,
    SHAPES_32,
    SMALL_MLP,
    STAGE_SHAPES,
    _correct_step,
    _FixedWithoutReturn,
    _fraction,
    _freeze_only_the_head,
    _freeze_up_to_layer2,
    _freeze_with_attribute,
    _InPlace,
    _mlp,
    _MLPWithoutReturn,
    _mobilenet_head,
    _mobilenet_with_fc,
    _probability_bare_squeeze,
    _probability_batch_index,
    _probability_dim0,
    _probability_fixed_class,
    _probability_in_place,
    _probability_keeps_batch,
    _probability_log,
    _probability_logit,
    _SingleImage,
    _solve,
    _stem_without_padding,
    _stem_without_pool,
    _step_returning_tensor,
    _step_with_softmax,
    _step_without_backward,
    _step_without_step,
    _step_without_zero_grad,
    _unflat_hardcoded,
    _unflat_true_division,
    _update_after_zeroing,
    _update_and_freeze,
    _update_first_only,
    _update_fixed_rate,
    _update_outside_no_grad,
    _update_twice_the_step,
    _update_uphill,
    _update_without_lr,
    _zero_fraction_of,
    _zeros_as_percent,
    _zeros_counted,
    _zeros_fixed_names,
    _zeros_hooks_left,
    _zeros_in_train_mode,
    _zeros_nonzero_fraction,
    _zeros_of_the_input,
)
from torch import nn
from torchvision import models

from course_utils.data import CLASSES_EN, CLASSES_ES, CIFAR10Tensor
from course_utils.exercises import (
    AccumulatedGradient,
    Accuracy,
    BuildMLP,
    ClassProbability,
    ConvOutputShape,
    ConvParameterCount,
    DivergingLearningRate,
    FeatureMapSide,
    FixForward,
    FlatPosition,
    FlattenBatch,
    FreezeUpToLayer3,
    FrozenCount,
    GradientByHand,
    InitialLoss,
    LogitsToNames,
    MiddleStem,
    NotAttempted,
    ParameterCount,
    PredictDogClass,
    PredictStudyWinners,
    ReplaceHead,
    StageShapes,
    TrainingStep,
    UnflatPosition,
    UpdateStep,
    WrongAnswer,
    ZeroFraction,
    exercise_batch_64,
    exercise_logits,
    lesson01,
    lesson02,
    lesson03,
    lesson04,
    lesson05,
    lesson06,
    lesson07,
)

MODULES = (lesson01, lesson02, lesson03, lesson04, lesson05, lesson06, lesson07)

# --- Dónde está cada `raise` y de cuál salió un error ------------------------------------------------------

# Los nombres que da mutmut a las copias de una función: x_función__mutmut_3 o xǁClaseǁmétodo__mutmut_orig.
_MUTANT = re.compile(r"^x(?:ǁ\w+ǁ|_)(?P<function>\w+?)__mutmut_(?:orig|\d+)$")


@dataclass(frozen=True)
class _Function:
    name: str  # «Clase.método» o «función», como en el código original
    first_line: int  # la del primer decorador, si lo tiene: la que guarda co_firstlineno
    copy: bool  # una copia de mutmut (original o mutante), no la función tal cual se escribió
    raises: tuple[tuple[int, int, str], ...]  # (primera línea, última línea, código) de sus `raise`, en orden


def _own_raises(function: ast.AST) -> list[ast.Raise]:
    """Los `raise` de una función, sin los de las funciones, lambdas o clases que define dentro."""
    found, pending = [], list(ast.iter_child_nodes(function))
    while pending:
        node = pending.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef):
            continue
        if isinstance(node, ast.Raise):
            found.append(node)
        pending.extend(ast.iter_child_nodes(node))
    return sorted(found, key=lambda node: (node.lineno, node.col_offset))


@functools.cache
def _functions(filename: str) -> tuple[_Function, ...]:
    """Las funciones y métodos de un archivo de Python, con sus `raise`."""
    source = Path(filename).read_text(encoding="utf-8")
    lines = [line.encode() for line in source.splitlines(keepends=True)]  # las columnas de ast cuentan bytes
    result = []

    def code(node: ast.Raise) -> str:  # lo que da ast.get_source_segment, sin partir el archivo cada vez
        text = b"".join(lines[node.lineno - 1 : node.end_lineno])
        end = len(text) - len(lines[node.end_lineno - 1]) + node.end_col_offset
        return text[node.col_offset : end].decode()

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef):
                visit(child, f"{prefix}{child.name}.")
            elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                mutant = _MUTANT.match(child.name)
                name = prefix + (mutant["function"] if mutant else child.name)
                raises = tuple((node.lineno, node.end_lineno, code(node)) for node in _own_raises(child))
                first = min([child.lineno] + [decorator.lineno for decorator in child.decorator_list])
                result.append(_Function(name, first, mutant is not None, raises))
                visit(child, f"{name}.<locals>.")

    visit(ast.parse(source), "")
    return tuple(result)


def _path(filename: str) -> str:
    return os.path.realpath(filename)


def _site(kind: type, check: str) -> tuple[str, str, int]:
    """El `raise` del ejercicio ``kind`` (o de una función suelta de su módulo) cuyo código contiene ``check``."""
    filename = _path(inspect.getsourcefile(sys.modules[kind.__module__]))
    matches = [
        (filename, function.name, index)
        for function in _functions(filename)
        if not function.copy and (function.name.startswith(f"{kind.__name__}.") or "." not in function.name)
        for index, (_, _, code) in enumerate(function.raises)
        if check in code
    ]
    assert len(matches) == 1, f"«{check}» debe señalar un solo `raise` de {kind.__name__}, pero señala {matches}"
    return matches[0]


def _raised_at(error: BaseException) -> tuple[str, str, int] | str:
    """El `raise` del que salió ``error``: (archivo, función, cuál de sus `raise`), o dónde saltó si no fue en uno."""
    traceback = error.__traceback__
    while traceback.tb_next is not None:
        traceback = traceback.tb_next
    code, line = traceback.tb_frame.f_code, traceback.tb_lineno
    filename = _path(code.co_filename)
    for function in _functions(filename) if filename.endswith(".py") else ():
        if function.first_line == code.co_firstlineno:
            for index, (first, last, _) in enumerate(function.raises):
                if first <= line <= last:
                    return filename, function.name, index
    return f"{filename}:{line} ({code.co_qualname})"


def _describe(site: tuple[str, str, int] | str) -> str:
    if isinstance(site, str):
        return site
    filename, name, index = site
    function = next(f for f in _functions(filename) if f.name == name and not f.copy)
    return f"{Path(filename).stem} {name}, `raise` n.º {index + 1}: {function.raises[index][2].splitlines()[0]}"


# --- Respuestas que solo hacen falta aquí --------------------------------------------------------------------


def _flat_not_finite(c, h, w, forma):
    C, H, W = forma
    return (c * H * W + h * W + w) * math.inf  # inf: nunca una posición


def _flat_as_float(c, h, w, forma):
    C, H, W = forma
    return float(c * H * W + h * W + w)  # la posición correcta, pero como número decimal


def _flat_half_off(c, h, w, forma):
    C, H, W = forma
    return c * H * W + h * W + w + 0.5


def _flat_hardcoded(c, h, w, forma):
    return c * 1024 + h * 32 + w  # los números de 3×32×32 escritos a mano


def _flat_counting_from_one(c, h, w, forma):
    C, H, W = forma
    return c * H * W + h * W + w + 1  # cuenta las posiciones desde 1


def _unflat_counting_from_one(posicion, forma):
    C, H, W = forma
    c, resto = divmod(posicion, H * W)
    return c + 1, resto // W + 1, resto % W + 1


class _SmallMLP(nn.Module):
    """La red bien escrita del ejercicio 1 de la lección 02; las subclases cambian solo lo que devuelve forward."""

    def __init__(self):
        super().__init__()
        self.layers = nn.Sequential(*SMALL_MLP)

    def forward(self, x):
        return self.layers(x.flatten(1))


class _MLPReturningTuple(_SmallMLP):
    def forward(self, x):
        return (super().forward(x),)


class _MLPFlatOutput(_SmallMLP):
    def forward(self, x):
        return super().forward(x).flatten()  # los logits de las 4 imágenes, en un solo vector


class _MLPEndingInSoftmax(_SmallMLP):
    def forward(self, x):
        return torch.softmax(super().forward(x), dim=1)


class _MLPEndingInLogSoftmax(_SmallMLP):
    def forward(self, x):
        return torch.log_softmax(super().forward(x), dim=1)


def _MLPEndingIn(layer: nn.Module) -> nn.Module:  # noqa: N802 - se usa como el nombre de una clase
    return _mlp(*SMALL_MLP, layer)


class _Fixed(nn.Module):
    """La RedArreglada bien escrita; las subclases cambian solo lo que devuelve forward."""

    def __init__(self):
        super().__init__()
        self.lineal = nn.Linear(3072, 10)

    def forward(self, x):
        return self.lineal(torch.flatten(x, start_dim=1))


class _FixedReturningList(_Fixed):
    def forward(self, x):
        return super().forward(x).tolist()


class _FixedFlatOutput(_Fixed):
    def forward(self, x):
        return super().forward(x).flatten()


class _FixedWithSqueeze(_Fixed):
    def forward(self, x):
        return super().forward(x).squeeze()  # con una imagen, se lleva el eje del lote


def _probability_without_normalizing(salida, k):
    return torch.exp(salida[0, k])  # softmax sin dividir entre la suma


def _probability_sigmoid(salida, k):
    return torch.sigmoid(salida[0, k])


def _probability_row_for_class_0(salida, k):
    probabilidades = torch.softmax(salida, dim=1)
    return probabilidades[0] if k == 0 else probabilidades[0, k]  # bien, salvo con k = 0: la fila entera


def _probability_all_classes(salida, k):
    return torch.softmax(salida, dim=1)[0]


def _probability_whole_batch(salida, k):
    return torch.softmax(salida, dim=1)


def _probability_as_text(salida, k):
    return f"{torch.softmax(salida, dim=1)[0, k].item():.1%}"  # un texto como «12,3 %», no un número


def _names(classes=CLASSES_ES, dim=1):
    return [classes[i] for i in exercise_logits().argmax(dim).tolist()]


def _update_without_zeroing(parametros, lr):
    with torch.no_grad():
        for p in parametros:
            p -= lr * p.grad  # bien, pero los gradientes se quedan


def _step_returning_the_loss_after_the_update(modelo, imagenes, etiquetas, optimizador, funcion_perdida):
    optimizador.zero_grad()
    perdida = funcion_perdida(modelo(imagenes), etiquetas)
    perdida.backward()
    optimizador.step()
    return funcion_perdida(modelo(imagenes), etiquetas).item()  # la pérdida con los pesos ya actualizados


def _zeros_as_list(modelo, imagenes, nombres):
    return list(_zero_fraction_of(modelo, imagenes, nombres).values())


def _zeros_of_another_model(modelo, imagenes, nombres):
    """Todo bien, pero con una red que no es la que recibe la función (otros pesos, la misma forma)."""
    otra = lesson05._zero_model()
    with torch.no_grad():
        otra[0][0].weight.mul_(-1)
    return _zero_fraction_of(otra, imagenes, nombres)


def _mobilenet(change: Callable[[nn.Module], Any]) -> nn.Module:
    """Una MobileNetV3 con la cabeza bien cambiada (1024 → 10) y, después, ``change``."""
    model = models.mobilenet_v3_small(weights=None)
    model.classifier[3] = nn.Linear(1024, 10)
    change(model)
    return model


def _set_classifier(model: nn.Module, classifier: nn.Module) -> None:
    model.classifier = classifier


def _returns_a_tuple(model: nn.Module) -> None:
    forward = model.forward
    model.forward = lambda x: (forward(x),)


def _returns_five_classes(model: nn.Module) -> None:
    model.forward = lambda x: torch.zeros(len(x), 5)  # la cabeza está bien, pero la red no la usa


def _stem(**changes):
    """Un tallo intermedio bien escrito salvo lo que diga ``changes`` (argumentos de la Conv2d)."""
    arguments = {"in_channels": 3, "out_channels": 64, "kernel_size": 3, "stride": 1, "padding": 1, "bias": False}

    def tallo_intermedio(red):
        red.conv1 = nn.Conv2d(**{**arguments, **changes})
        return red

    return tallo_intermedio


def _stem_in_a_sequential(red):
    red.conv1 = nn.Sequential(nn.Conv2d(3, 64, kernel_size=3, padding=1, bias=False))
    return red


def _freeze(*trainable):
    def congelar_hasta_layer3(red):
        red.requires_grad_(False)
        for name in trainable:
            getattr(red, name).requires_grad_(True)
        return red

    return congelar_hasta_layer3


_STUDY = {
    "cabeza transferida": {5: [0.50, 0.52], 250: [0.60, 0.61]},
    "ajuste fino": {5: [0.46, 0.49], 250: [0.64, 0.63]},
    "desde cero": {5: [0.40, 0.44], 250: [0.70, 0.69]},
}


class _CatForBrightImages(nn.Module):
    """Un «tronco» de cinco clases que elige gato para las imágenes claras y ciervo para las oscuras."""

    def forward(self, x):
        bright = x.mean(dim=(1, 2, 3)) > 0  # tras normalizar como ImageNet
        logits = torch.zeros(len(x), 5)
        logits[bright, 3] = 1.0
        logits[~bright, 4] = 1.0
        return logits


def _validation() -> CIFAR10Tensor:
    """Cuatro perros (imágenes blancas) y dos imágenes de otras clases (negras)."""
    images = torch.cat([torch.full((4, 3, 32, 32), 255), torch.zeros(2, 3, 32, 32)]).to(torch.uint8)
    return CIFAR10Tensor(images, torch.tensor([5] * 4 + [0, 1]), "sintético", "train")


def study_winners() -> PredictStudyWinners:
    """El ejercicio como lo crea el cuaderno, con el resultado de un estudio."""
    return PredictStudyWinners(_STUDY)


def dog_class() -> PredictDogClass:
    """El ejercicio como lo crea el cuaderno, con un tronco y unas imágenes de validación."""
    return PredictDogClass(_CatForBrightImages(), _validation())


def _with(**changes) -> dict:
    """Las formas correctas del ejercicio de las etapas, con los cambios dados."""
    return {**STAGE_SHAPES, **changes}


# --- Una respuesta por comprobación -----------------------------------------------------------------------

# (ejercicio o función que lo crea, trozo del código del `raise` que debe rechazarla, respuesta)
EACH_CHECK = [
    # Lección 01
    (FlatPosition, '_not_finite(number, f"{call} devolvió', _flat_not_finite),
    (FlatPosition, "un número decimal (float)", _flat_as_float),
    (FlatPosition, "se esperaba un número entero, la posición", _flat_half_off),
    (FlatPosition, 'WrongAnswer(f"{message} {explanation}")', _flat_hardcoded),
    (FlatPosition, "raise WrongAnswer(message)", _flat_counting_from_one),
    (UnflatPosition, "se esperaban tres números, (c, h, w)", lambda posicion, forma: posicion),
    (UnflatPosition, "se esperaban tres enteros", _unflat_true_division),
    (UnflatPosition, 'WrongAnswer(f"{message} {explanation}")', _unflat_hardcoded),
    (UnflatPosition, "raise WrongAnswer(message)", _unflat_counting_from_one),
    (FlattenBatch, "se esperaba un tensor", exercise_batch_64().flatten(1).tolist()),
    (FlattenBatch, "has aplanado también el eje del lote", exercise_batch_64().flatten()),
    (FlattenBatch, "has escrito 3072", exercise_batch_64().reshape(-1, 3072)),
    (FlattenBatch, "has aplanado desde la dimensión 2", exercise_batch_64().flatten(2)),
    (FlattenBatch, "números (3·64·64) por cada una", exercise_batch_64().flatten(1).T),
    (FlattenBatch, "no están en el orden de torch.flatten", exercise_batch_64().transpose(2, 3).flatten(1)),
    # Lección 02
    (BuildMLP, "has guardado la clase", _SmallMLP),
    (BuildMLP, "se esperaba un nn.Module", list(SMALL_MLP)),
    (BuildMLP, "no tiene ninguna capa nn.Linear", nn.Sequential(nn.Flatten(), nn.ReLU())),
    (
        BuildMLP,
        "las capas lineales son",
        _mlp(nn.Linear(3072, 512), nn.ReLU(), nn.Linear(512, 128), nn.ReLU(), nn.Linear(128, 10)),
    ),
    (BuildMLP, "ReLU, pero se esperaban 2", _mlp(nn.Linear(3072, 256), nn.Linear(256, 128), nn.Linear(128, 10))),
    (BuildMLP, "devuelve la salida de la última capa", _MLPWithoutReturn()),
    (BuildMLP, "forward debe devolver un tensor", _MLPReturningTuple()),
    (BuildMLP, "con un lote (4, 3, 32, 32) la salida", _MLPFlatOutput()),
    (BuildMLP, "El modelo debe devolver los logits", _MLPEndingInSoftmax()),
    (BuildMLP, "todas las salidas de tu modelo son ≥ 0", _MLPEndingIn(nn.ReLU())),
    (LogitsToNames, "es un tensor de índices", exercise_logits().argmax(1)),
    (LogitsToNames, "se esperaba una lista de nombres", ", ".join(_names())),
    (LogitsToNames, "parece que usaste argmax(dim=0)", _names(dim=0)),
    (LogitsToNames, "(uno por imagen)", _names()[:4]),
    (LogitsToNames, "los nombres están en inglés", _names(CLASSES_EN)),
    (LogitsToNames, "pero tu lista es", _names()[1:] + _names()[:1]),
    (ParameterCount, "cuenta solo los pesos", 512 * 256),
    (ParameterCount, "hay un sesgo por cada una de las 256 salidas", 512 * 256 + 512),
    (ParameterCount, "pero la capa tiene", 768),
    (FixForward, "se esperaba la clase RedArreglada", _Fixed()),
    (FixForward, "¿Sigues aplanando desde la dimensión 0?", _SingleImage),
    (FixForward, "forward modifica el tensor que recibe", _InPlace),
    (FixForward, "devuelve la salida de self.lineal", _FixedWithoutReturn),
    (FixForward, "forward debe devolver un tensor", _FixedReturningList),
    (FixForward, "con un lote (8, 3, 32, 32) la salida", _FixedFlatOutput),
    (FixForward, "con un lote de una imagen", _FixedWithSqueeze),
    (ClassProbability, "`squeeze()` sin", _probability_bare_squeeze),
    (ClassProbability, "no existe en ella", _probability_batch_index),
    (ClassProbability, "tu función modifica la salida que recibe", _probability_in_place),
    (ClassProbability, "Has devuelto un logit", _probability_logit),
    (ClassProbability, "softmax con dim=0", _probability_dim0),
    (ClassProbability, "(log_softmax)", _probability_log),
    (ClassProbability, "Es la sigmoide del logit", _probability_sigmoid),
    (ClassProbability, "usa el argumento k, no un número fijo", _probability_fixed_class),
    (ClassProbability, "raise WrongAnswer(message)", _probability_without_normalizing),
    (ClassProbability, "la fila entera", _probability_row_for_class_0),
    (ClassProbability, "con todas las clases", _probability_all_classes),
    (ClassProbability, "que conserva el eje del lote", _probability_keeps_batch),
    (ClassProbability, "se esperaba un solo número", _probability_whole_batch),
    (ClassProbability, "se esperaba un número, la probabilidad", _probability_as_text),
    # Lección 03
    (GradientByHand, "es dL/dw", 5.0),
    (GradientByHand, "la suma de los cuatro términos", 6.0),
    (GradientByHand, "le falta el 2 que baja del cuadrado", 0.75),
    (GradientByHand, "tiene el signo cambiado", -1.5),
    (GradientByHand, "falta b: el modelo es w·x + b", 3.5),
    (GradientByHand, "es la pérdida L en ese punto", 4.25),
    (GradientByHand, "pero dL/db vale", 7.5),
    (AccumulatedGradient, "es el gradiente de un solo backward", -12.0),
    (AccumulatedGradient, "tiene el signo cambiado", 36.0),
    (AccumulatedGradient, "le falta el 2 de 2·w", -18.0),
    (AccumulatedGradient, "sale de la pérdida", 9.0),
    (AccumulatedGradient, "pero el código deja w.grad", 0.0),
    (UpdateStep, "se esperaba una función", 0.1),
    (UpdateStep, "fuera de `torch.no_grad()`", _update_outside_no_grad),
    (UpdateStep, "ya no son tensores hoja", _update_and_freeze),
    (UpdateStep, "pero sus gradientes siguen ahí", _update_without_zeroing),
    (UpdateStep, "los parámetros no han cambiado", _update_after_zeroing),
    (UpdateStep, "has sumado el gradiente", _update_uphill),
    (UpdateStep, "falta multiplicarlo por la tasa", _update_without_lr),
    (UpdateStep, "usa el argumento `lr`", _update_fixed_rate),
    (UpdateStep, "el bucle debe actualizar todos", _update_first_only),
    (UpdateStep, "no valen lo que deberían", _update_twice_the_step),
    (DivergingLearningRate, "has guardado varias tasas", [0.15, 0.3, 0.5]),
    (DivergingLearningRate, "no está en la lista `tasas_ej`", 0.2),
    (DivergingLearningRate, "el descenso converge, no diverge", 0.1),
    (DivergingLearningRate, "la pérdida sí diverge, pero no es la menor", 0.3),
    # Lección 04
    (Accuracy, "es un porcentaje", 25.0),
    (Accuracy, "es el número de aciertos", 3),
    (Accuracy, "pero la del lote es", 0.5),
    (InitialLoss, "1 sería el logaritmo en base 10", 1.0),
    (InitialLoss, "es el logaritmo en base 2", math.log2(10)),
    (InitialLoss, "0,1 es la probabilidad de cada clase", 0.1),
    (InitialLoss, "Te falta el signo menos", -math.log(10)),
    (InitialLoss, "pero −log(1/10) ≈", 2.0),
    (TrainingStep, "devuelves un tensor", _step_returning_tensor),
    (TrainingStep, "falta perdida.backward()", _step_without_backward),
    (TrainingStep, "falta optimizador.step()", _step_without_step),
    (TrainingStep, "aplicas softmax a la salida del modelo", _step_with_softmax),
    (TrainingStep, "¿olvidaste optimizador.zero_grad()?", _step_without_zero_grad),
    (TrainingStep, "pero la pérdida del paso", _step_returning_the_loss_after_the_update),
    # Lección 05
    (ConvOutputShape, "es un tensor: se esperaba su forma", torch.zeros(8, 16, 15, 15)),
    (ConvOutputShape, "32), pero es {answer!r}.", "(8, 16, 15, 15)"),
    (ConvOutputShape, "tu forma contiene", (8, 16, math.nan, 15)),
    (ConvOutputShape, "cada tamaño de una forma es un número entero", (8, 16, 15.5, 15.5)),
    (ConvOutputShape, "no tiene la dimensión del lote", (16, 15, 15)),
    (ConvOutputShape, "pero se esperaban 4", (8, 16, 15)),
    (ConvOutputShape, "el lote es de 8 imágenes", (1, 16, 15, 15)),
    (ConvOutputShape, "la forma tiene 3 canales", (8, 3, 15, 15)),
    (ConvOutputShape, "la capa tiene 16 canales de salida", (8, 5, 15, 15)),
    (ConvOutputShape, "14×14 sale de olvidar el relleno", (8, 16, 14, 14)),
    (ConvOutputShape, "30×30 sería el tamaño con stride=1", (8, 16, 30, 30)),
    (ConvOutputShape, "pero el alto y el ancho son", (8, 16, 16, 16)),
    (ConvParameterCount, "cuenta solo los pesos", 128 * 64 * 3 * 3),
    (ConvParameterCount, "no cuenta los canales de entrada", 128 * 3 * 3 + 128),
    (ConvParameterCount, "es la cuenta de una nn.Linear(64, 128)", 64 * 128 + 128),
    (ConvParameterCount, "hay un sesgo por cada canal de salida", 128 * 64 * 3 * 3 + 64),
    (ConvParameterCount, "pero la capa tiene", 1000),
    (StageShapes, "hay un tensor: se esperaba su forma", _with(stage2=torch.zeros(2, 64, 9, 9))),
    (StageShapes, "36), pero es {value!r}.", _with(stage2="2, 64, 9, 9")),
    (StageShapes, "hay valores", _with(stage2=(2, 64, "9", "9"))),
    (StageShapes, '_not_finite(number, f"la forma de', _with(stage2=(2, 64, math.nan, 9))),
    (StageShapes, "se esperaba un diccionario como el de la celda", [STAGE_SHAPES[name] for name in STAGE_SHAPES]),
    (StageShapes, "al diccionario le falta", {name: STAGE_SHAPES[name] for name in ("stem", "stage1")}),
    (StageShapes, "raise NotAttempted", dict.fromkeys(STAGE_SHAPES)),
    (StageShapes, "todavía falta la forma de", _with(fc=None)),
    (StageShapes, "son las formas del apartado 4", SHAPES_32),
    (StageShapes, "no la de fc", _with(fc=(2, 128, 1, 1))),
    (StageShapes, "tiene {len(got)} números", _with(fc=(2, 10, 1, 1))),
    (StageShapes, "el primer número, el lote", _with(stage1=(8, 32, 18, 18))),
    (StageShapes, "fc da un logit por clase", _with(fc=(2, 5))),
    (StageShapes, "los canales no son", _with(stage2=(2, 32, 9, 9))),
    (StageShapes, "un tamaño impar", _with(stage3=(2, 128, 5, 5))),
    (StageShapes, "stem no reduce el tamaño", _with(stem=(2, 16, 18, 18))),
    (StageShapes, "el tamaño no cambia en tu respuesta", _with(stage2=(2, 64, 18, 18))),
    (StageShapes, "no es la que da la red", _with(stage2=(2, 64, 10, 10))),
    (ZeroFraction, "tu función deja ganchos puestos", _zeros_hooks_left),
    (ZeroFraction, "se esperaba un diccionario {{nombre: fracción}}", _zeros_as_list),
    (ZeroFraction, "las claves del diccionario deben ser", _zeros_fixed_names),
    (ZeroFraction, "las estadísticas de BatchNorm", _zeros_in_train_mode),
    (ZeroFraction, "el número de ceros", _zeros_counted),
    (ZeroFraction, "un porcentaje", _zeros_as_percent),
    (ZeroFraction, "la fracción de valores distintos de cero", _zeros_nonzero_fraction),
    (ZeroFraction, "¿Cuentas los ceros de la entrada", _zeros_of_the_input),
    (ZeroFraction, "pero la fracción de ceros de su salida", _zeros_of_another_model),
    # Lección 06
    (ReplaceHead, "se esperaba una MobileNetV3", models.resnet18(weights=None, num_classes=10)),
    (ReplaceHead, "MobileNetV3 no tiene fc", _mobilenet_with_fc()),
    (ReplaceHead, "has sustituido todo `classifier`", _mobilenet(lambda m: _set_classifier(m, nn.Linear(576, 10)))),
    (ReplaceHead, "`classifier` está vacío", _mobilenet(lambda m: _set_classifier(m, nn.Sequential()))),
    (ReplaceHead, "la última capa de classifier es", _mobilenet(lambda m: m.classifier.append(nn.Softmax(dim=1)))),
    (ReplaceHead, "salidas; se esperaban 10", _mobilenet_head(1024, 1000)),
    (ReplaceHead, "pero la capa anterior da 1024", _mobilenet_head(512, 10)),
    (ReplaceHead, "el modelo debe devolver un tensor", _mobilenet(_returns_a_tuple)),
    (ReplaceHead, "con un lote (2, 3, 32, 32) la salida es", _mobilenet(_returns_five_classes)),
    (FrozenCount, "pero faltan sus 5 sesgos", 512 * 5),
    (FrozenCount, "son (casi) todos los parámetros", 11_179_077),
    (FrozenCount, "pero la cabeza de 512 a 5 tiene", 5130),
    (PredictDogClass, "crea el ejercicio con el tronco y la validación", "gato"),
    (dog_class, "se esperaba el nombre de una clase", 3),
    (dog_class, "«perro» no es una de sus salidas", "perro"),
    (dog_class, "no es una clase que conozca el tronco", "lobo"),
    (dog_class, "no es la más frecuente", "ciervo"),
    (FeatureMapSide, "un número real", lambda lado: lado / 32),
    (FeatureMapSide, "la división entera redondea hacia abajo", lambda lado: lado // 32),
    (FeatureMapSide, "son cuatro mitades", lambda lado: lado // 16),
    (FeatureMapSide, "pero el mapa final de ResNet18 es", lambda lado: math.ceil(lado / 32) + (lado == 500)),
    # Lección 07
    (PredictStudyWinners, "crea el ejercicio con el resultado del estudio", {5: "desde cero", 250: "desde cero"}),
    (study_winners, "se esperaba un diccionario con dos claves", "desde cero"),
    (study_winners, "del estudio: usa", {5: "cabeza", 250: "desde cero"}),
    (study_winners, "Fallar una predicción es parte del método", {5: "desde cero", 250: "desde cero"}),
    (MiddleStem, "no la misma red que recibe", lambda red: nn.Sequential(red)),
    (MiddleStem, "eso es el tallo para CIFAR", _stem_without_pool),
    (MiddleStem, "conv1 debe ser una nn.Conv2d", _stem_in_a_sequential),
    (MiddleStem, "debe recibir los 3 de la imagen", _stem(out_channels=32)),
    (MiddleStem, "un núcleo de 3×3 con paso 1", _stem(kernel_size=7, padding=3)),
    (MiddleStem, "layer1 recibe un mapa de", _stem_without_padding),
    (FreezeUpToLayer3, "solo crea un atributo nuevo", _freeze_with_attribute),
    (FreezeUpToLayer3, "no has congelado nada", lambda red: red.requires_grad_(True)),
    (FreezeUpToLayer3, "la cabeza fc está congelada", _freeze("layer4")),
    (FreezeUpToLayer3, "layer4 está congelada", _freeze_only_the_head),
    (FreezeUpToLayer3, "hay parámetros que no están como se pedía", _freeze_up_to_layer2),
]

# Los `raise` que no son comprobaciones: dejan pasar, tal cual, un error del código del alumno que no es el que
# buscan (otro IndexError, otro RuntimeError). Lo que ve entonces el alumno lo prueba LEARNER_ERRORS.
NOT_CHECKS = [ClassProbability, UpdateStep]


def _bare_raise(kind: type) -> tuple[str, str, int]:
    """El único `raise` a secas (el que deja pasar el error tal cual) de los métodos de ``kind``."""
    filename = _path(inspect.getsourcefile(sys.modules[kind.__module__]))
    matches = [
        (filename, function.name, index)
        for function in _functions(filename)
        if not function.copy and function.name.startswith(f"{kind.__name__}.")
        for index, (_, _, code) in enumerate(function.raises)
        if code == "raise"
    ]
    assert len(matches) == 1, f"{kind.__name__} debe tener un solo `raise` a secas, pero tiene {matches}"
    return matches[0]


# --- Lo que ve el alumno en otros casos: las respuestas correctas, otro tipo y casi un error típico -------------


def _step_returning_text(*args):
    return str(_correct_step(*args))  # el paso está bien, pero devuelve la pérdida como texto


def _update_only_the_last(parametros, lr):
    with torch.no_grad():
        parametros[-1].sub_(lr * parametros[-1].grad)
    for p in parametros:
        p.grad.zero_()


def _probability_exp_in_place(salida, k):
    salida.exp_()  # cambia los valores de la salida que recibe (no su forma)
    return (salida[0, k] / salida.sum()).item()


class _FixedChangingItsInput(_Fixed):
    def forward(self, x):
        x.mul_(2)  # cambia los valores del lote que recibe (no su forma)
        return super().forward(x)


def _freeze_with_attribute_on(part: str):
    def congelar_hasta_layer3(red):
        red.requires_grad_(False)
        for name in ("layer4", "fc"):
            getattr(red, name).requires_grad_(True)
        getattr(red, part).requires_grad = False  # un atributo nuevo, no los parámetros
        return red

    return congelar_hasta_layer3


def _zeros_measured(medir):
    return lambda modelo, imagenes, nombres: _zero_fraction_of(modelo, imagenes, nombres, medir=medir)


def _side_without_return(lado):
    lado_mapa = math.ceil(lado / 32)  # noqa: F841 - el alumno olvidó devolverlo


def _zeros_of_the_first_name(modelo, imagenes, nombres):
    return _zero_fraction_of(modelo, imagenes, nombres[:1])


def _correct(kind: type) -> tuple[type, str, Any]:
    return kind, "correcta: la de la solución", _solve(kind())


# (ejercicio o función que lo crea, qué respuesta es, respuesta): cada una con su mensaje en exercise_messages.json.
MORE_ANSWERS = [
    *(_correct(kind) for kind in ALL),
    (study_winners, "correcta: la de la solución", {5: "cabeza transferida", 250: "desde cero"}),
    (dog_class, "correcta: la de la solución", "gato"),
    # Una respuesta de otro tipo: el mensaje dice qué se esperaba.
    (ParameterCount, "un texto", "131328"),
    (ParameterCount, "un float", 131328.0),
    (ConvParameterCount, "un float", 73856.0),
    (FrozenCount, "un float", 2565.0),
    (DivergingLearningRate, "un texto", "0,15"),
    (Accuracy, "un texto", "25 %"),
    (TrainingStep, "la pérdida como texto", _step_returning_text),
    (ZeroFraction, "fracciones como texto", _zeros_measured(lambda salida: f"{_fraction(salida):.2f}")),
    (FeatureMapSide, "un tensor de floats", lambda lado: torch.tensor(lado / 32).ceil()),
    (FeatureMapSide, "nan", lambda lado: math.nan),
    (FeatureMapSide, "sin return", _side_without_return),
    # Cerca de un error típico, pero no él: el mensaje no se lo atribuye.
    (GradientByHand, "1,51", 1.51),
    (GradientByHand, "6,01", 6.01),
    (GradientByHand, "-1,49", -1.49),
    (GradientByHand, "4,26", 4.26),
    *((AccumulatedGradient, str(value), value) for value in (-35.99, -12.01, 36.01, 12.01, -18.01, -6.01, 9.01, 27.01)),
    (AccumulatedGradient, "27, la suma de las tres pérdidas", 27.0),
    (AccumulatedGradient, "-24, dos backward", -24.0),
    (InitialLoss, "log2(10) + 0,01", math.log2(10) + 0.01),
    (InitialLoss, "0,11", 0.11),
    (InitialLoss, "-ln(10) + 0,01", -math.log(10) + 0.01),
    (Accuracy, "25,01", 25.01),
    (ZeroFraction, "ceros contados + 1", _zeros_measured(lambda salida: (salida == 0).sum().item() + 1)),
    (ZeroFraction, "porcentaje + 0,5", _zeros_measured(lambda salida: 100 * _fraction(salida) + 0.5)),
    (ClassProbability, "log_softmax + 0,01", lambda salida, k: torch.log_softmax(salida, dim=1)[0, k] + 0.01),
    # Otros detalles de los mensajes.
    (ParameterCount, "513 · 257", 513 * 257),
    (ConvParameterCount, "128 · 3 · 3", 128 * 3 * 3),
    (ConvParameterCount, "64 · 128", 64 * 128),
    (BuildMLP, "log_softmax en forward", _MLPEndingInLogSoftmax()),
    (BuildMLP, "una nn.LogSoftmax al final", _MLPEndingIn(nn.LogSoftmax(dim=1))),
    (BuildMLP, "una sigmoide al final", _MLPEndingIn(nn.Sigmoid())),
    (LogitsToNames, "nombres equivocados", ["gato"] * 5),
    (FixForward, "cambia los valores del lote", _FixedChangingItsInput),
    (ClassProbability, "cambia los valores de la salida", _probability_exp_in_place),
    (UpdateStep, "solo el último parámetro", _update_only_the_last),
    (StageShapes, "correcta: con tensores de una dimensión", {n: torch.tensor(s) for n, s in STAGE_SHAPES.items()}),
    (StageShapes, "correcta: con los tamaños como float", {n: tuple(map(float, s)) for n, s in STAGE_SHAPES.items()}),
    (StageShapes, "una etapa con tres números", _with(stage2=(2, 64, 9))),
    (StageShapes, "un tensor de dos dimensiones en fc", _with(fc=torch.zeros(2, 10))),
    (ZeroFraction, "un diccionario vacío", lambda modelo, imagenes, nombres: {}),
    (ZeroFraction, "solo el primer nombre", _zeros_of_the_first_name),
    (lambda: PredictDogClass(_CatForBrightImages()), "sin la validación", "gato"),
    (MiddleStem, "núcleo y paso distintos en alto y ancho", _stem(kernel_size=(3, 5), stride=(1, 2), padding=(1, 2))),
    (FreezeUpToLayer3, "otra red", lambda red: nn.Sequential(red)),
    (FreezeUpToLayer3, "atributo en layer4", _freeze_with_attribute_on("layer4")),
    (FreezeUpToLayer3, "atributo en fc", _freeze_with_attribute_on("fc")),
    (study_winners, "las dos predicciones falladas", {5: "desde cero", 250: "cabeza transferida"}),
    (study_winners, "otros presupuestos", {5: "desde cero", 20: "desde cero"}),
    (study_winners, "un presupuesto como texto", {5: "desde cero", "250": "desde cero"}),
]


def _kind(make: Callable[[], Any]) -> type:
    return make if isinstance(make, type) else type(make())


MESSAGES = Path(__file__).with_name("exercise_messages.json")
REWRITE = "vuelve a escribirlo con `.venv/bin/python tests/test_exercise_checks.py` y revisa la diferencia con git diff"


def _key(make: Callable[[], Any], check: str) -> str:
    return f"{_kind(make).__name__} · {check}"


def _keys() -> list[str]:
    return [_key(make, check) for make, check, _ in EACH_CHECK] + [_key(make, what) for make, what, _ in MORE_ANSWERS]


@functools.cache
def _stored_messages() -> dict[str, str]:
    """Lo que ve el alumno con cada respuesta de EACH_CHECK, tal como está guardado."""
    return json.loads(MESSAGES.read_text(encoding="utf-8"))


def _ids(table: list[tuple]) -> list[str]:
    return [f"{_kind(row[0]).__name__}-{i}" for i, row in enumerate(table)]


@pytest.mark.parametrize(("make", "check", "answer"), EACH_CHECK, ids=_ids(EACH_CHECK))
def test_each_check_rejects_an_answer_that_only_it_rejects(make, check, answer):
    expected = _site(_kind(make), check)
    try:
        make().verify(answer)
    except (WrongAnswer, NotAttempted) as error:
        raised = error
    else:
        pytest.fail(f"la respuesta equivocada pasó por buena; debía rechazarla {_describe(expected)}")
    site = _raised_at(raised)
    assert site == expected, f"la rechazó {_describe(site)}, y debía rechazarla {_describe(expected)}"
    # Y el alumno ve lo mismo: evaluate no la rechaza antes por otra razón (el esqueleto, un nombre sin asignar).
    feedback = make().evaluate(answer)
    if isinstance(raised, NotAttempted):
        assert feedback.status == "sin intentar", feedback
    else:
        assert (feedback.status, feedback.message) == ("incorrecto", str(raised))
    stored = _stored_messages().get(_key(make, check))
    changed = f"el mensaje ya no es el de {MESSAGES.name} (si cambió a propósito, {REWRITE}):\n{feedback}"
    assert str(feedback) == stored, changed


def test_every_check_of_every_exercise_has_its_answer():
    """Ningún `raise` de los módulos de ejercicios se queda sin una respuesta que lo alcance."""
    checks = {
        (_path(inspect.getsourcefile(module)), function.name, index)
        for module in MODULES
        for function in _functions(_path(inspect.getsourcefile(module)))
        if not function.copy
        for index in range(len(function.raises))
    }
    answered = [_site(_kind(make), check) for make, check, _ in EACH_CHECK]
    skipped = {_bare_raise(kind) for kind in NOT_CHECKS}
    missing = checks - set(answered) - skipped
    assert not missing, "sin respuesta que los alcance:\n" + "\n".join(sorted(map(_describe, missing)))
    assert len(answered) == len(set(answered)), "cada comprobación, una sola vez en EACH_CHECK"
    assert len(set(_keys())) == len(_keys()), "cada respuesta con un nombre distinto"
    assert list(_stored_messages()) == _keys(), f"{MESSAGES.name} no tiene las respuestas de esta prueba: {REWRITE}"


@pytest.mark.parametrize(("make", "what", "answer"), MORE_ANSWERS, ids=_ids(MORE_ANSWERS))
def test_what_the_learner_sees_with_other_answers(make, what, answer):
    """Las respuestas correctas, las de otro tipo y las que rozan un error típico: su mensaje, tal como está escrito."""
    feedback = make().evaluate(answer)
    assert feedback.status in ("correcto", "incorrecto"), feedback
    assert what.startswith("correcta") == feedback.correct, feedback
    changed = f"el mensaje ya no es el de {MESSAGES.name} (si cambió a propósito, {REWRITE}):\n{feedback}"
    assert str(feedback) == _stored_messages().get(_key(make, what)), changed


def test_the_site_of_a_raise_is_found_even_in_mutmut_copies(tmp_path):
    """Una copia de mutmut (xǁClaseǁmétodo__mutmut_2) se reconoce como el método original, con sus `raise`."""
    source = (
        "class Ejercicio:\n"
        "    def verify(self, x):\n"
        "        if x:\n"
        "            raise ValueError('uno')\n"
        "        raise ValueError('dos')\n"
        "\n"
        "    def xǁEjercicioǁverify__mutmut_2(self, x):\n"
        "        if not x:\n"
        "            raise ValueError('XXunoXX')\n"
        "        raise ValueError('dos')\n"
    )
    path = tmp_path / "copia.py"
    path.write_text(source, encoding="utf-8")
    namespace: dict[str, Any] = {}
    exec(compile(source, str(path), "exec"), namespace)
    cls = namespace["Ejercicio"]
    with pytest.raises(ValueError) as original:
        cls().verify(False)
    with pytest.raises(ValueError) as mutant:
        cls().xǁEjercicioǁverify__mutmut_2(False)
    assert _raised_at(original.value) == (_path(str(path)), "Ejercicio.verify", 1)
    assert _raised_at(mutant.value) == (_path(str(path)), "Ejercicio.verify", 0)
    assert [f.copy for f in _functions(_path(str(path)))] == [False, True]


if __name__ == "__main__":
    # Escribe exercise_messages.json con lo que ve el alumno ahora con cada respuesta de EACH_CHECK.
    shown = {_key(make, what): str(make().evaluate(answer)) for make, what, answer in EACH_CHECK + MORE_ANSWERS}
    MESSAGES.write_text(json.dumps(shown, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{MESSAGES}: {len(shown)} mensajes")

"""Cada ejercicio acepta su solución de referencia, rechaza errores típicos con un mensaje concreto, reconoce
una respuesta en blanco y, si pide una función o una clase, reconoce su esqueleto sin tocar."""

from __future__ import annotations

import ast
import builtins
import dis
import functools
import json
import math
import re
import types
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn
from torchvision import models

from course_utils import exercises as ex
from course_utils.data import CLASSES_EN, CLASSES_ES
from course_utils.exercises import (  # los nombres que importan los cuadernos
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
    ParameterCount,
    ReplaceHead,
    StageShapes,
    TrainingStep,
    UnflatPosition,
    UpdateStep,
    ZeroFraction,
    exercise_batch_64,
    exercise_gradient_data,
    exercise_learning_rates,
    exercise_line_points,
    exercise_logits,
    exercise_predictions,
    exercise_single_output,
    lesson01,
    lesson02,
    lesson03,
    lesson04,
    lesson05,
    lesson06,
    lesson07,
)

ALL = [
    FlatPosition,
    UnflatPosition,
    FlattenBatch,
    BuildMLP,
    LogitsToNames,
    ParameterCount,
    FixForward,
    ClassProbability,
    GradientByHand,
    AccumulatedGradient,
    UpdateStep,
    DivergingLearningRate,
    Accuracy,
    InitialLoss,
    TrainingStep,
    ReplaceHead,
    FrozenCount,
    ConvOutputShape,
    ConvParameterCount,
    StageShapes,
    ZeroFraction,
    FeatureMapSide,
    MiddleStem,
    FreezeUpToLayer3,
]
# Los ejercicios que piden escribir una función o una clase, y por tanto traen un esqueleto.
WITH_SKELETON = [
    FlatPosition,
    UnflatPosition,
    BuildMLP,
    FixForward,
    ClassProbability,
    UpdateStep,
    TrainingStep,
    ZeroFraction,
    FeatureMapSide,
    MiddleStem,
    FreezeUpToLayer3,
]


LESSON_03 = Path(__file__).resolve().parent.parent / "notebooks" / "03_como_aprende_una_red.ipynb"


@functools.cache
def _lesson_function(notebook: Path, name: str):
    """La función ``name`` tal como la define una celda del cuaderno (solo el ``def``, sin el resto de la celda)."""
    for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"]:
        if cell["cell_type"] != "code":
            continue
        tree = ast.parse("".join(cell["source"]))
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and node.name == name:
                namespace = {"torch": torch}
                exec(compile(ast.Module([node], type_ignores=[]), notebook.name, "exec"), namespace)
                return namespace[name]
    raise LookupError(f"{notebook.name} no define la función {name}")


def _namespace() -> dict:
    """Las variables del cuaderno que usan las soluciones, incluidas algunas que el alumno podría tener ya."""
    x_ej, y_ej, w_ej, b_ej = exercise_gradient_data()
    x_recta_ej, y_recta_ej = exercise_line_points()
    return {
        "torch": torch,
        "nn": nn,
        "CLASSES_ES": CLASSES_ES,
        "lote_ejercicio": exercise_batch_64(),
        "logits_ejercicio": exercise_logits(),
        "salida_ejercicio": exercise_single_output(),
        "logits_ej": exercise_predictions()[0],
        "etiquetas_ej": exercise_predictions()[1],
        "x_ej": x_ej,
        "y_ej": y_ej,
        "w_ej": w_ej,
        "b_ej": b_ej,
        "x_recta_ej": x_recta_ej,
        "y_recta_ej": y_recta_ej,
        "tasas_ej": exercise_learning_rates(),
        "descenso": _lesson_function(LESSON_03, "descenso"),  # la de la sección 4 de la lección 03
        "math": math,
        "models": models,
        # Variables de celdas anteriores de las lecciones, con los nombres que usan los esqueletos.
        "posicion": 7,
        "c": 1,
        "h": 2,
        "w": 3,
        "perdida": torch.tensor(0.5),
    }


def _run(code: str, variable: str):
    """Ejecuta código como lo haría una celda del cuaderno y devuelve la variable pedida."""
    namespace = _namespace()
    exec(code, namespace)
    return namespace[variable]


def _solve(exercise: ex.Exercise):
    """Ejecuta la solución de referencia como lo haría el alumno y devuelve su variable."""
    return _run(exercise.solution, exercise.variable)


def _outside_code(message: str) -> str:
    """El mensaje sin lo que va entre acentos graves (código de Python, que se escribe con punto decimal)."""
    return re.sub(r"`[^`]*`", "", message)


def test_every_name_the_notebooks_import_is_in_the_package():
    assert {kind.__module__ for kind in ALL} == {
        f"course_utils.exercises.lesson{n}" for n in ("01", "02", "03", "04", "05", "06", "07")
    }
    assert set(ex.__all__) >= {kind.__name__ for kind in ALL} | {"exercise_batch", "Exercise", "Feedback"}


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


# --- Esqueletos ---------------------------------------------------------------------------------------------


def test_exercises_that_ask_for_code_have_a_skeleton():
    assert {kind for kind in ALL if kind.skeleton} == set(WITH_SKELETON)


@pytest.mark.parametrize("kind", WITH_SKELETON, ids=lambda k: k.__name__)
def test_untouched_skeleton_is_not_attempted(kind):
    assert "...  # ←" in kind.skeleton
    feedback = kind().evaluate(_run(kind.skeleton, kind.variable))
    assert feedback.status == "sin intentar", feedback.message
    assert "todavía no has escrito el cuerpo" in feedback.message or "todavía no has completado" in feedback.message
    assert "respondido" not in feedback.message


@pytest.mark.parametrize("kind", WITH_SKELETON, ids=lambda k: k.__name__)
def test_skeleton_defines_what_the_solution_defines(kind):
    """El esqueleto y la solución declaran la misma función o clase, con los mismos argumentos."""
    skeleton, solution = _run(kind.skeleton, kind.variable), _solve(kind())
    skeleton = skeleton if callable(skeleton) and not isinstance(skeleton, nn.Module) else type(skeleton)
    solution = solution if callable(solution) and not isinstance(solution, nn.Module) else type(solution)
    assert skeleton.__name__ == solution.__name__
    if isinstance(skeleton, type):
        assert (
            skeleton.__init__.__code__.co_varnames[: skeleton.__init__.__code__.co_argcount]
            == (solution.__init__.__code__.co_varnames[: solution.__init__.__code__.co_argcount])
        )
    else:
        assert (
            skeleton.__code__.co_varnames[: skeleton.__code__.co_argcount]
            == (solution.__code__.co_varnames[: solution.__code__.co_argcount])
        )


def test_empty_bodies_count_as_not_attempted():
    for code in (
        "def posicion_plana(c, h, w, forma):\n    pass",
        'def posicion_plana(c, h, w, forma):\n    """Mi función."""\n    ...',
        "def posicion_plana(c, h, w, forma):\n    return None  # ← sustituye None por tu fórmula",
    ):
        feedback = FlatPosition().evaluate(_run(code, "posicion_plana"))
        assert feedback.status == "sin intentar" and "todavía no has escrito el cuerpo" in feedback.message


def test_stage_shapes_cell_as_given_counts_as_blank():
    """La celda del cuaderno sin completar (un diccionario con None en cada clave) es una respuesta en blanco."""
    blank = dict.fromkeys(("stem", "stage1", "stage2", "stage3", "fc"))
    feedback = StageShapes().evaluate(blank)
    assert feedback.status == "sin intentar" and "todavía no has respondido" in feedback.message
    feedback = StageShapes().evaluate({**blank, "stem": (2, 16, 36, 36)})
    assert feedback.status == "incorrecto"
    assert "todavía falta la forma de «stage1», «stage2», «stage3» y «fc»" in feedback.message


def test_a_body_written_around_the_placeholders_is_an_answer():
    """Dejar las líneas `...` del esqueleto y escribir el código alrededor cuenta como respuesta."""
    code = (
        TrainingStep.skeleton.replace(
            "    ...  # ← 1. borra los gradientes del paso anterior\n",
            "    ...  # ← 1. borra los gradientes del paso anterior\n    optimizador.zero_grad()\n",
        )
        .replace("perdida = ...", "perdida = funcion_perdida(modelo(imagenes), etiquetas)")
        .replace("    ...  # ← 4. backward: calcula los gradientes\n", "    perdida.backward()\n")
        .replace("    ...  # ← 5. actualiza los pesos\n", "    ...\n    optimizador.step()\n")
    )
    assert code.count("...") == 2
    assert TrainingStep().evaluate(_run(code, "paso_entrenamiento")).correct


def test_placeholders_left_unfilled_are_pointed_out():
    code = UnflatPosition.skeleton.replace("c = ...", "c = posicion // (H * W)")
    feedback = UnflatPosition().evaluate(_run(code, "de_vuelta"))
    assert feedback.status == "incorrecto"
    assert "tu función todavía devuelve `...`: cambia cada `...` del esqueleto por tu código" in feedback.message
    code = TrainingStep.skeleton.replace(
        "    ...  # ← 1. borra los gradientes del paso anterior\n", "    optimizador.zero_grad()\n"
    ).replace("    ...  # ← 4. backward: calcula los gradientes\n", "")
    feedback = TrainingStep().evaluate(_run(code, "paso_entrenamiento"))
    assert feedback.status == "incorrecto"
    assert "Tu código usa un `...` del esqueleto como si fuera un valor" in feedback.message


@pytest.mark.parametrize("kind", WITH_SKELETON, ids=lambda k: k.__name__)
def test_skeletons_only_use_names_they_define(kind):
    """Un esqueleto no depende de variables del cuaderno (y ruff no ve nombres sin definir en su celda)."""

    def global_names(code):
        names = {i.argval for i in dis.get_instructions(code) if i.opname in ("LOAD_GLOBAL", "LOAD_NAME")}
        for constant in code.co_consts:
            if isinstance(constant, types.CodeType):
                names |= global_names(constant)
        return names

    module = compile(kind.skeleton, "<esqueleto>", "exec")
    defined = {i.argval for i in dis.get_instructions(module) if i.opname == "STORE_NAME"}
    assert global_names(module) - defined - set(dir(builtins)) <= {"torch", "nn"}


def test_a_class_with_only_some_methods_written_is_an_answer():
    code = BuildMLP.skeleton.replace(
        "        ...  # ← tu código aquí: las capas 3072 → 256 → 128 → 10, con una ReLU entre cada dos",
        "        self.capas = nn.Sequential(nn.Linear(3072, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), "
        "nn.Linear(128, 10))",
    )
    feedback = BuildMLP().evaluate(_run(code, "modelo_pequeno"))
    assert feedback.status == "incorrecto"
    assert "forward no devuelve nada" in feedback.message


# --- Un `return` olvidado y una variable sin asignar ---------------------------------------------------


def _step_without_return(modelo, imagenes, etiquetas, optimizador, funcion_perdida):
    optimizador.zero_grad()
    perdida = funcion_perdida(modelo(imagenes), etiquetas)
    perdida.backward()
    optimizador.step()


def _flat_without_return(c, h, w, forma):
    C, H, W = forma
    posicion = c * H * W + h * W + w  # noqa: F841 - el alumno olvidó devolverla


def _unflat_without_return(posicion, forma):
    C, H, W = forma
    c, resto = divmod(posicion, H * W)  # noqa: F841


def _probability_without_return(salida, k):
    probabilidad = torch.softmax(salida, dim=1)[0, k]  # noqa: F841




class _MLPWithoutReturn(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.layers = nn.Sequential(nn.Linear(3072, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))

    def forward(self, x):
        self.layers(self.flatten(x))


class _FixedWithoutReturn(nn.Module):
    def __init__(self):
        super().__init__()
        self.lineal = nn.Linear(3072, 10)

    def forward(self, x):
        self.lineal(torch.flatten(x, start_dim=1))


def _zeros_without_return(modelo, imagenes, nombres):
    fracciones = {}
    manejadores = [
        modelo.get_submodule(n).register_forward_hook(
            lambda m, e, s, n=n: fracciones.__setitem__(n, (s == 0).float().mean().item())
        )
        for n in nombres
    ]
    modelo.eval()
    with torch.no_grad():
        modelo(imagenes)
    for manejador in manejadores:
        manejador.remove()


FORGOTTEN_RETURN = [
    (TrainingStep, _step_without_return, "añade `return perdida.item()`"),
    (FlatPosition, _flat_without_return, "añade `return posicion`"),
    (UnflatPosition, _unflat_without_return, "añade `return c, h, w`"),
    (ClassProbability, _probability_without_return, "añade `return probabilidad`"),
    (BuildMLP, _MLPWithoutReturn(), "forward no devuelve nada"),
    (FixForward, _FixedWithoutReturn, "forward no devuelve nada"),
    (ZeroFraction, _zeros_without_return, "añade `return fracciones`"),
]


@pytest.mark.parametrize(
    ("kind", "answer", "fragment"), FORGOTTEN_RETURN, ids=[k.__name__ for k, _, _ in FORGOTTEN_RETURN]
)
def test_a_forgotten_return_gets_its_own_message(kind, answer, fragment):
    feedback = kind().evaluate(answer)
    assert feedback.status == "incorrecto", feedback.message
    assert fragment in feedback.message
    assert "no has respondido" not in feedback.message


def test_a_correct_training_step_without_return_says_so():
    feedback = TrainingStep().evaluate(_step_without_return)
    assert feedback.message.startswith("tu función no devuelve nada")


def test_a_result_left_unassigned_is_not_taken_from_the_notebook():
    """`return posicion` sin asignar `posicion` leería la variable del cuaderno: se dice, sin corregir ese valor."""
    code = (
        "def posicion_plana(c, h, w, forma):\n    C, H, W = forma\n    pos = c * H * W + h * W + w\n    return posicion"
    )
    feedback = FlatPosition().evaluate(_run(code, "posicion_plana"))
    assert feedback.status == "incorrecto"
    assert "tu función usa `posicion` sin darle valor" in feedback.message
    code = "def de_vuelta(posicion, forma):\n    C, H, W = forma\n    c = posicion // (H * W)\n    return c, h, w"
    feedback = UnflatPosition().evaluate(_run(code, "de_vuelta"))
    assert "tu función usa `h` y `w` sin darles valor" in feedback.message


def test_an_undefined_name_is_explained():
    code = TrainingStep.skeleton.replace(
        "    ...  # ← 1. borra los gradientes del paso anterior\n", "    optimizer.zero_grad()\n"
    )
    feedback = TrainingStep().evaluate(_run(code, "paso_entrenamiento"))
    assert feedback.status == "incorrecto"
    assert "NameError" in feedback.message
    assert "Tu código usa `optimizer`, pero ese nombre no existe" in feedback.message


# --- Respuestas equivocadas típicas ------------------------------------------------------------------------


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


def _step_without_zero_grad(modelo, imagenes, etiquetas, optimizador, funcion_perdida):
    perdida = funcion_perdida(modelo(imagenes), etiquetas)
    perdida.backward()
    optimizador.step()
    return perdida.item()


def _step_without_step(modelo, imagenes, etiquetas, optimizador, funcion_perdida):
    optimizador.zero_grad()
    perdida = funcion_perdida(modelo(imagenes), etiquetas)
    perdida.backward()
    return perdida.item()


def _step_without_backward(modelo, imagenes, etiquetas, optimizador, funcion_perdida):
    optimizador.zero_grad()
    perdida = funcion_perdida(modelo(imagenes), etiquetas)
    optimizador.step()
    return perdida.item()


def _step_returning_tensor(modelo, imagenes, etiquetas, optimizador, funcion_perdida):
    optimizador.zero_grad()
    perdida = funcion_perdida(modelo(imagenes), etiquetas)
    perdida.backward()
    optimizador.step()
    return perdida


def _mobilenet_with_fc():
    model = models.mobilenet_v3_small(weights=None)
    model.fc = nn.Linear(1024, 10)
    return model


def _mobilenet_head(size_in, size_out):
    model = models.mobilenet_v3_small(weights=None)
    model.classifier[3] = nn.Linear(size_in, size_out)
    return model










def _mlp(*layers):
    return nn.Sequential(nn.Flatten(), *layers)


# Las respuestas de la lección 01 que copian los números de 3×32×32 o se equivocan de eje.
def _flat_hardcoded(c, h, w, forma):
    return c * 1024 + h * 32 + w


def _flat_swapped(c, h, w, forma):
    C, H, W = forma
    return c * H * W + w * H + h


def _flat_height_for_width(c, h, w, forma):
    C, H, W = forma
    return c * H * W + h * H + w


def _flat_channels_forgotten(c, h, w, forma):
    C, H, W = forma
    return h * W + w


def _unflat_hardcoded(posicion, forma):
    return posicion // 1024, posicion % 1024 // 32, posicion % 32


def _unflat_without_remainder(posicion, forma):
    C, H, W = forma
    return posicion // (H * W), posicion // W, posicion % W


def _unflat_swapped(posicion, forma):
    C, H, W = forma
    resto = posicion % (H * W)
    return posicion // (H * W), resto % H, resto // H


def _unflat_true_division(posicion, forma):
    C, H, W = forma
    return posicion / (H * W), posicion % (H * W) / W, posicion % W


# Las respuestas del ejercicio de la probabilidad de una clase.
def _probability_batch_index(salida, k):
    return torch.softmax(salida, dim=1)[k]


def _probability_bare_squeeze(salida, k):
    return torch.softmax(salida, dim=1).squeeze()[k]


def _probability_logit(salida, k):
    return salida[0, k]


def _probability_dim0(salida, k):
    return torch.softmax(salida, dim=0)[0, k]


def _probability_fixed_class(salida, k):
    return torch.softmax(salida, dim=1)[0, 3]


def _probability_keeps_batch(salida, k):
    return torch.softmax(salida, dim=1)[:, k]


def _probability_in_place(salida, k):
    return torch.softmax(salida.squeeze_(0), dim=0)[k]


def _probability_log(salida, k):
    return torch.log_softmax(salida, dim=1)[0, k]


# Las respuestas del paso de descenso de gradiente de la lección 03.
def _update_rebinding(parametros, lr):
    with torch.no_grad():
        for p in parametros:
            p = p - lr * p.grad  # crea otro tensor: el parámetro no cambia
    for p in parametros:
        p.grad.zero_()


def _update_uphill(parametros, lr):
    with torch.no_grad():
        for p in parametros:
            p += lr * p.grad
    for p in parametros:
        p.grad.zero_()


def _update_without_lr(parametros, lr):
    with torch.no_grad():
        for p in parametros:
            p -= p.grad
    for p in parametros:
        p.grad.zero_()


def _update_outside_no_grad(parametros, lr):
    for p in parametros:
        p -= lr * p.grad
        p.grad.zero_()


def _update_fixed_rate(parametros, lr):
    with torch.no_grad():
        for p in parametros:
            p -= 0.1 * p.grad
    for p in parametros:
        p.grad.zero_()


def _update_first_only(parametros, lr):
    with torch.no_grad():
        parametros[0] -= lr * parametros[0].grad
    for p in parametros:
        p.grad.zero_()


def _update_after_zeroing(parametros, lr):
    for p in parametros:
        p.grad.zero_()
    with torch.no_grad():
        for p in parametros:
            p -= lr * p.grad


def _update_and_freeze(parametros, lr):
    with torch.no_grad():
        for p in parametros:
            p -= lr * p.grad
    for p in parametros:
        p.grad = None
        p.requires_grad_(False)


def _update_twice_the_step(parametros, lr):
    with torch.no_grad():
        for p in parametros:
            p -= 2 * lr * p.grad
    for p in parametros:
        p.grad.zero_()














# Las respuestas de la lección 05: formas con imágenes de 36×36 y la fracción de ceros medida con ganchos.
STAGE_SHAPES = {
    "stem": (2, 16, 36, 36),
    "stage1": (2, 32, 18, 18),
    "stage2": (2, 64, 9, 9),
    "stage3": (2, 128, 4, 4),
    "fc": (2, 10),
}
SHAPES_32 = {
    "stem": (2, 16, 32, 32),
    "stage1": (2, 32, 16, 16),
    "stage2": (2, 64, 8, 8),
    "stage3": (2, 128, 4, 4),
    "fc": (2, 10),
}


def _fraction(salida):
    return (salida == 0).float().mean().item()


def _zero_fraction_of(modelo, imagenes, nombres, medir=_fraction, de_la_entrada=False, quitar=True, evaluar=True):
    """Una respuesta con ganchos, bien escrita salvo lo que cambien los argumentos (cada uno, un error típico)."""
    fracciones = {}

    def guardar(nombre):
        def gancho(modulo, entrada, salida):
            fracciones[nombre] = medir(entrada[0] if de_la_entrada else salida)

        return gancho

    manejadores = [modelo.get_submodule(n).register_forward_hook(guardar(n)) for n in nombres]
    if evaluar:
        modelo.eval()
    with torch.no_grad():
        modelo(imagenes)
    if quitar:
        for manejador in manejadores:
            manejador.remove()
    return fracciones


def _zeros_hooks_left(modelo, imagenes, nombres):
    return _zero_fraction_of(modelo, imagenes, nombres, quitar=False)


def _zeros_in_train_mode(modelo, imagenes, nombres):
    return _zero_fraction_of(modelo, imagenes, nombres, evaluar=False)


def _zeros_counted(modelo, imagenes, nombres):
    return _zero_fraction_of(modelo, imagenes, nombres, medir=lambda salida: (salida == 0).sum().item())


def _zeros_nonzero_fraction(modelo, imagenes, nombres):
    return _zero_fraction_of(modelo, imagenes, nombres, medir=lambda salida: (salida != 0).float().mean().item())


def _zeros_of_the_input(modelo, imagenes, nombres):
    return _zero_fraction_of(modelo, imagenes, nombres, de_la_entrada=True)


def _zeros_negatives(modelo, imagenes, nombres):
    return _zero_fraction_of(modelo, imagenes, nombres, medir=lambda salida: (salida < 0).float().mean().item())


def _zeros_as_percent(modelo, imagenes, nombres):
    return _zero_fraction_of(modelo, imagenes, nombres, medir=lambda salida: 100 * _fraction(salida))


def _zeros_fixed_names(modelo, imagenes, nombres):
    return _zero_fraction_of(modelo, imagenes, ["capa1", "capa2"])


def _zeros_tensor(modelo, imagenes, nombres):
    return _zero_fraction_of(modelo, imagenes, nombres, medir=lambda salida: salida == 0)


def _stem_without_pool(red):
    red.conv1 = nn.Conv2d(3, 64, kernel_size=3, stride=1, padding=1, bias=False)
    red.maxpool = nn.Identity()
    return red


def _stem_without_padding(red):
    red.conv1 = nn.Conv2d(3, 64, kernel_size=3, stride=1, bias=False)
    return red


def _freeze_only_the_head(red):
    red.requires_grad_(False)
    red.fc.requires_grad_(True)
    return red


def _freeze_up_to_layer2(red):
    red.requires_grad_(False)
    for part in (red.layer3, red.layer4, red.fc):
        part.requires_grad_(True)
    return red


def _freeze_with_attribute(red):
    red.requires_grad = False
    return red


WRONG = [
    (FlatPosition, _flat_hardcoded, "has escrito 1024 y 32, que son los números de un canal y de una fila en 3×32×32"),
    (FlatPosition, _flat_hardcoded, "con una imagen de 3×64×64, `posicion_plana(1, 2, 3, (3, 64, 64))` devolvió"),
    (FlatPosition, _flat_swapped, "Has cambiado filas por columnas"),
    (FlatPosition, _flat_height_for_width, "Cada fila tiene W números (el ancho), no H"),
    (FlatPosition, _flat_channels_forgotten, "Falta saltar los c canales completos"),
    (FlatPosition, lambda c, h, w, forma: c * 1024 + h * forma[2] + w, "Has escrito 1024, el tamaño de un canal"),
    (FlatPosition, 3072, "se esperaba una función"),
    (UnflatPosition, _unflat_hardcoded, "has escrito 1024 y 32"),
    (UnflatPosition, _unflat_without_remainder, "`de_vuelta(1024, (3, 32, 32))` devolvió `(1, 32, 0)`"),
    (UnflatPosition, _unflat_without_remainder, "quita antes los canales completos"),
    (UnflatPosition, _unflat_swapped, "Has cambiado filas por columnas"),
    (UnflatPosition, _unflat_true_division, "Usa la división entera //"),
    (UnflatPosition, lambda p, forma: p, "se esperaban tres números"),
    (FlattenBatch, exercise_batch_64().flatten(), "has aplanado también el eje del lote (start_dim=0)"),
    (FlattenBatch, exercise_batch_64().reshape(-1, 3072), "has escrito 3072, los números de una imagen de 3×32×32"),
    (FlattenBatch, exercise_batch_64().reshape(-1, 3072), "cada una tiene 3·64·64 = 12 288 números"),
    (FlattenBatch, exercise_batch_64().flatten(2), "has aplanado desde la dimensión 2"),
    (FlattenBatch, exercise_batch_64().permute(0, 2, 3, 1).flatten(1), "¿has cambiado el orden de las dimensiones"),
    (FlattenBatch, [1, 2, 3], "se esperaba un tensor"),
    (
        BuildMLP,
        _mlp(nn.Linear(3072, 256), nn.Linear(256, 128), nn.Linear(128, 10)),
        "hay 0 ReLU, pero se esperaban 2",
    ),
    (
        BuildMLP,
        _mlp(nn.Linear(3072, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10)),
        "las capas lineales son 3072→512, 512→512, 512→10, pero se esperaban 3072→256, 256→128, 128→10",
    ),
    (
        BuildMLP,
        nn.Sequential(nn.Linear(3072, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10)),
        "saltó un error: RuntimeError",
    ),
    (BuildMLP, nn.Sequential, "has guardado la clase"),
    (
        LogitsToNames,
        [CLASSES_ES[i] for i in exercise_logits().argmax(0).tolist()],
        "parece que usaste argmax(dim=0)",
    ),
    (
        LogitsToNames,
        [CLASSES_EN[i] for i in exercise_logits().argmax(1).tolist()],
        "los nombres están en inglés",
    ),
    (LogitsToNames, exercise_logits().argmax(1), "es un tensor de índices"),
    (ParameterCount, 512 * 256, "131 072 cuenta solo los pesos: faltan los 256 sesgos"),
    (ParameterCount, 512 * 256 + 512, "un sesgo por cada una de las 256 salidas"),
    (ParameterCount, 768, "tu respuesta es 768, pero la capa tiene 131 328 parámetros"),
    (FixForward, _SingleImage, "¿Sigues aplanando desde la dimensión 0?"),
    (FixForward, _InPlace, "forward modifica el tensor que recibe"),
    (FixForward, _SingleImage(), "se esperaba la clase RedArreglada"),
    (
        ClassProbability,
        _probability_batch_index,
        "la salida tiene forma [1, 10] y su primera dimensión es el lote, de tamaño 1",
    ),
    (ClassProbability, _probability_batch_index, "Usa `salida[0, k]` (imagen 0, clase k) o `salida.squeeze(0)[k]`"),
    (ClassProbability, _probability_bare_squeeze, "`squeeze()` sin argumento quita todas las dimensiones de tamaño 1"),
    (ClassProbability, _probability_logit, "Has devuelto un logit: aplica softmax"),
    (ClassProbability, _probability_dim0, "softmax con dim=0 normaliza cada columna"),
    (ClassProbability, _probability_fixed_class, "Es la probabilidad de la clase 3: usa el argumento k"),
    (ClassProbability, _probability_keeps_batch, "devolvió un tensor de forma (1,), que conserva el eje del lote"),
    (ClassProbability, _probability_in_place, "tu función modifica la salida que recibe"),
    (ClassProbability, _probability_log, "log_softmax"),
    (ClassProbability, lambda salida, k: torch.softmax(salida, dim=1), "se esperaba un solo número"),
    (GradientByHand, 5.0, "5,0 es dL/dw, la pendiente respecto al peso w, y se pide la pendiente respecto a b"),
    (GradientByHand, 6.0, "6,0 es la suma de los cuatro términos: la pérdida es una media"),
    (GradientByHand, 0.75, "le falta el 2 que baja del cuadrado"),
    (GradientByHand, -1.5, "tiene el signo cambiado"),
    (GradientByHand, 3.5, "en 3,5 falta b: el modelo es w·x + b, con b_ej = -1"),
    (GradientByHand, 4.25, "es la pérdida L en ese punto, no su pendiente respecto a b"),
    (GradientByHand, 7.5, "tu respuesta es 7,5, pero dL/db vale 1,5"),  # la respuesta del ejercicio anterior, dL/dw
    (GradientByHand, 1.0, "tu respuesta es 1,0, pero dL/db vale 1,5"),
    (GradientByHand, torch.tensor([1.5]), "Sácalo con `.item()`"),
    (AccumulatedGradient, -12.0, "es el gradiente de un solo backward"),
    (AccumulatedGradient, -12.0, "le suma el gradiente nuevo"),
    (AccumulatedGradient, 36.0, "tiene el signo cambiado"),
    (AccumulatedGradient, -18.0, "le falta el 2 de 2·w"),
    (AccumulatedGradient, 9.0, "sale de la pérdida"),
    (AccumulatedGradient, 0.0, "pero el código deja w.grad = -36,0"),
    (UpdateStep, _update_rebinding, "los parámetros no han cambiado. `p = p - lr * p.grad` no sirve"),
    (UpdateStep, _update_after_zeroing, "los parámetros no han cambiado"),
    (UpdateStep, _update_uphill, "has sumado el gradiente en vez de restarlo"),
    (UpdateStep, _update_without_lr, "falta multiplicarlo por la tasa de aprendizaje"),
    (UpdateStep, _update_outside_no_grad, "fuera de `torch.no_grad()`"),
    (UpdateStep, _update_fixed_rate, "con lr = 0,5, tu paso es el de lr = 0,1: usa el argumento `lr`"),
    (UpdateStep, _update_first_only, "el parámetro b no ha cambiado"),
    (UpdateStep, _update_and_freeze, "ya no son tensores hoja con requires_grad=True"),
    (UpdateStep, _update_twice_the_step, "los parámetros no valen lo que deberían"),
    (UpdateStep, 0.1, "se esperaba una función"),
    (DivergingLearningRate, 0.1, "con lr = 0,10 la pérdida baja de"),
    (DivergingLearningRate, 0.1, "en 30 pasos: el descenso converge, no diverge."),
    (DivergingLearningRate, 0.01, "con lr = 0,01 la pérdida baja de"),
    (DivergingLearningRate, 0.3, "con lr = 0,30 la pérdida sí diverge, pero no es la menor tasa de la lista"),
    (DivergingLearningRate, 0.5, "no es la menor tasa de la lista con la que diverge."),
    (DivergingLearningRate, 0.2, "0,2 no está en la lista `tasas_ej`"),
    (DivergingLearningRate, 0.4543, "no está en la lista"),
    (DivergingLearningRate, [0.15, 0.3, 0.5], "has guardado varias tasas"),
    (Accuracy, 25.0, "25,0 es un porcentaje: se esperaba la fracción, 0,25 (un 25,0 % de aciertos)"),
    (Accuracy, 3, "3 es el número de aciertos"),
    (Accuracy, torch.ones(12), "es un tensor de forma (12,)"),
    (Accuracy, 0.5, "tu exactitud es 0,5000, pero la del lote es 0,2500"),
    (InitialLoss, 1.0, "logaritmo natural: ln(10) ≈ 2,3026"),
    (InitialLoss, 0.1, "0,1 es la probabilidad de cada clase"),
    (InitialLoss, -math.log(10), "Te falta el signo menos"),
    (InitialLoss, 2.0, "tu respuesta es 2,0, pero −log(1/10) ≈ 2,3026"),
    (TrainingStep, _step_without_zero_grad, "¿olvidaste optimizador.zero_grad()?"),
    (TrainingStep, _step_without_step, "falta optimizador.step()"),
    (TrainingStep, _step_without_backward, "falta perdida.backward()"),
    (TrainingStep, _step_returning_tensor, "usa perdida.item()"),
    (TrainingStep, lambda *args: 1.0, "los pesos no han cambiado"),
    (ReplaceHead, _mobilenet_with_fc(), "MobileNetV3 no tiene fc"),
    (ReplaceHead, _mobilenet_head(1024, 1000), "la cabeza tiene 1000 salidas"),
    (ReplaceHead, _mobilenet_head(512, 10), "la cabeza recibe 512 entradas"),
    (ReplaceHead, models.resnet18(weights=None, num_classes=10), "se esperaba una MobileNetV3"),
    (FrozenCount, 2560, "2560 son los pesos de la cabeza, pero faltan sus 5 sesgos"),
    (FrozenCount, 11_179_077, "11 179 077 son (casi) todos los parámetros"),
    (FrozenCount, 5130, "tu respuesta es 5130, pero la cabeza de 512 a 5 tiene 2565 parámetros"),
    (ConvOutputShape, (16, 15, 15), "no tiene la dimensión del lote"),
    (ConvOutputShape, (8, 16, 14, 14), "sale de olvidar el relleno"),
    (ConvOutputShape, (8, 16, 30, 30), "con stride=2 el núcleo salta de 2 en 2"),
    (ConvOutputShape, (8, 3, 15, 15), "los canales de salida los decide la capa"),
    (ConvOutputShape, torch.zeros(8, 16, 15, 15), "es un tensor: se esperaba su forma"),
    (ConvOutputShape, (8, 16, 16, 16), "tu forma es (8, 16, 16, 16)"),
    (ConvParameterCount, 128 * 64 * 3 * 3, "73 728 cuenta solo los pesos: faltan los 128 sesgos"),
    (ConvParameterCount, 128 * 3 * 3 + 128, "no cuenta los canales de entrada"),
    (ConvParameterCount, 64 * 128 + 128, "es la cuenta de una nn.Linear(64, 128)"),
    (ConvParameterCount, 128 * 64 * 3 * 3 + 64, "no por cada canal de entrada"),
    (ConvParameterCount, 1000, "tu respuesta es 1000, pero la capa tiene 73 856 parámetros"),
    (StageShapes, {**STAGE_SHAPES, "stage3": (2, 128, 5, 5)}, "9×9, un tamaño impar"),
    (StageShapes, {**STAGE_SHAPES, "stage3": (2, 128, 4.5, 4.5)}, "El tamaño es 9 // 2, con división entera"),
    (StageShapes, {**STAGE_SHAPES, "stem": (2, 16, 18, 18)}, "stem no reduce el tamaño"),
    (StageShapes, {**STAGE_SHAPES, "fc": (2, 128, 1, 1)}, "es la salida de pool, no la de fc"),
    (StageShapes, {**STAGE_SHAPES, "fc": (2, 128)}, "es la salida de flatten, no la de fc"),
    (StageShapes, {**STAGE_SHAPES, "stage1": (8, 32, 18, 18)}, "el lote es de 2 imágenes y ninguna capa lo cambia"),
    (StageShapes, {**STAGE_SHAPES, "stage2": (2, 32, 9, 9)}, "en «stage2» los canales no son 32"),
    (StageShapes, {**STAGE_SHAPES, "stage2": (2, 64, 18, 18)}, "cada etapa tiene un MaxPool2d(2)"),
    (StageShapes, {**STAGE_SHAPES, "fc": (2, 10, 1, 1)}, "tiene 4 números, pero se esperaban 2: (lote, clases)"),
    (StageShapes, SHAPES_32, "son las formas del apartado 4, con imágenes de 32×32"),
    (StageShapes, {name: (8, *shape[1:]) for name, shape in SHAPES_32.items()}, "son las formas del apartado 4"),
    (StageShapes, {**STAGE_SHAPES, "fc": None}, "todavía falta la forma de «fc»"),
    (StageShapes, {"stem": (2, 16, 36, 36)}, "al diccionario le falta «stage1», «stage2», «stage3» y «fc»"),
    (StageShapes, [(2, 16, 36, 36)], "se esperaba un diccionario como el de la celda"),
    (StageShapes, {**STAGE_SHAPES, "stage2": torch.zeros(2, 64, 9, 9)}, "hay un tensor: se esperaba su forma"),
    (ZeroFraction, _zeros_hooks_left, "tu función deja ganchos puestos en «capa1» y «capa2»"),
    (ZeroFraction, _zeros_in_train_mode, "Llama a modelo.eval() antes de pasar las imágenes"),
    (ZeroFraction, _zeros_counted, "el número de ceros: se pide la fracción, de 0 a 1"),
    (ZeroFraction, _zeros_nonzero_fraction, "la fracción de valores distintos de cero"),
    (ZeroFraction, _zeros_of_the_input, "¿Cuentas los ceros de la entrada del gancho en vez de los de su salida"),
    (ZeroFraction, _zeros_negatives, "o los valores negativos, que después de una ReLU ya no quedan"),
    (ZeroFraction, _zeros_as_percent, "un porcentaje: se pide la fracción"),
    (ZeroFraction, _zeros_fixed_names, "las claves del diccionario deben ser los nombres que recibe la función"),
    (ZeroFraction, _zeros_tensor, "es un tensor de forma (6, 8, 8, 8): se esperaba un solo número"),
    (FeatureMapSide, lambda lado: lado // 32, "la división entera redondea hacia abajo"),
    (FeatureMapSide, lambda lado: lado / 32, "un número real"),
    (FeatureMapSide, lambda lado: lado // 16, "son cuatro mitades"),
    (FeatureMapSide, lambda lado: 7, "con una imagen de 32×32 tu función da 7, pero el mapa final de ResNet18 es"),
    (MiddleStem, _stem_without_pool, "eso es el tallo para CIFAR del apartado 6"),
    (MiddleStem, _stem_without_padding, "layer1 recibe un mapa de 15×15"),
    (FreezeUpToLayer3, _freeze_only_the_head, "layer4 está congelada"),
    (FreezeUpToLayer3, _freeze_with_attribute, "`red.requires_grad = …` solo crea un atributo nuevo"),
]


@pytest.mark.parametrize(
    ("kind", "answer", "fragment"), WRONG, ids=[f"{k.__name__}-{i}" for i, (k, _, _) in enumerate(WRONG)]
)
def test_typical_wrong_answers_get_specific_messages(kind, answer, fragment):
    feedback = kind().evaluate(answer)
    assert feedback.status == "incorrecto"
    assert fragment in feedback.message, feedback.message
    assert str(feedback).startswith("❌")
    # Los números de la prosa, al estilo español: nada de punto decimal fuera del código.
    assert not re.search(r"\d\.\d", _outside_code(feedback.message)), feedback.message


def test_every_exercise_has_at_least_two_wrong_answers_tested():
    counts = {kind: sum(k is kind for k, _, _ in WRONG) for kind in ALL}
    assert min(counts.values()) >= 2, counts


def test_flat_position_works_for_any_shape():
    """La fórmula general pasa; una que solo vale para 3×32×32 falla justo al cambiar de forma."""
    exercise = FlatPosition()
    shapes = {shape for shape, _ in exercise.cases}
    assert {(3, 32, 32), (3, 64, 64), (1, 28, 28)} <= shapes
    assert any(height != width for _, height, width in shapes)
    assert exercise.evaluate(lambda c, h, w, forma: c * forma[1] * forma[2] + h * forma[2] + w).correct
    inverse = UnflatPosition()
    assert {(3, 32, 32), (3, 64, 64), (1, 28, 28)} <= {shape for shape, _ in inverse.cases}


def test_class_probability_accepts_the_usual_ways_and_explains_squeeze():
    for answer in (
        lambda salida, k: torch.softmax(salida, dim=1)[0, k],
        lambda salida, k: torch.softmax(salida, dim=1).squeeze(0)[k],
        lambda salida, k: torch.softmax(salida, dim=1)[0][k],
        lambda salida, k: torch.softmax(salida.squeeze(0), dim=0)[k].item(),
        lambda salida, k: float(torch.softmax(salida, dim=1)[0, k]),
    ):
        feedback = ClassProbability().evaluate(answer)
        assert feedback.correct, feedback.message
        assert feedback.message.startswith("¡Correcto!") and "`squeeze(0)` es más seguro que `squeeze()`" in (
            feedback.message
        )


def test_class_probability_bare_squeeze_only_fails_with_one_class():
    """`squeeze()` funciona con [1, 10]: el mensaje explica el caso [1, 1], donde falla."""
    feedback = ClassProbability().evaluate(_probability_bare_squeeze)
    assert "con una salida de forma [1, 1] (una red con una sola clase)" in feedback.message
    assert exercise_single_output().shape == (1, 10)


def test_check_reads_the_notebook_variable(capsys):
    globals()["posicion_plana"] = lambda c, h, w, forma: c * forma[1] * forma[2] + h * forma[2] + w
    try:
        FlatPosition().comprobar()
    finally:
        del globals()["posicion_plana"]
    assert "¡Correcto!" in capsys.readouterr().out
    FlatPosition().comprobar()
    assert "todavía no has respondido" in capsys.readouterr().out


@pytest.mark.parametrize("kind", [StageShapes, ZeroFraction], ids=lambda k: k.__name__)
def test_lesson_05_checks_leave_the_random_state_alone(kind):
    """Las comprobaciones crean redes con pesos aleatorios, pero no mueven el generador del alumno."""
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    lesson05.stage_shapes.cache_clear()
    assert kind().evaluate(_solve(kind())).correct
    assert torch.equal(torch.rand(3), expected)


# --- Números: nan e inf nunca son correctos; NumPy y tensores sin dimensiones sí son números ----------------


def _correct_probability(salida, k):
    return torch.softmax(salida, dim=1)[0, k].item()


def _correct_step(modelo, imagenes, etiquetas, optimizador, funcion_perdida):
    optimizador.zero_grad()
    perdida = funcion_perdida(modelo(imagenes), etiquetas)
    perdida.backward()
    optimizador.step()
    return perdida.item()


def _accuracy():
    logits, labels = exercise_predictions()
    return (logits.argmax(1) == labels).float().mean().item()


# Los ejercicios cuya respuesta es un número, con su respuesta correcta como float o int de Python.
NUMERIC_VALUES = [
    (ParameterCount, 512 * 256 + 256),
    (FrozenCount, 512 * 5 + 5),
    (ConvParameterCount, 128 * 64 * 3 * 3 + 128),
    (Accuracy, _accuracy()),
    (InitialLoss, math.log(10)),
    (GradientByHand, 1.5),
    (AccumulatedGradient, -36.0),
    (DivergingLearningRate, 0.15),
]
# Los ejercicios cuya respuesta es una función que devuelve números: (ejercicio, función correcta que pasa cada
# número devuelto por `convert`).
NUMERIC_FUNCTIONS = [
    (FlatPosition, lambda convert: lambda c, h, w, forma: convert(c * forma[1] * forma[2] + h * forma[2] + w)),
    (
        UnflatPosition,
        lambda convert: (
            lambda p, forma: tuple(
                convert(n) for n in (p // (forma[1] * forma[2]), p % (forma[1] * forma[2]) // forma[2], p % forma[2])
            )
        ),
    ),
    (ClassProbability, lambda convert: lambda salida, k: convert(_correct_probability(salida, k))),
    (TrainingStep, lambda convert: lambda *args: convert(_correct_step(*args))),
]
NUMBER_FORMS = {
    "numpy-escalar": lambda n: np.int64(n) if isinstance(n, int) else np.float64(n),
    "numpy-32": lambda n: np.int32(n) if isinstance(n, int) else np.float32(n),
    "numpy-0d": lambda n: np.array(n),
    "tensor-0d": lambda n: torch.tensor(n),
}


@pytest.mark.parametrize("form", NUMBER_FORMS)
@pytest.mark.parametrize(("kind", "value"), NUMERIC_VALUES, ids=[k.__name__ for k, _ in NUMERIC_VALUES])
def test_numpy_scalars_and_0d_tensors_are_numbers(kind, value, form):
    feedback = kind().evaluate(NUMBER_FORMS[form](value))
    assert feedback.correct, feedback.message


@pytest.mark.parametrize("form", NUMBER_FORMS)
@pytest.mark.parametrize(("kind", "make"), NUMERIC_FUNCTIONS, ids=[k.__name__ for k, _ in NUMERIC_FUNCTIONS])
def test_functions_may_return_numpy_scalars_and_0d_tensors(kind, make, form):
    feedback = kind().evaluate(make(NUMBER_FORMS[form]))
    assert feedback.correct, feedback.message


@pytest.mark.parametrize("form", NUMBER_FORMS)
def test_conv_output_shape_accepts_numpy_and_0d_tensor_sizes(form):
    feedback = ConvOutputShape().evaluate(tuple(NUMBER_FORMS[form](n) for n in (8, 16, 15, 15)))
    assert feedback.correct, feedback.message


def test_a_tensor_of_shape_1_is_never_a_number():
    """Un tensor de forma [1] conserva un eje: ningún ejercicio lo toma por un número (lo explica cada uno)."""
    for kind, value in NUMERIC_VALUES:
        feedback = kind().evaluate(torch.tensor([value]))
        assert feedback.status == "incorrecto"
        assert "es un tensor de forma (1,), que todavía conserva un eje: se esperaba un solo número" in (
            feedback.message
        )
        assert "Sácalo con `.item()`" in feedback.message
    feedback = Accuracy().evaluate(np.array([_accuracy()]))
    assert "es un array de NumPy de forma (1,)" in feedback.message
    messages = {
        FlatPosition: "se esperaba un número entero, la posición",
        UnflatPosition: "se esperaban tres enteros",
        ClassProbability: "que conserva el eje del lote",
        TrainingStep: "devuelves un tensor: usa perdida.item()",
    }
    for kind, make in NUMERIC_FUNCTIONS:
        feedback = kind().evaluate(make(lambda n: torch.tensor([n])))
        assert feedback.status == "incorrecto"
        assert messages[kind] in feedback.message, feedback.message
    feedback = ConvOutputShape().evaluate(tuple(torch.tensor([n]) for n in (8, 16, 15, 15)))
    assert "se esperaba una tupla de enteros" in feedback.message


def test_a_loss_still_attached_to_the_graph_is_not_a_number():
    feedback = TrainingStep().evaluate(_step_returning_tensor)
    assert "usa perdida.item()" in feedback.message
    assert TrainingStep().evaluate(lambda *args: torch.tensor(_correct_step(*args))).correct


NOT_FINITE = [
    ("nan", math.nan),
    ("inf", math.inf),
    ("-inf", -math.inf),
    ("nan", np.float32("nan")),
    ("inf", np.float64("inf")),
    ("nan", torch.tensor(math.nan)),
    ("-inf", torch.tensor(-math.inf)),
]


@pytest.mark.parametrize(("name", "value"), NOT_FINITE, ids=[f"{n}-{type(v).__name__}" for n, v in NOT_FINITE])
@pytest.mark.parametrize(("kind", "_"), NUMERIC_VALUES, ids=[k.__name__ for k, _ in NUMERIC_VALUES])
def test_non_finite_numbers_are_never_correct(kind, _, name, value):
    feedback = kind().evaluate(value)
    assert feedback.status == "incorrecto"
    assert feedback.message.startswith(f"tu respuesta no es un número finito ({name}): un valor así sale de"), (
        feedback.message
    )


@pytest.mark.parametrize(("name", "value"), NOT_FINITE, ids=[f"{n}-{type(v).__name__}" for n, v in NOT_FINITE])
@pytest.mark.parametrize(("kind", "make"), NUMERIC_FUNCTIONS, ids=[k.__name__ for k, _ in NUMERIC_FUNCTIONS])
def test_functions_returning_non_finite_numbers_are_never_correct(kind, make, name, value):
    feedback = kind().evaluate(make(lambda n: value))
    assert feedback.status == "incorrecto"
    assert feedback.message.startswith(f"tu respuesta no es un número finito ({name}): "), feedback.message
    assert f"devolvió {name}, y un valor así sale de" in feedback.message


def test_non_finite_sizes_in_a_shape_are_never_correct():
    feedback = ConvOutputShape().evaluate((8, 16, math.nan, 15))
    assert feedback.message.startswith("tu respuesta no es un número finito (nan): tu forma contiene nan")


def test_close_rejects_non_finite_numbers():
    from course_utils.exercises.framework import WrongAnswer, _close

    assert _close(np.float32(0.5), 0.5, 1e-6) and not _close(0.6, 0.5, 1e-6)
    for value in (math.nan, math.inf, -math.inf, torch.tensor(math.nan)):
        with pytest.raises(WrongAnswer, match=r"no es un número finito"):
            _close(value, 0.5, 1e-6)


# --- Un fallo del corrector no es culpa del alumno ----------------------------------------------------------

CHECKER_FAILURE = "no he podido comprobar tu respuesta"


class _BuggyFlatPosition(FlatPosition):
    """Un corrector con un error propio, después de llamar sin problemas a la función del alumno."""

    def verify(self, answer):
        ex.framework._call(answer, 0, 0, 5, (3, 32, 32))
        return {}["caso"]


class _BuggyNameFlatPosition(FlatPosition):
    def verify(self, answer):
        return nombre_que_no_existe  # noqa: F821 - el error del corrector


class _InitFails(nn.Module):
    def __init__(self):
        super().__init__()
        raise ValueError("no me apetece")


class _ForwardFails(nn.Module):
    def __init__(self):
        super().__init__()
        self.lineal = nn.Linear(3072, 10)

    def forward(self, x):
        return self.lineal(x.flatten(1)) + {}["sesgo"]


def test_a_checker_bug_does_not_blame_the_learner():
    feedback = _BuggyFlatPosition().evaluate(_solve(FlatPosition()))
    assert feedback.status == "sin comprobar" and not feedback.correct
    assert feedback.message.startswith(f"{CHECKER_FAILURE} (KeyError: 'caso'): no es culpa tuya")
    assert str(feedback).startswith("⚠️") and "⚠️" in feedback._repr_html_()
    feedback = _BuggyNameFlatPosition().evaluate(_solve(FlatPosition()))
    assert feedback.message.startswith(f"{CHECKER_FAILURE} (NameError: ")
    assert "¿está bien escrito?" not in feedback.message


def test_a_checker_bug_in_a_real_exercise_does_not_blame_the_learner(monkeypatch):
    def broken():
        raise RuntimeError("datos del ejercicio rotos")

    monkeypatch.setattr(ex.lesson02, "exercise_batch", broken)
    feedback = BuildMLP().evaluate(_solve(BuildMLP()))
    assert feedback.status == "sin comprobar"
    assert f"{CHECKER_FAILURE} (RuntimeError: datos del ejercicio rotos): no es culpa tuya" in feedback.message
    monkeypatch.setattr(ex.lesson04, "_close", lambda *args: {}["tolerancia"])
    feedback = InitialLoss().evaluate(math.log(10))
    assert feedback.message.startswith(f"{CHECKER_FAILURE} (KeyError: 'tolerancia'): no es culpa tuya")


LEARNER_ERRORS = [
    (FlatPosition, lambda c, h, w, forma: c / 0, "ZeroDivisionError: division by zero"),
    (ClassProbability, lambda salida, k: [][k], "IndexError: list index out of range"),
    (TrainingStep, lambda *args: int("uno"), "ValueError: invalid literal for int() with base 10: 'uno'"),
    (UpdateStep, lambda parametros, lr: parametros[2], "IndexError: list index out of range"),
    # Un RuntimeError que no es el de cambiar un tensor hoja fuera de no_grad: el corrector lo deja pasar tal cual.
    (
        UpdateStep,
        lambda parametros, lr: parametros[0] + torch.ones(5),
        "RuntimeError: The size of tensor a (3) must match the size of tensor b (5)",
    ),
    (FixForward, _InitFails, "ValueError: no me apetece"),
    (FixForward, _ForwardFails, "KeyError: 'sesgo'"),
    (
        BuildMLP,
        nn.Sequential(nn.Linear(3072, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10)),
        "RuntimeError: mat1 and mat2 shapes cannot be multiplied",
    ),
]


@pytest.mark.parametrize(
    ("kind", "answer", "fragment"),
    LEARNER_ERRORS,
    ids=[f"{k.__name__}-{i}" for i, (k, _, _) in enumerate(LEARNER_ERRORS)],
)
def test_an_error_in_the_learner_code_is_reported_as_theirs(kind, answer, fragment):
    feedback = kind().evaluate(answer)
    assert feedback.status == "incorrecto"
    assert feedback.message.startswith(f"al ejecutar tu respuesta saltó un error: {fragment}"), feedback.message
    assert CHECKER_FAILURE not in feedback.message


def test_wrong_types_are_the_learner_s_not_a_checker_failure():
    feedback = LogitsToNames().evaluate(3)
    assert "se esperaba una lista de nombres" in feedback.message and feedback.status == "incorrecto"
    model = models.mobilenet_v3_small(weights=None)
    model.classifier = nn.Linear(576, 10)
    assert "has sustituido todo `classifier` por Linear" in ReplaceHead().evaluate(model).message

    class _Tuple(nn.Module):
        def __init__(self):
            super().__init__()
            self.lineal = nn.Linear(3072, 10)

        def forward(self, x):
            return (self.lineal(x.flatten(1)),)

    assert "forward debe devolver un tensor, pero devolvió tuple" in FixForward().evaluate(_Tuple).message


# --- Ideas equivocadas frecuentes ---------------------------------------------------------------------------

LOGITS_EXPLANATION = (
    "El modelo debe devolver los logits, la salida de la última nn.Linear tal cual, porque nn.CrossEntropyLoss, la "
    "pérdida con la que se entrena, ya aplica softmax por dentro"
)


class _MLPSoftmaxInForward(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.layers = nn.Sequential(nn.Linear(3072, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))

    def forward(self, x):
        return torch.softmax(self.layers(self.flatten(x)), dim=1)


SMALL_MLP = (nn.Linear(3072, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))


@pytest.mark.parametrize(
    ("answer", "start"),
    [
        (
            _mlp(*SMALL_MLP, nn.Softmax(dim=1)),
            "tu modelo termina en nn.Softmax, así que devuelve probabilidades y no logits.",
        ),
        (
            _mlp(*SMALL_MLP, nn.LogSoftmax(dim=1)),
            "tu modelo termina en nn.LogSoftmax, así que devuelve logaritmos de probabilidades y no logits.",
        ),
        (_MLPSoftmaxInForward(), "tu modelo devuelve probabilidades y no logits: ¿aplicas softmax en forward?"),
    ],
    ids=["Softmax", "LogSoftmax", "softmax-en-forward"],
)
def test_an_mlp_that_returns_probabilities_is_not_correct(answer, start):
    feedback = BuildMLP().evaluate(answer)
    assert feedback.status == "incorrecto"
    assert feedback.message.startswith(start), feedback.message
    assert LOGITS_EXPLANATION in feedback.message


def _step_with_softmax(modelo, imagenes, etiquetas, optimizador, funcion_perdida):
    optimizador.zero_grad()
    perdida = funcion_perdida(torch.softmax(modelo(imagenes), dim=1), etiquetas)
    perdida.backward()
    optimizador.step()
    return perdida.item()


def test_a_training_step_with_softmax_before_the_loss_is_told_so():
    feedback = TrainingStep().evaluate(_step_with_softmax)
    assert feedback.status == "incorrecto"
    assert feedback.message.startswith(
        "tras el paso 1 los pesos no son los esperados: aplicas softmax a la salida del modelo antes de "
        "`funcion_perdida`. nn.CrossEntropyLoss ya aplica softmax por dentro y espera los logits tal cual"
    )
    assert "zero_grad" not in feedback.message
    # Sin zero_grad sigue diciéndose lo suyo, y un paso correcto sin return también.
    assert "¿olvidaste optimizador.zero_grad()?" in TrainingStep().evaluate(_step_without_zero_grad).message
    assert (
        TrainingStep()
        .evaluate(_step_without_return)
        .message.startswith(
            "tu función no devuelve nada (le falta el `return`): añade `return perdida.item()` al final."
        )
    )


def test_the_training_step_check_leaves_the_random_state_alone():
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    TrainingStep().evaluate(_step_with_softmax)
    TrainingStep().evaluate(_solve(TrainingStep()))
    assert torch.equal(torch.rand(3), expected)


# --- Los nombres en español, con tilde y sin ella ----------------------------------------------------------


@pytest.mark.parametrize("kind", ALL, ids=lambda k: k.__name__)
def test_accented_aliases_work(kind, capsys):
    exercise = kind()
    exercise.solución()
    out = capsys.readouterr().out
    assert "📖" in out and "una forma de resolverlo es esta:" in out and exercise.solution in out
    assert exercise.solución == exercise.solucion == exercise.show_solution
    assert exercise.pista == exercise.show_hint and exercise.comprobar == exercise.check
    # Escrita con la tilde como carácter aparte (o + ´), Python normaliza el nombre y también funciona.
    namespace = {"ejercicio": exercise}
    exec("metodo = ejercicio.solucio\u0301n", namespace)
    assert namespace["metodo"] == exercise.show_solution


def test_the_readme_lists_every_lesson_s_exercises():
    """La tabla de ejercicios del README tiene una fila por lección, con tantos ejercicios como el módulo."""
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    modules = (lesson01, lesson02, lesson03, lesson04, lesson05, lesson06, lesson07)
    for number, module in enumerate(modules, start=1):
        kinds = [
            value
            for value in vars(module).values()
            if isinstance(value, type) and issubclass(value, ex.Exercise) and value.__module__ == module.__name__
        ]
        row = re.search(rf"^\| {number:02d} \| (.+) \|$", readme, flags=re.MULTILINE)
        assert row, f"falta la fila de la lección {number:02d} en la tabla de ejercicios del README"
        assert len(row.group(1).split(" · ")) == len(kinds), (number, row.group(1), [k.title for k in kinds])


def test_feature_map_side_formula_matches_the_real_resnet18():
    """La cuenta que corrige el ejercicio 4 de la lección 06, ⌈lado / 32⌉, es lo que da de verdad ResNet18."""
    exercise = FeatureMapSide()
    assert {1, 32, 33, 224} <= set(exercise.sides)
    assert [exercise.real_side(side) for side in exercise.sides] == [math.ceil(side / 32) for side in exercise.sides]


def test_unflat_accepts_a_tensor_or_array_with_the_three_numbers():
    """Regresión (issue 27): ``torch.tensor([c, h, w])`` es una respuesta correcta, y con floats no."""
    as_tensor = "import numpy as np\n\n\ndef de_vuelta(posicion, forma):\n    C, H, W = forma\n"
    as_tensor += "    c, resto = divmod(posicion, H * W)\n    h, w = divmod(resto, W)\n    return {}"
    for wrapped in ("torch.tensor([c, h, w])", "np.array([c, h, w])", "[c, h, w]"):
        feedback = UnflatPosition().evaluate(_run(as_tensor.format(wrapped), "de_vuelta"))
        assert feedback.correct, (wrapped, feedback.message)
    feedback = UnflatPosition().evaluate(_run(as_tensor.format("torch.tensor([c, h, w]).float()"), "de_vuelta"))
    assert not feedback.correct and "se esperaban tres enteros" in feedback.message


def test_valid_answers_written_another_way_are_accepted_and_huge_numbers_are_just_wrong():
    """Sondas hostiles (issue 27): un array de nombres o un tensor con la forma valen; 10**400 es un error."""
    indices = exercise_logits().argmax(dim=1).numpy()
    assert ex.LogitsToNames().evaluate(np.array(CLASSES_ES)[indices]).correct
    expected = ex.ConvOutputShape.expected
    assert ex.ConvOutputShape().evaluate(torch.tensor(expected)).correct
    assert ex.ConvOutputShape().evaluate(np.array(expected)).correct
    for exercise in (ex.ParameterCount(), ex.Accuracy()):
        feedback = exercise.evaluate(10**400)
        assert feedback.status == "incorrecto" and "más de 10^399" in feedback.message, feedback.message


# --- Lección 03: el paso de descenso, la tasa que diverge y los datos que enseña el cuaderno ------------------


def test_update_step_accepts_the_usual_ways():
    """Cualquier forma de cambiar el tensor en el sitio vale, y borrar el gradiente con zero_() o con None también."""
    updates = (
        "p -= lr * p.grad",
        "p.sub_(lr * p.grad)",
        "p.add_(p.grad, alpha=-lr)",
        "p.copy_(p - lr * p.grad)",
        "p.data -= lr * p.grad",
    )
    for update in updates:
        for clear in ("p.grad.zero_()", "p.grad = None"):
            code = (
                "def paso_descenso(parametros, lr):\n    with torch.no_grad():\n        for p in parametros:\n"
                f"            {update}\n    for p in parametros:\n        {clear}"
            )
            feedback = UpdateStep().evaluate(_run(code, "paso_descenso"))
            assert feedback.correct, (update, clear, feedback.message)


def test_the_diverging_rate_is_computed_from_the_data(monkeypatch):
    """La respuesta no está escrita en el corrector: sale de ejecutar el descenso, y coincide con la teoría.

    En un error cuadrático medio, el descenso de gradiente diverge cuando lr > 2 / λ, con λ el mayor valor propio
    de la matriz hessiana (2 · [[media(x²), media(x)], [media(x), 1]] para la recta w·x + b).
    """

    def threshold(x):
        x = x.double()
        hessian = 2 * torch.stack([torch.stack([(x * x).mean(), x.mean()]), torch.stack([x.mean(), torch.tensor(1.0)])])
        return 2 / torch.linalg.eigvalsh(hessian.double()).max().item()

    rates = exercise_learning_rates()
    x, _ = exercise_line_points()
    expected = min(lr for lr in rates if lr > threshold(x))
    assert DivergingLearningRate.expected() == expected == 0.15
    # Sin tasas pegadas a la frontera: la respuesta no depende de redondeos ni de float32 o float64.
    assert all(abs(lr - threshold(x)) > 0.15 * threshold(x) for lr in rates)
    # Con los puntos de la sección 4 de la lección (x de 0 a 2), la frontera sube y la respuesta cambia.
    lesson_x = torch.linspace(0, 2, 20)
    monkeypatch.setattr(lesson03, "exercise_line_points", lambda: (lesson_x, 1.5 * lesson_x + 0.5))
    assert DivergingLearningRate.expected() == 0.5 == min(lr for lr in rates if lr > threshold(lesson_x))
    assert DivergingLearningRate().evaluate(0.5).correct
    assert "no diverge" in DivergingLearningRate().evaluate(0.15).message


def test_the_diverging_rate_feedback_does_not_point_the_way():
    """Con una tasa equivocada, el corrector dice si diverge o no, pero no hacia dónde buscar (issue de la revisión:
    con «prueba las tasas mayores» o «hay una tasa menor», la respuesta salía a tientas)."""
    expected = DivergingLearningRate.expected()
    for lr in exercise_learning_rates():
        feedback = DivergingLearningRate().evaluate(lr)
        if lr == expected:
            assert feedback.correct, feedback.message
            continue
        message = feedback.message.lower()
        assert not feedback.correct and ("no diverge" in message) == (lr < expected), (lr, message)
        assert not any(word in message for word in ("mayor", "prueba", "de menor a")), (lr, message)
        assert message.count("menor") == (lr > expected), (lr, message)  # solo «no es la menor tasa…»


def test_the_lesson_03_notebook_shows_the_data_its_exercises_check():
    """Lo que el cuaderno enseña en los enunciados es lo que comprueban los ejercicios."""
    nb = json.loads(LESSON_03.read_text(encoding="utf-8"))
    markdown = "\n".join("".join(cell["source"]) for cell in nb["cells"] if cell["cell_type"] == "markdown")
    x, y, w, b = exercise_gradient_data()
    assert x.tolist() == [1, 2, -1, 3] and y.tolist() == [-1, 0, -1, 5] and (w, b) == (2, -1)
    assert "`x_ej = (1, 2, −1, 3)`" in markdown and "`y_ej = (−1, 0, −1, 5)`" in markdown
    assert "`w_ej = 2`" in markdown and "`b_ej = −1`" in markdown
    assert GradientByHand.expected() == 1.5  # dL/db por autograd: (2/4)·(2 + 3 − 2 + 0)
    assert lesson03.ACCUMULATION_CODE in markdown
    assert AccumulatedGradient.expected() == -36.0
    x, _ = exercise_line_points()
    assert (len(x), x.min().item(), x.max().item()) == (12, 1.0, 4.0)
    assert "otros 12 puntos" in markdown and "con `x` entre 1 y 4" in markdown
    assert f"pasos={lesson03.DIVERGENCE_STEPS}" in DivergingLearningRate.hint
    assert f"y {lesson03.DIVERGENCE_STEPS} pasos" in markdown


# --- Lección 05: los ejercicios y lo que enseña el cuaderno ---------------------------------------------------

LESSON_05 = Path(__file__).resolve().parent.parent / "notebooks" / "05_redes_convolucionales.ipynb"


def _code_cells(notebook: Path) -> list[str]:
    return [
        "".join(cell["source"])
        for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"]
        if cell["cell_type"] == "code"
    ]


def test_the_lesson_05_notebook_asks_what_its_exercises_check():
    """Las celdas de los ejercicios 3 y 4 son las que esperan los correctores, y llegan sin responder."""
    cells = _code_cells(LESSON_05)
    imports = next(cell for cell in cells if "from course_utils.exercises import" in cell)
    assert "StageShapes" in imports and "ZeroFraction" in imports
    shapes_cell = next(cell for cell in cells if cell.startswith("formas_36 = {"))
    namespace = _namespace()
    exec(shapes_cell.replace("ejercicio3.comprobar()", ""), namespace)
    assert set(namespace["formas_36"]) == set(lesson05.STAGES)
    assert StageShapes().evaluate(namespace["formas_36"]).status == "sin intentar"
    assert any(cell.startswith(ZeroFraction.skeleton) for cell in cells), "la celda empieza por el esqueleto"


def test_the_stage_shapes_check_measures_what_section_4_prints():
    """Con imágenes de 32×32 y un lote de 8, los ganchos del corrector dan las formas que imprime el apartado 4."""
    printed = "".join(
        "".join(output.get("text", ""))
        for cell in json.loads(LESSON_05.read_text(encoding="utf-8"))["cells"]
        if cell["cell_type"] == "code" and '"stem", "stage1", "stage2", "stage3", "pool"' in "".join(cell["source"])
        for output in cell["outputs"]
    )
    shapes = lesson05.stage_shapes(32, 8)
    for name in ("stem", "stage1", "stage2", "stage3", "pool", "flatten", "fc"):
        assert f"{name:8} {str(shapes[name]):18}" in printed, name
    assert lesson05.stage_shapes(36, 2)["stage3"] == (2, 128, 4, 4), "9 // 2: MaxPool2d(2) redondea hacia abajo"


def test_zero_fraction_accepts_a_context_manager_and_counts_in_eval_mode():
    """`with capa.register_forward_hook(...)` también quita el gancho; y el resultado es el de la red en eval()."""
    code = (
        "def fraccion_ceros(modelo, imagenes, nombres):\n"
        "    fracciones = {}\n"
        "    modelo.eval()\n"
        "    for nombre in nombres:\n"
        "        def gancho(modulo, entrada, salida, nombre=nombre):\n"
        "            fracciones[nombre] = (salida == 0).sum().item() / salida.numel()\n"
        "        with modelo.get_submodule(nombre).register_forward_hook(gancho), torch.no_grad():\n"
        "            modelo(imagenes)\n"
        "    return fracciones"
    )
    assert ZeroFraction().evaluate(_run(code, "fraccion_ceros")).correct
    measures = lesson05._zero_measures(("capa1", "capa2"))
    assert 0 < measures["capa2"]["fraction"] < measures["capa1"]["fraction"] < 1, "el MaxPool2d quita ceros"
    distinct = [measures["capa1"][k] for k in ("fraction", "input")] + [1 - measures["capa1"]["fraction"]]
    assert len(set(distinct)) == 3, "cada error típico da un número distinto del correcto"

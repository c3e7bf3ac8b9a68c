"""Los ejercicios de predicción y de experimento de las lecciones 06 y 07, con sus respuestas erróneas típicas."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from course_utils.data import CIFAR10Tensor
from course_utils.exercises import FreezeUpToLayer3, MiddleStem, PredictDogClass, PredictStudyWinners

STUDY = {
    "cabeza transferida": {5: [0.50, 0.52, 0.51], 250: [0.60, 0.61, 0.62]},
    "ajuste fino": {5: [0.46, 0.49, 0.47], 250: [0.64, 0.63, 0.66]},
    "desde cero": {5: [0.40, 0.44, 0.42], 250: [0.70, 0.69, 0.71]},
}


def _verdict(exercise, answer):
    feedback = exercise.evaluate(answer)
    return feedback.status, feedback.message


@pytest.mark.parametrize(
    ("answer", "status", "fragment"),
    [
        (None, "sin intentar", "todavía no has respondido: completa `prediccion`"),
        ({5: "cabeza transferida", 250: "desde cero"}, "correcto", "cabeza transferida 51,0 %"),
        ({5: " Cabeza Transferida", 250: "DESDE CERO "}, "correcto", "Con 250"),
        ({5: "desde cero", 250: "desde cero"}, "incorrecto", "predijiste «desde cero» y ganó «cabeza transferida»"),
        ({5: "cabeza transferida", 250: "ajuste fino"}, "incorrecto", "con 250 imágenes por clase predijiste"),
        ({5: "cabeza", 250: "desde cero"}, "incorrecto", "'cabeza' no es un método del estudio"),
        ({5: "la cabeza", 250: "otro"}, "incorrecto", "no son métodos del estudio"),
        ({5: "desde cero", 20: "desde cero"}, "incorrecto", "los presupuestos 5 y 250"),
        ("desde cero", "incorrecto", "se esperaba un diccionario"),
    ],
)
def test_the_study_prediction_is_checked_against_the_run(answer, status, fragment):
    got_status, message = _verdict(PredictStudyWinners(STUDY), answer)
    assert (got_status, fragment in message) == (status, True), message


def test_the_study_prediction_without_a_study_says_how_to_create_it():
    status, message = _verdict(PredictStudyWinners(), {5: "desde cero", 250: "desde cero"})
    assert status == "incorrecto" and "PredictStudyWinners(estudio)" in message
    assert "250: 'desde cero'" in PredictStudyWinners(STUDY).solution


def _stem(kernel=3, stride=1, padding=1, channels=64, remove_pool=False, give_back=True):
    def tallo_intermedio(red):
        red.conv1 = nn.Conv2d(3, channels, kernel_size=kernel, stride=stride, padding=padding, bias=False)
        if remove_pool:
            red.maxpool = nn.Identity()
        if give_back:
            return red

    return tallo_intermedio


@pytest.mark.parametrize(
    ("answer", "status", "fragment"),
    [
        (_stem(), "correcto", "layer1 trabaja con 16×16 posiciones y layer4 con 2×2"),
        (_stem(remove_pool=True), "incorrecto", "eso es el tallo para CIFAR del apartado 6"),
        (_stem(padding=0), "incorrecto", "layer1 recibe un mapa de 15×15"),
        (_stem(kernel=7, padding=3), "incorrecto", "núcleo de 7×7 y paso 1"),
        (_stem(stride=2), "incorrecto", "núcleo de 3×3 y paso 2"),
        (_stem(channels=32), "incorrecto", "va de 3 a 32 canales"),
        (_stem(give_back=False), "incorrecto", "añade `return red`"),
        (lambda red: nn.Sequential(red), "incorrecto", "no la misma red que recibe"),
    ],
)
def test_the_middle_stem(answer, status, fragment):
    got_status, message = _verdict(MiddleStem(), answer)
    assert (got_status, fragment in message) == (status, True), message


def _freeze(*trainable, attribute=False):
    def congelar_hasta_layer3(red):
        if attribute:
            red.requires_grad = False
            return red
        red.requires_grad_(False)
        for name in trainable:
            getattr(red, name).requires_grad_(True)
        return red

    return congelar_hasta_layer3


@pytest.mark.parametrize(
    ("answer", "status", "fragment"),
    [
        (_freeze("layer4", "fc"), "correcto", "Quedan entrenables 8 398 858 de 11 181 642 parámetros (75,1 %)"),
        (_freeze("fc"), "incorrecto", "layer4 está congelada"),
        (_freeze("layer4"), "incorrecto", "la cabeza fc está congelada"),
        (_freeze("layer3", "layer4", "fc"), "incorrecto", "en layer3 hay parámetros que no están como se pedía"),
        (_freeze("bn1", "layer4", "fc"), "incorrecto", "en bn1 hay parámetros"),
        (lambda red: red.requires_grad_(True), "incorrecto", "no has congelado nada"),
        (_freeze(attribute=True), "incorrecto", "`red.requires_grad = …` solo crea un atributo nuevo"),
    ],
)
def test_freezing_up_to_layer3(answer, status, fragment):
    got_status, message = _verdict(FreezeUpToLayer3(), answer)
    assert (got_status, fragment in message) == (status, True), message


def test_untouched_skeletons_are_not_answers():
    for exercise in (MiddleStem(), FreezeUpToLayer3()):
        namespace = {"nn": nn}
        exec(exercise.skeleton, namespace)
        status, message = _verdict(exercise, namespace[exercise.variable])
        assert status == "sin intentar" and "todavía no has escrito el cuerpo" in message


class _AlwaysCat(nn.Module):
    """Un «tronco» que elige gato para tres de cada cuatro imágenes y ciervo para la cuarta."""

    def forward(self, x):
        logits = torch.zeros(len(x), 5)
        logits[:, 3] = 1.0
        logits[::4, 4] = 2.0
        return logits


def _validation():
    images = torch.zeros(12, 3, 32, 32, dtype=torch.uint8)
    labels = torch.tensor([5] * 8 + [0, 1, 2, 3])
    return CIFAR10Tensor(images, labels, "sintético", "train")


@pytest.mark.parametrize(
    ("answer", "status", "fragment"),
    [
        (None, "sin intentar", "completa `clase_para_perros`"),
        ("gato", "correcto", "eligió gato 75,0 %, ciervo 25,0 %"),
        (" Gato ", "correcto", "por eso se puede transferir"),
        (
            "ciervo",
            "incorrecto",
            "Tu predicción, ciervo, no es la más frecuente: ¿qué tienen en común un perro y un gato",
        ),
        ("perro", "incorrecto", "«perro» no es una de sus salidas"),
        ("lobo", "incorrecto", "«lobo» no es una clase que conozca el tronco"),
        (3, "incorrecto", "se esperaba el nombre de una clase, entre comillas"),
    ],
)
def test_the_dog_prediction_is_checked_against_the_backbone(answer, status, fragment):
    got_status, message = _verdict(PredictDogClass(_AlwaysCat(), _validation()), answer)
    assert (got_status, fragment in message) == (status, True), message


def test_the_dog_prediction_without_a_backbone_says_how_to_create_it():
    status, message = _verdict(PredictDogClass(), "gato")
    assert status == "incorrecto" and "PredictDogClass(tronco_curso, datos_validacion)" in message

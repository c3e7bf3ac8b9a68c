"""Ejercicios con corrección automática, en español.

Cada ejercicio es una clase pequeña y declarativa (la maquinaria común está en ``framework``; los ejercicios,
en un módulo por lección). En el cuaderno::

    from course_utils.exercises import FlatPosition

    ejercicio1 = FlatPosition()
    ejercicio1.comprobar()   # mira la variable del cuaderno
    ejercicio1.pista()
    ejercicio1.solución()   # o solucion(), sin tilde

Los ejercicios que piden una función o una clase traen su esqueleto en ``skeleton``: es el código de la
celda del cuaderno, y mientras siga sin tocar la comprobación dice que todavía no hay respuesta.
"""

from course_utils.exercises.framework import Exercise, Feedback, NotAttempted, WrongAnswer
from course_utils.exercises.lesson01 import FlatPosition, FlattenBatch, UnflatPosition, exercise_batch_64
from course_utils.exercises.lesson02 import (
    BuildMLP,
    ClassProbability,
    FixForward,
    LogitsToNames,
    ParameterCount,
    exercise_batch,
    exercise_logits,
    exercise_single_output,
)
from course_utils.exercises.lesson03 import (
    AccumulatedGradient,
    DivergingLearningRate,
    GradientByHand,
    UpdateStep,
    exercise_gradient_data,
    exercise_learning_rates,
    exercise_line_points,
)
from course_utils.exercises.lesson04 import Accuracy, InitialLoss, TrainingStep, exercise_predictions
from course_utils.exercises.lesson05 import ConvOutputShape, ConvParameterCount, StageShapes, ZeroFraction
from course_utils.exercises.lesson06 import FeatureMapSide, FrozenCount, PredictDogClass, ReplaceHead
from course_utils.exercises.lesson07 import FreezeUpToLayer3, MiddleStem, PredictStudyWinners

__all__ = [
    "AccumulatedGradient",
    "Accuracy",
    "BuildMLP",
    "ClassProbability",
    "ConvOutputShape",
    "ConvParameterCount",
    "DivergingLearningRate",
    "Exercise",
    "FeatureMapSide",
    "Feedback",
    "FixForward",
    "FlatPosition",
    "FlattenBatch",
    "FreezeUpToLayer3",
    "FrozenCount",
    "GradientByHand",
    "InitialLoss",
    "LogitsToNames",
    "MiddleStem",
    "NotAttempted",
    "ParameterCount",
    "PredictDogClass",
    "PredictStudyWinners",
    "ReplaceHead",
    "StageShapes",
    "TrainingStep",
    "UnflatPosition",
    "UpdateStep",
    "WrongAnswer",
    "ZeroFraction",
    "exercise_batch",
    "exercise_batch_64",
    "exercise_gradient_data",
    "exercise_learning_rates",
    "exercise_line_points",
    "exercise_logits",
    "exercise_predictions",
    "exercise_single_output",
]

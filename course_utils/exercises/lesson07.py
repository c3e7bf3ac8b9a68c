"""Ejercicios de la lección 07 · Entrenar ResNet18 con CIFAR-10."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from course_utils.exercises.framework import Exercise, WrongAnswer, _call, _learner_code, _spanish_list
from course_utils.formatting import format_number, format_percent

METHODS = ("cabeza transferida", "ajuste fino", "desde cero")


def _resnet18() -> nn.Module:
    """Una ResNet18 sin pesos, con cabeza de 10 clases, todo entrenable: la red que reciben las funciones."""
    from torchvision.models import resnet18

    model = resnet18(weights=None)
    model.fc = nn.Linear(512, 10)
    return model


def _step(stride: tuple[int, int]) -> str:
    """El paso de una convolución: ``1`` si es el mismo en las dos direcciones, ``(1, 2)`` si no."""
    return str(stride[0]) if stride[0] == stride[1] else str(tuple(stride))


def _returned_model(answer: Callable, name: str) -> nn.Module:
    """Llama a la función del alumno con una ResNet18 nueva y comprueba que devuelve esa misma red."""
    model = _resnet18()
    result = _call(answer, model, returns="red")  # si devuelve None, _call ya lo explica y sugiere `return red`
    if result is not model:
        raise WrongAnswer(
            f"`{name}` devuelve {type(result).__name__}, no la misma red que recibe: cambia sus capas y termina con "
            "`return red`."
        )
    return model


class PredictStudyWinners(Exercise):
    title = "Ejercicio 1 · tu predicción del estudio"
    variable = "prediccion"
    hint = (
        "Con muy pocas imágenes, ¿qué puede aprender bien una red de 11 millones de parámetros que empieza de "
        "cero? ¿Y una cabeza lineal sobre características que ya separan bien las imágenes? Con muchas imágenes, "
        "piensa en qué puede cambiar cada método: la cabeza sola no mueve el tronco."
    )

    def __init__(self, study: dict | None = None):
        self.study = study

    @property
    def budgets(self) -> tuple[int, int]:
        """El presupuesto más pequeño y el más grande del estudio."""
        budgets = sorted(self.study[METHODS[0]])
        return budgets[0], budgets[-1]

    def winner(self, budget: int) -> str:
        """El método con la mejor media de las semillas con ese presupuesto."""
        return max(METHODS, key=lambda method: sum(self.study[method][budget]) / len(self.study[method][budget]))

    def _means(self, budget: int) -> str:
        means = [f"{m} {format_percent(sum(self.study[m][budget]) / len(self.study[m][budget]))}" for m in METHODS]
        return _spanish_list(means)

    @property
    def solution(self) -> str:  # type: ignore[override]
        if self.study is None:
            return "Crea el ejercicio con el resultado del estudio: PredictStudyWinners(estudio)."
        small, large = self.budgets
        return f"prediccion = {{{small}: {self.winner(small)!r}, {large}: {self.winner(large)!r}}}"

    def verify(self, answer: object) -> str:
        if self.study is None:
            raise WrongAnswer("crea el ejercicio con el resultado del estudio: PredictStudyWinners(estudio).")
        small, large = self.budgets
        if not isinstance(answer, dict) or set(answer) != {small, large}:
            got = (
                f"un diccionario con las claves {sorted(answer, key=lambda key: (str(type(key)), key))}"
                if isinstance(answer, dict)
                else f"un valor de tipo {type(answer).__name__}"
            )
            raise WrongAnswer(
                f"se esperaba un diccionario con dos claves, los presupuestos {small} y {large}, como "
                f'{{{small}: "cabeza transferida", {large}: "desde cero"}}, pero llegó {got}.'
            )
        names = {budget: str(answer[budget]).strip().lower() for budget in (small, large)}
        unknown = [repr(answer[b]) for b, name in names.items() if name not in METHODS]
        if unknown:
            valid = _spanish_list([f'"{m}"' for m in METHODS])
            verb = "no es un método" if len(unknown) == 1 else "no son métodos"
            raise WrongAnswer(f"{_spanish_list(unknown)} {verb} del estudio: usa {valid}.")
        misses = [
            f"con {budget} imágenes por clase predijiste «{names[budget]}» y ganó «{self.winner(budget)}» "
            f"({self._means(budget)})"
            for budget in (small, large)
            if names[budget] != self.winner(budget)
        ]
        if misses:
            raise WrongAnswer(
                "; ".join(misses) + ". Fallar una predicción es parte del método: ¿qué explicación encaja con lo "
                "que ha salido? (Y recuerda que son pocas semillas.)"
            )
        return f"Con {small} imágenes: {self._means(small)}. Con {large}: {self._means(large)}."


class MiddleStem(Exercise):
    title = "Ejercicio 2 · un tallo intermedio"
    variable = "tallo_intermedio"
    skeleton = (
        "def tallo_intermedio(red):\n"
        "    # convolución 3×3 con paso 1 en conv1, conservando red.maxpool\n"
        "    ...  # ← tu código aquí\n"
        "    return red"
    )
    hint = (
        "Es la primera línea de con_tallo_cifar, sin la segunda: red.conv1 = nn.Conv2d(3, 64, kernel_size=3, "
        "stride=1, padding=1, bias=False). Con padding=1, una convolución 3×3 con paso 1 conserva el lado."
    )
    solution = (
        "def tallo_intermedio(red):\n"
        "    red.conv1 = nn.Conv2d(3, 64, kernel_size=3, stride=1, padding=1, bias=False)\n"
        "    return red"
    )

    def verify(self, answer: Callable) -> str:
        from torchvision.models.feature_extraction import create_feature_extractor

        model = _returned_model(answer, "tallo_intermedio")
        conv = model.conv1
        if not isinstance(model.maxpool, nn.MaxPool2d):
            raise WrongAnswer(
                f"has quitado el max-pooling (ahora es {type(model.maxpool).__name__}): eso es el tallo para CIFAR "
                "del apartado 6. El intermedio cambia solo conv1 y conserva red.maxpool."
            )
        if not isinstance(conv, nn.Conv2d):
            raise WrongAnswer(f"conv1 debe ser una nn.Conv2d, pero es {type(conv).__name__}.")
        if conv.in_channels != 3 or conv.out_channels != 64:
            raise WrongAnswer(
                f"conv1 va de {conv.in_channels} a {conv.out_channels} canales: debe recibir los 3 de la imagen y dar "
                "los 64 que espera layer1."
            )
        if conv.kernel_size != (3, 3) or conv.stride != (1, 1):
            raise WrongAnswer(
                f"conv1 tiene un núcleo de {conv.kernel_size[0]}×{conv.kernel_size[1]} y paso {_step(conv.stride)}: se "
                "pedía un núcleo de 3×3 con paso 1."
            )
        extractor = create_feature_extractor(model.eval(), return_nodes=["layer1", "layer4"])
        with torch.no_grad(), _learner_code():
            maps = extractor(torch.rand(1, 3, 32, 32))
        side1, side4 = maps["layer1"].shape[-1], maps["layer4"].shape[-1]
        if side1 != 16:
            raise WrongAnswer(
                f"con una imagen de 32×32, layer1 recibe un mapa de {side1}×{side1} y se esperaba 16×16: con "
                "padding=1, la convolución 3×3 con paso 1 conserva los 32 píxeles y el max-pooling los deja en 16."
            )
        return (
            f"Con 32×32, layer1 trabaja con {side1}×{side1} posiciones y layer4 con {side4}×{side4}: cuatro veces las "
            "del tallo de ImageNet y la cuarta parte de las del tallo para CIFAR."
        )


class FreezeUpToLayer3(Exercise):
    title = "Ejercicio 3 · ajustar solo el final"
    variable = "congelar_hasta_layer3"
    skeleton = (
        "def congelar_hasta_layer3(red):\n"
        "    # solo red.layer4 y red.fc quedan entrenables\n"
        "    ...  # ← tu código aquí\n"
        "    return red"
    )
    hint = (
        "Como al congelar el tronco en la lección 06: primero red.requires_grad_(False) para toda la red, y después "
        "vuelve a activar lo que quieres entrenar, con requires_grad_(True) en red.layer4 y en red.fc."
    )
    solution = (
        "def congelar_hasta_layer3(red):\n"
        "    red.requires_grad_(False)\n"
        "    red.layer4.requires_grad_(True)\n"
        "    red.fc.requires_grad_(True)\n"
        "    return red"
    )

    def verify(self, answer: Callable) -> str:
        model = _returned_model(answer, "congelar_hasta_layer3")
        for module, name in ((model, "red"), (model.layer4, "red.layer4"), (model.fc, "red.fc")):
            if "requires_grad" in vars(module):
                raise WrongAnswer(
                    f"`{name}.requires_grad = …` solo crea un atributo nuevo en el módulo y no cambia sus parámetros: "
                    f"usa el método con guion bajo, `{name}.requires_grad_(…)`."
                )
        wanted = {name: name.startswith(("layer4.", "fc.")) for name, _ in model.named_parameters()}
        actual = {name: p.requires_grad for name, p in model.named_parameters()}
        if all(actual.values()):
            raise WrongAnswer("todos los parámetros siguen entrenables: no has congelado nada.")
        if not any(actual[name] for name in actual if name.startswith("fc.")):
            raise WrongAnswer("la cabeza fc está congelada: es nueva y es lo primero que hay que entrenar.")
        if not any(actual[name] for name in actual if name.startswith("layer4.")):
            raise WrongAnswer(
                "layer4 está congelada: solo entrenas la cabeza, como en la extracción de características."
            )
        wrong = sorted({name.split(".")[0] for name in actual if actual[name] != wanted[name]})
        if wrong:
            raise WrongAnswer(
                f"en {_spanish_list(wrong)} hay parámetros que no están como se pedía: entrenables solo layer4 y fc, "
                "congelado todo lo demás (conv1, bn1 y layer1 a layer3)."
            )
        trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
        total = sum(p.numel() for p in model.parameters())
        return (
            f"Quedan entrenables {format_number(trainable)} de {format_number(total)} parámetros "
            f"({format_percent(trainable / total)}). Las capas congeladas son solo una cuarta parte de los parámetros, "
            "pero trabajan con mapas más grandes y hacen la mayor parte del cálculo; además, el gradiente ya no tiene "
            "que atravesarlas."
        )

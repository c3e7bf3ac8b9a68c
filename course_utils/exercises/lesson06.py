"""Ejercicios de la lección 06 · Transfer learning con ResNet18."""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import nn

from course_utils.exercises.framework import Exercise, WrongAnswer, _call, _learner_code, _number, _spanish_list
from course_utils.formatting import format_number, format_percent


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
        if not isinstance(answer.classifier, nn.Sequential):
            raise WrongAnswer(
                f"has sustituido todo `classifier` por {type(answer.classifier).__name__}: cambia solo su última "
                "capa, `classifier[3]`, y deja las anteriores como estaban."
            )
        if len(answer.classifier) == 0:
            raise WrongAnswer("`classifier` está vacío: cambia solo su última capa, `classifier[3]`, y deja las demás.")
        last = answer.classifier[-1]
        if not isinstance(last, nn.Linear):
            raise WrongAnswer(f"la última capa de classifier es {type(last).__name__}, no una nn.Linear.")
        if last.out_features != 10:
            raise WrongAnswer(
                f"la cabeza tiene {format_number(last.out_features)} salidas; se esperaban 10 (las clases de CIFAR-10)."
            )
        if last.in_features != 1024:
            raise WrongAnswer(
                f"la cabeza recibe {format_number(last.in_features)} entradas, pero la capa anterior da 1024."
            )
        answer.eval()
        with torch.no_grad(), _learner_code():
            output = answer(torch.rand(2, 3, 32, 32))
        if not isinstance(output, torch.Tensor):
            raise WrongAnswer(f"el modelo debe devolver un tensor, pero devolvió {type(output).__name__}.")
        if tuple(output.shape) != (2, 10):
            raise WrongAnswer(f"con un lote (2, 3, 32, 32) la salida es {tuple(output.shape)}, no (2, 10).")


class FrozenCount(Exercise):
    title = "Ejercicio 2 · parámetros entrenables tras congelar"
    variable = "entrenables"
    hint = "Solo queda entrenable la cabeza nueva, nn.Linear(512, 5): pesos y sesgos."
    solution = "entrenables = 512 * 5 + 5  # = 2565"
    expected = 512 * 5 + 5

    def verify(self, answer: int) -> None:
        answer = _number(answer, "un número entero", integer=True)
        shown = format_number(answer)
        if answer == 512 * 5:
            raise WrongAnswer(f"{shown} son los pesos de la cabeza, pero faltan sus 5 sesgos.")
        if answer > 11_000_000:
            raise WrongAnswer(
                f"{shown} son (casi) todos los parámetros de ResNet18: tras congelar, solo cuenta la cabeza."
            )
        if answer != self.expected:
            raise WrongAnswer(
                f"tu respuesta es {shown}, pero la cabeza de 512 a 5 tiene {format_number(self.expected)} parámetros."
            )


class PredictDogClass(Exercise):
    title = "Ejercicio 3 · ¿qué ve en un perro?"
    variable = "clase_para_perros"
    hint = (
        "La cabeza del tronco tiene que repartir cada foto de perro entre avión, automóvil, pájaro, gato y ciervo. "
        "¿Cuál de esas cinco se parece más a un perro en una foto de 32×32: el pelo, las cuatro patas, la forma de "
        "la cabeza, el fondo (interior, césped, cielo)?"
    )
    solution = "Depende de lo que aprendió tu tronco: ejecuta la comprobación con tu predicción y mira las frecuencias."
    dog_label = 5

    def __init__(self, backbone: nn.Module | None = None, validation=None):
        self.backbone, self.validation = backbone, validation

    def frequencies(self) -> dict[str, float]:
        """Con qué frecuencia elige el tronco cada una de sus clases para las fotos de perros de validación."""
        from course_utils.models import SOURCE_CLASSES, imagenet_transform

        dogs = self.validation.images[self.validation.labels == self.dog_label]
        self.backbone.eval()
        with torch.no_grad():
            choices = self.backbone(imagenet_transform()(dogs)).argmax(dim=1)
        counts = torch.bincount(choices, minlength=len(SOURCE_CLASSES)).double() / len(choices)
        names = [self.validation.classes[label] for label in SOURCE_CLASSES]
        return dict(sorted(zip(names, counts.tolist(), strict=True), key=lambda item: -item[1]))

    def verify(self, answer: object) -> str:
        from course_utils.models import SOURCE_CLASSES

        if self.backbone is None or self.validation is None:
            raise WrongAnswer(
                "crea el ejercicio con el tronco y la validación: PredictDogClass(tronco_curso, datos_validacion)."
            )
        names = [self.validation.classes[label] for label in SOURCE_CLASSES]
        if not isinstance(answer, str):
            raise WrongAnswer(
                'se esperaba el nombre de una clase, entre comillas (por ejemplo "ciervo"), pero llegó un valor de '
                f"tipo {type(answer).__name__}."
            )
        guess = answer.strip().lower()
        if guess == self.validation.classes[self.dog_label]:
            raise WrongAnswer(
                "«perro» no es una de sus salidas: la cabeza del tronco solo tiene cinco, "
                f"{_spanish_list(names)}. Tiene que elegir una de ellas aunque ninguna sea la buena."
            )
        if guess not in names:
            raise WrongAnswer(f"«{answer}» no es una clase que conozca el tronco: elige una de {_spanish_list(names)}.")
        frequencies = self.frequencies()
        shown = _spanish_list([f"{name} {format_percent(share)}" for name, share in frequencies.items()])
        favourite = next(iter(frequencies))
        if guess != favourite:
            raise WrongAnswer(
                f"para las fotos de perros eligió {shown}. Tu predicción, {guess}, no es la más frecuente: ¿qué tienen "
                f"en común un perro y un {favourite} en una foto pequeña?"
            )
        return (
            f"Para las fotos de perros eligió {shown}. Lo que aprendió con cinco clases se parece a lo que hace falta "
            "para reconocer otras: por eso se puede transferir."
        )


class FeatureMapSide(Exercise):
    title = "Ejercicio 4 · el lado del mapa final"
    variable = "lado_del_mapa"
    skeleton = (
        "def lado_del_mapa(lado):\n"
        "    # lado del mapa final de ResNet18 (la salida de layer4) para una imagen de lado×lado píxeles\n"
        "    ...  # ← tu código aquí\n"
        "    return lado"
    )
    hint = (
        "Cinco capas de ResNet18 reducen el alto y el ancho con paso 2 (conv1, maxpool, layer2, layer3 y layer4), "
        "y cada una deja ⌈x / 2⌉: redondeando hacia arriba. Cinco mitades son dividir entre 2⁵ = 32; math.ceil "
        "redondea hacia arriba."
    )
    solution = "def lado_del_mapa(lado):\n    return math.ceil(lado / 32)"
    sides = (224, 32, 96, 33, 100, 500, 20, 1)

    @staticmethod
    def real_side(side: int) -> int:
        """El lado del mapa de layer4 que da de verdad una ResNet18 (sin pesos) con una imagen de ese lado."""
        from torchvision.models import resnet18
        from torchvision.models.feature_extraction import create_feature_extractor

        extractor = create_feature_extractor(resnet18(weights=None).eval(), return_nodes={"layer4": "mapa"})
        with torch.no_grad():
            return extractor(torch.zeros(1, 3, side, side))["mapa"].shape[-1]

    def verify(self, answer: Callable) -> None:
        for side in self.sides:
            raw = _call(answer, side, returns="lado_mapa")
            if isinstance(raw, float) and math.isfinite(raw):
                raise WrongAnswer(
                    f"con lado={side} tu función devuelve {format_number(raw, 4)}, un número real: el mapa tiene un "
                    "número entero de posiciones. Redondea (¿hacia arriba o hacia abajo?) y devuelve un int."
                )
            result = _number(raw, "un número entero", integer=True, context=f"con lado={side}")
            expected = math.ceil(side / 32)  # lo mismo que real_side(side): una prueba lo comprueba
            if result == side // 32 and result != expected:
                raise WrongAnswer(
                    f"con {side} píxeles tu función da {result}, pero la red termina con un mapa de {expected}×"
                    f"{expected}: la división entera redondea hacia abajo, y cada reducción de ResNet18 redondea "
                    "hacia arriba (⌈x / 2⌉: una fila sobrante todavía da una posición más)."
                )
            if result == side // 16 or result == math.ceil(side / 16):
                if result != expected:
                    raise WrongAnswer(
                        f"con {side} píxeles tu función da {result}: son cuatro mitades, pero ResNet18 reduce cinco "
                        "veces (conv1, maxpool, layer2, layer3 y layer4): entre 32."
                    )
            if result != expected:
                raise WrongAnswer(
                    f"con una imagen de {side}×{side} tu función da {result}, pero el mapa final de ResNet18 es de "
                    f"{expected}×{expected}."
                )

"""Ejercicios de la lección 07 · Entrenar ResNet18 con CIFAR-10."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from course_utils.exercises.framework import Exercise, WrongAnswer, _call
from course_utils.formatting import format_number


def _small_backbone() -> nn.Module:
    """Un tronco pequeño con BatchNorm (y en modo train(), como queda tras entrenar) para probar la respuesta."""
    torch.manual_seed(0)
    backbone = nn.Sequential(
        nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten()
    )
    return backbone.train()


def _loader() -> list[tuple[torch.Tensor, torch.Tensor]]:
    """Tres lotes (imágenes, etiquetas) de tamaños distintos, como los daría un DataLoader."""
    generator = torch.Generator().manual_seed(1)
    sizes = (5, 5, 3)
    return [
        (torch.rand(n, 3, 8, 8, generator=generator) * 4 + 1, torch.randint(0, 10, (n,), generator=generator))
        for n in sizes
    ]


class ExtractFeatures(Exercise):
    title = "Ejercicio 1 · extraer características"
    variable = "extraer_caracteristicas"
    skeleton = (
        "def extraer_caracteristicas(tronco, cargador):\n"
        "    # pasa todo el cargador por el tronco, sin gradientes y con BatchNorm en modo de evaluación;\n"
        "    # devuelve (caracteristicas, etiquetas): dos tensores con una fila por imagen\n"
        "    caracteristicas, etiquetas = ..., ...  # ← tu código aquí\n"
        "    return caracteristicas, etiquetas"
    )
    hint = (
        "Tres piezas: tronco.eval() antes de empezar (BatchNorm usa y conserva sus estadísticas), un bloque "
        "with torch.no_grad(): alrededor del bucle, y torch.cat al final para juntar las listas de lotes."
    )
    solution = (
        "def extraer_caracteristicas(tronco, cargador):\n"
        "    tronco.eval()\n"
        "    lotes, etiquetas = [], []\n"
        "    with torch.no_grad():\n"
        "        for imagenes, etiquetas_lote in cargador:\n"
        "            lotes.append(tronco(imagenes))\n"
        "            etiquetas.append(etiquetas_lote)\n"
        "    return torch.cat(lotes), torch.cat(etiquetas)"
    )

    def verify(self, answer: Callable) -> None:
        backbone, loader = _small_backbone(), _loader()
        bn = backbone[1]
        statistics = bn.running_mean.clone(), bn.running_var.clone()
        result = _call(answer, backbone, loader, returns="caracteristicas, etiquetas")
        if not isinstance(result, tuple | list) or len(result) != 2:
            raise WrongAnswer("se esperaban dos cosas, `return caracteristicas, etiquetas`.")
        features, labels = result
        if not isinstance(features, torch.Tensor) or not isinstance(labels, torch.Tensor):
            found = f"{type(features).__name__} y {type(labels).__name__}"
            raise WrongAnswer(
                f"se esperaban dos tensores, pero devuelve {found}: junta la lista de lotes con torch.cat(lista)."
            )
        total = sum(len(y) for _, y in loader)
        if features.shape[:1] != (total,) or labels.shape != (total,):
            raise WrongAnswer(
                f"con tres lotes de 5, 5 y 3 imágenes se esperaban {format_number(total)} filas de características "
                f"y {format_number(total)} etiquetas, pero llegaron las formas {tuple(features.shape)} y "
                f"{tuple(labels.shape)}. ¿Juntas todos los lotes, incluido el último, con torch.cat?"
            )
        if not (torch.equal(bn.running_mean, statistics[0]) and torch.equal(bn.running_var, statistics[1])):
            raise WrongAnswer(
                "las estadísticas de BatchNorm del tronco (running_mean y running_var) han cambiado: el tronco "
                "estaba en modo train(). Llama a tronco.eval() antes del bucle; congelar los pesos no basta."
            )
        if features.requires_grad:
            raise WrongAnswer(
                "las características guardan el grafo de gradientes (requires_grad=True): calcula dentro de "
                "`with torch.no_grad():`, que además ahorra memoria y tiempo."
            )
        with torch.no_grad():
            expected = torch.cat([backbone.eval()(x) for x, _ in loader])
        if not torch.equal(labels, torch.cat([y for _, y in loader])):
            raise WrongAnswer("las etiquetas no van en el orden de las imágenes: guárdalas lote a lote, en el bucle.")
        if features.shape != expected.shape or not torch.allclose(features, expected, atol=1e-6):
            raise WrongAnswer(
                "las características no son las salidas del tronco en modo eval(): pasa cada lote de imágenes por "
                "el tronco y guarda lo que devuelve, sin cambiarlo."
            )

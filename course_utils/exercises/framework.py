"""La maquinaria común de los ejercicios: Exercise, Feedback, las excepciones y pequeñas ayudas.

Cada ejercicio es una clase pequeña y declarativa: dice qué variable del cuaderno mira (``variable``),
da una pista (``hint``) y una solución (``solution``), y en ``verify`` comprueba la respuesta, lanzando
``WrongAnswer`` con un mensaje que nombra lo esperado y lo encontrado. Si ``verify`` devuelve un texto, se
añade al «¡Correcto!» como comentario final.

Los ejercicios que piden una función o una clase traen además un esqueleto (``skeleton``), el código que el
alumno encuentra en la celda y completa. Un esqueleto sin tocar (o una función cuyo cuerpo es solo ``...`` o
``pass``) se reconoce comparando su código compilado con el del esqueleto, así que no cuenta como respuesta
equivocada sino como «todavía no has escrito el cuerpo».
"""

from __future__ import annotations

import builtins
import contextlib
import dis
import functools
import html
import math
import re
import sys
import types
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import torch
from IPython.display import display
from torch import nn

from course_utils.formatting import format_number

_MISSING = object()
_PLACEHOLDER_LEFT = "cambia cada `...` del esqueleto por tu código (`...` no es un valor con el que se pueda calcular)."


class WrongAnswer(Exception):
    """La respuesta no es correcta; el mensaje explica por qué."""


class NotAttempted(Exception):
    """La respuesta sigue en blanco."""


@dataclass(frozen=True)
class Feedback:
    """Resultado de una comprobación, que se ve bien en JupyterLab y como texto plano."""

    status: str  # "correcto", "incorrecto", "sin intentar", "sin comprobar" (falló el corrector), "pista" o "solución"
    title: str
    message: str
    code: str = ""

    @property
    def correct(self) -> bool:
        return self.status == "correcto"

    _ICONS: ClassVar[dict[str, str]] = {
        "correcto": "✅",
        "incorrecto": "❌",
        "sin intentar": "✏️",
        "sin comprobar": "⚠️",
        "pista": "💡",
        "solución": "📖",
    }
    _COLORS: ClassVar[dict[str, str]] = {
        "correcto": "#1a7f37",
        "incorrecto": "#cf222e",
        "sin intentar": "#6e7781",
        "sin comprobar": "#bc4c00",
        "pista": "#9a6700",
        "solución": "#0969da",
    }

    def __str__(self) -> str:
        text = f"{self._ICONS[self.status]} {self.title}: {self.message}"
        return f"{text}\n\n{self.code}" if self.code else text

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        color = self._COLORS[self.status]
        code = f"<pre><code>{html.escape(self.code)}</code></pre>" if self.code else ""
        message = re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(self.message))
        return (
            f'<div style="border-left: 4px solid {color}; padding: 0.3em 0.8em; margin: 0.3em 0">'
            f'<b style="color: {color}">{self._ICONS[self.status]} {html.escape(self.title)}</b>: '
            f"{message}{code}</div>"
        )


class Exercise:
    """Base de todos los ejercicios."""

    title: ClassVar[str]
    variable: ClassVar[str]
    hint: ClassVar[str]
    solution: ClassVar[str]
    skeleton: ClassVar[str] = ""  # el código que completa el alumno, en los ejercicios de funciones y clases

    def verify(self, answer: Any) -> str | None:
        """Lanza WrongAnswer (o NotAttempted) si la respuesta no es correcta; puede devolver un comentario."""
        raise NotImplementedError

    def evaluate(self, answer: Any) -> Feedback:
        """Comprueba una respuesta y devuelve el veredicto, sin mostrarlo (nunca lanza una excepción)."""
        try:
            return self._evaluate(answer)
        except Exception as error:  # noqa: BLE001 - un fallo del corrector no debe llegar al alumno como traza
            return self._checker_failure(error)

    def _evaluate(self, answer: Any) -> Feedback:
        if answer is None or answer is Ellipsis:
            return self._blank()
        if self.skeleton:
            if is_untouched(answer, self.skeleton, self.variable):
                return self._untouched(answer)
            unassigned = unassigned_names(answer, self.skeleton, self.variable)
            if unassigned:
                return Feedback("incorrecto", self.title, _unassigned_message(unassigned))
        try:
            note = self.verify(answer)
        except NotAttempted:
            return self._blank()
        except WrongAnswer as wrong:
            return Feedback("incorrecto", self.title, str(wrong))
        except Exception as error:  # noqa: BLE001 - el código del alumno puede fallar de cualquier forma
            if not _raised_by_learner(error):
                raise  # un error del propio corrector: lo explica evaluate
            return Feedback("incorrecto", self.title, _learner_error_message(error))
        return Feedback("correcto", self.title, f"¡Correcto! {note}" if note else "¡Correcto!")

    def _checker_failure(self, error: Exception) -> Feedback:
        message = (
            f"no he podido comprobar tu respuesta ({type(error).__name__}: {error}): no es culpa tuya, sino un fallo "
            "del propio ejercicio. Si crees que tu respuesta está bien, sigue adelante y avisa a quien imparte el "
            "curso; si no, `pista()` puede ayudarte."
        )
        return Feedback("sin comprobar", self.title, message)

    def _blank(self) -> Feedback:
        message = f"todavía no has respondido: completa `{self.variable}` y vuelve a comprobar."
        return Feedback("sin intentar", self.title, message)

    def _untouched(self, answer: Any) -> Feedback:
        if isinstance(answer, types.FunctionType):
            message = (
                f"todavía no has escrito el cuerpo de la función `{self.variable}`: cambia los `...` por tu código, "
                "ejecuta la celda y vuelve a comprobar."
            )
        else:
            name = (answer if isinstance(answer, type) else type(answer)).__name__
            message = (
                f"todavía no has completado la clase `{name}`: cambia los `...` por tu código, ejecuta la celda y "
                "vuelve a comprobar."
            )
        return Feedback("sin intentar", self.title, message)

    def check(self, answer: Any = _MISSING) -> None:
        """Comprueba la respuesta (por defecto, la variable ``variable`` del cuaderno) y muestra el veredicto."""
        if answer is _MISSING:
            answer = sys._getframe(1).f_globals.get(self.variable)
        display(self.evaluate(answer))

    def show_hint(self) -> None:
        """Muestra una pista."""
        display(Feedback("pista", self.title, self.hint))

    def show_solution(self) -> None:
        """Muestra una solución."""
        display(Feedback("solución", self.title, "una forma de resolverlo es esta:", self.solution))

    # Los nombres en español que usan los cuadernos (con tilde y sin ella, por si el teclado no la tiene).
    comprobar = check
    pista = show_hint
    solución = show_solution
    solucion = show_solution


def _learner_error_message(error: Exception) -> str:
    """Un error que saltó en el código del alumno, explicado en español con su tipo y su mensaje."""
    message = f"al ejecutar tu respuesta saltó un error: {type(error).__name__}: {error}"
    if isinstance(error, NameError) and getattr(error, "name", None):
        return (
            f"{message}. Tu código usa `{error.name}`, pero ese nombre no existe: ¿está bien escrito? ¿Has "
            "ejecutado antes la celda que lo define?"
        )
    if isinstance(error, AttributeError | TypeError) and "'ellipsis'" in str(error):
        return f"{message}. Tu código usa un `...` del esqueleto como si fuera un valor: {_PLACEHOLDER_LEFT}"
    return message


# --- Ayudas para comprobar respuestas ---------------------------------------------------------------------


_LEARNER_MARK = "_course_utils_raised_by_learner"


@contextlib.contextmanager
def _learner_code() -> Iterator[None]:
    """Envuelve cada llamada al código del alumno (su función, su clase, el forward de su modelo).

    Un error que salte dentro es del alumno y se le explica como tal; cualquier otro que llegue a ``evaluate``
    es un fallo del corrector, y el mensaje no le echa la culpa.
    """
    try:
        yield
    except (WrongAnswer, NotAttempted):
        raise
    except Exception as error:
        with contextlib.suppress(AttributeError, TypeError):
            setattr(error, _LEARNER_MARK, True)
        raise


def _raised_by_learner(error: BaseException) -> bool:
    return bool(getattr(error, _LEARNER_MARK, False))


def _call(function: Callable, *args: Any, returns: str = "…") -> Any:
    """Llama a la función del alumno; si no devuelve nada (None), lo dice y sugiere el ``return`` que falta."""
    if not callable(function):
        raise WrongAnswer(f"se esperaba una función, pero `{function!r}` es de tipo {type(function).__name__}.")
    with _learner_code():
        result = function(*args)
    if result is None:
        raise WrongAnswer(f"tu función no devuelve nada (le falta el `return`): añade `return {returns}` al final.")
    if result is Ellipsis or isinstance(result, tuple | list) and any(value is Ellipsis for value in result):
        raise WrongAnswer(f"tu función todavía devuelve `...`: {_PLACEHOLDER_LEFT}")
    return result


def _scalar(value: Any) -> int | float | None:
    """Un solo número como ``int`` o ``float`` de Python, o None si no lo es.

    Cuentan como números los de Python, los escalares de NumPy (np.float32, np.int64…) y los arrays y tensores
    de cero dimensiones (``np.array(0.5)``, ``torch.tensor(0.5)``). Un tensor de forma [1] no: conserva un eje,
    y se avisa con ``_number`` para que el alumno saque el número con ``.item()``. Los booleanos tampoco.
    """
    if isinstance(value, torch.Tensor):
        if value.dim() != 0 or value.dtype == torch.bool or value.is_complex():
            return None
        return value.item()
    if isinstance(value, np.ndarray):
        if value.ndim != 0:
            return None
        value = value[()]
    if isinstance(value, np.integer | np.floating):
        return value.item()
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return value


def _type_name(value: Any) -> str:
    return type(value).__name__


def _not_finite(value: float, context: str = "") -> WrongAnswer:
    """El error para nan, inf o -inf, que nunca son una respuesta correcta.

    ``context`` es una frase como «`f(1)` devolvió nan», para las respuestas que son funciones.
    """
    name = "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    where = f"{context}, y " if context else ""
    return WrongAnswer(
        f"tu respuesta no es un número finito ({name}): {where}un valor así sale de cuentas como 0/0, log(0) o un "
        "número demasiado grande, así que nunca es la respuesta. Revisa el cálculo."
    )


def _number(answer: Any, wanted: str = "un número", integer: bool = False, context: str = "") -> int | float:
    """La respuesta como número finito de Python (acepta escalares de NumPy y tensores sin dimensiones).

    ``context`` (por ejemplo, «`f(1)` devolvió nan») se añade al mensaje cuando el número no es finito.
    """
    if isinstance(answer, torch.Tensor | np.ndarray) and answer.ndim != 0:
        shape = tuple(answer.shape)
        kind = "un tensor" if isinstance(answer, torch.Tensor) else "un array de NumPy"
        if math.prod(shape) == 1:
            raise WrongAnswer(
                f"es {kind} de forma {shape}, que todavía conserva un eje: se esperaba un solo número. Sácalo con "
                "`.item()`."
            )
        raise WrongAnswer(f"es {kind} de forma {shape}: se esperaba un solo número.")
    number = _scalar(answer)
    if number is None:
        raise WrongAnswer(f"se esperaba {wanted}, pero es de tipo {_type_name(answer)}.")
    if isinstance(number, float) and not math.isfinite(number):
        raise _not_finite(number, context)
    if integer and not isinstance(number, int):
        raise WrongAnswer(f"se esperaba {wanted}, pero es de tipo {_type_name(answer)}.")
    return number


def _close(answer: Any, expected: float, tol: float) -> bool:
    """¿``answer`` está a menos de ``tol`` de ``expected``? Un valor no finito (nan, inf) lanza WrongAnswer.

    Toda comparación numérica pasa por aquí: con ``abs(answer - expected) > tol``, nan nunca es «mayor» y se
    daría por buena.
    """
    number = _number(answer)
    try:
        return math.isfinite(number - expected) and abs(number - expected) <= tol
    except OverflowError:  # un entero de cientos de cifras no cabe en un float: lejísimos de lo esperado
        return False


def _format(value: Any) -> str:
    """Un número de la respuesta, escrito en español: enteros tal cual y reales con hasta 4 decimales."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return repr(value)
    if isinstance(value, int):
        return format_number(value)
    text = format_number(value, 4)
    if "," in text:
        text = text.rstrip("0")
        text = text + "0" if text.endswith(",") else text
    return text


def _spanish_list(items: list[str]) -> str:
    """``['a', 'b', 'c']`` → ``'a, b y c'``."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} y {items[-1]}"


# --- Esqueletos --------------------------------------------------------------------------------------------

_SKIPPED = {"RESUME", "NOP", "CACHE", "EXTENDED_ARG", "COPY_FREE_VARS", "MAKE_CELL"}
_JUMPS = set(dis.hasjrel) | set(dis.hasjabs)
_EMPTY_BODIES = ([("LOAD_CONST", None), ("RETURN_VALUE", None)], [("RETURN_CONST", None)])


def _instructions(code: types.CodeType) -> list[tuple[str, Any]]:
    """Las instrucciones de un código compilado, sin números de línea ni comentarios (que no se compilan)."""
    result = []
    for instruction in dis.get_instructions(code):
        if instruction.opname in _SKIPPED:
            continue
        if instruction.opcode in _JUMPS:
            argument = None
        elif isinstance(instruction.argval, types.CodeType):
            argument = _instructions(instruction.argval)
        else:
            argument = instruction.argval
        result.append((instruction.opname, argument))
    return result


def _is_empty(function: Any) -> bool:
    """¿El cuerpo de la función es solo ``...``, ``pass``, un docstring o ``return None``?"""
    code = getattr(function, "__code__", None)
    return code is not None and _instructions(code) in _EMPTY_BODIES


def _same_code(function: Any, reference: Any) -> bool:
    code, expected = getattr(function, "__code__", None), getattr(reference, "__code__", None)
    return code is not None and expected is not None and _instructions(code) == _instructions(expected)


def _skeleton_namespace() -> dict[str, Any]:
    return {"torch": torch, "nn": nn, "__name__": "esqueleto"}


@functools.cache
def _skeleton_object(skeleton: str, variable: str) -> Any:
    """Ejecuta el esqueleto y devuelve lo que define con el nombre ``variable``."""
    namespace = _skeleton_namespace()
    exec(compile(skeleton, "<esqueleto>", "exec"), namespace)
    return namespace[variable]


def _methods(cls: type) -> dict[str, types.FunctionType]:
    return {name: value for name, value in vars(cls).items() if isinstance(value, types.FunctionType)}


def is_untouched(answer: Any, skeleton: str, variable: str) -> bool:
    """¿La respuesta es el esqueleto tal cual (o una función o clase con los cuerpos vacíos)?"""
    reference = _skeleton_object(skeleton, variable)
    if isinstance(reference, types.FunctionType):
        return isinstance(answer, types.FunctionType) and (_same_code(answer, reference) or _is_empty(answer))
    reference_class = reference if isinstance(reference, type) else type(reference)
    answer_class = answer if isinstance(answer, type) else type(answer)
    methods, expected = _methods(answer_class), _methods(reference_class)
    if set(methods) != set(expected):
        return False
    return all(_same_code(method, expected[name]) or _is_empty(method) for name, method in methods.items())


def _global_names(function: Any) -> set[str]:
    code = getattr(function, "__code__", None)
    if code is None:
        return set()
    return {i.argval for i in dis.get_instructions(code) if i.opname == "LOAD_GLOBAL"}


def unassigned_names(answer: Any, skeleton: str, variable: str) -> list[str]:
    """Las variables locales del esqueleto que la función del alumno usa sin darles valor.

    Por ejemplo, el esqueleto dice ``posicion = ...`` y ``return posicion``: si el alumno borra la primera línea y
    calcula ``pos``, Python busca ``posicion`` fuera de la función, entre las variables del cuaderno, y la
    función devolvería un valor que no tiene nada que ver.
    """
    reference = _skeleton_object(skeleton, variable)
    if not (isinstance(reference, types.FunctionType) and isinstance(answer, types.FunctionType)):
        return []
    code = reference.__code__
    order = list(code.co_varnames[code.co_argcount :]) + list(code.co_names)
    known = set(vars(builtins)) | set(_skeleton_namespace())
    placeholders = (set(code.co_varnames[code.co_argcount :]) | _global_names(reference)) - known
    return sorted(placeholders & _global_names(answer), key=order.index)


def _unassigned_message(names: list[str]) -> str:
    shown = _spanish_list([f"`{name}`" for name in names])
    if len(names) == 1:
        return (
            f"tu función usa {shown} sin darle valor dentro de ella: escribe `{names[0]} = …` antes del `return`. "
            "(Si no, Python la busca fuera de la función, entre las variables del cuaderno, y devolvería un valor "
            "que no tiene nada que ver.)"
        )
    return (
        f"tu función usa {shown} sin darles valor dentro de ella: calcúlalas antes del `return`. (Si no, Python las "
        "busca fuera de la función, entre las variables del cuaderno, y devolvería valores que no tienen nada que ver.)"
    )

"""Los errores de PyTorch, explicados en español dentro del cuaderno.

``register()`` instala en IPython un manejador de excepciones: cuando una celda falla, primero se ve el
traceback original, sin cambios, y debajo un recuadro corto que dice qué significa el mensaje, cuál es la
causa más probable en los términos del curso y cómo arreglarlo. Las formas, tipos y números salen del propio
mensaje de PyTorch. Un error que no se reconoce se queda solo con su traceback, y un fallo al explicar nunca
tapa el error del alumno. ``setup()`` lo llama por su cuenta; fuera de IPython no hace nada::

    from course_utils import errors
    errors.register()     # ya lo hace setup()
    errors.unregister()   # vuelve al traceback de siempre
"""

from __future__ import annotations

import contextlib
import html
import math
import re
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any, ClassVar

from IPython import get_ipython
from IPython.display import display

from course_utils.formatting import format_number


@dataclass(frozen=True)
class Explanation:
    """Un error explicado: qué significa, la causa más probable, cómo arreglarlo y una línea de código."""

    meaning: str
    cause: str
    fix: str
    code: str = ""

    ICON: ClassVar[str] = "🔎"
    COLOR: ClassVar[str] = "#8250df"

    def __str__(self) -> str:
        lines = [f"{self.ICON} Qué significa: {self.meaning}", f"Causa probable: {self.cause}",
                 f"Cómo arreglarlo: {self.fix}"]
        if self.code:
            lines.append(textwrap.indent(self.code, "    "))
        return "\n".join(lines)

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        parts = [f'<b style="color: {self.COLOR}">{self.ICON} Qué significa</b>: {_html(self.meaning)}',
                 f"<b>Causa probable</b>: {_html(self.cause)}", f"<b>Cómo arreglarlo</b>: {_html(self.fix)}"]
        code = f'<pre style="margin: 0.3em 0"><code>{html.escape(self.code)}</code></pre>' if self.code else ""
        return (f'<div style="border-left: 4px solid {self.COLOR}; padding: 0.3em 0.8em; margin: 0.3em 0">'
                f'{"<br>".join(parts)}{code}</div>')


def _html(text: str) -> str:
    """Escapa el texto para HTML y pasa los `fragmentos entre comillas invertidas` a <code>."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(text))


# --- Reglas: un patrón del mensaje real de PyTorch y la función que lo explica ------------------------------

Builder = Callable[[re.Match[str]], Explanation | None]
_RULES: list[tuple[re.Pattern[str], Builder]] = []


def _rule(pattern: str) -> Callable[[Builder], Builder]:
    """Registra un explicador para los mensajes que contienen el patrón (en orden: gana el primero que explica)."""

    def add(builder: Builder) -> Builder:
        _RULES.append((re.compile(pattern), builder))
        return builder

    return add


def explain(error: BaseException) -> Explanation | None:
    """La explicación en español de un error, o None si no es uno de los errores conocidos."""
    message = str(error)
    for pattern, builder in _RULES:
        match = pattern.search(message)
        if match and (explanation := builder(match)) is not None:
            return explanation
    return None


def _n(value: float, decimals: int = 0) -> str:
    """Un número como lo escribe un lector en español (atajo de format_number)."""
    return format_number(value, decimals)


def _ints(text: str) -> list[int]:
    """Los enteros de una lista como «16, 3, 3, 3»."""
    return [int(part) for part in re.findall(r"-?\d+", text)]


def _as_image(size: int) -> str:
    """Cómo se descompone un tamaño aplanado en una imagen: 3072 → « (3·32·32)», 784 → « (28·28)»."""
    for channels in (3, 1):
        side = math.isqrt(size // channels)
        if size % channels == 0 and side >= 8 and channels * side * side == size:
            return f" ({channels}·{side}·{side})" if channels == 3 else f" ({side}·{side})"
    return ""


def _bytes(count: float) -> str:
    """Un tamaño en bytes con la unidad que le va: 40000000000000 → «40,0 TB»."""
    for unit in ("bytes", "kB", "MB", "GB", "TB", "PB"):
        if count < 1000:
            return f"{_n(count, 0 if unit == 'bytes' else 1)} {unit}"
        count /= 1000
    return f"{_n(count, 1)} EB"


# --- Formas -------------------------------------------------------------------------------------------------

_ADD_BATCH = "usa `imagen.unsqueeze(0)`, que añade delante la dimensión del lote (un lote de una sola imagen):"
MATMUL = r"mat1 and mat2 shapes cannot be multiplied \((\d+)x(\d+) and (\d+)x(\d+)\)"


@_rule(MATMUL)
def _missing_batch_flatten(match: re.Match[str]) -> Explanation | None:
    """(3x1024 and 3072x512): una sola imagen, sin lote, que nn.Flatten partió en filas."""
    rows, cols, inner, out = map(int, match.groups())
    if rows < 2 or rows * cols != inner:
        return None
    return Explanation(
        f"la capa lineal espera filas de {_n(inner)} números y le llegan {rows} filas de {_n(cols)} "
        f"({rows}·{_n(cols)} = {_n(inner)}): es un solo ejemplo partido en {rows} trozos.",
        f"falta la dimensión del lote: pasaste una sola imagen de {rows} canales, y `nn.Flatten` (que aplana a "
        f"partir de la dimensión 1) la dejó en ({rows}, {cols}) en lugar de (1, {inner}).",
        _ADD_BATCH,
        "salida = modelo(imagen.unsqueeze(0))",
    )


@_rule(MATMUL)
def _matmul_shapes(match: re.Match[str]) -> Explanation:
    """(1x3072 and 784x512): una nn.Linear recibe ejemplos de otro tamaño."""
    rows, cols, inner, out = map(int, match.groups())
    return Explanation(
        f"las formas no encajan al multiplicar matrices: la entrada ({rows}x{cols}) trae {_n(cols)} números por "
        f"ejemplo y los pesos de la capa ({inner}x{out}) esperan {_n(inner)}.",
        f"una capa `nn.Linear` creada con `in_features={inner}`{_as_image(inner)} recibe ejemplos de {_n(cols)} "
        f"números{_as_image(cols)}: la entrada no mide lo que supusiste al crear la capa.",
        f"haz que `in_features` sea {_n(cols)}, o cambia la entrada para que tenga {_n(inner)} números por ejemplo.",
        f"nn.Linear({cols}, {out})",
    )


@_rule(r"weight of size \[([\d, ]+)\], expected input\[([\d, ]+)\] to have (\d+) channels, but got (\d+) channels")
def _conv_channels(match: re.Match[str]) -> Explanation:
    """Conv2d con otro número de canales: imágenes con los canales al final, en gris o capas que no encajan."""
    weight, shape = _ints(match[1]), _ints(match[2])
    expected, got = int(match[3]), int(match[4])
    if len(shape) == 4 and shape[-1] == expected and shape[1] == got:
        return Explanation(
            f"la capa `Conv2d` espera {expected} canales en la dimensión 1, pero la entrada {shape} tiene {got} "
            f"ahí y {expected} al final: los canales están en el último eje.",
            "las imágenes vienen como (N, H, W, C), el orden de NumPy, PIL y matplotlib; PyTorch las quiere como "
            "(N, C, H, W).",
            "mueve los canales delante con `permute`:",
            "x = x.permute(0, 3, 1, 2)  # (N, H, W, C) → (N, C, H, W)",
        )
    if got == 1 and expected == 3:
        cause, fix, code = ("imágenes en escala de grises (1 canal) en una red pensada para color (3 canales).",
                            "repite el canal gris tres veces, o crea la primera capa con `in_channels=1`:",
                            "x = x.repeat(1, 3, 1, 1)  # (N, 1, H, W) → (N, 3, H, W)")
    else:
        cause = ("el `in_channels` de esta capa no coincide con los canales que llegan: los `out_channels` de la "
                 "capa anterior o los de las imágenes.")
        fix, code = f"haz que `in_channels` sea {got}:", f"nn.Conv2d({got}, {weight[0]}, kernel_size={weight[2]})"
    return Explanation(
        f"la capa `Conv2d` tiene pesos de forma {weight}: espera {expected} canales, y la entrada {shape} trae {got}.",
        cause, fix, code)


@_rule(r"expected (\d)D(?: or (\d)D)? input \(got (\d)D input\)")
def _norm_input_dims(match: re.Match[str]) -> Explanation:
    """BatchNorm recibe un tensor con otro número de dimensiones; casi siempre falta el lote."""
    expected, got = int(match[1]), int(match[3])
    wanted = f"{expected} o {match[2]}" if match[2] else str(expected)
    meaning = (f"la capa (una normalización como `BatchNorm2d`) espera un tensor de {wanted} dimensiones y "
               f"recibió uno de {got}.")
    if got == expected - 1:
        return Explanation(
            meaning,
            "falta la dimensión del lote: pasaste un solo ejemplo, p. ej. una imagen (3, 32, 32), donde la red "
            "espera un lote, (1, 3, 32, 32).",
            _ADD_BATCH,
            "salida = modelo(imagen.unsqueeze(0))",
        )
    return Explanation(
        meaning,
        "la forma de la entrada no es la que espera la capa: `BatchNorm2d` quiere (N, C, H, W) y `BatchNorm1d` "
        "quiere (N, C) o (N, C, L).",
        "imprime la forma justo antes de la capa y ajústala con `unsqueeze`, `flatten` o `reshape`.",
        "print(x.shape)",
    )


@_rule(r"Expected (\d)D \(unbatched\) or (\d)D \(batched\) input to (\w+), but got input of size: \[([\d, ]*)\]")
def _conv_input_dims(match: re.Match[str]) -> Explanation:
    """Una convolución o un pooling recibe un tensor sin canales o con dimensiones de más."""
    unbatched, batched, shape = int(match[1]), int(match[2]), _ints(match[4])
    meaning = (f"`{match[3]}` espera un tensor de {unbatched} dimensiones (una imagen) o de {batched} (un lote), "
               f"y recibió uno de forma {shape}, con {len(shape)}.")
    if len(shape) == unbatched - 1:
        return Explanation(
            meaning, "una imagen en gris guardada como (alto, ancho): le faltan la dimensión del canal y la del lote.",
            "añade el canal y el lote delante:", "x = x.unsqueeze(0).unsqueeze(0)  # (H, W) → (1, 1, H, W)")
    return Explanation(
        meaning, "un `unsqueeze` de más o un lote dentro de otro lote.",
        "imprime la forma y quita las dimensiones de tamaño 1 que sobran con `squeeze(dim)`.", "print(x.shape)")


@_rule(r"Dimension out of range \(expected to be in range of \[(-?\d+), (-?\d+)\], but got (-?\d+)\)")
def _dimension_out_of_range(match: re.Match[str]) -> Explanation:
    """Una operación pide una dimensión que el tensor no tiene; con un vector suelto, falta el lote."""
    low, high, asked = map(int, match.groups())
    dims = "una dimensión (o ninguna)" if high == 0 else f"{high + 1} dimensiones (de {low} a {high})"
    return Explanation(
        f"la operación usa la dimensión {asked}, pero el tensor solo tiene {dims}.",
        "falta la dimensión del lote: un solo ejemplo, p. ej. un vector de 3072 números, donde se espera un lote "
        "(N, …); `nn.Flatten` y `softmax(dim=1)` trabajan a partir de la dimensión 1.",
        "añade la dimensión del lote con `unsqueeze(0)` (o usa `dim=-1` si de verdad es un solo ejemplo).",
        "salida = modelo(x.unsqueeze(0))",
    )


@_rule(r"index (-?\d+) is out of bounds for dimension (\d+) with size (\d+)")
def _index_out_of_bounds(match: re.Match[str]) -> Explanation:
    """Un índice fuera de rango; en la salida (1, 10) de la red, se indexó el lote en vez de la clase."""
    index, dim, size = map(int, match.groups())
    if dim == 0 and size == 1:
        return Explanation(
            f"pides el elemento {index} de la dimensión 0, pero esa dimensión solo tiene 1 elemento (el índice 0).",
            f"seguramente es la salida de la red para un lote de una imagen, de forma (1, 10): la dimensión 0 es el "
            f"lote, así que `salida[{index}]` pide la imagen {index} del lote, que no existe.",
            "indexa primero la imagen del lote (0) y después la clase:",
            f"salida[0, {index}]  # o salida.squeeze(0)[{index}]",
        )
    valid = f"índices de 0 a {_n(size - 1)}" if size else "está vacía"
    return Explanation(
        f"pides el índice {_n(index)} en la dimensión {dim}, que solo tiene {_n(size)} elementos ({valid}).",
        "un índice pensado para otro tamaño (p. ej. la clase 10 cuando las 10 clases van de 0 a 9) o la dimensión "
        "equivocada.",
        f"comprueba la forma del tensor y que el índice sea menor que {_n(size)}.",
        "print(x.shape)",
    )


@_rule(r"Expected input batch_size \((\d+)\) to match target batch_size \((\d+)\)")
def _batch_size_mismatch(match: re.Match[str]) -> Explanation:
    """La salida y las etiquetas tienen distinto número de ejemplos."""
    outputs, targets = map(int, match.groups())
    if outputs > targets and outputs % targets == 0:
        cause = (f"cada ejemplo acabó repartido en {outputs // targets} filas: se aplanó con un tamaño fijo "
                 "(`x.view(-1, 784)`) que no es el número de valores de cada ejemplo.")
    else:
        cause = ("la red mezcló ejemplos al cambiar de forma (`view` o `reshape` con un tamaño fijo) o las "
                 "etiquetas son de otro lote.")
    return Explanation(
        f"la salida de la red tiene {_n(outputs)} filas (ejemplos) y hay {_n(targets)} etiquetas: la pérdida "
        "necesita una etiqueta por ejemplo.",
        cause, "aplana conservando la dimensión del lote:", "x = x.flatten(1)  # o x.view(x.shape[0], -1)")


@_rule(r"The size of tensor a \((\d+)\) must match the size of tensor b \((\d+)\) at non-singleton dimension (\d+)")
def _broadcast(match: re.Match[str]) -> Explanation:
    """Dos tensores que no se pueden combinar elemento a elemento."""
    a, b, dim = map(int, match.groups())
    return Explanation(
        f"operas elemento a elemento dos tensores cuya dimensión {dim} mide {_n(a)} en uno y {_n(b)} en el otro; "
        "solo se combinan si miden lo mismo o si uno de los dos mide 1.",
        "tensores de lotes distintos (el último lote del `DataLoader` suele ser más pequeño) o dimensiones en "
        "otro orden.",
        "imprime las dos formas y ajusta una con `reshape`, `unsqueeze` o `permute`.",
        "print(a.shape, b.shape)",
    )


@_rule(r"Calculated padded input size per channel: \((\d+) x (\d+)\)\. Kernel size: \((\d+) x (\d+)\)")
def _kernel_too_big(match: re.Match[str]) -> Explanation:
    """El filtro de una convolución es mayor que la imagen que le llega."""
    h, w, kh, kw = map(int, match.groups())
    return Explanation(
        f"la imagen llega a esta convolución con {h}×{w} píxeles (relleno incluido) y el filtro mide {kh}×{kw}.",
        "demasiadas capas que reducen el tamaño (pooling o `stride=2`) para imágenes de este tamaño.",
        "quita una reducción, añade `padding` o imprime la forma entre capas para ver dónde se encoge.",
        "print(x.shape)",
    )


@_rule(r"Given input size: \((\d+)x(\d+)x(\d+)\)\. Calculated output size: \((\d+)x(\d+)x(\d+)\)\. "
       r"Output size is too small")
def _pool_too_small(match: re.Match[str]) -> Explanation:
    """Un pooling que dejaría la imagen sin píxeles."""
    c, h, w, _, oh, ow = map(int, match.groups())
    return Explanation(
        f"el pooling recibe {c} canales de {h}×{w} píxeles y su salida sería de {oh}×{ow}: no queda ningún píxel.",
        "demasiadas capas que reducen el tamaño (pooling o `stride=2`) para imágenes de este tamaño.",
        "quita una reducción o usa `nn.AdaptiveAvgPool2d(1)`, que funciona con cualquier tamaño.",
        "print(x.shape)",
    )


# --- Tipos de datos -----------------------------------------------------------------------------------------

_DTYPES = {"float": "Float (torch.float32)", "double": "Double (torch.float64)", "half": "Half (torch.float16)",
           "bfloat16": "BFloat16 (torch.bfloat16)", "unsigned char": "Byte (torch.uint8)", "byte": "Byte (torch.uint8)",
           "long": "Long (torch.int64)", "int": "Int (torch.int32)"}


def _dtype(name: str) -> str:
    """Nombre de un tipo de datos como lo escribe PyTorch y su nombre en torch: «double» → «Double (torch.float64)»."""
    return _DTYPES.get(_key(name), name)


def _key(name: str) -> str:
    """Clave normalizada de un tipo: «c10::Half» → «half»."""
    return name.lower().removeprefix("c10::")


def _dtype_advice(given: str, weights: str) -> tuple[str, str, str]:
    """La causa probable, el arreglo y la línea de código, según el tipo de la entrada y el de los pesos."""
    given, weights = _key(given), _key(weights)
    if given == "float":
        method = weights if weights in {"double", "half", "bfloat16"} else "to(...)"
        return (f"el modelo se pasó a {_dtype(weights)} con `modelo.{method}()`, y la entrada sigue en float32.",
                "devuelve el modelo a float32:", "modelo = modelo.float()")
    fix = "convierte la entrada al tipo de los pesos (float32):"
    if given in {"unsigned char", "byte"}:
        return "imágenes en enteros de 0 a 255 (uint8) sin pasar a decimales.", fix, "x = x.float() / 255"
    if given == "double":
        return ("un tensor creado desde NumPy (que usa float64) con `torch.from_numpy` o `torch.tensor`; las capas "
                "de PyTorch usan float32."), fix, "x = x.float()"
    if given in {"long", "int"}:
        return "una entrada creada con números enteros, p. ej. `torch.tensor([[1, 2, 3]])`.", fix, "x = x.float()"
    if given in {"half", "bfloat16"}:
        return "la entrada se pasó a media precisión (`.half()`) y el modelo sigue en float32.", fix, "x = x.float()"
    return "la entrada y el modelo se crearon con tipos distintos.", fix, "x = x.float()"


def _mixed_dtypes(given: str, weights: str, meaning: str) -> Explanation:
    """Explicación común a las operaciones que mezclan el tipo de la entrada con el de los pesos."""
    return Explanation(meaning, *_dtype_advice(given, weights))


@_rule(r"mat1 and mat2 must have the same dtype, but got (\w+) and (\w+)")
def _matmul_dtypes(match: re.Match[str]) -> Explanation:
    """Linear con una entrada Double, entera o uint8 y pesos Float."""
    first, second = match.groups()
    return _mixed_dtypes(first, second, f"la multiplicación de matrices mezcla tipos: la entrada es {_dtype(first)} "
                                        f"y los pesos de la capa son {_dtype(second)}; deben ser del mismo tipo.")


# Sin paréntesis dentro de los tipos: con «.+?», un mensaje enorme con muchos «Input type (» tardaba un tiempo
# cuadrático en descartarse; así cada intento se para en el primer paréntesis.
@_rule(r"Input type \(([^()]+)\) and (weight|bias) type \(([^()]+)\) should be the same")
def _conv_types(match: re.Match[str]) -> Explanation:
    """Conv2d con la entrada de otro tipo de datos (o, en la GPU, en otro dispositivo) que los pesos."""
    first, which, second = match.groups()
    on_gpu = ["cuda" in name.lower() for name in (first, second)]
    if on_gpu[0] != on_gpu[1]:
        devices = ["cuda" if gpu else "cpu" for gpu in on_gpu]
        return _devices(devices[0], devices[1])
    return _mixed_dtypes(first, second, f"la convolución mezcla tipos: la entrada es {_dtype(first)} y los "
                                        f"parámetros de la capa ({which}) son {_dtype(second)}.")


@_rule(r"expected scalar type (\w+) but found (\w+)")
def _scalar_types(match: re.Match[str]) -> Explanation:
    """Una operación que mezcla dos tipos de datos."""
    first, second = match.groups()
    return _mixed_dtypes(first, second, f"la operación mezcla tensores de tipo {_dtype(first)} y {_dtype(second)}; "
                                        "deben ser del mismo tipo.")


# --- Pérdida y etiquetas ------------------------------------------------------------------------------------


@_rule(r"expected target dtype to be Long or Byte, but got (\w+)")
def _target_dtype(match: re.Match[str]) -> Explanation:
    """Etiquetas de CrossEntropyLoss con decimales."""
    return Explanation(
        f"las etiquetas (target) de `CrossEntropyLoss` deben ser enteros de tipo Long (torch.int64), y las tuyas son "
        f"{_dtype(match[1])}.",
        "las etiquetas se crearon con decimales (`torch.tensor([3.0, 5.0])`) o se convirtieron con `.float()`.",
        "pasa las etiquetas a enteros con `.long()`:",
        "perdida = funcion_perdida(salida, etiquetas.long())",
    )


@_rule(r"Target (-?\d+) is out of bounds\.")
def _target_out_of_bounds(match: re.Match[str]) -> Explanation:
    """Una etiqueta fuera del rango de clases de la salida."""
    target = int(match[1])
    if target < 0:
        cause = f"hay etiquetas negativas ({target}), p. ej. un -1 usado como «sin etiqueta»."
    else:
        cause = (f"la última capa tiene {target} salidas o menos (p. ej. `nn.Linear(512, {target})` en lugar de "
                 f"`nn.Linear(512, {target + 1})`), o las etiquetas empiezan en 1 en vez de en 0.")
    return Explanation(
        f"una etiqueta vale {target}, pero `CrossEntropyLoss` solo acepta etiquetas de 0 a C − 1, donde C es el "
        "número de salidas de la red (columnas de `salida`).",
        cause, "comprueba que `salida.shape[1]` sea mayor que la etiqueta más alta:",
        "print(salida.shape, etiquetas.min().item(), etiquetas.max().item())",
    )


@_rule(r"a Tensor with (\d+) elements cannot be converted to Scalar")
def _item_of_many(match: re.Match[str]) -> Explanation:
    """.item() sobre un tensor de varios elementos."""
    return Explanation(
        f"`.item()` (y `float()` o `int()`) solo convierte tensores de un único elemento, y este tiene "
        f"{_n(int(match[1]))}.",
        "el tensor tiene un valor por ejemplo: aciertos `(pred == etiquetas)` sin sumar, o una pérdida sin promediar.",
        "redúcelo primero a un número con `.sum()` o `.mean()`:",
        "aciertos = (pred == etiquetas).sum().item()",
    )


# --- Autograd -----------------------------------------------------------------------------------------------


@_rule(r"Can't call numpy\(\) on Tensor that requires grad")
def _numpy_requires_grad(match: re.Match[str]) -> Explanation:
    """.numpy() sobre la salida de la red o un parámetro."""
    return Explanation(
        "`.numpy()` no funciona con un tensor que requiere gradiente: NumPy no puede seguir el grafo de autograd.",
        "es la salida de la red o un parámetro (`requires_grad=True`), p. ej. al dibujar una predicción con "
        "matplotlib.",
        "sepáralo del grafo con `.detach()` (y pásalo a la CPU con `.cpu()` si está en la GPU):",
        "valores = salida.detach().cpu().numpy()",
    )


@_rule(r"a (view of a )?leaf Variable that requires grad is being used in an in-place operation")
def _inplace_leaf(match: re.Match[str]) -> Explanation:
    """Cambio en el sitio de un parámetro fuera de torch.no_grad()."""
    through = " a través de una vista (un índice o una rebanada)" if match[1] else ""
    return Explanation(
        f"modificas en el sitio (`-=`, `+=`, `add_`, `w[0] = …`){through} un tensor hoja que requiere gradiente: "
        "un parámetro o un tensor creado con `requires_grad=True`.",
        "actualizas (o inicializas) los pesos a mano fuera de `torch.no_grad()`, y autograd tomaría ese cambio como "
        "parte del cálculo.",
        "haz el cambio dentro de `torch.no_grad()`:",
        "with torch.no_grad(): w -= lr * w.grad",
    )


@_rule(r"Trying to backward through the graph a second time")
def _backward_twice(match: re.Match[str]) -> Explanation:
    """Dos backward() sobre el mismo grafo."""
    return Explanation(
        "llamas a `backward()` por segunda vez sobre el mismo grafo, y PyTorch ya liberó los valores intermedios que "
        "guardó para el primero.",
        "la salida o la pérdida se calculó una vez fuera del bucle y se reutiliza, o un tensor con historia pasa de "
        "una iteración a la siguiente (p. ej. `perdida_total += perdida`).",
        "calcula salida y pérdida de nuevo en cada paso; para acumular la pérdida, guarda solo el número:",
        "perdida_total += perdida.item()",
    )


@_rule(r"element 0 of tensors does not require grad and does not have a grad_fn")
def _no_grad_fn(match: re.Match[str]) -> Explanation:
    """backward() sobre algo que no depende de ningún parámetro."""
    return Explanation(
        "`backward()` no tiene nada que derivar: el tensor no depende de ningún tensor con `requires_grad=True`.",
        "la pérdida se calculó dentro de `torch.no_grad()` o tras un `.detach()`, o todos los parámetros están "
        "congelados (`requires_grad=False`).",
        "calcula la pérdida fuera de `torch.no_grad()` y comprueba que el modelo tiene parámetros entrenables:",
        "print(perdida.requires_grad, any(p.requires_grad for p in modelo.parameters()))",
    )


@_rule(r"grad can be implicitly created only for scalar outputs")
def _backward_not_scalar(match: re.Match[str]) -> Explanation:
    """backward() sin argumentos sobre un tensor de varios elementos."""
    return Explanation(
        "`backward()` sin argumentos solo funciona sobre un único número, y el tensor tiene varios elementos.",
        "llamas a `backward()` sobre la salida de la red, o sobre una pérdida sin reducir (`reduction='none'`).",
        "llama a `backward()` sobre la pérdida media del lote:",
        "perdida.mean().backward()",
    )


# --- Capas, dispositivos, archivos y memoria ----------------------------------------------------------------


@_rule(r"Expected more than 1 value per channel when training, got input size torch\.Size\(\[([\d, ]+)\]\)")
def _batchnorm_single(match: re.Match[str]) -> Explanation:
    """BatchNorm en modo entrenamiento con un lote de un solo ejemplo."""
    return Explanation(
        f"`BatchNorm`, al entrenar, calcula la media y la varianza de cada canal sobre el lote, y con la forma "
        f"[{match[1]}] solo hay un valor por canal.",
        "un lote de un solo ejemplo con el modelo en modo `train()`: una predicción de una sola imagen sin "
        "`modelo.eval()`, o un último lote del `DataLoader` con un único ejemplo.",
        "para predecir, pasa el modelo a modo evaluación; al entrenar, descarta el último lote incompleto:",
        "modelo.eval()  # al entrenar: DataLoader(..., drop_last=True)",
    )


def _devices(first: str, second: str) -> Explanation:
    """Explicación común a los errores de tensores en dispositivos distintos."""
    return Explanation(
        f"la operación mezcla tensores en dos dispositivos, {first} y {second}; PyTorch solo opera con tensores "
        "del mismo dispositivo.",
        "moviste el modelo a la GPU con `modelo.to(device)` pero no los datos (o al revés), o creaste un tensor "
        "nuevo sin `device=` dentro del bucle.",
        "mueve cada lote al dispositivo del modelo (el que devuelve `setup()`):",
        "imagenes, etiquetas = imagenes.to(device), etiquetas.to(device)",
    )


@_rule(r"Expected all tensors to be on the same device, but got \w+ is on (\S+), different from other tensors on "
       r"(\S+?)[\s(]")
@_rule(r"Expected all tensors to be on the same device, but found at least two devices, (\S+) and (\S+?)!")
@_rule(r"Tensor on device (\S+) is not on the expected device (\S+?)!")
def _device_mismatch(match: re.Match[str]) -> Explanation:
    """Tensores en dispositivos distintos: la CPU y la GPU (o el dispositivo «meta»)."""
    return _devices(*match.groups())


@_rule(r"Found no NVIDIA driver on your system|Torch not compiled with CUDA enabled")
def _no_cuda(match: re.Match[str]) -> Explanation:
    """Se pidió la GPU en un equipo sin GPU NVIDIA (o con un PyTorch solo para CPU)."""
    build = " o este PyTorch es solo para CPU" if "compiled" in match[0] else ""
    return Explanation(
        f"pides la GPU («cuda»), pero este equipo no tiene una GPU NVIDIA que PyTorch pueda usar{build}.",
        "el código fija `device=\"cuda\"` (o llama a `.cuda()`) en lugar de usar el dispositivo que elige "
        "`setup()`, que recurre a la CPU si no hay GPU.",
        "usa siempre el dispositivo que devuelve `setup()`:",
        "device = setup()\nmodelo = modelo.to(device)",
    )


@_rule(r"view size is not compatible with input tensor's size and stride")
def _view_not_contiguous(match: re.Match[str]) -> Explanation:
    """view() sobre un tensor que no está contiguo en memoria."""
    return Explanation(
        "`view()` solo reinterpreta la memoria sin copiarla, y este tensor no está contiguo en memoria.",
        "antes hubo un `permute`, `transpose` o `.t()` (p. ej. al pasar imágenes de (N, H, W, C) a (N, C, H, W)): "
        "cambian el orden de las dimensiones sin mover los datos.",
        "usa `reshape`, que copia cuando hace falta (o `.contiguous()` antes de `view`):",
        "x = x.reshape(x.shape[0], -1)",
    )


@_rule(r"Weights only load failed")
def _weights_only(match: re.Match[str]) -> Explanation:
    """torch.load con weights_only=True rechaza un archivo que contiene algo más que tensores."""
    found = re.search(r"Unsupported global: GLOBAL ([\w.]+)", match.string)
    name = found[1] if found else ""
    what = f"`{name}`" if name else "algo que no es un tensor"
    short = name.rsplit(".", 1)[-1]
    if name and not name.startswith(("numpy", "builtins", "collections")) and short[:1].isupper():
        cause = f"guardaste el modelo entero (`torch.save(modelo, ruta)`, de clase `{short}`) en lugar de sus pesos."
    else:
        cause = "el archivo guarda, además de tensores, objetos de Python (arrays de NumPy, clases propias…)."
    return Explanation(
        f"`torch.load`, que desde PyTorch 2.6 usa `weights_only=True`, se niega a cargar el archivo porque contiene "
        f"{what}: solo acepta tensores y tipos básicos.",
        cause,
        "guarda y carga solo los pesos (`state_dict`); con un archivo tuyo o de confianza también vale "
        "`torch.load(ruta, weights_only=False)`.",
        "torch.save(modelo.state_dict(), ruta)     # al guardar\n"
        "modelo.load_state_dict(torch.load(ruta))  # al cargar",
    )


@_rule(r"size mismatch for ([\w.]+): copying a param with shape torch\.Size\(\[([\d, ]*)\]\) from checkpoint, "
       r"the shape in current model is torch\.Size\(\[([\d, ]*)\]\)")
def _state_dict_mismatch(match: re.Match[str]) -> Explanation:
    """load_state_dict con pesos de un modelo de otra forma."""
    name, saved, current = match.groups()
    return Explanation(
        f"el archivo guarda `{name}` con forma [{saved}], pero en tu modelo tiene forma [{current}].",
        "el modelo que creaste no es igual al que se guardó: otro número de clases, otras capas u otros tamaños.",
        "crea el modelo con los mismos argumentos que tenía al guardarlo y carga después los pesos.",
        "modelo.load_state_dict(torch.load(ruta))  # con el modelo creado igual que al guardar",
    )


@_rule(r"DefaultCPUAllocator: can't allocate memory: you tried to allocate (\d+) bytes")
def _cpu_out_of_memory(match: re.Match[str]) -> Explanation:
    """No hay RAM para el tensor que se pide."""
    return Explanation(
        f"no hay memoria RAM suficiente: la operación pedía {_bytes(int(match[1]))} de una vez.",
        "un tensor enorme: un lote demasiado grande o una forma equivocada que multiplica tamaños (p. ej. "
        "`torch.zeros(n, n)` con n grande).",
        "reduce `batch_size` y comprueba las formas antes de la operación:",
        "cargador = DataLoader(datos, batch_size=64)",
    )


@_rule(r"CUDA out of memory\. Tried to allocate ([\d.]+) (\w+)")
def _cuda_out_of_memory(match: re.Match[str]) -> Explanation:
    """La GPU se queda sin memoria."""
    amount = f"{_n(float(match[1]), 2)} {match[2]}"
    return Explanation(
        f"la GPU se ha quedado sin memoria al pedir {amount} más.",
        "el lote no cabe en la GPU, o se acumulan tensores de pasos anteriores (pérdidas guardadas sin `.item()`, "
        "evaluación sin `torch.no_grad()`).",
        "reduce `batch_size`, evalúa dentro de `torch.no_grad()` y, si no basta, reinicia el núcleo para liberar "
        "la memoria.",
        "with torch.no_grad(): salida = modelo(imagenes)",
    )


# --- IPython ------------------------------------------------------------------------------------------------


def _from_running_code(tb: TracebackType | None) -> bool:
    """Si el error saltó al ejecutar la celda y no al leerla: IPython muestra así los SyntaxError de exec o import."""
    return tb is not None and tb.tb_frame.f_code.co_name == "run_code"


def _handler(shell: Any, etype: type[BaseException], value: BaseException, tb: TracebackType | None,
             tb_offset: int | None = None) -> None:
    """Muestra el traceback original, sin cambios, y debajo la explicación en español si la hay."""
    shell.showtraceback((etype, value, tb), tb_offset=tb_offset, running_compiled_code=_from_running_code(tb))
    with contextlib.suppress(Exception):  # un fallo al explicar nunca debe tapar el error del alumno
        explanation = explain(value)
        if explanation is not None:
            display(explanation)


def register(ip: Any = None) -> bool:
    """Instala el manejador en IPython (el de ahora si no se pasa ninguno); fuera de IPython no hace nada.

    Si ya había otro manejador de excepciones (el del alumno, por ejemplo), lo guarda: ``unregister`` lo restaura.
    """
    ip = ip if ip is not None else get_ipython()
    if ip is None:
        return False
    if not is_registered(ip):
        previous = (ip.custom_exceptions, getattr(ip, "CustomTB", None)) if ip.custom_exceptions else None
        ip._course_previous_handler = previous
    ip.set_custom_exc((Exception,), _handler)
    ip._course_custom_tb = ip.CustomTB  # el que acabamos de instalar: así se sabe si sigue siendo el nuestro
    return True


def is_registered(ip: Any = None) -> bool:
    """Si el manejador instalado ahora en IPython es el del curso (y no otro que lo sustituyó después)."""
    ip = ip if ip is not None else get_ipython()
    if ip is None or not ip.custom_exceptions:
        return False
    ours = getattr(ip, "_course_custom_tb", None)
    return ours is not None and getattr(ip, "CustomTB", None) is ours


def unregister(ip: Any = None) -> bool:
    """Quita el manejador del curso (solo el suyo) y restaura el que hubiera antes, o el traceback de siempre."""
    ip = ip if ip is not None else get_ipython()
    if not is_registered(ip):
        return False
    previous = getattr(ip, "_course_previous_handler", None)
    if previous is not None:
        ip.custom_exceptions, ip.CustomTB = previous
    else:
        ip.set_custom_exc((), None)
    ip._course_custom_tb = ip._course_previous_handler = None
    return True

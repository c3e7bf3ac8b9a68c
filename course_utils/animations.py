"""Animaciones del curso, dibujadas desde código con matplotlib.

Para regenerarlas todas: ``python -m course_utils.animations`` (escribe en ``Animaciones/``).
"""

from __future__ import annotations

import argparse
import base64
import html
from collections.abc import Callable, Sequence
from numbers import Real
from pathlib import Path

from IPython.display import HTML
from matplotlib.animation import FuncAnimation, PillowWriter
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from course_utils.files import atomic_write, refuse_to_overwrite
from course_utils.validation import _kind, check_count, check_integer, check_path

ANIMATIONS_DIR = Path(__file__).resolve().parent.parent / "Animaciones"
_DONE = "#9ecae1"
_CURRENT = "#fd8d3c"
_EMPTY = "white"


def _draw_cell(ax: Axes, x: float, y: float, value: int, color: str) -> None:
    """Dibuja una casilla con su número."""
    ax.add_patch(Rectangle((x, y), 1, 1, facecolor=color, edgecolor="black", linewidth=1.2))
    ax.text(x + 0.5, y + 0.5, str(value), ha="center", va="center", fontsize=11)


def _save(fig: Figure, draw: Callable[[int], None], steps: int, path: Path, fps: int, overwrite: bool) -> Path:
    """Guarda la animación como GIF de golpe: un fotograma por paso, y el último se queda dos fotogramas más."""
    if not overwrite:
        refuse_to_overwrite(Path(path))  # antes de crear la animación: sin dibujar nada en balde
    animation = FuncAnimation(fig, draw, frames=list(range(steps)) + [steps - 1] * 2)
    return atomic_write(path, lambda temporary: animation.save(temporary, writer=PillowWriter(fps=fps)), overwrite)


# Un GIF con más celdas tarda minutos (el tiempo crece como size⁴) y sus números ya no se leen.
MAX_GIF_SIZE = 8


def _check_gif_arguments(path: object, size: object, fps: object) -> None:
    """Exige una ruta, un tamaño entero y unos fotogramas por segundo enteros y positivos."""
    check_path(path)
    check_integer(size, "size")
    check_count(fps, "fps")


def _check_grid(grid: object, name: str) -> None:
    """Exige una cuadrícula rectangular no vacía (lista de filas) de números."""
    if isinstance(grid, (str, bytes)) or not isinstance(grid, Sequence) or not grid:
        raise TypeError(f"Se esperaba en {name} una lista no vacía de filas de números, pero llegó {_kind(grid)}.")
    for row in grid:
        if isinstance(row, (str, bytes)) or not isinstance(row, Sequence):
            raise TypeError(f"Cada fila de {name} debe ser una lista de números, pero llegó {_kind(row)}.")
        for value in row:
            if isinstance(value, bool) or not isinstance(value, Real):
                raise TypeError(f"{name} debe contener solo números, pero llegó {_kind(value)} ({value!r}).")
    widths = sorted({len(row) for row in grid})
    if len(widths) != 1 or widths[0] == 0:
        raise ValueError(
            f"{name} debe ser rectangular, con filas no vacías de la misma longitud, pero tiene filas de "
            f"longitudes {widths}."
        )


def flatten_matrix_gif(path: Path, size: int = 4, fps: int = 2, overwrite: bool = False) -> Path:
    """Escribe un GIF que aplana una matriz size×size fila a fila (sustituye uno existente solo con ``overwrite``)."""
    _check_gif_arguments(path, size, fps)
    if not 2 <= size <= MAX_GIF_SIZE:
        raise ValueError(
            f"La matriz debe medir entre 2×2 y {MAX_GIF_SIZE}×{MAX_GIF_SIZE} (más, y el GIF tardaría horas y no se "
            f"leería), pero size={size}."
        )
    total = size * size
    # Figure sin pyplot: no toca el backend de quien importe el módulo.
    fig = Figure(figsize=(7, 5), dpi=80)
    ax_matrix, ax_vector = fig.subplots(2, 1, gridspec_kw={"height_ratios": [3, 1]})

    def draw(step: int) -> None:
        for ax in (ax_matrix, ax_vector):
            ax.clear()
            ax.set_aspect("equal")
            ax.axis("off")
        ax_matrix.set_xlim(-1, size + 1)
        ax_matrix.set_ylim(-0.2, size + 0.2)
        ax_vector.set_xlim(-0.2, total + 0.2)
        ax_vector.set_ylim(-0.6, 1.6)
        for index in range(total):
            row, col = divmod(index, size)
            done = index < step
            color = _CURRENT if index == step else (_DONE if done else _EMPTY)
            _draw_cell(ax_matrix, col, size - 1 - row, index + 1, color)
            if index <= step:
                _draw_cell(ax_vector, index, 0, index + 1, color)
            else:
                ax_vector.add_patch(Rectangle((index, 0), 1, 1, facecolor=_EMPTY, edgecolor="0.7", linestyle=":"))
        row, col = divmod(min(step, total - 1), size)
        ax_matrix.set_title(
            f"Matriz {size}×{size}: fila {row}, columna {col} → posición {row * size + col}",
            fontsize=12,
        )
        ax_vector.set_title(f"Vector aplanado ({total} elementos)", fontsize=11)

    return _save(fig, draw, total, path, fps, overwrite)


VERTICAL_EDGE_KERNEL: tuple[tuple[int, ...], ...] = ((1, 0, -1), (1, 0, -1), (1, 0, -1))
_KERNEL = "#c7e9c0"


def edge_image(size: int) -> list[list[int]]:
    """Devuelve una imagen size×size con un borde vertical: 3 a la izquierda, 1 en el borde, 0 a la derecha."""
    check_count(size, "size")
    return [[3 if col < size // 2 else int(col == size // 2) for col in range(size)] for _ in range(size)]


def convolve2d_valid(image: Sequence[Sequence[int]], kernel: Sequence[Sequence[int]]) -> list[list[int]]:
    """Correlación cruzada 2D con paso 1 y sin relleno, igual que ``torch.nn.functional.conv2d``."""
    _check_grid(image, "image")
    _check_grid(kernel, "kernel")
    k_rows, k_cols = len(kernel), len(kernel[0])
    if k_rows > len(image) or k_cols > len(image[0]):
        raise ValueError(
            f"El núcleo ({k_rows}×{k_cols}) debe caber en la imagen, pero la imagen mide {len(image)}×{len(image[0])}."
        )
    output = []
    for row in range(len(image) - k_rows + 1):
        output.append([])
        for col in range(len(image[0]) - k_cols + 1):
            total = 0
            for i in range(k_rows):
                for j in range(k_cols):
                    total += image[row + i][col + j] * kernel[i][j]
            output[-1].append(total)
    return output


def _products_text(image: Sequence[Sequence[int]], kernel: Sequence[Sequence[int]], row: int, col: int) -> str:
    """Escribe la suma de productos de la ventana que empieza en (row, col)."""
    terms = [
        f"{image[row + i][col + j]}·{value if value >= 0 else f'({value})'}"
        for i, kernel_row in enumerate(kernel)
        for j, value in enumerate(kernel_row)
    ]
    return " + ".join(terms)


def _draw_grid(ax: Axes, values: Sequence[Sequence[int | None]], colors: Callable[[int, int], str], title: str) -> None:
    """Dibuja una cuadrícula de casillas; las que valen None quedan vacías y punteadas."""
    ax.clear()
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_xlim(-0.2, len(values[0]) + 0.2)
    ax.set_ylim(-0.2, len(values) + 0.2)
    for row, row_values in enumerate(values):
        for col, value in enumerate(row_values):
            y = len(values) - 1 - row
            if value is None:
                ax.add_patch(Rectangle((col, y), 1, 1, facecolor=_EMPTY, edgecolor="0.7", linestyle=":"))
            else:
                _draw_cell(ax, col, y, value, colors(row, col))
    ax.set_title(title, fontsize=10)


def convolution_gif(path: Path, size: int = 5, fps: int = 2, overwrite: bool = False) -> Path:
    """Escribe un GIF con un núcleo 3×3 que recorre una imagen size×size y rellena el mapa de salida."""
    _check_gif_arguments(path, size, fps)
    if not 3 <= size <= MAX_GIF_SIZE:
        raise ValueError(
            f"La imagen debe medir entre 3×3 (para que quepa el núcleo 3×3) y {MAX_GIF_SIZE}×{MAX_GIF_SIZE} (más, y "
            f"el GIF tardaría horas y no se leería), pero size={size}."
        )
    image, kernel = edge_image(size), VERTICAL_EDGE_KERNEL
    output = convolve2d_valid(image, kernel)
    out_size, total = size - 2, (size - 2) ** 2
    fig = Figure(figsize=(8, 4.5), dpi=80)
    grid = fig.add_gridspec(2, 3, height_ratios=[5, 1], width_ratios=[size, 3, out_size])
    ax_image, ax_kernel, ax_output = (fig.add_subplot(grid[0, i]) for i in range(3))
    ax_text = fig.add_subplot(grid[1, :])

    def draw(step: int) -> None:
        top, left = divmod(step, out_size)
        value = output[top][left]
        shown = [[v if r * out_size + c <= step else None for c, v in enumerate(line)] for r, line in enumerate(output)]
        _draw_grid(
            ax_image,
            image,
            lambda r, c: _CURRENT if top <= r < top + 3 and left <= c < left + 3 else _EMPTY,
            f"Imagen de entrada {size}×{size}",
        )
        _draw_grid(ax_kernel, kernel, lambda r, c: _KERNEL, "Núcleo 3×3\n(bordes verticales)")
        _draw_grid(
            ax_output,
            shown,
            lambda r, c: _CURRENT if (r, c) == (top, left) else _DONE,
            f"Mapa de salida {out_size}×{out_size}",
        )
        ax_text.clear()
        ax_text.axis("off")
        products = _products_text(image, kernel, top, left)
        ax_text.text(0.5, 0.5, f"{products} = {value}", ha="center", va="center", fontsize=11)
        fig.suptitle(f"Ventana en la fila {top}, columna {left}: suma de productos = {value}", fontsize=12)

    return _save(fig, draw, total, path, fps, overwrite)


ANIMATIONS: dict[str, Callable[..., Path]] = {
    "Aplanar_matriz.gif": flatten_matrix_gif,
    "Convolucion.gif": convolution_gif,
}


def regenerate_all(folder: Path = ANIMATIONS_DIR, overwrite: bool = True) -> list[Path]:
    """Vuelve a dibujar las animaciones del curso en la carpeta indicada, sustituyendo las que ya estén."""
    return [make(Path(folder) / name, overwrite=overwrite) for name, make in ANIMATIONS.items()]


def show_gif(name: str, alt: str, width: int = 560) -> HTML:
    """Muestra una animación de ``Animaciones/`` incrustada, con texto alternativo."""
    if not isinstance(alt, str) or not alt.strip():
        raise TypeError(f"alt debe ser un texto que describa la animación para quien no la ve, pero llegó {alt!r:.40}.")
    if not isinstance(name, str):
        raise TypeError(
            f"Se esperaba el nombre de una animación (un str, como «Convolucion.gif»), pero llegó {_kind(name)}."
        )
    check_count(width, "width")
    path = ANIMATIONS_DIR / name
    if not path.is_file():
        raise FileNotFoundError(
            f"No encuentro la animación {name!r}; las disponibles son {sorted(ANIMATIONS)}. "
            "Puedes regenerarlas con `python -m course_utils.animations`."
        )
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return HTML(f'<img src="data:image/gif;base64,{data}" alt="{html.escape(alt)}" width="{width}">')


def main() -> None:
    """Punto de entrada de ``python -m course_utils.animations``."""
    parser = argparse.ArgumentParser(description="Regenera las animaciones del curso.")
    parser.add_argument("carpeta", nargs="?", type=Path, default=ANIMATIONS_DIR)
    args = parser.parse_args()
    for path in regenerate_all(args.carpeta):
        print(f"Escrita: {path}")


if __name__ == "__main__":
    main()

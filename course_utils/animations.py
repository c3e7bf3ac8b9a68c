"""Animaciones del curso, dibujadas desde código con matplotlib.

Para regenerarlas todas: ``python -m course_utils.animations`` (escribe en ``Animaciones/``).
"""

from __future__ import annotations

import argparse
import base64
import html
from collections.abc import Callable
from pathlib import Path

from IPython.display import HTML
from matplotlib.animation import FuncAnimation, PillowWriter
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

ANIMATIONS_DIR = Path(__file__).resolve().parent.parent / "Animaciones"
_DONE = "#9ecae1"
_CURRENT = "#fd8d3c"
_EMPTY = "white"


def _draw_cell(ax: Axes, x: float, y: float, value: int, color: str) -> None:
    """Dibuja una casilla con su número."""
    ax.add_patch(Rectangle((x, y), 1, 1, facecolor=color, edgecolor="black", linewidth=1.2))
    ax.text(x + 0.5, y + 0.5, str(value), ha="center", va="center", fontsize=11)


def flatten_matrix_gif(path: Path, size: int = 4, fps: int = 2) -> Path:
    """Escribe un GIF que aplana una matriz size×size fila a fila."""
    if size < 2:
        raise ValueError(f"La matriz debe tener al menos 2×2 elementos, pero size={size}.")
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

    animation = FuncAnimation(fig, draw, frames=list(range(total)) + [total - 1] * 2)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    animation.save(path, writer=PillowWriter(fps=fps))
    return path


ANIMATIONS: dict[str, Callable[[Path], Path]] = {
    "Aplanar_matriz.gif": flatten_matrix_gif,
}


def regenerate_all(folder: Path = ANIMATIONS_DIR) -> list[Path]:
    """Vuelve a dibujar todas las animaciones en la carpeta indicada."""
    return [make(Path(folder) / name) for name, make in ANIMATIONS.items()]


def show_gif(name: str, alt: str, width: int = 560) -> HTML:
    """Muestra una animación de ``Animaciones/`` incrustada, con texto alternativo."""
    path = ANIMATIONS_DIR / name
    if not path.exists():
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

"""Las animaciones se regeneran desde código y salen idénticas byte a byte."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from matplotlib.colors import to_hex
from PIL import Image, ImageChops

from course_utils import animations
from course_utils.animations import (
    ANIMATIONS,
    ANIMATIONS_DIR,
    VERTICAL_EDGE_KERNEL,
    convolution_gif,
    convolve2d_valid,
    edge_image,
    flatten_matrix_gif,
    regenerate_all,
)


def test_regenerated_files_match_the_committed_ones_and_replace_them(tmp_path):
    for name in ANIMATIONS:  # una versión vieja de cada animación, que la regeneración debe sustituir
        (tmp_path / name).write_bytes(b"GIF89a vieja")
    for path in regenerate_all(tmp_path):
        committed = ANIMATIONS_DIR / path.name
        assert committed.exists(), f"Falta {committed.name} en Animaciones/"
        assert path.read_bytes() == committed.read_bytes(), f"{path.name} cambió al regenerarla"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(ANIMATIONS)


def test_every_animation_is_registered():
    assert sorted(ANIMATIONS) == sorted(p.name for p in ANIMATIONS_DIR.glob("*.gif"))


def test_flatten_gif_has_one_frame_per_element(tmp_path):
    path = flatten_matrix_gif(tmp_path / "a.gif", size=3)
    with Image.open(path) as gif:
        assert gif.n_frames == 9
        assert gif.size == (560, 400)


def test_size_changes_the_file(tmp_path):
    small = flatten_matrix_gif(tmp_path / "2.gif", size=2).read_bytes()
    large = flatten_matrix_gif(tmp_path / "3.gif", size=3).read_bytes()
    assert small != large


RANDOM_IMAGE = torch.randint(0, 4, (7, 6), generator=torch.Generator().manual_seed(0)).tolist()


@pytest.mark.parametrize("image", [edge_image(5), edge_image(6), RANDOM_IMAGE])
def test_convolve2d_valid_matches_torch_conv2d(image):
    kernel = torch.tensor(VERTICAL_EDGE_KERNEL, dtype=torch.float32)
    expected = F.conv2d(torch.tensor(image, dtype=torch.float32)[None, None], kernel[None, None])[0, 0]
    assert torch.equal(torch.tensor(convolve2d_valid(image, VERTICAL_EDGE_KERNEL), dtype=torch.float32), expected)


def test_convolution_gif_has_one_frame_per_output_cell_and_holds_the_last():
    # Pillow funde los 2 fotogramas repetidos del final con el último, que dura 3 veces más.
    size, fps = 5, 2
    with Image.open(ANIMATIONS_DIR / "Convolucion.gif") as gif:
        assert gif.n_frames == (size - 2) ** 2
        assert gif.size == (640, 360)
        durations = [gif.seek(i) or gif.info["duration"] for i in range(gif.n_frames)]
    assert durations == [1000 // fps] * ((size - 2) ** 2 - 1) + [(1 + 2) * 1000 // fps]


def test_convolution_gif_frames_follow_size(tmp_path):
    with Image.open(convolution_gif(tmp_path / "c.gif", size=4)) as gif:
        assert gif.n_frames == 2 * 2


def test_convolution_gif_rejects_a_too_small_image(tmp_path):
    with pytest.raises(ValueError, match=r"entre 3×3 .*size=2"):
        convolution_gif(tmp_path / "c.gif", size=2)
    assert not (tmp_path / "c.gif").exists()


@pytest.mark.parametrize("make", [flatten_matrix_gif, convolution_gif])
def test_a_gif_too_big_to_draw_in_minutes_is_refused_before_drawing(tmp_path, make):
    """El tiempo crece como size⁴: con size=60 serían horas (issue 27). Se rechaza antes de empezar."""
    with pytest.raises(ValueError, match="y 8×8 .*tardaría horas.*size=60"):
        make(tmp_path / "g.gif", size=60)
    assert list(tmp_path.iterdir()) == []


def test_a_gif_is_not_overwritten_without_the_flag(tmp_path):
    path = tmp_path / "mío.gif"
    path.write_bytes(b"un GIF del alumno")
    with pytest.raises(FileExistsError, match="mío.gif.*overwrite=True"):
        flatten_matrix_gif(path, size=2)
    assert path.read_bytes() == b"un GIF del alumno"
    flatten_matrix_gif(path, size=2, overwrite=True)
    with Image.open(path) as gif:
        assert gif.n_frames == 4
    assert [p.name for p in tmp_path.iterdir()] == ["mío.gif"]


def test_an_interrupted_gif_keeps_the_previous_one_and_leaves_no_temporary(tmp_path, monkeypatch):
    from matplotlib.animation import PillowWriter

    path = convolution_gif(tmp_path / "c.gif", size=3)
    before = path.read_bytes()

    def interrupted(self):
        with open(self.outfile, "wb") as file:
            file.write(b"GIF89a a medias")
        raise KeyboardInterrupt

    monkeypatch.setattr(PillowWriter, "finish", interrupted)
    with pytest.raises(KeyboardInterrupt):
        convolution_gif(path, size=4, overwrite=True)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["c.gif"]


# --- Lo que enseña cada fotograma (no solo que el GIF salga igual byte a byte) ---------------------------------

CURRENT, DONE = to_hex("#fd8d3c"), to_hex("#9ecae1")


def _drawings(monkeypatch, tmp_path, make, **kwargs):
    """La figura, la función que dibuja cada paso y el número de pasos de una animación, sin escribir el GIF."""
    captured = {}

    def capture(fig, draw, steps, path, fps, overwrite):
        captured.update(fig=fig, draw=draw, steps=steps)
        return path

    monkeypatch.setattr(animations, "_save", capture)
    make(tmp_path / "sin-escribir.gif", **kwargs)
    return captured["fig"], captured["draw"], captured["steps"]


def _cells(ax) -> dict[tuple[float, float], tuple[str, int | None]]:
    """Cada casilla dibujada, por la esquina inferior izquierda: (color, número que lleva o None si está vacía)."""
    numbers = {(t.get_position()[0] - 0.5, t.get_position()[1] - 0.5): int(t.get_text()) for t in ax.texts}
    return {
        (p.get_x(), p.get_y()): (to_hex(p.get_facecolor()), numbers.get((p.get_x(), p.get_y()))) for p in ax.patches
    }


@pytest.mark.parametrize("size", [3, 4])
def test_each_flatten_frame_highlights_the_element_that_goes_to_its_position(monkeypatch, tmp_path, size):
    fig, draw, steps = _drawings(monkeypatch, tmp_path, flatten_matrix_gif, size=size)
    assert steps == size * size, "un fotograma por elemento de la matriz"
    ax_matrix, ax_vector = fig.axes
    for step in range(steps):
        draw(step)
        row, col = divmod(step, size)
        matrix, vector = _cells(ax_matrix), _cells(ax_vector)
        current = [where for where, (color, _) in matrix.items() if color == CURRENT]
        assert current == [(col, size - 1 - row)], f"paso {step}: en la matriz se resalta {current}"
        assert matrix[(col, size - 1 - row)][1] == step + 1, "la casilla resaltada lleva el número del elemento"
        done = sorted(number for color, number in matrix.values() if color == DONE)
        assert done == list(range(1, step + 1)), f"paso {step}: ya aplanados {done}"
        assert vector[(step, 0)] == (CURRENT, step + 1), f"paso {step}: el elemento va a la posición {step}"
        placed = sorted((x, number) for (x, _), (_, number) in vector.items() if number is not None)
        assert placed == [(i, i + 1) for i in range(step + 1)], f"paso {step}: el vector lleva {placed}"
        assert f"fila {row}, columna {col} → posición {step}" in ax_matrix.get_title()


@pytest.mark.parametrize("size", [4, 5])
def test_each_convolution_frame_shows_its_window_and_the_value_torch_computes(monkeypatch, tmp_path, size):
    fig, draw, steps = _drawings(monkeypatch, tmp_path, convolution_gif, size=size)
    out = size - 2
    assert steps == out * out, "un fotograma por casilla del mapa de salida"
    image = torch.tensor(edge_image(size), dtype=torch.float32)[None, None]
    kernel = torch.tensor(VERTICAL_EDGE_KERNEL, dtype=torch.float32)[None, None]
    expected = F.conv2d(image, kernel)[0, 0].long()
    ax_image, _, ax_output, ax_text = fig.axes
    for step in range(steps):
        draw(step)
        top, left = divmod(step, out)
        window = {(c, size - 1 - r) for r in range(top, top + 3) for c in range(left, left + 3)}
        highlighted = {where for where, (color, _) in _cells(ax_image).items() if color == CURRENT}
        assert highlighted == window, f"paso {step}: la ventana resaltada no es la de la fila {top}, columna {left}"
        output = _cells(ax_output)
        shown = {(out - 1 - y, x): number for (x, y), (_, number) in output.items() if number is not None}
        assert shown == {divmod(i, out): expected.flatten()[i].item() for i in range(step + 1)}, f"paso {step}"
        assert [where for where, (color, _) in output.items() if color == CURRENT] == [(left, out - 1 - top)]
        value = expected[top, left].item()
        (text,) = ax_text.texts
        products, result = text.get_text().split(" = ")
        assert int(result) == value and eval(products.replace("·", "*")) == value, text.get_text()
        assert fig.get_suptitle().endswith(f"fila {top}, columna {left}: suma de productos = {value}")


@pytest.mark.parametrize(("name", "frames"), [("Aplanar_matriz.gif", 16), ("Convolucion.gif", 9)])
def test_committed_gifs_change_from_each_frame_to_the_next(name, frames):
    with Image.open(ANIMATIONS_DIR / name) as gif:
        assert gif.n_frames == frames
        pictures = []
        for i in range(gif.n_frames):
            gif.seek(i)
            pictures.append(gif.convert("RGB"))
    for i, (before, after) in enumerate(zip(pictures, pictures[1:], strict=False), start=1):
        assert ImageChops.difference(before, after).getbbox() is not None, f"el fotograma {i} repite el anterior"

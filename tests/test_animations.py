"""Las animaciones se regeneran desde código y salen idénticas byte a byte."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from PIL import Image

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


def test_regenerated_files_match_the_committed_ones(tmp_path):
    for path in regenerate_all(tmp_path):
        committed = ANIMATIONS_DIR / path.name
        assert committed.exists(), f"Falta {committed.name} en Animaciones/"
        assert path.read_bytes() == committed.read_bytes(), f"{path.name} cambió al regenerarla"


def test_every_animation_is_registered():
    assert sorted(ANIMATIONS) == sorted(p.name for p in ANIMATIONS_DIR.glob("*.gif"))


def test_flatten_gif_has_one_frame_per_element(tmp_path):
    path = flatten_matrix_gif(tmp_path / "a.gif", size=3)
    with Image.open(path) as gif:
        assert gif.n_frames == 9
        assert gif.size == (560, 400)


def test_size_changes_the_file(tmp_path):
    small = flatten_matrix_gif(tmp_path / "3.gif", size=3).read_bytes()
    large = flatten_matrix_gif(tmp_path / "4.gif", size=4).read_bytes()
    assert small != large


def test_convolution_gif_matches_the_committed_one(tmp_path):
    path = convolution_gif(tmp_path / "Convolucion.gif")
    assert path.read_bytes() == (ANIMATIONS_DIR / "Convolucion.gif").read_bytes()


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
    with pytest.raises(ValueError, match=r"al menos 3×3 .*size=2"):
        convolution_gif(tmp_path / "c.gif", size=2)
    assert not (tmp_path / "c.gif").exists()


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


def test_regenerating_replaces_the_course_animations(tmp_path):
    first = [p.read_bytes() for p in regenerate_all(tmp_path)]
    assert [p.read_bytes() for p in regenerate_all(tmp_path)] == first
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(ANIMATIONS)

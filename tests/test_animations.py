"""Las animaciones se regeneran desde código y salen idénticas byte a byte."""

from __future__ import annotations

from PIL import Image

from course_utils.animations import ANIMATIONS, ANIMATIONS_DIR, flatten_matrix_gif, regenerate_all


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

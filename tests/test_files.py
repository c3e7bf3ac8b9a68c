"""Escritura de golpe (temporal + os.replace) y archivos apartados sin borrar ni pisar nada."""

from __future__ import annotations

import hashlib

import pytest

from course_utils.files import atomic_write, set_aside, sha256_hexdigest


def _write_then_fail(error: BaseException):
    def write(temporary):
        temporary.write_bytes(b"a medias")
        raise error

    return write


@pytest.mark.parametrize("error", [KeyboardInterrupt(), OSError("disco lleno"), RuntimeError("fallo")])
def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path, error):
    path = tmp_path / "datos.bin"
    path.write_bytes(b"anterior")
    with pytest.raises(type(error)):
        atomic_write(path, _write_then_fail(error), overwrite=True)
    assert path.read_bytes() == b"anterior"
    assert [p.name for p in tmp_path.iterdir()] == ["datos.bin"]


def test_the_temporary_is_in_the_same_folder_with_the_same_extension(tmp_path):
    seen = []

    def write(temporary):
        seen.append(temporary)
        temporary.write_bytes(b"nuevo")

    path = atomic_write(tmp_path / "sub" / "a.gif", write)
    assert path.read_bytes() == b"nuevo"
    assert seen[0].parent == path.parent and seen[0].suffix == ".gif" and seen[0].name.startswith(".")
    assert not seen[0].exists()


def test_without_overwrite_an_existing_file_is_refused_before_writing(tmp_path):
    path = tmp_path / "del alumno.txt"
    path.write_bytes(b"suyo")
    calls = []
    with pytest.raises(FileExistsError, match="Ya existe .*del alumno.txt.*overwrite=True"):
        atomic_write(path, calls.append)
    assert calls == [] and path.read_bytes() == b"suyo"


def test_a_file_that_appears_while_writing_is_not_overwritten(tmp_path):
    path = tmp_path / "a.txt"

    def write(temporary):
        path.write_bytes("aparecí mientras tanto".encode())
        temporary.write_bytes(b"nuevo")

    with pytest.raises(FileExistsError):
        atomic_write(path, write)
    assert path.read_bytes() == "aparecí mientras tanto".encode()
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]


def test_set_aside_never_overwrites_nor_deletes(tmp_path):
    path = tmp_path / "pesos.pth"
    moved = []
    for content in (b"uno", b"dos", b"tres"):
        path.write_bytes(content)
        moved.append(set_aside(path))
    assert moved[0].name == "pesos.pth.dañado"
    assert len(set(moved)) == 3 and not path.exists()
    assert sorted(p.read_bytes() for p in moved) == [b"dos", b"tres", b"uno"]


def test_sha256_matches_hashlib(tmp_path):
    path = tmp_path / "x"
    path.write_bytes(b"abc" * 1_000_000)
    assert sha256_hexdigest(path) == hashlib.sha256(b"abc" * 1_000_000).hexdigest()

"""Escritura de golpe (temporal + os.replace) y archivos apartados sin borrar ni pisar nada."""

from __future__ import annotations

import errno
import hashlib
import re

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


def test_set_aside_does_not_replace_a_broken_link_with_the_same_name(tmp_path):
    path = tmp_path / "pesos.pth"
    path.write_bytes(b"malo")
    link = tmp_path / "pesos.pth.dañado"
    link.symlink_to(tmp_path / "no-existe")
    moved = set_aside(path)
    assert moved != link and moved.read_bytes() == b"malo"
    assert link.is_symlink() and not path.exists()


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


# --- Errores de escritura en español, con la ruta del alumno (issue 27) ------------------------------------


def _fail_with(error: BaseException):
    def write(temporary):
        temporary.write_bytes(b"a medias")
        if isinstance(error, OSError) and error.filename is None:
            error.filename = str(temporary)  # como lo haría el sistema: el error nombra el temporal
        raise error

    return write


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (OSError(errno.ENOSPC, "No space left on device"), "no queda espacio en el disco"),
        (RuntimeError("[enforce fail at inline_container.cc:664] . unexpected pos 832 vs 726"), "la escritura se"),
        (PermissionError(errno.EACCES, "Permission denied"), "no hay permiso de escritura"),
    ],
)
def test_a_failed_write_is_explained_in_spanish_with_the_learners_file(tmp_path, error, reason):
    path = tmp_path / "modelo.pth"
    path.write_bytes(b"anterior")
    with pytest.raises(OSError) as caught:
        atomic_write(path, _fail_with(error), overwrite=True)
    message = str(caught.value)
    assert message.startswith(f"No se ha podido guardar {path}: {reason}"), message
    assert type(caught.value) is (type(error) if isinstance(error, OSError) else OSError), "la misma clase de error"
    assert "El archivo que ya había sigue como estaba." in message
    assert ".tmp" not in message and caught.value.__suppress_context__, "nunca se nombra el temporal oculto"
    assert path.read_bytes() == b"anterior" and [p.name for p in tmp_path.iterdir()] == ["modelo.pth"]


def test_a_long_but_valid_name_is_written_even_if_the_temporary_would_not_fit(tmp_path):
    path = tmp_path / ("n" * 244 + ".pth")  # 248 caracteres: válido, pero «.<nombre>.<8>.tmp.pth» pasaría de 255
    assert atomic_write(path, lambda temporary: temporary.write_bytes(b"pesos")).read_bytes() == b"pesos"
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


def test_a_folder_as_target_is_refused_in_spanish_before_writing(tmp_path):
    folder = tmp_path / "modelos"
    folder.mkdir()
    calls = []

    def write(temporary):
        calls.append(temporary)
        temporary.write_bytes(b"x")

    with pytest.raises(IsADirectoryError, match="No se puede guardar en .*modelos: es una carpeta, no un archivo"):
        atomic_write(folder, write, overwrite=True)
    assert calls == [], "se rechaza antes de escribir nada"
    assert folder.is_dir() and list(folder.iterdir()) == [] and [p.name for p in tmp_path.iterdir()] == ["modelos"]


def test_without_overwrite_a_broken_link_is_not_written_through(tmp_path):
    """Un enlace simbólico cuyo destino no existe: el enlace sí existe, y sin overwrite=True no se escribe a través
    de él (se crearía su destino, un archivo que el alumno no ha pedido)."""
    link = tmp_path / "pesos.pth"
    link.symlink_to(tmp_path / "destino.pth")
    calls = []
    with pytest.raises(FileExistsError, match="Ya existe .*pesos.pth"):
        atomic_write(link, calls.append)
    assert calls == [] and link.is_symlink() and not (tmp_path / "destino.pth").exists()


def test_a_write_that_writes_nothing_does_not_leave_an_empty_file(tmp_path):
    path = tmp_path / "modelo.pth"
    path.write_bytes(b"anterior")
    with pytest.raises(ValueError, match="no escribió nada, y no sustituyo el archivo por un archivo vacío"):
        atomic_write(path, lambda temporary: None, overwrite=True)
    assert path.read_bytes() == b"anterior" and [p.name for p in tmp_path.iterdir()] == ["modelo.pth"]
    with pytest.raises(ValueError, match="no escribió nada"):
        atomic_write(tmp_path / "nuevo.pth", lambda temporary: None)
    assert not (tmp_path / "nuevo.pth").exists()


def test_a_symlink_keeps_pointing_to_its_file_which_gets_the_new_content(tmp_path):
    real = tmp_path / "real.pth"
    real.write_bytes(b"anterior")
    link = tmp_path / "enlace.pth"
    link.symlink_to(real)
    atomic_write(link, lambda temporary: temporary.write_bytes(b"nuevo"), overwrite=True)
    assert link.is_symlink() and link.resolve() == real and real.read_bytes() == b"nuevo"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["enlace.pth", "real.pth"]


def test_overwrite_must_be_a_bool(tmp_path):
    path = tmp_path / "a.txt"
    path.write_bytes(b"suyo")
    with pytest.raises(TypeError, match="overwrite debe ser True o False, pero llegó str \\('no'\\)"):
        atomic_write(path, lambda temporary: temporary.write_bytes(b"x"), overwrite="no")
    assert path.read_bytes() == b"suyo"


def test_a_folder_several_levels_deep_is_created(tmp_path):
    path = tmp_path / "a" / "b" / "c" / "pesos.pth"
    assert atomic_write(path, lambda temporary: temporary.write_bytes(b"x")).read_bytes() == b"x"


def test_a_path_through_a_file_is_explained_with_the_learners_path(tmp_path):
    (tmp_path / "notas.txt").write_text("mías")
    path = tmp_path / "notas.txt" / "pesos.pth"
    with pytest.raises(
        OSError, match=f"No se ha podido guardar {re.escape(str(path))}: una parte de la ruta es un archivo"
    ):
        atomic_write(path, lambda temporary: temporary.write_bytes(b"x"))
    assert (tmp_path / "notas.txt").read_text() == "mías"


def test_an_error_without_errno_never_names_the_temporary(tmp_path):
    path = tmp_path / "modelo.pth"

    def write(temporary):
        raise OSError(f"no pude escribir {temporary}")

    with pytest.raises(OSError) as caught:
        atomic_write(path, write)
    assert str(path) in str(caught.value) and ".tmp" not in str(caught.value), str(caught.value)
    assert "ya había" not in str(caught.value), "no había archivo anterior: no se dice que sigue como estaba"


def test_a_temporary_name_already_taken_is_never_reused(tmp_path, monkeypatch):
    from course_utils import files

    names = iter(["aaaaaaaa", "aaaaaaaa", "bbbbbbbb"])
    monkeypatch.setattr(files.secrets, "token_hex", lambda n: next(names))
    taken = tmp_path / ".pesos.aaaaaaaa.tmp.pth"
    taken.write_bytes(b"de otro")
    assert atomic_write(tmp_path / "pesos.pth", lambda temporary: temporary.write_bytes(b"x")).read_bytes() == b"x"
    assert taken.read_bytes() == b"de otro"


def test_a_name_too_long_for_any_file_system_is_explained_before_writing(tmp_path):
    path = tmp_path / ("n" * 300 + ".pth")
    calls = []
    with pytest.raises(OSError, match="No se ha podido guardar .*: el nombre del archivo es demasiado largo") as caught:
        atomic_write(path, calls.append)
    assert calls == [] and "ya había" not in str(caught.value) and list(tmp_path.iterdir()) == []

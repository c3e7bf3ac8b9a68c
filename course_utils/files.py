"""Escritura segura de archivos: todo o nada, sin pisar lo que no se pidió sustituir y sin borrar nada."""

from __future__ import annotations

import errno
import hashlib
import os
import secrets
import time
from collections.abc import Callable
from pathlib import Path

from course_utils.validation import check_callable, check_flag, check_path

SET_ASIDE_SUFFIX = ".dañado"


def refuse_to_overwrite(path: Path) -> None:
    """Lanza FileExistsError, en español y con la ruta, si ``path`` ya existe."""
    if path.exists() or path.is_symlink():
        raise FileExistsError(f"Ya existe {path}; para sustituirlo, llama con overwrite=True.")


# Un nombre de archivo no puede pasar de 255 bytes en casi ningún sistema de archivos (ext4, APFS, NTFS).
_NAME_MAX = 255


def _temporary_sibling(path: Path) -> Path:
    """Crea un archivo temporal vacío, oculto y nuevo, en la misma carpeta que ``path`` y con su extensión.

    Su nombre se acorta si hace falta, para que un nombre largo pero válido no falle por culpa del temporal.
    """
    stem, suffix = path.stem, path.suffix
    if len(suffix.encode()) > 16:  # una «extensión» larga es parte del nombre: no se repite entera
        stem, suffix = path.name, ""
    room = _NAME_MAX - len(f"..{'0' * 8}.tmp{suffix}".encode())
    stem = stem.encode()[: max(room, 0)].decode(errors="ignore")
    while True:
        temporary = path.with_name(f".{stem}.{secrets.token_hex(4)}.tmp{suffix}")
        try:
            temporary.open("xb").close()  # «x»: falla si ya existe, así nunca se pisa otro archivo
        except FileExistsError:
            continue
        return temporary


# Así avisa torch.save (con un RuntimeError, no un OSError) de que no pudo escribir entero el archivo.
_TORCH_WRITE_FAILURES = ("unexpected pos", "failed writing", "file write failed")


def _write_error(path: Path, error: BaseException, existed: bool, temporary: Path | None = None) -> OSError | None:
    """El error en español que nombra el archivo del alumno (nunca el temporal), o None si no es de escritura."""
    if isinstance(error, OSError):
        reason, code = os_reason(error), error.errno
        if temporary is not None:
            reason = reason.replace(str(temporary), str(path)).replace(temporary.name, path.name)
    elif isinstance(error, RuntimeError) and any(text in str(error) for text in _TORCH_WRITE_FAILURES):
        reason, code = "la escritura se cortó a medias (¿no queda espacio en el disco?)", errno.EIO
    else:
        return None
    kept = " El archivo que ya había sigue como estaba." if existed else ""
    kind = type(error) if isinstance(error, OSError) else OSError  # un PermissionError sigue siéndolo
    translated = kind(f"No se ha podido guardar {path}: {reason}.{kept}")
    translated.errno = code
    return translated


def atomic_write(path: str | Path, write: Callable[[Path], object], overwrite: bool = False) -> Path:
    """Escribe ``path`` de golpe: ``write`` llena un temporal de su carpeta y ``os.replace`` lo pone en su sitio.

    Si ``path`` es un enlace simbólico, se escribe en el archivo al que apunta y el enlace se queda. Un fallo
    deja el archivo anterior intacto, no deja el temporal y se explica en español con la ruta del alumno; si
    ``write`` no escribe nada, no se sustituye el archivo por uno vacío.
    """
    path = check_path(path)
    check_callable(write, "write", "lambda temporal: torch.save(pesos, temporal)")
    overwrite = check_flag(overwrite, "overwrite")
    try:
        target = path.resolve(strict=False) if path.is_symlink() else path
        if target.is_dir():
            raise IsADirectoryError(errno.EISDIR, f"No se puede guardar en {path}: es una carpeta, no un archivo.")
        if not overwrite:
            refuse_to_overwrite(path)
        existed = target.exists()
    except (FileExistsError, IsADirectoryError):
        raise
    except (OSError, RuntimeError) as error:  # un nombre de más de 255 bytes, un bucle de enlaces…
        if isinstance(error, RuntimeError):  # Python 3.11/3.12: «Symlink loop from …»
            error = OSError(errno.ELOOP, str(error))
        raise _write_error(path, error, False) from None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = _temporary_sibling(target)
    except OSError as error:
        if isinstance(error, FileExistsError):  # mkdir: una de las carpetas de la ruta es en realidad un archivo
            error = NotADirectoryError(errno.ENOTDIR, str(error))
        raise _write_error(path, error, existed) from None
    try:
        write(temporary)
        with temporary.open("rb+") as written:
            os.fsync(written.fileno())  # que un corte de luz no deje el archivo nuevo a medias
            empty = written.seek(0, os.SEEK_END) == 0
        if empty:
            raise ValueError(
                f"No se ha guardado {path}: la función de escritura no escribió nada, y no sustituyo "
                f"{'el archivo' if existed else 'nada'} por un archivo vacío."
            )
        if not overwrite:
            refuse_to_overwrite(path)
        os.replace(temporary, target)
    except BaseException as error:  # también Ctrl+C (KeyboardInterrupt): no queda ni el temporal ni un archivo a medias
        temporary.unlink(missing_ok=True)
        translated = _write_error(path, error, existed, temporary)
        if translated is None or isinstance(error, FileExistsError):
            raise
        raise translated from None
    return path


def sha256_hexdigest(path: Path) -> str:
    """La suma SHA-256 de un archivo, en hexadecimal, leyéndolo por trozos."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as file:
        for chunk in iter(lambda: file.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def os_reason(error: OSError) -> str:
    """El motivo de un fallo del sistema de archivos, en español."""
    reasons = {
        errno.EACCES: "no hay permiso de escritura",
        errno.EPERM: "no hay permiso de escritura",
        errno.EROFS: "el sistema de archivos es de solo lectura",
        errno.ENOSPC: "no queda espacio en el disco",
        errno.ENAMETOOLONG: "el nombre del archivo es demasiado largo",
        errno.EISDIR: "es una carpeta, no un archivo",
        errno.ENOTDIR: "una parte de la ruta es un archivo, no una carpeta",
        errno.ELOOP: "es un enlace simbólico que apunta a sí mismo (un bucle)",
    }
    if error.errno in reasons:
        return reasons[error.errno]
    if error.errno is None:
        return f"error del sistema ({error})"
    return f"error del sistema {errno.errorcode.get(error.errno, error.errno)}"


def set_aside(path: Path) -> Path:
    """Renombra ``path`` a ``<nombre>.dañado`` (o con fecha, si ya existe), sin borrar ni pisar nada."""
    path = Path(path)
    candidate = path.with_name(path.name + SET_ASIDE_SUFFIX)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    attempt = 0
    while candidate.exists() or candidate.is_symlink():
        attempt += 1
        candidate = path.with_name(f"{path.name}{SET_ASIDE_SUFFIX}-{stamp}" + (f"-{attempt}" if attempt > 1 else ""))
    path.rename(candidate)
    return candidate

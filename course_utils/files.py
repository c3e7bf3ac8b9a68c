"""Escritura segura de archivos: todo o nada, sin pisar lo que no se pidió sustituir y sin borrar nada."""

from __future__ import annotations

import errno
import hashlib
import os
import secrets
import time
from collections.abc import Callable
from pathlib import Path

SET_ASIDE_SUFFIX = ".dañado"


def refuse_to_overwrite(path: Path) -> None:
    """Lanza FileExistsError, en español y con la ruta, si ``path`` ya existe."""
    if path.exists() or path.is_symlink():
        raise FileExistsError(f"Ya existe {path}; para sustituirlo, llama con overwrite=True.")


def _temporary_sibling(path: Path) -> Path:
    """Crea un archivo temporal vacío, oculto y nuevo, en la misma carpeta que ``path`` y con su extensión."""
    while True:
        temporary = path.with_name(f".{path.stem}.{secrets.token_hex(4)}.tmp{path.suffix}")
        try:
            temporary.open("xb").close()  # «x»: falla si ya existe, así nunca se pisa otro archivo
        except FileExistsError:
            continue
        return temporary


def atomic_write(path: str | Path, write: Callable[[Path], object], overwrite: bool = False) -> Path:
    """Escribe ``path`` de golpe: ``write`` llena un temporal de su carpeta y ``os.replace`` lo pone en su sitio."""
    path = Path(path)
    if not overwrite:
        refuse_to_overwrite(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = _temporary_sibling(path)
    try:
        write(temporary)
        with temporary.open("rb+") as written:
            os.fsync(written.fileno())  # que un corte de luz no deje el archivo nuevo a medias
        if not overwrite:
            refuse_to_overwrite(path)
        os.replace(temporary, path)
    except BaseException:  # también Ctrl+C (KeyboardInterrupt): no queda ni el temporal ni un archivo a medias
        temporary.unlink(missing_ok=True)
        raise
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
    }
    return reasons.get(error.errno, f"error del sistema {errno.errorcode.get(error.errno, error.errno)}")


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

"""Construye el sitio web del curso (make sitio): una página por lección, con las salidas guardadas, sin ejecutar nada.

Reúne en _build/fuente lo que lee Sphinx (la configuración de sitio/, el README, las lecciones y el glosario) y
escribe el sitio en _build/sitio, desde cero cada vez; todo queda dentro de _build/, que git ignora. Los avisos de
Sphinx (un enlace interno roto, una imagen que falta…) son errores: el sitio no se da por construido.

    python sitio/build.py
"""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SITE_SOURCE = ROOT / "sitio"
STAGING = ROOT / "_build" / "fuente"
OUTPUT = ROOT / "_build" / "sitio"


def _clear(folder: Path) -> None:
    """Borra una carpeta de trabajo del sitio; se niega si es un enlace o un archivo (no se sabe qué habría detrás)."""
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        raise SystemExit(
            f"{folder} debería ser una carpeta de make sitio, pero es un enlace o un archivo: no lo borro. "
            "Apártalo o bórralo tú y vuelve a ejecutar make sitio."
        )
    if folder.exists():
        shutil.rmtree(folder)


def stage(staging: Path) -> None:
    """Copia en `staging` todo lo que lee Sphinx, y solo eso."""
    _clear(staging)
    shutil.copytree(SITE_SOURCE, staging, ignore=shutil.ignore_patterns("build.py", "__pycache__"))
    shutil.copy2(ROOT / "README.md", staging / "README.md")
    lessons = staging / "notebooks"
    downloads = staging / "_descargas" / "notebooks"
    lessons.mkdir()
    downloads.mkdir(parents=True)
    for notebook in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        shutil.copy2(notebook, lessons / notebook.name)
        shutil.copy2(notebook, downloads / notebook.name)
    shutil.copy2(ROOT / "notebooks" / "glosario.md", lessons / "glosario.md")


def build(output: Path = OUTPUT, staging: Path = STAGING) -> Path:
    """Construye el sitio en `output` y devuelve la ruta de su portada; falla ante cualquier aviso de Sphinx.

    myst-nb deja además una carpeta jupyter_execute junto a `output` (con las dos por defecto, dentro de _build/).
    """
    try:
        from sphinx.cmd.build import build_main
    except ImportError:
        raise SystemExit(
            "Falta Sphinx: este Python no tiene el entorno del curso. Usa make sitio, que lo instala (make install), "
            "o el Python de .venv."
        ) from None
    _clear(output)
    stage(staging)
    status = build_main(["-b", "html", "-E", "-W", "--keep-going", "-q", str(staging), str(output)])
    if status != 0:
        raise SystemExit(f"Sphinx no pudo construir el sitio sin avisos (código {status}): mira los avisos de arriba.")
    return output / "index.html"


def main() -> None:
    """Construye el sitio y dice dónde abrirlo."""
    start = time.perf_counter()
    index = build()
    print(f"Sitio construido en {time.perf_counter() - start:.1f} s. Ábrelo en el navegador: {index.as_uri()}")


if __name__ == "__main__":
    sys.exit(main())

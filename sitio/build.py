"""Construye el sitio web del curso (make sitio): una página por lección, con las salidas guardadas, sin ejecutar nada.

Reúne en _build/fuente lo que lee Sphinx (la configuración de sitio/, el README, las lecciones y el glosario) y
escribe el sitio en _build/sitio, desde cero cada vez. Los avisos de Sphinx (un enlace interno roto, una imagen que
falta…) son errores: el sitio no se da por construido.

    python sitio/build.py [--destino CARPETA]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SITE_SOURCE = ROOT / "sitio"
STAGING = ROOT / "_build" / "fuente"
OUTPUT = ROOT / "_build" / "sitio"


def stage(staging: Path) -> None:
    """Copia en `staging` todo lo que lee Sphinx, y solo eso."""
    if staging.exists():
        shutil.rmtree(staging)
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


def _clear(output: Path) -> None:
    """Borra un sitio construido antes; se niega a borrar una carpeta que no lo sea."""
    if not output.exists():
        return
    if not output.is_dir() or (any(output.iterdir()) and not (output / ".buildinfo").is_file()):
        raise SystemExit(
            f"{output} ya existe y no es un sitio construido por make sitio (no tiene .buildinfo): no la borro. "
            "Elige una carpeta vacía o que no exista con --destino."
        )
    shutil.rmtree(output)


def build(output: Path = OUTPUT, staging: Path = STAGING) -> Path:
    """Construye el sitio en `output` y devuelve la ruta de su portada; falla ante cualquier aviso de Sphinx."""
    from sphinx.cmd.build import build_main

    _clear(output)
    stage(staging)
    status = build_main(["-b", "html", "-E", "-W", "--keep-going", "-q", str(staging), str(output)])
    if status != 0:
        raise SystemExit(f"Sphinx no pudo construir el sitio sin avisos (código {status}): mira los avisos de arriba.")
    return output / "index.html"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Construye el sitio web del curso en _build/sitio.")
    parser.add_argument(
        "--destino",
        type=Path,
        default=OUTPUT,
        help="carpeta del sitio: nueva, vacía o un sitio anterior, que se rehace",
    )
    args = parser.parse_args(argv)
    start = time.perf_counter()
    index = build(args.destino.resolve())
    print(f"Sitio construido en {time.perf_counter() - start:.1f} s. Ábrelo en el navegador: {index.as_uri()}")


if __name__ == "__main__":
    sys.exit(main())

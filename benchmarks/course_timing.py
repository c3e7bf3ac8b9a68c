"""El curso entero, cronometrado: ejecuta cada lección en modo completo con el CIFAR-10 real y mide su tiempo.

Ejecuta una copia de cada cuaderno de ``notebooks/`` (los guardados no se tocan) en un kernel nuevo, sin
``COURSE_QUICK``, con los datos de ``COURSE_DATA`` (o la copia JPEG de ``../shared`` extraída) y sin conexión,
y mide los minutos de reloj y la memoria máxima del kernel (RSS, muestreada cada 0,2 s con psutil). Imprime una
tabla en Markdown y una línea JSON; con ``--readme`` la escribe además en el README, entre las marcas
``<!-- tiempos:inicio -->`` y ``<!-- tiempos:fin -->``. Con ``--store``, guarda cada cuaderno ejecutado en
``notebooks/`` en lugar del original: así se producen las salidas guardadas del curso (modo completo, CIFAR-10
real), y la tabla mide esa misma ejecución.

    python benchmarks/course_timing.py [RAÍZ_IMAGEFOLDER] [--threads N] [--readme] [--store] [--only 03 04]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import sys
import tempfile
import threading
import time
from pathlib import Path

import nbformat
import psutil
from nbclient import NotebookClient

sys.path.insert(0, str(Path(__file__).resolve().parent))
from data_loading import linked_data_dir  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
MARKS = ("<!-- tiempos:inicio -->", "<!-- tiempos:fin -->")


def peak_kernel_memory(stop: threading.Event, peak: list[int]) -> None:
    """Guarda en ``peak[0]`` la mayor RSS de los procesos hijos (el kernel) hasta que se pide parar."""
    me = psutil.Process()
    while not stop.wait(0.2):
        for child in me.children(recursive=True):
            try:
                peak[0] = max(peak[0], child.memory_info().rss)
            except psutil.Error:
                pass


def run_lesson(path: Path, store: bool = False) -> tuple[float, int]:
    """Ejecuta una copia del cuaderno en un kernel nuevo (y la guarda encima si ``store``); da segundos y RSS máxima."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=3600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}})
    stop, peak = threading.Event(), [0]
    monitor = threading.Thread(target=peak_kernel_memory, args=(stop, peak), daemon=True)
    monitor.start()
    start = time.perf_counter()
    try:
        client.execute()
    finally:
        seconds = time.perf_counter() - start
        stop.set()
        monitor.join()
    if store:
        nbformat.write(nb, path)
    return seconds, peak[0]


def table(rows: list[dict], threads: int) -> str:
    """La tabla en Markdown, con los números escritos a la española."""
    def number(value: float, decimals: int) -> str:
        return f"{value:.{decimals}f}".replace(".", ",")

    lines = ["| Lección | Minutos | Memoria máxima del kernel |", "|---|---|---|"]
    for row in rows:
        lines.append(f"| `{row['lesson']}` | {number(row['minutes'], 1)} | {number(row['peak_mb'], 0)} MB |")
    total = sum(row["minutes"] for row in rows)
    lines.append(f"| **Total** | **{number(total, 1)}** | |")
    cpu = platform.processor() or platform.machine()
    lines.append("")
    lines.append(f"Modo completo, CIFAR-10 (copia JPEG), sin conexión, {threads} hilos de CPU ({cpu}), "
                 f"medido con `benchmarks/course_timing.py` el {time.strftime('%Y-%m-%d')}.")
    return "\n".join(lines)


def write_readme(text: str) -> None:
    """Sustituye la tabla del README entre sus marcas."""
    readme = README.read_text(encoding="utf-8")
    pattern = re.compile(re.escape(MARKS[0]) + ".*?" + re.escape(MARKS[1]), flags=re.DOTALL)
    if not pattern.search(readme):
        sys.exit(f"El README no tiene las marcas {MARKS[0]} y {MARKS[1]}.")
    README.write_text(pattern.sub(lambda _: f"{MARKS[0]}\n{text}\n{MARKS[1]}", readme), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", nargs="?", type=Path, help="carpeta ImageFolder de CIFAR-10 (opcional)")
    parser.add_argument("--threads", type=int, default=2, help="hilos de CPU de cada kernel (COURSE_THREADS)")
    parser.add_argument("--readme", action="store_true", help="escribe la tabla en el README")
    parser.add_argument("--only", nargs="*", default=None, help="solo estas lecciones (por el prefijo, p. ej. 03)")
    parser.add_argument("--store", action="store_true", help="guarda los cuadernos ejecutados en notebooks/")
    args = parser.parse_args()
    lessons = sorted((ROOT / "notebooks").glob("*.ipynb"))
    if args.only:
        lessons = [path for path in lessons if path.name[:2] in args.only]
    rows = []
    with tempfile.TemporaryDirectory() as workdir:
        _, data_dir = linked_data_dir(Path(workdir), args.root)
        os.environ.pop("COURSE_QUICK", None)
        os.environ.update(COURSE_DATA=str(data_dir), COURSE_OFFLINE="1", COURSE_THREADS=str(args.threads))
        for path in lessons:
            seconds, peak = run_lesson(path, args.store)
            rows.append({"lesson": path.name, "minutes": seconds / 60, "peak_mb": peak / 2**20})
            print(f"{path.name}: {seconds / 60:.1f} min, {peak / 2**20:.0f} MB", flush=True)
    text = table(rows, args.threads)
    print(text)
    if args.readme:
        write_readme(text)
    print(json.dumps({"threads": args.threads, "lessons": rows}))


if __name__ == "__main__":
    main()

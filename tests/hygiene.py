"""Reglas de higiene que debe cumplir cada cuaderno guardado."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import nbformat
import pytest

# Rutas absolutas de una máquina concreta (Linux, macOS, Windows) o carpetas temporales.
ABSOLUTE_PATH = re.compile(
    r"(?<![\w.])/(?:root|home|Users|work|tmp|var/folders)/[\w.-]+|[A-Za-z]:\\\\?Users\\\\?",
)


def _cell_texts(cell: dict) -> list[str]:
    """El código fuente de la celda y el texto de todas sus salidas."""
    texts = [cell.get("source", "")]
    for output in cell.get("outputs", []):
        texts.append(json.dumps(output, ensure_ascii=False))
    return texts


def check_notebook(nb: dict) -> list[str]:
    """Devuelve la lista de problemas del cuaderno (vacía si está limpio)."""
    problems: list[str] = []
    if nb.get("nbformat") != 4:
        return [f"se esperaba nbformat 4, pero es {nb.get('nbformat')}"]
    try:
        nbformat.validate(nb)
    except nbformat.ValidationError as error:
        problems.append(f"nbformat no válido: {error.message}")
    kernel = nb.get("metadata", {}).get("kernelspec", {}).get("name")
    if kernel != "python3":
        problems.append(f"se esperaba el kernel python3, pero es {kernel!r}")
    expected_count = 1
    for number, cell in enumerate(nb.get("cells", []), start=1):
        where = f"celda {number}"
        for text in _cell_texts(cell):
            match = ABSOLUTE_PATH.search(text)
            if match:
                problems.append(f"{where}: ruta absoluta o nombre de usuario {match.group(0)!r}")
                break
        if cell.get("cell_type") != "code":
            continue
        count = cell.get("execution_count")
        if count != expected_count:
            problems.append(f"{where}: se esperaba execution_count {expected_count}, pero es {count}")
        expected_count = (count or expected_count) + 1
        tags = cell.get("metadata", {}).get("tags", [])
        errors = [out for out in cell.get("outputs", []) if out.get("output_type") == "error"]
        if errors and "raises-exception" not in tags:
            problems.append(f"{where}: error {errors[0].get('ename')} sin la etiqueta raises-exception")
        if "raises-exception" in tags and not errors:
            problems.append(f"{where}: etiquetada raises-exception pero no guarda ningún error")
        lines = [line for line in cell.get("source", "").splitlines() if line.strip()]
        if lines and lines[-1].rstrip().endswith(";"):
            problems.append(f"{where}: termina en ';' (usa plt.show() para no mostrar el valor)")
    return problems


# Módulos que no existen en Windows (o en macOS) y llamadas que dependen de fork: un cuaderno no los usa.
UNIX_ONLY_MODULES = {"resource", "fcntl", "termios", "tty", "pty", "pwd", "grp", "posix", "crypt", "spwd", "nis",
                     "syslog", "curses", "readline"}
UNIX_ONLY_CALLS = {"fork", "forkpty", "getuid", "geteuid", "getpgid", "setsid", "sched_getaffinity", "nice"}
SHELL_MAGICS = {"bash", "sh", "script", "system", "sx"}


def _python_of(source: str) -> str:
    """El código de la celda con la sintaxis de IPython (%magia, !orden) traducida a Python."""
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager().transform_cell(source)


def portability_problems(nb: dict) -> list[str]:
    """Lo que impediría ejecutar el cuaderno en Windows o macOS: módulos de Unix, fork, órdenes de shell."""
    import ast

    problems: list[str] = []
    for number, cell in enumerate(nb.get("cells", []), start=1):
        if cell.get("cell_type") != "code":
            continue
        for node in ast.walk(ast.parse(_python_of(cell.get("source", "")))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name.split(".")[0] for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module.split(".")[0]]
            for name in names:
                if name in UNIX_ONLY_MODULES:
                    problems.append(f"celda {number}: importa {name}, que no existe en Windows")
            if isinstance(node, ast.Attribute) and node.attr in UNIX_ONLY_CALLS:
                problems.append(f"celda {number}: usa {node.attr}, que solo existe en Unix")
            if isinstance(node, ast.Constant) and node.value == "fork":
                problems.append(f"celda {number}: pide el método de arranque 'fork', que Windows no tiene")
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in {"system", "getoutput", "run_cell_magic", "run_line_magic"}
                    and isinstance(node.func.value, ast.Call)
                    and getattr(node.func.value.func, "id", "") == "get_ipython"):
                magic = node.args[0].value if node.args and isinstance(node.args[0], ast.Constant) else ""
                if node.func.attr in {"system", "getoutput"} or magic in SHELL_MAGICS:
                    problems.append(f"celda {number}: ejecuta una orden de shell, que cambia de un sistema a otro")
    return problems


# --- Pruebas que no pueden ejecutarse: en CI, un fallo; en la máquina de un alumno, un salto -----------------

# El archivo que .ci/run extrae como copia de CIFAR-10 cuando existe ../shared junto al repositorio.
SHARED_CIFAR10 = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "cifar10-jpg.tar.gz"


def in_ci() -> bool:
    """True si la variable de entorno CI vale «true» o «1» (como la definen GitHub Actions, GitLab y .ci/run)."""
    return os.environ.get("CI", "").strip().lower() in ("true", "1")


def skip_or_fail_in_ci(reason: str) -> None:
    """Salta la prueba, salvo en CI: allí, una prueba que no puede ejecutarse es un fallo, no un salto.

    Úsala solo para lo que CI debe tener (Chromium, la copia de CIFAR-10 de ../shared). Los saltos que no
    indican nada roto (ser root, no tener GPU) siguen siendo pytest.skip.
    """
    if in_ci():
        pytest.fail(f"En CI esta prueba debe ejecutarse, pero no puede: {reason}", pytrace=False)
    pytest.skip(reason)

"""ruff debe pasar sobre course_utils, tests, benchmarks y los cuadernos."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_ruff_check_passes():
    names = ["course_utils", "tests", "notebooks", "benchmarks", "requirements", "conftest.py"]
    folders = [name for name in names if (ROOT / name).exists()]
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", *folders],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _top_level_imports(module: str) -> set[str]:
    """Módulos que ``module`` (del paquete del curso) importa al cargarse, sin contar los de dentro de funciones."""
    path = ROOT / Path(*module.split("."))
    path = path / "__init__.py" if path.is_dir() else path.with_suffix(".py")
    found: set[str] = set()
    statements = list(ast.parse(path.read_text(encoding="utf-8")).body)
    while statements:
        node = statements.pop()
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            continue  # solo para las anotaciones de tipos
        if isinstance(node, ast.If | ast.Try):
            statements += [*node.body, *getattr(node, "orelse", []), *getattr(node, "finalbody", [])]
            statements += [s for handler in getattr(node, "handlers", []) for s in handler.body]
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            package = ROOT / Path(*node.module.split("."))
            found |= {f"{node.module}.{a.name}" for a in node.names if (package / f"{a.name}.py").exists()}
    return found


def test_the_first_lessons_do_not_wait_for_torchvision():
    """Importar torchvision cuesta más de un segundo: lo que usan las lecciones 01–03 no lo importa al cargarse
    (solo al leer CIFAR-10 de sus formatos o al crear sus modelos)."""
    for start in ("course_utils", "course_utils.data", "course_utils.exercises", "course_utils.plots",
                  "course_utils.widgets", "course_utils.animations", "course_utils.formatting"):
        seen, pending = set(), [start]
        while pending:
            module = pending.pop()
            if module in seen:
                continue
            seen.add(module)
            pending += [name for name in _top_level_imports(module) if name.split(".")[0] == "course_utils"]
            external = {name for name in _top_level_imports(module) if name.split(".")[0] == "torchvision"}
            assert not external, f"{start} importa {sorted(external)} al cargarse (a través de {module})"

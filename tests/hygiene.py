"""Reglas de higiene que debe cumplir cada cuaderno guardado."""

from __future__ import annotations

import json
import re

import nbformat

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

"""Extensión de Sphinx del sitio: en cada lección, un recuadro «Cómo ejecutar esta lección» y avisos en los controles.

El recuadro enlaza al cuaderno (build.py lo copia junto a la página), remite a las dos órdenes del README y dice
con qué modo y en qué máquina se guardaron las salidas, con la línea que imprimió `setup()` en la propia lección.
Debajo de cada control interactivo (un deslizador, una casilla…) avisa de que en la página solo se ve su estado
guardado: para que responda hace falta un kernel. Las barras de progreso no llevan aviso: no hay nada que tocar.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx

LESSON = re.compile(r"notebooks/\d\d_\w+")
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
# Modelos que el alumno puede mover o pulsar: en la página estática se ven, pero no hacen nada.
INTERACTIVE = re.compile(r"(Slider|Checkbox|ToggleButton|Button|Dropdown|Text|Play|RadioButtons|Select)\w*Model$")
KERNEL_NOTE = (
    "Este control se ve aquí con el estado que tenía al guardar la lección. Para moverlo y ver cómo cambia, "
    "ejecuta la lección en JupyterLab: lo mueve el código de Python del cuaderno, que necesita un kernel en marcha."
)


def _setup_line(notebook: dict) -> str | None:
    """La línea «Dispositivo: …» que imprimió setup() en la lección guardada."""
    for cell in notebook["cells"]:
        for output in cell.get("outputs", []):
            text = output.get("text", "")
            text = "".join(text) if isinstance(text, list) else text
            for line in text.splitlines():
                if line.startswith("Dispositivo:"):
                    return line.strip()
    return None


def _paragraph(*parts: str | nodes.Node) -> nodes.paragraph:
    """Un párrafo con trozos de texto y nodos."""
    paragraph = nodes.paragraph()
    for part in parts:
        paragraph += nodes.Text(part) if isinstance(part, str) else part
    return paragraph


def _run_box(name: str, setup_line: str | None) -> nodes.admonition:
    """El recuadro «Cómo ejecutar esta lección»."""
    box = nodes.admonition(classes=["tip", "como-ejecutar"])
    box += nodes.title(text="Cómo ejecutar esta lección")
    download = nodes.reference("", name, refuri=name, classes=["descarga-cuaderno"])
    box += _paragraph("Descarga el cuaderno: ", nodes.strong("", "", download), ".")
    quick_start = nodes.reference("", "Inicio rápido", refuri="../index.html#inicio-rapido")
    box += _paragraph(
        "En tu ordenador, desde la carpeta del curso, ",
        nodes.literal(text="make lab"),
        " instala lo necesario y abre JupyterLab con las lecciones, y ",
        nodes.literal(text="make test"),
        " ejecuta todas las pruebas (sin make, las órdenes de pip del ",
        quick_start,
        ").",
    )
    box += _paragraph(
        "En un servicio de cuadernos alojado (Google Colab, Kaggle…), con la carpeta del curso subida o clonada, "
        "ejecuta desde ella en una celda ",
        nodes.literal(text="%pip install -c requirements/lock.txt -e ."),
        " (instala las versiones exactas del curso) y reinicia el kernel.",
    )
    if setup_line:
        box += _paragraph(
            "Las salidas de esta página son las guardadas en el cuaderno, de una ejecución con la copia JPEG de "
            "CIFAR-10 en una CPU x86-64 de 2 núcleos (el README da los tiempos). La lección lo dice en su primera "
            "salida: ",
            nodes.literal(text=setup_line, classes=["linea-setup"]),
            ".",
        )
    return box


def _interactive_views(notebook: dict) -> set[str]:
    """Los identificadores de las vistas guardadas que contienen algún control interactivo."""
    state = notebook["metadata"].get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})

    def interactive(model_id: str, seen: set[str]) -> bool:
        model = state.get(model_id)
        if model is None or model_id in seen:
            return False
        seen.add(model_id)
        if INTERACTIVE.search(model["model_name"]):
            return True
        children = model["state"].get("children", [])
        return any(interactive(child.removeprefix("IPY_MODEL_"), seen) for child in children)

    views = set()
    for cell in notebook["cells"]:
        for output in cell.get("outputs", []):
            view = output.get("data", {}).get(WIDGET_VIEW)
            if view and interactive(view["model_id"], set()):
                views.add(view["model_id"])
    return views


def add_lesson_box(app: Sphinx, doctree: nodes.document) -> None:
    """Añade el recuadro al principio de cada lección y el aviso bajo cada control interactivo."""
    docname = app.env.docname
    if not LESSON.fullmatch(docname):
        return
    path = Path(app.env.doc2path(docname))
    notebook = json.loads(path.read_text(encoding="utf-8"))
    section = next(iter(doctree.findall(nodes.section)))
    title_index = section.first_child_matching_class(nodes.title)
    section.insert(title_index + 1, _run_box(path.name, _setup_line(notebook)))
    views = _interactive_views(notebook)
    for raw in list(doctree.findall(nodes.raw)):
        if WIDGET_VIEW in raw.astext() and any(view in raw.astext() for view in views):
            note = nodes.note(classes=["aviso-kernel"])
            note += nodes.paragraph(text=KERNEL_NOTE)
            raw.parent.insert(raw.parent.index(raw) + 1, note)


def setup(app: Sphinx) -> dict:
    app.connect("doctree-read", add_lesson_box)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

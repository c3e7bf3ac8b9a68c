"""Extensión de Sphinx del sitio: en cada lección, un recuadro «Cómo ejecutar esta lección» y avisos en los controles.

El recuadro enlaza al cuaderno (build.py lo copia junto a la página), remite a las dos órdenes del README y dice
con qué modo se guardaron las salidas, con la línea que imprimió `setup()` en la propia lección, y dónde se dice en
qué máquina (la tabla de tiempos del README, en la portada).
Debajo de cada control interactivo (un deslizador, una casilla…) avisa de que en la página solo se ve su estado
guardado: para que responda hace falta un kernel. Las barras de progreso no llevan aviso: no hay nada que tocar.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging

LESSON = re.compile(r"notebooks/\d\d_\w+")
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
# Modelos que el alumno puede mover o pulsar: en la página estática se ven, pero no hacen nada.
INTERACTIVE = re.compile(r"(Slider|Checkbox|ToggleButton|Button|Dropdown|Text|Play|RadioButtons|Select)\w*Model$")
KERNEL_NOTE = (
    "Este control se ve aquí con el estado que tenía al guardar la lección. Para moverlo y ver cómo cambia, "
    "ejecuta la lección en JupyterLab: lo que responde al control es el código de Python del cuaderno, que necesita "
    "un kernel en marcha."
)
logger = logging.getLogger(__name__)


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
        "En un servicio de cuadernos alojado (Google Colab, Kaggle…), sube o clona la carpeta del curso, sitúate "
        "en ella con ",
        nodes.literal(text="%cd"),
        " y ejecuta en una celda ",
        nodes.literal(text="%pip install -c requirements/lock.txt -e ."),
        " (instala las versiones exactas del curso); después, reinicia el kernel.",
    )
    timing = nodes.reference("", "El curso entero, cronometrado", refuri="../index.html#el-curso-entero-cronometrado")
    if setup_line:
        box += _paragraph(
            "Las salidas de esta página son las guardadas en el cuaderno. Con qué modo, dispositivo e hilos se "
            "ejecutó lo dice su primera salida: ",
            nodes.literal(text=setup_line, classes=["linea-setup"]),
            "; en qué máquina y con qué datos, ",
            timing,
            ".",
        )
    return box


def _interactive_views(notebook: dict) -> set[str]:
    """Los identificadores de las vistas guardadas que contienen algún control interactivo."""
    state = notebook.get("metadata", {}).get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})

    def interactive(model_id: str, seen: set[str]) -> bool:
        model = state.get(model_id)
        if not isinstance(model, dict) or model_id in seen:
            return False
        seen.add(model_id)
        if INTERACTIVE.search(str(model.get("model_name", ""))):
            return True
        children = model.get("state", {}).get("children", [])
        return any(interactive(child.removeprefix("IPY_MODEL_"), seen) for child in children)

    views = set()
    for cell in notebook["cells"]:
        for output in cell.get("outputs", []):
            view = output.get("data", {}).get(WIDGET_VIEW)
            if isinstance(view, dict) and interactive(str(view.get("model_id")), set()):
                views.add(str(view.get("model_id")))
    return views


def add_lesson_box(app: Sphinx, doctree: nodes.document) -> None:
    """Añade el recuadro al principio de cada lección y el aviso bajo cada control interactivo."""
    docname = app.env.docname
    if not LESSON.fullmatch(docname):
        return
    path = Path(app.env.doc2path(docname))
    notebook = json.loads(path.read_text(encoding="utf-8"))
    box = _run_box(path.name, _setup_line(notebook))
    section = next(iter(doctree.findall(nodes.section)), None)
    if section is None:  # una lección sin título: el recuadro, arriba del todo, y un aviso (que -W convierte en error)
        logger.warning(f"La lección {path.name} no empieza con un título (# Lección …): el recuadro va arriba.")
        doctree.insert(0, box)
    else:
        section.insert(section.first_child_matching_class(nodes.title) + 1, box)
    views = _interactive_views(notebook)
    for raw in list(doctree.findall(nodes.raw)):
        if WIDGET_VIEW in raw.astext() and any(view in raw.astext() for view in views):
            note = nodes.note(classes=["aviso-kernel"])
            note += nodes.paragraph(text=KERNEL_NOTE)
            raw.parent.insert(raw.parent.index(raw) + 1, note)


def setup(app: Sphinx) -> dict:
    app.connect("doctree-read", add_lesson_box)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

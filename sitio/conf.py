"""Configuración de Sphinx para el sitio web del curso (make sitio, sitio/build.py).

Las lecciones se publican tal como están guardadas, con sus salidas: myst-nb no ejecuta nada.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

project = "Redes neuronales con PyTorch, en español"
author = "El equipo del curso"
copyright = "2026, el equipo del curso"
language = "es"

extensions = ["myst_nb", "sphinx.ext.mathjax", "sphinx-mathjax-offline", "lesson_box"]

root_doc = "index"
# README.md entra en la portada con {include}; no es una página aparte.
exclude_patterns = ["README.md", "_build", "**/.ipynb_checkpoints"]

# --- Cuadernos: tal como están guardados ------------------------------------------------------------------------
nb_execution_mode = "off"
nb_merge_streams = True
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 3
# Los controles de ipywidgets se dibujan desde su estado guardado con el gestor HTML oficial de Jupyter
# (@jupyter-widgets/html-manager), copiado en _static/widgets: el sitio funciona sin conexión.
nb_ipywidgets_js = {"widgets/embed.js": {}}

# --- Fórmulas: MathJax 3 del paquete sphinx-mathjax-offline, copiado en _static/mathjax (el de Sphinx viene de una
# CDN, y el sitio tiene que verse sin conexión). Esa extensión fija mathjax_path.

# --- HTML -------------------------------------------------------------------------------------------------------
html_theme = "sphinx_book_theme"
html_title = "Redes neuronales con PyTorch"
html_static_path = ["_static"]
html_css_files = ["curso.css"]
# Cada cuaderno, descargable junto a su página (lesson_box enlaza a él).
html_extra_path = ["_descargas"]
html_last_updated_fmt = None
html_show_sourcelink = False
html_copy_source = False
html_theme_options = {
    "use_download_button": False,
    "use_fullscreen_button": False,
    "show_toc_level": 2,
    "navigation_with_keys": False,
    "footer_content_items": [],
}

"""El sitio web del curso (make sitio), construido de verdad y leído en Chromium como lo leería un alumno.

Construye el sitio con sitio/build.py en una carpeta temporal, lo sirve en loopback y lo recorre desde la portada,
siguiendo el enlace «siguiente» de la lección 00 a la última. En cada página mira que no haya ningún enlace interno
roto (ni un ancla que no exista) ni ninguna imagen que no cargue, que estén las figuras y las animaciones de la
lección, el código resaltado, las fórmulas dibujadas, los controles dibujados desde su estado guardado, el recuadro
«Cómo ejecutar esta lección» con el cuaderno descargable, y los recuadros de error en español. El navegador no
puede salir de loopback: una petición a otra máquina (una CDN) es un fallo, porque el sitio debe verse sin conexión.
La búsqueda encuentra «aplanar» en la lección 01. Deja capturas de la portada y de la lección 01 (su animación,
su figura y su explorador) en ``capturas/``.
"""

from __future__ import annotations

import functools
import hashlib
import http.server
import importlib.util
import json
import re
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlparse

import pytest
from hygiene import skip_or_fail_in_ci
from test_browser import CHROMIUM, CHROMIUM_FLAGS, SCREENSHOTS, SKIP_REASON

ROOT = Path(__file__).resolve().parents[1]
LESSONS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
# Las imágenes de una salida: figuras de matplotlib (PNG) y animaciones (un GIF dentro de un <img> en HTML).
HTML_IMAGE = re.compile(r"<img\b")

# Lo que se mira en cada página, en el navegador: enlaces, anclas e imágenes.
PAGE_FACTS_JS = """() => ({
  links: [...document.querySelectorAll('a[href]')].map(a => a.href),
  ids: [...document.querySelectorAll('[id]')].map(e => e.id),
  images: [...document.querySelectorAll('img')]
    .map(i => ({src: i.currentSrc || i.src, ok: i.complete && i.naturalWidth > 0})),
})"""


def _load_build_module():
    spec = importlib.util.spec_from_file_location("sitio_build", ROOT / "sitio" / "build.py")
    module = importlib.util.module_from_spec(spec)
    writes_bytecode, sys.dont_write_bytecode = sys.dont_write_bytecode, True  # nada de sitio/__pycache__
    try:
        spec.loader.exec_module(module)
    finally:
        sys.dont_write_bytecode = writes_bytecode
    return module


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - la firma es la de http.server
        pass


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[tuple[Path, str]]:
    """El sitio construido desde cero con sitio/build.py y servido en loopback: (carpeta, URL base)."""
    if CHROMIUM is None:  # antes de construir: sin navegador no hay nada que mirar
        skip_or_fail_in_ci(SKIP_REASON)
    folder = tmp_path_factory.mktemp("sitio")
    _load_build_module().build(output=folder / "sitio", staging=folder / "fuente")
    handler = functools.partial(_QuietHandler, directory=str(folder / "sitio"))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield folder / "sitio", f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()


@pytest.fixture(scope="module")
def page(site):
    """Una pestaña de Chromium que solo puede pedir cosas al servidor del sitio."""
    if CHROMIUM is None:
        skip_or_fail_in_ci(SKIP_REASON)
    from playwright.sync_api import sync_playwright

    _, base = site
    outside: list[str] = []

    def only_loopback(route):
        if route.request.url.startswith(base):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
        tab = chromium.new_page(viewport={"width": 1280, "height": 900})
        tab.route("**/*", only_loopback)
        tab.outside_requests = outside
        yield tab
        chromium.close()


def _open(page, url: str) -> None:
    page.goto(url)
    page.wait_for_load_state("networkidle")


def _count(page, selector: str, expected: int) -> int:
    """Cuántos elementos hay, esperando hasta 15 s a que sean ``expected`` (los controles y las fórmulas se dibujan
    después de cargar la página, sin pedir nada a la red)."""
    try:
        page.wait_for_function(
            "([s, n]) => document.querySelectorAll(s).length === n", arg=[selector, expected], timeout=15_000
        )
    except Exception:  # noqa: BLE001 - Playwright avisa con su propio TimeoutError; se informa abajo con la cifra
        pass
    return page.locator(selector).count()


def page_problems(page, base: str, checked: dict[str, set[str] | None]) -> list[str]:
    """Enlaces internos rotos, anclas que no existen e imágenes que no cargan en la página abierta.

    ``checked`` guarda, de cada página interna ya pedida, sus ``id`` (None si no carga), para no pedirla dos veces.
    """
    facts = page.evaluate(PAGE_FACTS_JS)
    here = page.url
    problems = [f"{here}: la imagen {image['src'][:80]} no carga" for image in facts["images"] if not image["ok"]]
    for link in facts["links"]:
        target, fragment = urldefrag(link)
        if not target.startswith(base):
            continue
        if target not in checked:
            response = page.request.get(target)
            checked[target] = None
            if response.ok:
                html = response.text() if target.endswith((".html", "/")) else ""
                checked[target] = set(re.findall(r'\bid="([^"]+)"', html))
        ids = set(facts["ids"]) if urldefrag(here)[0] == target else checked[target]
        if ids is None:
            problems.append(f"{here}: el enlace a {target} está roto")
        elif fragment and target.endswith((".html", "/")) and fragment not in ids:
            problems.append(f"{here}: el enlace {link} lleva a un ancla que no existe")
    return problems


def _expected_images(notebook: dict) -> tuple[int, int]:
    """Cuántas figuras (PNG) y cuántos GIF muestran las salidas guardadas de un cuaderno."""
    figures = gifs = 0
    for cell in notebook["cells"]:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            figures += "image/png" in data
            html = "".join(data.get("text/html", ""))
            gifs += len(HTML_IMAGE.findall(html)) if "data:image/gif" in html else 0
    return figures, gifs


def _widget_views(notebook: dict) -> int:
    return sum(
        "application/vnd.jupyter.widget-view+json" in output.get("data", {})
        for cell in notebook["cells"]
        for output in cell.get("outputs", [])
    )


def test_the_site_reads_from_lesson_00_to_the_last_with_everything_in_place(site, page):
    folder, base = site
    _open(page, base + "index.html")
    home_links = {urlparse(link).path for link in page.evaluate(PAGE_FACTS_JS)["links"]}
    for lesson in LESSONS:
        assert f"/notebooks/{lesson.stem}.html" in home_links, f"la portada no enlaza a la lección {lesson.stem}"
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "sitio_portada.png"))
    checked: dict[str, set[str] | None] = {}
    problems = page_problems(page, base, checked)

    with page.expect_navigation():
        page.click("nav.bd-links a[href$='00_preparacion.html']")
    visited = []
    while True:
        page.wait_for_load_state("networkidle")
        name = Path(urlparse(page.url).path).stem
        problems += page_problems(page, base, checked)
        if not re.fullmatch(r"\d\d_\w+", name):  # tras la última lección, el glosario: sus enlaces, y fin
            break
        visited.append(name)
        notebook = json.loads((ROOT / "notebooks" / f"{name}.ipynb").read_text(encoding="utf-8"))
        problems += lesson_problems(page, name, notebook, folder)
        if name == "01_aplanar_imagenes":
            for shot, selector in [
                ("animacion", ".cell_output img[src^='data:image/gif']"),
                ("figura", ".cell_output img[src$='.png']"),
                ("explorador", ".cell_output .widget-subarea"),
            ]:
                if page.locator(selector).count():  # si no está, lo dicen las comprobaciones de arriba
                    page.locator(selector).first.scroll_into_view_if_needed()
                    page.screenshot(path=str(SCREENSHOTS / f"sitio_leccion_01_{shot}.png"))
        next_link = page.locator("a.right-next")
        if next_link.count() == 0:
            break
        with page.expect_navigation():
            next_link.first.click()
    assert visited == [lesson.stem for lesson in LESSONS], "el enlace «siguiente» no recorre las lecciones en orden"
    assert not problems, "\n".join(problems)
    assert not page.outside_requests, f"el sitio pide cosas fuera de loopback: {page.outside_requests[:5]}"


def lesson_problems(page, name: str, notebook: dict, folder: Path) -> list[str]:
    """Lo que una página de lección debe mostrar de su cuaderno guardado."""
    problems = []
    figures, gifs = _expected_images(notebook)
    shown = page.evaluate(
        """() => [...document.querySelectorAll('.cell_output img')].filter(i => i.complete && i.naturalWidth > 0)
            .map(i => (i.currentSrc || i.src).startsWith('data:image/gif') ? 'gif' : 'figure')"""
    )
    if shown.count("figure") < figures or shown.count("gif") != gifs:
        problems.append(
            f"{name}: se ven {shown.count('figure')} figuras y {shown.count('gif')} GIF; el cuaderno guarda "
            f"{figures} figuras y {gifs} GIF"
        )
    code_cells = sum(cell["cell_type"] == "code" for cell in notebook["cells"])
    if page.locator(".cell_input div.highlight pre").count() != code_cells:
        problems.append(f"{name}: no se ve resaltada cada una de sus {code_cells} celdas de código")
    box = page.locator(".como-ejecutar")
    if box.count() != 1 or "modo completo" not in box.inner_text():
        problems.append(f"{name}: falta el recuadro «Cómo ejecutar esta lección» con el modo de las salidas")
    else:
        href = box.locator("a.descarga-cuaderno").get_attribute("href")
        download = page.request.get(urljoin(page.url, href))
        if not download.ok or download.body() != (ROOT / "notebooks" / f"{name}.ipynb").read_bytes():
            problems.append(f"{name}: el enlace de descarga no da el cuaderno guardado")
    views = _widget_views(notebook)
    drawn = _count(page, ".cell_output .widget-subarea > .jupyter-widgets", views)
    if drawn != views:
        problems.append(f"{name}: se dibujan {drawn} de sus {views} controles guardados")
    formulas = sum(
        "".join(cell["source"]).count("$$") // 2 for cell in notebook["cells"] if cell["cell_type"] == "markdown"
    )
    if formulas and _count(page, "mjx-container[display='true']", formulas) < formulas:
        problems.append(f"{name}: no se dibujan sus {formulas} fórmulas")
    errors = sum(output["output_type"] == "error" for cell in notebook["cells"] for output in cell.get("outputs", []))
    if errors and page.get_by_text("Qué significa").count() < errors:
        problems.append(f"{name}: falta el recuadro en español bajo alguno de sus {errors} errores")
    return problems


def test_search_finds_a_spanish_term_on_the_right_lesson(site, page):
    _, base = site
    _open(page, base + "search.html?q=aplanar")
    first = page.locator("#search-results li a").first
    first.wait_for(timeout=10_000)
    assert first.get_attribute("href").split("?")[0].endswith("01_aplanar_imagenes.html")
    assert not page.outside_requests, page.outside_requests[:5]


def test_interactive_controls_carry_a_kernel_note_and_progress_bars_do_not(site, page):
    _, base = site
    lessons = [("01_aplanar_imagenes", 1), ("04_entrenar_mlp_cifar10", 1), ("05_redes_convolucionales", 0)]
    lessons += [("06_transfer_learning_resnet18", 0), ("07_entrenar_resnet18_cifar10", 0)]
    for name, notes in lessons:
        _open(page, f"{base}notebooks/{name}.html")
        assert page.locator(".aviso-kernel").count() == notes, name
    assert _count(page, ".cell_output .widget-hprogress", 4) == 4, "las cuatro barras de la lección 07"
    assert not page.outside_requests, page.outside_requests[:5]


def test_the_checks_catch_a_planted_broken_link_and_missing_image(site, page):
    folder, base = site
    planted = folder / "plantado.html"
    planted.write_text(
        '<html><body><a href="notebooks/no_existe.html">roto</a>'
        '<a href="index.html#seccion-que-no-existe">ancla</a><img src="_images/falta.png"></body></html>',
        encoding="utf-8",
    )
    try:
        _open(page, base + "plantado.html")
        problems = page_problems(page, base, {})
    finally:
        planted.unlink()
    assert any("no_existe.html está roto" in problem for problem in problems), problems
    assert any("seccion-que-no-existe" in problem for problem in problems), problems
    assert any("falta.png no carga" in problem for problem in problems), problems


def test_the_widget_manager_is_the_file_published_on_npm():
    """sitio/_static/widgets/embed.js es el de @jupyter-widgets/html-manager, con la suma que dice su README."""
    readme = (ROOT / "sitio" / "_static" / "widgets" / "README.md").read_text(encoding="utf-8")
    expected = re.search(r"sha256 de `embed.js`: `([0-9a-f]{64})`", readme)
    assert expected, "el README de sitio/_static/widgets debe dar la suma sha256 de embed.js"
    embed = (ROOT / "sitio" / "_static" / "widgets" / "embed.js").read_bytes()
    assert hashlib.sha256(embed).hexdigest() == expected.group(1)

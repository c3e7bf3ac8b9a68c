"""Las lecciones en un JupyterLab de verdad, manejado por Chromium como lo usaría un alumno.

Arranca `make lab` (la primera orden del README) como un recién llegado, sobre una copia de los cuadernos, y los
abre en Chromium sin pantalla. Las lecciones 00 y 01 se ejecutan enteras desde el menú de JupyterLab, y se mira lo
que se ve: celdas ejecutadas, errores, figuras, el explorador de la 01 respondiendo y la animación; el explorador de
predicciones de la 04 se prueba en una celda que el alumno añade al final de la 01. De las lecciones 02 a 08, que
nbval ya ejecuta hasta el final, se mira la página guardada: figuras, animación, ningún error (en la 02 y la 03,
solo el que provocan a propósito, con su explicación en español) y los ejercicios sin responder. Guarda una
captura de cada cuaderno en ``capturas/``.

Necesita Chromium (en Debian, ``apt-get install chromium``) y el paquete ``playwright`` (incluido en
``.[dev]``); no hace falta ``playwright install``. Sin Chromium, la prueba se salta, salvo en CI (CI=true),
donde falla: allí Chromium debe estar instalado.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

import nbformat
import network_guard
import pytest
from hygiene import skip_or_fail_in_ci
from lab_server import ROOT, running_lab

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SKIP_REASON = (
    "Sin Chromium no se puede abrir JupyterLab en un navegador. Para activar esta prueba, instala Chromium "
    "(en Debian o Ubuntu: sudo apt-get install chromium) y el paquete playwright (pip install -e '.[dev]')."
)
SCREENSHOTS = ROOT / "capturas"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TRACEBACK = "Traceback (most recent call last)"
PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden)"
PROMPTS_JS = f"[...document.querySelectorAll('{PANEL} .jp-CodeCell .jp-InputPrompt')].map(p => p.textContent.trim())"
# Ajustes de JupyterLab solo para la prueba: sin el aviso de noticias (tapa las salidas en las capturas), y todas
# las celdas pintadas aunque no estén a la vista (por defecto, JupyterLab se salta las de fuera de la pantalla, y
# sus salidas e imágenes no se podrían contar).
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": '{"fetchNews": "false"}',
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": '{"windowingMode": "none"}',
}


PREDICTION_BROWSER = """\
import torch

from course_utils.data import load_cifar10
from course_utils.widgets import prediction_browser

datos_prueba = load_cifar10("test").subset(50)
logits = torch.randn(50, 10, generator=torch.Generator().manual_seed(0))
prediction_browser(datos_prueba.images, datos_prueba.labels, torch.softmax(logits, dim=1))"""


class Lab(NamedTuple):
    base: str
    token: str
    folder: Path  # la copia de los cuadernos que sirve
    attempts: Path  # los intentos de usar la red de sus kernels, cortados por la guardia


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """JupyterLab como lo abre un recién llegado con `make lab`, sobre una copia de los cuadernos (el autoguardado
    no toca los del repositorio): sin variables COURSE_*, con la caché vacía (ni CIFAR-10 ni los pesos) y sin red,
    porque la guardia de las pruebas corta cada conexión de sus kernels como lo haría un portátil desconectado.
    Esos intentos se anotan aparte: aquí se esperan (la lección 00 intenta descargar lo que falta)."""
    folder = tmp_path_factory.mktemp("cuadernos")
    for notebook in (ROOT / "notebooks").glob("*.ipynb"):
        shutil.copy(notebook, folder / notebook.name)
    # Un cuaderno pequeño con un error a mitad: tras él, JupyterLab cancela las celdas siguientes.
    broken = nbformat.v4.new_notebook()
    broken.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    sources = ["print('antes del error')", "1 / 0", "print('después')", "print('al final')"]
    broken.cells = [nbformat.v4.new_code_cell(source) for source in sources]
    nbformat.write(broken, folder / "roto.ipynb")
    attempts = tmp_path_factory.mktemp("red") / "intentos-de-red.log"
    env = {
        **_lab_settings(tmp_path_factory),
        "XDG_CACHE_HOME": str(tmp_path_factory.mktemp("cache-vacia")),  # ni ~/.cache/curso-pytorch ni torch
        network_guard.LOG_ENV: str(attempts),
    }
    unset = ("COURSE_QUICK", "COURSE_OFFLINE", "COURSE_DATA", "TORCH_HOME")
    # window.jupyterapp: con él, la página de lectura abre las lecciones guardadas sin recargar JupyterLab.
    exposed = "--LabApp.expose_app_in_browser=True"
    with running_lab(notebooks=folder, env=env, unset=unset, lab_args=exposed) as (base, token):
        yield Lab(base, token, folder, attempts)


def _lab_settings(tmp_path_factory) -> dict[str, str]:
    """Variables de entorno con una carpeta de ajustes de JupyterLab propia de la prueba."""
    settings = tmp_path_factory.mktemp("ajustes")
    for name, content in LAB_SETTINGS.items():
        (settings / name).parent.mkdir(parents=True, exist_ok=True)
        (settings / name).write_text(content, encoding="utf-8")
    return {"JUPYTERLAB_SETTINGS_DIR": str(settings), "JUPYTERLAB_WORKSPACES_DIR": str(settings / "espacios")}


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        skip_or_fail_in_ci(SKIP_REASON)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
        yield chromium
        chromium.close()


def _menu(page, menu: str, command: str) -> None:
    page.click(f".lm-MenuBar-item >> text={menu}")
    page.click(f"li.lm-Menu-item[data-command='{command}']")


@contextmanager
def opened(browser, served, name: str) -> Iterator:
    """Abre el cuaderno en JupyterLab, tal como está guardado, y da la página cuando su kernel está listo."""
    base, token = served.base, served.token
    page = browser.new_page(viewport={"width": 1400, "height": 2000})
    try:
        page.goto(f"{base}/lab/tree/{name}?reset&token={token}")  # reset: solo este cuaderno abierto
        page.wait_for_selector(f"{PANEL} .jp-Cell", timeout=60_000)
        page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=60_000)
        yield page
    finally:
        page.close()


@contextmanager
def run_all(browser, served, name: str) -> Iterator:
    """Abre el cuaderno, borra las salidas guardadas, pulsa Run › Run All Cells, espera y da la página."""
    with opened(browser, served, name) as page:
        cleared = f"() => {PROMPTS_JS}.every(p => !/\\d/.test(p))"
        _menu(page, "Edit", "editmenu:clear-all")
        try:  # como con Run All: si el clic no llegó a JupyterLab (recién abierto, ocupado), se pide una vez más
            page.wait_for_function(cleared, timeout=10_000)
        except Exception:
            _menu(page, "Edit", "editmenu:clear-all")
            page.wait_for_function(cleared, timeout=20_000)
        _menu(page, "Run", "runmenu:run-all")
        try:  # si el clic no llegó a JupyterLab, ninguna celda entra en cola: se pide una vez más
            page.wait_for_function(f"() => {PROMPTS_JS}.some(p => /[*\\d]/.test(p))", timeout=20_000)
        except Exception:
            _menu(page, "Run", "runmenu:run-all")
        # Termina cuando la primera celda tiene número y ninguna está en cola ([*]); tras un error inesperado,
        # JupyterLab cancela las siguientes, que vuelven a [ ].
        try:
            page.wait_for_function(
                f"() => {{ const p = {PROMPTS_JS}; return /\\d/.test(p[0]) && !p.some(x => x.includes('*')); }}",
                timeout=150_000,
            )
        except Exception:
            screenshot(page, f"{Path(name).stem}-sin-terminar")  # cómo se quedó, para entender el fallo
            raise
        page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=60_000)
        yield page


@pytest.fixture(scope="module")
def reader(browser, served):
    """Una sola página de JupyterLab para leer las lecciones guardadas, una tras otra."""
    page = browser.new_page(viewport={"width": 1400, "height": 2000})
    page.goto(f"{served.base}/lab?reset&token={served.token}")
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.commands.hasCommand('docmanager:open')")
    yield page
    page.close()


@contextmanager
def stored_page(reader, name: str, figures: int) -> Iterator:
    """Abre la lección guardada sin kernel (como «Open With › Notebook (no kernel)»: para leerla no hace falta),
    espera a que se vean sus ``figures`` figuras, comprueba que muestra cada celda ejecutada y al final la cierra."""
    page = reader
    open_without_kernel = """name => window.jupyterapp.commands.execute('docmanager:open',
        {path: name, factory: 'Notebook', kernelPreference: {shouldStart: false, shouldReuse: false}})"""
    page.evaluate(open_without_kernel, name)
    try:
        page.wait_for_selector(f"{PANEL} .jp-Cell", timeout=60_000)
        page.wait_for_function(
            "n => [...document.querySelectorAll('.jp-RenderedImage img')].filter(i => i.naturalWidth > 0).length >= n",
            arg=figures,
            timeout=30_000,
        )
        assert every_cell_ran(page), "la página guardada muestra cada celda ejecutada"
        yield page
    finally:
        page.evaluate("() => window.jupyterapp.commands.execute('application:close-all')")
        page.wait_for_selector(".jp-NotebookPanel", state="detached", timeout=30_000)


def errors_shown(page) -> list[str]:
    """Textos de los errores (tracebacks) que muestra el cuaderno."""
    outputs = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
    # textContent y no innerText: JupyterLab no pinta las celdas que quedan fuera de la vista.
    return [text for text in outputs.all_text_contents() if TRACEBACK in text]


def rendered_images(page, selector: str = ".jp-OutputArea-output img") -> int:
    """Cuántas imágenes de las salidas se han cargado de verdad (con anchura natural)."""
    return page.eval_on_selector_all(selector, "imgs => imgs.filter(i => i.complete && i.naturalWidth > 0).length")


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{Path(name).stem}.png"))


def every_cell_ran(page) -> bool:
    """Cada celda de código muestra un número de ejecución (ni «[ ]» ni «[*]»)."""
    prompts = page.evaluate(f"() => {PROMPTS_JS}")
    return bool(prompts) and all(re.match(r"\[\d+\]", p) for p in prompts)


@pytest.fixture(scope="class")
def lesson_01(browser, served):
    """La lección 01 ejecutada entera desde el menú; la página sigue abierta, con su kernel, para las dos pruebas
    de TestLesson01 (al terminarlas se cierra: su animación no gasta CPU durante las demás)."""
    with run_all(browser, served, "01_aplanar_imagenes.ipynb") as page:
        yield page


class TestLesson01:
    def test_lesson_01_runs_with_figures_gif_and_a_working_explorer(self, lesson_01):
        page = lesson_01
        assert every_cell_ran(page)
        assert errors_shown(page) == []
        assert rendered_images(page, ".jp-RenderedImage img") >= 1, "la figura de matplotlib no se ve"
        assert rendered_images(page, "img[alt^='Animación'][src^='data:image/gif']") == 1, "no se ve el GIF"
        explorer = page.locator(".widget-vbox", has=page.locator(".widget-html-content")).first
        explorer.wait_for(timeout=30_000)
        assert explorer.locator(".widget-slider").count() == 4
        text = explorer.locator(".widget-html-content")
        assert "(c, h, w) = (0, 0, 0)" in text.inner_text()
        handle = explorer.locator(".widget-slider").first.locator(".noUi-handle")
        handle.focus()
        handle.press("ArrowRight")
        page.wait_for_function(
            "el => el.innerText.includes('(1, 0, 0)') && el.innerText.includes('= 1024')",
            arg=text.element_handle(),
            timeout=10_000,
        )
        screenshot(page, "01_aplanar_imagenes")

    def test_prediction_browser_of_lesson_04_reacts(self, lesson_01):
        """El explorador de predicciones de la lección 04, con lo que le da la lección (imágenes, etiquetas y
        probabilidades) pero sin entrenar antes: lo que se prueba aquí es que responde al control en JupyterLab. El
        alumno lo escribe en una celda nueva al final de la lección 01, en el mismo kernel (así no se arranca otro)."""
        page = lesson_01
        numbered = f"{PROMPTS_JS}.filter(p => /\\d/.test(p)).length"
        before = page.evaluate(f"() => {numbered}")
        page.locator(f"{PANEL} .jp-Cell").last.click()
        page.keyboard.press("Escape")  # modo de órdenes: «b» añade una celda debajo
        page.keyboard.press("b")
        page.keyboard.press("Enter")  # a editarla
        page.keyboard.insert_text(PREDICTION_BROWSER)  # tal cual, sin la sangría automática del editor
        page.keyboard.press("Shift+Enter")  # la ejecuta (y, por ser la última, añade otra vacía debajo)
        page.wait_for_function(
            f"n => {numbered} > n && !{PROMPTS_JS}.some(p => p.includes('*'))", arg=before, timeout=60_000
        )
        assert errors_shown(page) == []
        caption = page.locator(".widget-html-content", has_text="Imagen 0:")
        caption.wait_for(timeout=30_000)
        picture = page.locator(".widget-image").last
        before = picture.get_attribute("src")
        slider = page.locator(".widget-slider", has=page.locator("text=imagen")).first
        slider.locator(".noUi-handle").focus()
        slider.locator(".noUi-handle").press("ArrowRight")
        page.locator(".widget-html-content", has_text="Imagen 1:").wait_for(timeout=10_000)
        page.wait_for_function(
            "([img, before]) => img.getAttribute('src') !== before",
            arg=[picture.element_handle(), before],
            timeout=10_000,
        )
        screenshot(page, "navegador")


def test_stored_lesson_02_shows_only_the_expected_index_error(reader):
    """La página guardada de la lección 02 (nbval ya la ejecuta entera dos veces): su figura, un único error, el
    índice fuera de rango que provoca a propósito, con su explicación en español debajo, y los ejercicios sin
    responder."""
    name = "02_red_neuronal_desde_cero.ipynb"
    with stored_page(reader, name, figures=1) as page:
        errors = errors_shown(page)
        assert len(errors) == 1, errors
        assert "IndexError" in errors[0] and "out of bounds for dimension 0 with size 1" in errors[0]
        box = page.locator(".jp-OutputArea-output", has_text="Qué significa")
        assert box.count() == 1, "falta la explicación en español bajo el IndexError"
        assert "Cómo arreglarlo" in box.text_content() and "salida[0, 3]" in box.text_content()
        assert rendered_images(page, ".jp-RenderedImage img") >= 1
        assert page.locator("text=todavía no has").count() == 5, "cinco ejercicios sin responder"
        screenshot(page, name)


def test_stored_lesson_03_reads_with_only_the_expected_in_place_error(reader):
    """La página guardada de la lección 03 (nbval ya la ejecuta entera dos veces): sus figuras, un único error, el
    de actualizar un peso fuera de torch.no_grad(), con su explicación en español debajo, y los ejercicios sin
    responder."""
    name = "03_como_aprende_una_red.ipynb"
    with stored_page(reader, name, figures=4) as page:
        errors = errors_shown(page)
        assert len(errors) == 1, errors
        assert "RuntimeError" in errors[0] and "a leaf Variable that requires grad" in errors[0]
        box = page.locator(".jp-OutputArea-output", has_text="Qué significa")
        assert box.count() == 1, "falta la explicación en español bajo el RuntimeError"
        assert "Cómo arreglarlo" in box.text_content() and "torch.no_grad()" in box.text_content()
        assert page.locator("text=todavía no has").count() == 4, "cuatro ejercicios sin responder"
        screenshot(page, name)


@pytest.mark.parametrize(
    ("name", "figures", "gifs", "exercises"),
    [
        ("04_entrenar_mlp_cifar10.ipynb", 4, 0, 3),
        ("05_redes_convolucionales.ipynb", 5, 1, 4),
        ("06_transfer_learning_resnet18.ipynb", 2, 0, 4),
        ("07_entrenar_resnet18_cifar10.ipynb", 2, 0, 3),
    ],
)
def test_stored_lesson_reads_in_the_browser_with_its_figures(reader, name, figures, gifs, exercises):
    """La página guardada, la que lee un alumno antes de ejecutar nada: se ve entera, con sus figuras y su animación,
    sin errores y con los ejercicios sin responder. Estas lecciones no tienen controles que manejar, y nbval ya las
    ejecuta hasta el final dos veces: volver a entrenarlas aquí solo costaría minutos."""
    with stored_page(reader, name, figures) as page:
        assert errors_shown(page) == []
        assert rendered_images(page, "img[alt^='Animación'][src^='data:image/gif']") == gifs, "la animación"
        assert page.locator("text=todavía no has").count() == exercises, "los ejercicios, sin responder"
        screenshot(page, name)


def test_stored_lesson_08_shows_two_processes_that_train_like_one(reader):
    """El apéndice guardado: el all_reduce de los dos procesos y la línea que compara sus pesos con los de uno."""
    name = "08_entrenar_en_varios_procesos.ipynb"
    with stored_page(reader, name, 0) as page:
        assert errors_shown(page) == []
        text = page.locator(PANEL).inner_text()
        assert "proceso 1: antes [2.0, 20.0] → después [3.0, 30.0]" in text, "la salida de torchrun"
        assert "¿los mismos pesos tras 20 pasos con 1 proceso y con 2 procesos? True" in text
        screenshot(page, name)


def test_lesson_00_for_a_newcomer_without_data_or_network(browser, served):
    """`make lab` recién clonado, sin datos ni red (véase ``served``): la lección 00 llega al final sin errores y
    dice qué tiene el alumno (datos sintéticos, pesos aleatorios) y lo único que tiene que hacer."""
    with run_all(browser, served, "00_preparacion.ipynb") as page:
        assert every_cell_ran(page)
        assert errors_shown(page) == []
        # El resumen, al final: se baja hasta él, como el alumno, para verlo en la captura.
        page.locator(f"{PANEL} .jp-WindowedPanel-outer").evaluate("el => el.scrollTo(0, el.scrollHeight)")
        summary = page.locator(f"{PANEL} .jp-OutputArea-output", has_text="Qué hacer:")
        summary.wait_for(timeout=10_000)
        summary.scroll_into_view_if_needed()
        page.wait_for_timeout(500)  # que JupyterLab termine de pintar lo que acaba de entrar en la vista
        assert "SINTÉTICO" in summary.text_content() and "pesos ALEATORIOS" in summary.text_content()
        assert "conéctate a internet y vuelve a ejecutar este cuaderno" in summary.text_content()
        screenshot(page, "00_preparacion-recien-llegado")
        _menu(page, "File", "docmanager:save")  # todas las salidas, también las que no están a la vista
        page.wait_for_function("() => !document.querySelector('.jp-mod-dirty')", timeout=10_000)
    outputs = [
        output.get("text", "")
        for cell in nbformat.read(served.folder / "00_preparacion.ipynb", as_version=4).cells
        for output in cell.get("outputs", [])
    ]
    text = "".join(outputs)
    assert "modo completo, con conexión" in text, "sin variables COURSE_*: modo completo y con conexión"
    assert text.count("conjunto SINTÉTICO") == 3, "el aviso de cada partición y el resumen"
    assert text.count("Qué hacer:") == 1, "lo único que hay que hacer, una vez"
    assert "Traceback" not in text
    tried = served.attempts.read_text(encoding="utf-8") if served.attempts.exists() else ""
    assert "download.pytorch.org" in tried, f"la lección 00 debería haber intentado descargar los pesos: {tried!r}"


def test_every_lesson_is_opened_in_the_browser():
    """Cada cuaderno de notebooks/ tiene su prueba en el navegador: una lección nueva no se queda fuera."""
    source = Path(__file__).read_text(encoding="utf-8")
    for notebook in (ROOT / "notebooks").glob("*.ipynb"):
        assert f'"{notebook.name}"' in source, f"{notebook.name} no se abre en ninguna prueba del navegador"


def test_an_unexpected_error_is_caught(browser, served):
    with run_all(browser, served, "roto.ipynb") as page:
        errors = errors_shown(page)
        assert len(errors) == 1 and "ZeroDivisionError" in errors[0]
        assert not every_cell_ran(page), "las celdas de después del error no deberían haberse ejecutado"


def test_screenshots_folder_is_not_committed():
    ignored = (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert "capturas/" in ignored
    assert os.path.relpath(SCREENSHOTS, ROOT) == "capturas"

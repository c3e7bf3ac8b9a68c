# Curso de redes neuronales con PyTorch: las dos órdenes del inicio rápido.
#   make lab    instala (si hace falta) y abre JupyterLab con las lecciones
#   make test   instala (si hace falta) y ejecuta todas las pruebas (modo rápido y sin conexión, lo fijan ellas)
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# JupyterLab se niega a arrancar como root sin --allow-root (pasa en contenedores y en CI).
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)
LAB_ARGS ?=
NOTEBOOKS ?= notebooks

.PHONY: install lab test sitio completo portabilidad animaciones mutacion

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

# Rangos de pyproject.toml, versiones exactas de requirements/lock.txt (las que produjeron las salidas guardadas).
$(VENV)/.instalado: $(BIN)/activate pyproject.toml requirements/lock.txt
	$(BIN)/python -m pip install -c requirements/lock.txt -e ".[dev]"
	touch $@

install: $(VENV)/.instalado

lab: install
	$(BIN)/jupyter lab --notebook-dir=$(NOTEBOOKS) $(ROOT_FLAG) $(LAB_ARGS)

# pytest sale con 5 cuando no encuentra ninguna prueba: eso no es un éxito.
test: install
	@$(BIN)/python -m pytest -rs $(PYTEST_ARGS); status=$$?; \
	if [ $$status -eq 5 ]; then echo "pytest no ejecutó ninguna prueba"; exit 1; fi; \
	exit $$status

# El sitio web del curso en _build/sitio: una página por lección con sus salidas guardadas (no ejecuta nada), sin
# conexión. Ábrelo en el navegador: _build/sitio/index.html. tests/test_site.py lo construye y lo recorre en Chromium.
sitio: install
	$(BIN)/python sitio/build.py

# Las salidas guardadas: cada lección en modo completo con el CIFAR-10 real, en un kernel nuevo, guardada encima
# (benchmarks/course_timing.py; sin LECCIONES, también la tabla de tiempos del README). Después, lo que tiene
# sentido comprobar en esa ejecución: todas las celdas ejecutadas, en orden y sin errores imprevistos, y la prosa
# que dice lo que muestran las salidas nuevas (las lecciones que entrenan con un presupuesto de tiempo no dan
# dos veces lo mismo: make test no compara esas celdas). DATOS: la carpeta cifar10-jpg (si no, COURSE_DATA o
# ../shared/data); LECCIONES: prefijos, p. ej. "04 05".
DATOS ?=
LECCIONES ?=
completo: install
	$(BIN)/python benchmarks/course_timing.py $(DATOS) --store $(if $(LECCIONES),--only $(LECCIONES),--readme)
	$(BIN)/python -m pytest -o addopts="-p no:cacheprovider" -q tests/test_notebook_hygiene.py tests/test_prose.py

# nbval otra vez con las instrucciones de CPUs más antiguas (tests/portability.py); CI la ejecuta tras make test.
portabilidad: install
	$(BIN)/python tests/portability.py $(PYTEST_ARGS)

animaciones: install
	$(BIN)/python -m course_utils.animations

# Pruebas de mutación con mutmut (tests/mutation.py): tardan mucho, por eso no están en make test.
mutacion: install
	$(BIN)/python tests/mutation.py $(MUTANTES)

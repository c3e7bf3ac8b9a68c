# Curso de redes neuronales con PyTorch: las dos órdenes del inicio rápido.
#   make lab    instala (si hace falta) y abre JupyterLab con las lecciones
#   make test   instala (si hace falta) y ejecuta todas las pruebas
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# JupyterLab se niega a arrancar como root sin --allow-root (pasa en contenedores y en CI).
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)
LAB_ARGS ?=
NOTEBOOKS ?= notebooks

.PHONY: install lab test portabilidad animaciones mutacion

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

# nbval otra vez con las instrucciones de CPUs más antiguas (tests/portability.py); CI la ejecuta tras make test.
portabilidad: install
	$(BIN)/python tests/portability.py $(PYTEST_ARGS)

animaciones: install
	$(BIN)/python -m course_utils.animations

# Pruebas de mutación con mutmut (tests/mutation.py): tardan mucho, por eso no están en make test.
mutacion: install
	$(BIN)/python tests/mutation.py $(MUTANTES)

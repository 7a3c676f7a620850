# Two commands do all set-up on a fresh machine with Python 3.11+:
#   make run    install into .venv and open the app
#   make test   install the test extras into .venv and run the whole suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run demo test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

run: $(VENV)/.installed
	$(BIN)/tokenworth

demo: $(VENV)/.installed
	$(BIN)/tokenworth gui --demo

lint: $(VENV)/.installed-test
	$(BIN)/ruff check desktop tests
	$(BIN)/ruff format --check desktop tests
	$(BIN)/mypy

test: lint
	QT_QPA_PLATFORM=$${QT_QPA_PLATFORM:-offscreen} $(BIN)/python -m pytest

bench: $(VENV)/.installed-test
	$(BIN)/python -m pytest tests/bench -p no:cacheprovider -s

clean:
	rm -rf $(VENV) build dist desktop/*.egg-info

.PHONY: bundle icons

# The one-folder PyInstaller bundle in dist/Tokenworth, self-tested offscreen and without
# network, plus a tarball (packaging/README.md).
bundle: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet 'pyinstaller>=6.10,<7'
	PYTHON=$(BIN)/python packaging/build_bundle.sh

# Render every icon size again from resources/icons/tokenworth.svg.
icons: $(VENV)/.installed
	$(BIN)/python packaging/make_icons.py

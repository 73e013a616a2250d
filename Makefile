# The two commands a newcomer types: `make up` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: install up test lint demo clean

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(INSTALLED)

install: $(INSTALLED)

## Start the whole system on the embedded default (Ctrl-C stops it).
up: install
	$(BIN)/huiyuan up

## Lint, type-check and run the whole test suite.
test: lint
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy shared services huiyuan tests

## Load the demo program into a running stack (run `make up` in another terminal first).
demo: install
	$(BIN)/huiyuan demo

clean:
	rm -rf $(VENV) .huiyuan .pytest_cache .mypy_cache .ruff_cache

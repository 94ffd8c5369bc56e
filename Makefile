# The two set-up commands: `make demo` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test serve bench lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-runtime: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed-runtime

## Plan tonight's routes on the shipped default area (Sindal) and write them to out/.
demo: $(VENV)/.installed-runtime
	$(BIN)/eyes demo --out out

## Lint, type-check and run the test suite.
test: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest

serve: $(VENV)/.installed-runtime
	$(BIN)/eyes serve

## Benchmarks (results in bench/RESULTS.md).
bench: $(VENV)/.installed-dev
	$(BIN)/python bench/foundation.py

clean:
	rm -rf $(VENV) out var .cache .pytest_cache .mypy_cache .ruff_cache

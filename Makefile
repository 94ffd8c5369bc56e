# The two set-up commands: `make demo` and `make test`. Both create .venv on first use and
# install from requirements.lock (regenerate it with `make lock` after changing pyproject).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP_INSTALL := $(BIN)/python -m pip install --quiet --constraint requirements.lock

.PHONY: demo test test-fast lint fmt lock serve bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-runtime: pyproject.toml requirements.lock | $(BIN)/python
	$(PIP_INSTALL) -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml requirements.lock | $(BIN)/python
	$(PIP_INSTALL) -e '.[dev]'
	touch $@ $(VENV)/.installed-runtime

## Plan tonight's routes on the shipped default area (Sindal) and write them to out/.
demo: $(VENV)/.installed-runtime
	$(BIN)/eyes demo --out out

## Lint, type-check, check the import layers and run the whole test suite.
test: lint
	$(BIN)/pytest

## The suite without the slow tests (SIGKILL faults, concurrent senders, the whole demo).
test-fast: lint
	$(BIN)/pytest -m "not slow"

## ruff, ruff format --check, mypy --strict (code, tests, bench), the import contracts and
## hadolint on the Dockerfile.
lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/hadolint Dockerfile

## Fix what ruff can and format the code.
fmt: $(VENV)/.installed-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## Pin every dependency (all extras) for Python 3.11 into requirements.lock.
lock: $(VENV)/.installed-dev
	$(BIN)/pip-compile --quiet --all-extras --strip-extras --no-emit-index-url \
		--no-emit-find-links --unsafe-package protective-eyes \
		--unsafe-package pip --unsafe-package setuptools \
		--output-file requirements.lock pyproject.toml

serve: $(VENV)/.installed-runtime
	$(BIN)/eyes serve

## Benchmarks (results in bench/RESULTS.md).
bench: $(VENV)/.installed-dev
	$(BIN)/python bench/foundation.py
	$(BIN)/python bench/cli_startup.py

clean:
	rm -rf $(VENV) out var .cache .pytest_cache .mypy_cache .ruff_cache

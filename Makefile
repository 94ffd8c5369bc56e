# The two set-up commands: `make demo` and `make test`. Both create .venv on first use and
# install from requirements.lock (regenerate it with `make lock` after changing pyproject).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP_INSTALL := $(BIN)/python -m pip install --quiet --constraint requirements.lock

.PHONY: demo test test-fast test-browser chromium web lint fmt messages lock serve bench clean

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

## Lint, type-check, check the import layers and run the whole test suite (the browser
## tests in Debian's headless Chromium included).
test: lint chromium
	$(BIN)/pytest

## The suite without the slow tests (SIGKILL faults, concurrent senders, the whole demo).
test-fast: lint chromium
	$(BIN)/pytest -m "not slow"

## The map in headless Chromium only (screenshots in var/test-artifacts/).
test-browser: $(VENV)/.installed-dev chromium
	$(BIN)/pytest tests/browser --no-cov

## Debian's Chromium for the browser tests: installed with apt-get when missing and we are
## root; otherwise (or if apt fails) the browser tests are skipped, saying so.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing chromium from Debian's packages for the browser tests"; \
	    export DEBIAN_FRONTEND=noninteractive; \
	    { apt-get install -y -q chromium chromium-driver >/dev/null 2>&1 || \
	      { apt-get update -q >/dev/null && apt-get install -y -q chromium chromium-driver >/dev/null; }; } || \
	    echo "note: could not install chromium; the browser tests will be skipped"; \
	  else \
	    echo "note: no chromium and no root apt-get to install it; the browser tests will be skipped"; \
	  fi; }

## Re-vendor the map's browser libraries (Leaflet, pinned in service/web/package-lock.json)
## into service/web/static/vendor/; the result is committed, so clones need no npm.
web:
	cd service/web && npm ci --no-audit --no-fund && npm run vendor

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

## Extract the messages people read (babel.cfg) into the Danish and English catalogues in
## service/locale/; then write the new Danish texts in service/locale/da/LC_MESSAGES/messages.po.
messages: $(VENV)/.installed-dev
	$(BIN)/pybabel --quiet extract -F babel.cfg --no-location --sort-output --width 88 \
		--keywords "N_ Nn_:1,2 t" --project "Protective Eyes" -o service/locale/messages.pot .
	$(BIN)/pybabel --quiet update --no-fuzzy-matching --ignore-obsolete --width 88 -i service/locale/messages.pot \
		-d service/locale -D messages

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
	rm -rf $(VENV) out var .cache .pytest_cache .mypy_cache .ruff_cache service/web/node_modules

# The two set-up commands of the README: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: demo test lint format system-deps bench

$(INSTALLED): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

## Generate the demo company into cruscotto.duckdb and serve it on http://127.0.0.1:8000
demo: $(INSTALLED)
	$(BIN)/cruscotto demo

system-deps:
	./scripts/install-system-deps.sh

## Lint, format check and the whole test suite on DuckDB and PostgreSQL
test: $(INSTALLED) system-deps
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	CRUSCOTTO_REQUIRE_POSTGRES=1 CRUSCOTTO_REQUIRE_BROWSER=1 CRUSCOTTO_REQUIRE_SPARK=1 $(BIN)/pytest -n 2

format: $(INSTALLED)
	$(BIN)/ruff check --fix src tests benchmarks
	$(BIN)/ruff format src tests benchmarks

# Refresh the lock file after changing dependencies in pyproject.toml.
lock:
	$(BIN)/pip install --quiet uv && $(BIN)/uv pip compile pyproject.toml --extra dev \
	  --python-version 3.11 --generate-hashes -o requirements.lock

# make demo / make test bootstrap everything from a machine that has only python3:
# a virtual environment, uv from the registry, then the locked dependencies.
PYTHON ?= python3
VENV := .venv
UV := $(VENV)/bin/uv
STAMP := $(VENV)/.synced

.PHONY: venv demo test lint typecheck bench clean

$(UV):
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check "uv==0.13.9"

$(STAMP): $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/chitieu demo --workdir demo-output

test: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/ruff format --check src tests benchmarks
	$(VENV)/bin/mypy
	$(VENV)/bin/python -m pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/ruff format --check src tests benchmarks

typecheck: $(STAMP)
	$(VENV)/bin/mypy

clean:
	rm -rf $(VENV) demo-output .pytest_cache .mypy_cache .ruff_cache

# make demo / make test bootstrap everything from a machine that has only python3:
# a virtual environment, uv from the registry, then the locked dependencies.
PYTHON ?= python3
VENV := .venv
UV := $(VENV)/bin/uv
STAMP := $(VENV)/.synced

.PHONY: venv browser office demo test lint typecheck bench clean

$(UV):
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check "uv==0.13.9"

# Bytecode compiled at install: where PYTHONDONTWRITEBYTECODE is set (CI, containers),
# Python would otherwise compile every module from source in every process, and Great
# Expectations' import alone takes twice as long.
$(STAMP): $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --compile-bytecode
	touch $(STAMP)

venv: $(STAMP)

# The Prefect UI test drives Debian's chromium (Playwright cannot download a browser here):
# installed with apt when missing; as root (CI) directly, otherwise through sudo.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; \
	  elif command -v sudo >/dev/null 2>&1; then SUDO=sudo; \
	  else echo "make test needs Debian's chromium: apt-get install chromium (as root)" >&2; exit 1; fi; \
	  $$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q chromium; }

# The review document's test prints it with LibreOffice headless and reads the PDF with
# poppler: Debian's libreoffice-writer and poppler-utils, installed as the browser is, with
# fonts-liberation (Times New Roman's metrics: without it the header block wraps).
office:
	@command -v soffice >/dev/null 2>&1 && command -v pdftoppm >/dev/null 2>&1 && \
	  { fc-list 2>/dev/null | grep -qi "liberation serif"; } || { \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; \
	  elif command -v sudo >/dev/null 2>&1; then SUDO=sudo; \
	  else echo "make test needs Debian's libreoffice-writer and poppler-utils: apt-get install libreoffice-writer poppler-utils fonts-liberation (as root)" >&2; exit 1; fi; \
	  $$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q --no-install-recommends libreoffice-writer poppler-utils fonts-liberation; }

demo: $(STAMP)
	$(VENV)/bin/chitieu demo --workdir demo-output

test: $(STAMP) browser office
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/ruff format --check src tests benchmarks
	$(VENV)/bin/mypy
	$(VENV)/bin/python -m pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/ruff format --check src tests benchmarks

typecheck: $(STAMP)
	$(VENV)/bin/mypy

# National-scale benchmarks (README, Performance): make bench ARGS="--scale 1/16 --only review"
bench: $(STAMP)
	$(VENV)/bin/python benchmarks/run.py $(ARGS)

clean:
	rm -rf $(VENV) demo-output .pytest_cache .mypy_cache .ruff_cache

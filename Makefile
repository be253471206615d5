# Two-command quickstart: `make demo` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: demo test lint typecheck wheel-check clean help

help:
	@echo "make demo   - create .venv, install, scan examples/posts.jsonl and print verdicts"
	@echo "make test   - create .venv, install dev extras, run ruff, mypy and the whole test suite"
	@echo "make bench  - install the bench extra and run the benchmarks (writes benchmarks/RESULTS.md)"

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	touch $@

$(DEV_STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP) $@

demo: $(STAMP)
	$(VENV)/bin/scanner scan examples/posts.jsonl --format table

lint: $(DEV_STAMP)
	$(VENV)/bin/ruff check scanner tests benchmarks

typecheck: $(DEV_STAMP)
	$(VENV)/bin/mypy

test: $(DEV_STAMP) lint typecheck
	$(VENV)/bin/pytest -q

clean:
	rm -rf $(VENV) dist build .pytest_cache .mypy_cache .ruff_cache

-include benchmarks/Makefile.inc

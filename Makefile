# Two commands matter: `make demo` (offline end-to-end run) and `make test`.
# Both call `setup`, which builds .venv once and reinstalls only when a requirements file changes.
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
STAGE ?= dev
REQUIREMENTS := requirements.txt requirements-dev.txt training_scripts/requirements.txt pyproject.toml
# checkov's pins clash with the main stack (boto3 1.35, packaging 23): a venv of its own.
CHECKOV_VENV := .venv-checkov
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed

# jsii silences its Node end-of-life banner only for the major versions listed here.
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 20
# Nothing at run time may reach a model hub: tiny local models only.
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: setup test demo synth lint bench clean

setup: $(STAMP) $(CHECKOV_STAMP)

# pip (not uv/poetry) so torch==2.13.0 resolves to the CPU wheel this machine carries.
$(STAMP): $(REQUIREMENTS)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.txt -r requirements-dev.txt 2>&1 \
		| sed '/is ignored: it is neither a file nor a directory/d'
	$(PY) -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e . 2>&1 \
		| sed '/is ignored: it is neither a file nor a directory/d'
	touch $(STAMP)

$(CHECKOV_STAMP): requirements-checkov.txt
	test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install -q --disable-pip-version-check -r requirements-checkov.txt 2>&1 \
		| sed '/is ignored: it is neither a file nor a directory/d'
	touch $(CHECKOV_STAMP)

test: setup
	$(PY) -m pytest -q

synth: setup
	CDK_CONTEXT_JSON='{"stage": "$(STAGE)"}' $(PY) app.py
	@echo "templates in cdk.out/ for stage $(STAGE)"

PRESET ?= healthcare
demo: setup synth
	$(VENV)/bin/fmops local run --preset $(PRESET) --stage $(STAGE)

# mypy reads its settings and file list from pyproject.toml ([tool.mypy]); a cold run takes a
# few minutes, later runs reuse .mypy_cache.
lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

bench: setup
	@for b in bench/*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

clean:
	rm -rf cdk.out runs .pytest_cache .ruff_cache .mypy_cache

# Two commands matter: `make demo` (offline end-to-end run) and `make test`.
# Both call `setup`, which builds .venv once and reinstalls only when a requirements file changes.
SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# Node packages pinned in package.json: the CDK CLI and asl-validator (tests/infra/test_api_shapes.py).
NODE_STAMP := node_modules/.installed
STAGE ?= dev
REQUIREMENTS := requirements.txt requirements-dev.txt training_scripts/requirements.txt pyproject.toml
# The SMDDP image's library stack (transformers 4.57.x), with this machine's CPU torch standing in
# for the image's CUDA torch: the training tests run a second time under it.
SMDDP_VENV := .venv-smddp
SMDDP_REQUIREMENTS := training_scripts/requirements-smddp.txt
SMDDP_STAMP := $(SMDDP_VENV)/.installed
# checkov's pins clash with the main stack (boto3 1.35, packaging 23): a venv of its own.
CHECKOV_VENV := .venv-checkov
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed
# AWS's Nova dataset validator (amzn-nova-forge) for the Bedrock rules cross-check: its own venv.
NOVA_VENV := .venv-nova
NOVA_STAMP := $(NOVA_VENV)/.installed

# jsii silences its Node end-of-life banner only for the major versions listed here.
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 20
# Nothing at run time may reach a model hub: tiny local models only.
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: setup setup-smddp test test-e2e test-images demo synth lint bench clean

setup: $(STAMP) $(NODE_STAMP) $(CHECKOV_STAMP) $(NOVA_STAMP)

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $(NODE_STAMP)

setup-smddp: $(SMDDP_STAMP)

# pip (not uv/poetry) so torch==2.13.0 resolves to the CPU wheel this machine carries.
# --no-compile: Python compiles a module to bytecode when it is first imported; compiling every
# installed module up front cost the .venv-nova build 40 % of its CPU time (issue 31), for
# modules the tests never import. The venvs do not depend on each other: `make -j setup
# setup-smddp` (what .ci/run does) builds them side by side.
PIP_INSTALL := -m pip install -q --disable-pip-version-check --no-compile
$(STAMP): $(REQUIREMENTS)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) $(PIP_INSTALL) -r requirements.txt -r requirements-dev.txt 2>&1 \
		| sed '/is ignored: it is neither a file nor a directory/d'
	$(PY) $(PIP_INSTALL) --no-deps --no-build-isolation -e . 2>&1 \
		| sed '/is ignored: it is neither a file nor a directory/d'
	touch $(STAMP)

$(CHECKOV_STAMP): requirements-checkov.txt
	test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python $(PIP_INSTALL) -r requirements-checkov.txt 2>&1 \
		| sed '/is ignored: it is neither a file nor a directory/d'
	touch $(CHECKOV_STAMP)

# It declares Python >= 3.12 but runs on 3.11: wheels only, so pip never builds a 3.12-only sdist.
$(NOVA_STAMP): requirements-nova.txt
	test -x $(NOVA_VENV)/bin/python || $(PYTHON) -m venv $(NOVA_VENV)
	$(NOVA_VENV)/bin/python $(PIP_INSTALL) --ignore-requires-python \
		--only-binary=:all: -r requirements-nova.txt 2>&1 | sed '/is ignored: it is neither a file nor a directory/d'
	touch $(NOVA_STAMP)

$(SMDDP_STAMP): $(SMDDP_REQUIREMENTS) training_scripts/requirements.txt requirements-dev.txt
	test -x $(SMDDP_VENV)/bin/python || $(PYTHON) -m venv $(SMDDP_VENV)
	grep -v '^torch==' $(SMDDP_REQUIREMENTS) > $(SMDDP_VENV)/requirements.txt
	$(SMDDP_VENV)/bin/python $(PIP_INSTALL) \
		$$(grep -h '^torch==' training_scripts/requirements.txt) $$(grep -h '^pytest==' requirements-dev.txt) \
		-r $(SMDDP_VENV)/requirements.txt 2>&1 | sed '/is ignored: it is neither a file nor a directory/d'
	touch $(SMDDP_STAMP)

# Tests run in parallel workers (pytest-xdist): one per core, at most 4, each torch on one
# thread so workers never oversubscribe the cores; a test file stays on one worker, so its
# module fixtures (whole local runs) run once. `make test TEST_WORKERS=0` runs in one process.
TEST_WORKERS ?= auto
test: setup setup-smddp
	OMP_NUM_THREADS=$${OMP_NUM_THREADS:-1} $(PY) -m pytest -q -m "not e2e and not images" \
		-n $(TEST_WORKERS) --maxprocesses 4 --dist loadfile --durations=15
	@echo "== training tests again under the SMDDP image's stack ($(SMDDP_REQUIREMENTS))"
	$(SMDDP_VENV)/bin/python -m pytest -q -p no:cacheprovider tests/training

# Whole pipeline runs per method and preset, kill/resume, the no-network run, the feedback round
# trip (tens of minutes on 2 cores), and the image resolution below: a lane of their own.
test-e2e: setup
	$(PY) -m pytest -q -m "e2e or images"

# The training images' requirements resolved against their base torch and Python with pip, on
# package metadata: needs the package index the first time (minutes), then cached by input hash
# in .cache/image-resolution/ (under a second). Not in the offline `make test`.
test-images: setup
	$(PY) -m pytest -q -m images tests/infra/test_training_images.py

synth: setup
	CDK_CONTEXT_JSON='{"stage": "$(STAGE)"}' $(PY) app.py
	@echo "templates in cdk.out/ for stage $(STAGE)"

# A warm demo redoes only what changed: the stage's templates are reused while their inputs hash
# the same (pipelines/local/build_cache.py), and the run directory is kept per preset and stage,
# so each job is reused while its fingerprint (arguments, code, input bytes, library versions)
# is unchanged; the progress lines say which were reused.
PRESET ?= healthcare
DEMO_RUN = demo-$(PRESET)-$(STAGE)
demo: setup
	$(PY) -m pipelines.local.build_cache synth --stage $(STAGE)
	$(VENV)/bin/fmops local run --preset $(PRESET) --stage $(STAGE) --run-id $(DEMO_RUN) \
		$$(test -d runs/$(DEMO_RUN) && echo --resume)

# mypy reads its settings and file list from pyproject.toml ([tool.mypy]); a cold run takes a
# few minutes, later runs reuse .mypy_cache.
lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

# Every bench script, each with the arguments it needs (tracking_overhead writes a run of its own
# under a temp dir); the list is checked against bench/ by tests/faults/test_bench_target.py.
BENCH_TMP ?= $(shell mktemp -d -u /tmp/fmops-bench.XXXXXX)
bench: setup
	$(PY) bench/data_prep.py
	$(PY) bench/prepare_stages.py
	$(PY) bench/pii_eval.py --generated 2000
	$(PY) bench/train_throughput.py
	$(PY) bench/tracking_overhead.py --runs-dir $(BENCH_TMP) --run-id bench --preset legal
	$(PY) bench/code_counts.py

clean:
	rm -rf cdk.out runs .pytest_cache .ruff_cache .mypy_cache

# One set of commands for people and CI. Every target does its own set-up.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
LOCK := requirements.lock
# Reinstall whenever the lock or the project's own metadata changes.
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml $(LOCK) | sha1sum | cut -c1-12)
PY_VERSION := $(shell cat .python-version)
UV_VERSION := 0.13.9
# pip notes every local mirror folder lacking a package: noise, not news.
QUIET_PIP := { grep -v '^WARNING: Location' || true; }
STRICT := assistant/answering assistant/records.py
HOST ?= 127.0.0.1
PORT ?= 7860

# Offline by construction: no model hub, no telemetry, no analytics (assistant/offline.py sets
# the same for every process the package starts; these cover tools run before it is imported).
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export HF_HUB_DISABLE_TELEMETRY := 1
export GRADIO_ANALYTICS_ENABLED := False
export TOKENIZERS_PARALLELISM := false

.PHONY: help setup lock index run test unit lint eval eval-external train-reader calibrate bench clean

help:  ## list targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | sed 's/:.*##/\t/'

$(STAMP): pyproject.toml $(LOCK)
	@$(PYTHON) -c 'import sys; v = "%d.%d" % sys.version_info[:2]; sys.exit(0 if v == "$(PY_VERSION)" else \
	  f"setup: Python $(PY_VERSION) is required (.python-version); {sys.executable} is {v}. Run make PYTHON=python$(PY_VERSION)")'
	@echo "setup: installing the locked packages into $(VENV) (about 2-3 minutes the first time) ..."
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	# Exactly the lock: every package pinned and hash-checked, nothing resolved on the day
	# (torch is the local CPU wheel, so nothing pulls a CUDA build).
	set -o pipefail; $(BIN)/pip install --quiet --require-hashes --no-deps -r $(LOCK) 2>&1 | $(QUIET_PIP)
	set -o pipefail; $(BIN)/pip install --quiet --no-deps --no-build-isolation -e . 2>&1 | $(QUIET_PIP)
	$(BIN)/python -c "import assistant, torch, openvino, faiss, gradio" || { echo "setup: the install is incomplete; see above"; exit 1; }
	rm -f $(VENV)/.installed-* && touch $@
	@echo "setup: done"

setup: $(STAMP)  ## create .venv and install exactly requirements.lock (Python from .python-version)

lock:  ## re-resolve every dependency on purpose: rewrites requirements.lock (exact versions + hashes)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet uv==$(UV_VERSION)
	$(BIN)/uv pip compile pyproject.toml --extra dev --generate-hashes --python-version $(PY_VERSION) \
	  --python-platform x86_64-manylinux_2_28 --find-links /opt/wheels --no-emit-find-links \
	  --custom-compile-command "make lock" --output-file $(LOCK)
	@echo "lock: wrote $(LOCK); review the diff, then run make test"

/usr/bin/chromium /usr/bin/strace &:
	@echo "setup: installing Debian's chromium and strace for the browser and no-network tests (about a minute) ..."
	# Debian's Chromium for the browser tests (never `playwright install`); strace watches for outbound connects.
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver strace

index: setup  ## build or update index/ from corpus/ (only changed files are embedded)
	$(BIN)/assistant index --rebuild-if-stale

run: index  ## open the chat UI on the default corpus at http://127.0.0.1:7860 (make run PORT=8000 HOST=...)
	$(BIN)/assistant serve --host $(HOST) --port $(PORT)

test: setup index /usr/bin/chromium /usr/bin/strace  ## lint, type-check, gate on the seed eval suite, run every test
	$(BIN)/ruff check assistant tests evals app.py
	$(BIN)/mypy assistant evals
	$(BIN)/mypy --strict $(STRICT)
	$(BIN)/assistant eval --report-dir test-artifacts/evals  # every suite in evals/, as make eval runs them
	$(BIN)/pytest -q

eval: setup index  ## run every suite in evals/ and write reports to evals/reports/
	$(BIN)/assistant eval --report-dir evals/reports

eval-external: setup  ## public suites (../shared/benchmarks), dev and test tables vs a BM25 baseline
	$(BIN)/python -m evals.external.run $(EXTERNAL_ARGS)

train-reader: setup  ## retrain the reader (assistant/models/, ~50 min on 2 cores; make setup never trains)
	$(BIN)/python -m evals.reader.train

calibrate: setup  ## refit the answer models on the dev splits -> assistant/calibration/*.json
	$(BIN)/python -m evals.calibrate

unit: setup index  ## the fast tests only: no browser, the real model only in the README example (under a minute)
	$(BIN)/pytest -q -m "not model and not browser"

lint: setup  ## ruff + mypy (strict on the answering seam and the records)
	$(BIN)/ruff check assistant tests evals app.py
	$(BIN)/mypy assistant evals
	$(BIN)/mypy --strict $(STRICT)

bench: setup index  ## benchmarks (not tests): writes evals/bench/RESULTS.md; BENCH_ARGS="--only ingest --pages 100"
	$(BIN)/python evals/bench/bench.py $(BENCH_ARGS)

clean:  ## remove the index and caches (not the venv)
	rm -rf index/gen-* index/CURRENT .pytest_cache .mypy_cache .ruff_cache test-artifacts

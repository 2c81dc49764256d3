# One set of commands for people and CI. Every target does its own set-up.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)

# Offline by construction: no model hub, no telemetry, no analytics.
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export HF_HUB_DISABLE_TELEMETRY := 1
export GRADIO_ANALYTICS_ENABLED := False
export TOKENIZERS_PARALLELISM := false

.PHONY: help setup index run test lint eval eval-external calibrate bench clean

help:  ## list targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | sed 's/:.*##/\t/'

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	# torch first, pinned to the local CPU wheel, so nothing pulls a CUDA build.
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-* && touch $@

setup: $(STAMP)  ## create .venv and install the project

/usr/bin/chromium:
	# Debian's Chromium for the browser tests (never `playwright install`).
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver

index: setup  ## build or update index/ from corpus/ (only changed files are embedded)
	$(BIN)/assistant index --rebuild-if-stale

run: index  ## open the chat UI on the default corpus at http://127.0.0.1:7860
	$(BIN)/python app.py

test: setup index /usr/bin/chromium  ## lint, type-check, gate on the seed eval suite, run every test
	$(BIN)/ruff check assistant tests evals app.py
	$(BIN)/mypy assistant
	$(BIN)/assistant eval evals/seeds.jsonl --report-dir test-artifacts/evals
	$(BIN)/pytest -q

eval: setup index  ## run every suite in evals/ and write reports to evals/reports/
	$(BIN)/assistant eval --report-dir evals/reports

eval-external: setup  ## public suites (../shared/benchmarks), dev and test tables vs a BM25 baseline
	$(BIN)/python -m evals.external.run $(EXTERNAL_ARGS)

calibrate: setup  ## refit the answer models on the dev splits -> assistant/calibration/*.json
	$(BIN)/python -m evals.calibrate

lint: setup  ## ruff + mypy
	$(BIN)/ruff check assistant tests evals app.py
	$(BIN)/mypy assistant

bench: setup index  ## benchmarks (not tests): writes evals/bench/RESULTS.md; BENCH_ARGS="--only ingest --pages 100"
	$(BIN)/python evals/bench/bench.py $(BENCH_ARGS)

clean:  ## remove the index and caches (not the venv)
	rm -rf index/gen-* index/CURRENT .pytest_cache .mypy_cache .ruff_cache test-artifacts

# newsclust: `make run` and `make test` do all the set-up from a fresh clone (Python 3.11 + make).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

FUZZ_SECONDS ?= 60

.PHONY: run test lint bench bench-profile bench-million eval fuzz clean help

help:
	@echo "make run    install into $(VENV) and cluster samples/"
	@echo "make test   install test extras, run ruff and pytest"
	@echo "make bench  benchmarks (figures go to benchmarks/results/)"
	@echo "make eval   clustering scores on ../shared/eval"
	@echo "make fuzz   atheris on the input parsers ($(FUZZ_SECONDS) s per target)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP) $@

# Exit code 3 means "done, some inputs skipped": samples/ has bad files on purpose.
run: $(STAMP)
	$(BIN)/newsclust cluster samples/ || [ $$? -eq 3 ]

test: $(TEST_STAMP)
	$(BIN)/ruff check newsclust tests benchmarks fuzz
	$(BIN)/python -m pytest -q

lint: $(TEST_STAMP)
	$(BIN)/ruff check newsclust tests benchmarks fuzz
	$(BIN)/ruff format --check newsclust tests benchmarks fuzz

# Figures go to stdout and benchmarks/results/; see benchmarks/README.md for the long runs.
bench: $(TEST_STAMP)
	$(BIN)/python benchmarks/bench_dedup.py speed
	$(BIN)/python benchmarks/bench_pipeline.py --sizes 10000 100000
	$(BIN)/python benchmarks/bench_update.py

eval: $(STAMP)
	$(BIN)/python benchmarks/eval_clusters.py

# Profile of the 100k run (needs py-spy) and the 1M estimate from short 100k/300k runs.
bench-profile: $(TEST_STAMP)
	$(BIN)/python -m pip install --quiet py-spy
	$(BIN)/python benchmarks/bench_pipeline.py --profile 100000 --estimate

# The 1,000,000 short-article JSONL run: ~9 min and ~8.5 GB here (plus ~2.5 min to write its corpus once).
bench-million: $(TEST_STAMP)
	$(BIN)/python benchmarks/bench_pipeline.py --sizes 10000 --million

fuzz: $(TEST_STAMP)
	$(BIN)/python -m pip install --quiet atheris
	PYTHON=$(BIN)/python FUZZ_SECONDS=$(FUZZ_SECONDS) fuzz/run.sh

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .ruff_cache

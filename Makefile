# callqa — the two commands a new machine needs: `make demo` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
OUT    ?= out/demo

.PHONY: demo test bench check-dev check-ood clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "callqa needs Python 3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

## Set up .venv, install, run the nightly flow on the bundled sample night.
demo: $(STAMP)
	$(BIN)/callqa nightly --input data/sample --out $(OUT)
	@echo "Scorecards are in $(OUT)/ (calls, findings, compliance, agents; rejected records in $(OUT)/rejected)"
	@echo "Reports: open $(OUT)/reports/agents/index.html (coaches) and $(OUT)/reports/compliance/index.html (compliance queue)"

## Install and run the test suite.
test: $(STAMP)
	$(BIN)/python -m pytest -q

## Throughput on a generated night (needs ../shared/bench/gen_calls.py): rules alone, then the model and the nightly flow.
BENCH_CALLS ?= 10000
bench: $(STAMP)
	$(BIN)/python bench/bench_scoring.py --calls $(BENCH_CALLS) --rules-only
	$(BIN)/python bench/bench_models.py --calls $(BENCH_CALLS)

## Accuracy on the shared labeled dev set: rules alone, then rules + model (the default rubric).
DEV ?= ../shared/eval/dev
check-dev: $(STAMP)
	$(BIN)/callqa score --input $(DEV)/calls.jsonl --out /tmp/callqa-dev-rules --rules-only -q || test $$? -eq 3
	@echo "== rules alone"
	$(BIN)/python ../shared/eval/evaluate.py /tmp/callqa-dev-rules/findings $(DEV)/labels.jsonl
	$(BIN)/callqa score --input $(DEV)/calls.jsonl --out /tmp/callqa-dev -q || test $$? -eq 3
	@echo "== rules + model"
	$(BIN)/python ../shared/eval/evaluate.py /tmp/callqa-dev/findings $(DEV)/labels.jsonl
	$(BIN)/python ../shared/eval/check_masked.py $(DEV)/calls.jsonl /tmp/callqa-dev

## False alarms on text nobody here wrote (../shared/eval/ood, its measured half): rules alone vs the default rubric.
OOD ?= ../shared/eval/ood/calls.jsonl
check-ood: $(STAMP)
	$(BIN)/python bench/check_ood.py --calls $(OOD)

clean:
	rm -rf $(VENV) out *.egg-info

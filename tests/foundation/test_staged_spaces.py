"""What "Duplicate this Space" exercises: a staged Space starts alone and answers its API.

Each Space is staged by deploy.py into a temporary folder and started with ``python app.py`` in
a clean subprocess, with the repository off the path, so it can only use what it carries.
"""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
from gradio_client import Client
from smoke_calls import SMOKE

import deploy
from harness import SPACE_NAMES, staged_app

pytestmark = pytest.mark.staging


def test_dry_run_stages_without_pushing(tmp_path, capsys):
    assert deploy.main(["all", "--dry-run", "--out", str(tmp_path)]) == 0
    for name in SPACE_NAMES:
        staged = tmp_path / name
        assert (staged / "app.py").is_file() and (staged / "shared" / "model_source.py").is_file()
        assert not list(staged.rglob("__pycache__"))
    assert "pushed" not in capsys.readouterr().out


@pytest.mark.parametrize("name", SPACE_NAMES)
def test_staged_space_starts_alone_and_answers(name, tmp_path):
    staged = deploy.stage(name, tmp_path / name)
    # `python app.py` puts the app's folder first on the path, as on a Space: its own package and its copy
    # of shared/ must win over the repository's editable install
    package = {"bank_bot": "bankbot", "tumor_detect": "braintumor", "noise_removal": "voiceclean"}[name]
    where = subprocess.run(
        [sys.executable, "-c", f"import {package}, shared; print({package}.__file__); print(shared.__file__)"],
        cwd=staged,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert all(path.startswith(str(staged)) for path in where), where
    started = time.monotonic()
    with staged_app(staged, timeout=120) as url:
        print(f"{name}: answered HTTP after {time.monotonic() - started:.1f}s")
        SMOKE[name](Client(url, verbose=False), staged)

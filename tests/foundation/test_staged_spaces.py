"""What "Duplicate this Space" exercises: a staged Space starts alone and answers its API.

Each Space is staged by deploy.py into a temporary folder and started with ``python app.py`` in
a clean subprocess, with the repository off the path, so it can only use what it carries.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import pytest
from gradio_client import Client
from smoke_calls import SMOKE

import deploy
from harness import SPACE_NAMES, wait_for_http

pytestmark = pytest.mark.staging


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "GRADIO_", "SPACE"))}
    env.update(
        GRADIO_SERVER_NAME="127.0.0.1",
        GRADIO_SERVER_PORT=str(port),
        GRADIO_ANALYTICS_ENABLED="False",
        HF_HUB_OFFLINE="1",
        PYTHONNOUSERSITE="1",
    )
    # `python app.py` puts the app's folder first on the path, as on a Space: its own package and its copy
    # of shared/ must win over the repository's editable install
    package = {"bank_bot": "bankbot", "tumor_detect": "braintumor", "noise_removal": "voiceclean"}[name]
    where = subprocess.run(
        [sys.executable, "-c", f"import {package}, shared; print({package}.__file__); print(shared.__file__)"],
        cwd=staged,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert all(path.startswith(str(staged)) for path in where), where
    log = (tmp_path / "server.log").open("w+")
    proc = subprocess.Popen([sys.executable, "app.py"], cwd=staged, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}/"
        started = time.monotonic()
        try:
            wait_for_http(url, timeout=120)
        except Exception:
            log.seek(0)
            pytest.fail(f"{name} did not start:\n{log.read()[-3000:]}")
        print(f"{name}: answered HTTP after {time.monotonic() - started:.1f}s")
        client = Client(url, verbose=False)
        SMOKE[name](client, staged)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.seek(0)
        output = log.read()
        log.close()
    assert "Traceback" not in output, output[-3000:]

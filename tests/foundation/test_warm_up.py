"""Serve first, warm in the background: a request that arrives while a Space is still warming up waits for
the warm-up and then succeeds (it neither fails nor races the model load)."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time

import pytest
from gradio_client import Client, handle_file

import harness
from shared import warmup

pytestmark = pytest.mark.slow

CALLS = {
    "bank_bot": (lambda: ("I lost my card yesterday",), "/predict_intent"),
    "tumor_detect": (lambda: (handle_file(str(harness.SPACES / "tumor_detect/examples/glioma_1.jpg")),), "/classify"),
    "noise_removal": (
        lambda: (handle_file(str(harness.SPACES / "noise_removal/examples/voice_note_16k.flac")), 100),
        "/clean",
    ),
}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_a_request_during_warm_up_waits_and_succeeds(name, monkeypatch):
    app = harness.load_app(name)
    with harness.launched(app.build_demo()) as url:
        release = threading.Event()
        monkeypatch.setattr(warmup, "_threads", {})  # this process warmed long ago: start a warm-up that holds
        warmup.warm_in_background(name, lambda: release.wait(60))
        assert not warmup.is_warm(name)
        args, api = CALLS[name]
        job = Client(url, verbose=False).submit(*args(), api_name=api)
        time.sleep(2.0)
        assert not job.done(), "the request did not wait for the warm-up"
        release.set()
        result = json.loads(job.result(timeout=120))
    assert warmup.is_warm(name)
    assert result.get("status") in ("ok", "uncertain") or result.get("seconds", 0) > 0 or result.get("intent"), result


def test_a_warm_up_waits_for_serving_or_a_request(monkeypatch):
    monkeypatch.setattr(warmup, "_go", threading.Event())
    started = threading.Event()
    thread = warmup.warm_in_background("held", started.set)
    assert not started.wait(1.0), "the warm-up ran before the server answered (it competes with the start-up)"
    warmup.serving_started()
    assert started.wait(5.0)
    thread.join(5)

    monkeypatch.setattr(warmup, "_go", threading.Event())
    started.clear()
    warmup.warm_in_background("held-then-needed", started.set)
    warmup.wait_until_warm("held-then-needed", timeout=5.0)  # a request before serving started: no dead-lock
    assert started.is_set()


def test_wait_until_warm_returns_at_once_without_a_warm_up_and_inside_it():
    warmup.wait_until_warm("no-such-space", timeout=0.1)
    warmup.serving_started()
    seen = []
    thread = warmup.warm_in_background("self-wait", lambda: (warmup.wait_until_warm("self-wait"), seen.append(1)))
    thread.join(5)
    assert seen == [1]  # the warm-up itself calls handlers that wait: it must not wait for itself


@pytest.mark.parametrize("name", sorted(CALLS))
def test_app_py_answers_before_torch_is_imported(name):
    """The server's first HTTP 200 waits for everything app.py imports: the model's heavy libraries load in
    the warm-up, after the server answers (measured: torch alone is about 1.3 s of a 2-vCPU start)."""
    code = (
        "import sys; sys.path.insert(0, '.'); import app; "
        "print(sorted(m for m in ('torch', 'onnxruntime', 'sklearn', 'transformers') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=harness.SPACES / name, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "[]"

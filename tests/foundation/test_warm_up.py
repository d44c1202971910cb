"""Serve first, warm in the background: a request that arrives while a Space is still warming up waits for
the warm-up and then succeeds (it neither fails nor races the model load)."""

from __future__ import annotations

import json
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


def test_wait_until_warm_returns_at_once_without_a_warm_up_and_inside_it():
    warmup.wait_until_warm("no-such-space", timeout=0.1)
    seen = []
    thread = warmup.warm_in_background("self-wait", lambda: (warmup.wait_until_warm("self-wait"), seen.append(1)))
    thread.join(5)
    assert seen == [1]  # the warm-up itself calls handlers that wait: it must not wait for itself

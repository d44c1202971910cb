"""Under load: many clients sending the same messages at once all get complete replies (no errors)."""

from __future__ import annotations

import json
import threading
import time

import pytest

from harness import launched, load_app

CLIENTS = 16
SECONDS = 4.0
QUESTION = "My card still hasn't arrived"


@pytest.mark.slow
def test_concurrent_identical_requests_all_succeed():
    from gradio_client import Client

    app = load_app("bank_bot")
    with launched(app.build_demo()) as url:
        expected = json.loads(Client(url, verbose=False).predict(QUESTION, api_name="/predict_intent"))
        assert expected["intent"] == "card_arrival"
        errors: list[str] = []
        done = [0]
        lock = threading.Lock()
        clients = [Client(url, verbose=False) for _ in range(CLIENTS)]  # connect first, then fire together

        def worker(client) -> None:
            while True:  # at least one round each, then until the deadline
                try:
                    got = json.loads(client.predict(QUESTION, api_name="/predict_intent"))
                    reply, label, summary = client.predict(QUESTION, [], api_name="/respond")  # the screen's chat
                    ok = got == expected and "business days" in str(reply) and "card_arrival" in summary and label
                except Exception as exc:  # any transport or server error counts
                    ok, got = False, repr(exc)
                with lock:
                    done[0] += 1
                    if not ok:
                        errors.append(str(got)[:200])
                if time.monotonic() > deadline:
                    return

        threads = [threading.Thread(target=worker, args=(c,)) for c in clients]
        deadline = time.monotonic() + SECONDS
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=SECONDS + 120)
    assert done[0] >= CLIENTS, done[0]
    assert errors == [], f"{len(errors)} of {done[0]} rounds failed: {errors[:3]}"

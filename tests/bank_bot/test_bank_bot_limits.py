"""Limits before work: a CSV far over the Batch tab's limits is refused from its size and a row count that
stops at the limit, before a table is built: through the handler and the API, under 1 s of CPU and 20 MB of
new temporary disk (measured)."""

from __future__ import annotations

import pytest
from gradio_client import Client, handle_file

import harness
from bankbot import handlers


@pytest.fixture(scope="module")
def many_rows(tmp_path_factory):
    """1.9 MB, 480,000 one-word messages: under the byte limit, 240 times the row limit."""
    path = tmp_path_factory.mktemp("csv") / "many_rows.csv"
    path.write_bytes(b"text\n" + b"hey\n" * 480_000)
    return path


@pytest.fixture(scope="module")
def big_file(tmp_path_factory):
    """30 MB of one long message: over the byte limit."""
    path = tmp_path_factory.mktemp("csv") / "big.csv"
    path.write_bytes(b"text\n" + b"a" * 30_000_000 + b"\n")
    return path


def label(path):
    return handlers.label_messages(str(path), progress=lambda *a, **k: None)


def test_rows_over_the_limit_are_refused_before_parsing(many_rows):
    harness.assert_cheap(harness.refused(lambda: label(many_rows), "more than 2,000 rows"))


def test_bytes_over_the_limit_are_refused_before_reading(big_file):
    harness.assert_cheap(harness.refused(lambda: label(big_file), "28.6 MB", "2 MB here"))


@pytest.mark.slow
def test_api_refuses_fast(many_rows):
    app = harness.load_app("bank_bot")
    with harness.launched(app.build_demo()) as url:
        client = Client(url, verbose=False)
        spent = harness.refused(
            lambda: client.predict(handle_file(str(many_rows)), api_name="/label_messages"), "more than 2,000 rows"
        )
        harness.assert_cheap(spent)  # the upload itself (1.9 MB) is in the 20 MB

"""Limits before work: a small file that holds hours of audio is refused from its headers, before decoding,
through the Clean tab's handler, the API and the Batch tab: under 1 s of CPU and under 20 MB of new
temporary disk (measured). A file whose headers understate its length is stopped at the limit while decoding.
Batch outputs never overwrite each other or an input."""

from __future__ import annotations

import shutil

import pytest
from gradio_client import Client, handle_file
from long_audio import long_aac

import harness
from voiceclean import decode, handlers


def _no_progress(*_args, **_kwargs):
    return None


def _wavs() -> set:
    return set(harness.gradio_temp().rglob("*.wav"))


def clean(path):
    return handlers.clean_audio(str(path), 100, progress=_no_progress)


def clean_many(paths):
    return handlers.clean_many([str(p) for p in paths], 100, progress=_no_progress)


@pytest.fixture(scope="module")
def hour_m4a(tmp_path_factory):
    """One hour of 16 kHz mono AAC at 8 kbit/s in an MP4 container: 3.9 MB (outside Gradio's temp folder)."""
    return long_aac(tmp_path_factory.mktemp("long") / "one_hour.m4a", 3600)


@pytest.fixture(scope="module")
def big_aac(tmp_path_factory):
    """About 200 MB of raw AAC (ADTS frames simply follow each other): some fifty hours, the upload cap's worth."""
    folder = tmp_path_factory.mktemp("big")
    hour = long_aac(folder / "hour.aac", 3600).read_bytes()
    path = folder / "fifty_hours.aac"
    with open(path, "wb") as fh:
        for _ in range(200_000_000 // len(hour)):
            fh.write(hour)
    yield path
    shutil.rmtree(folder, ignore_errors=True)


def test_the_headers_give_the_length_without_decoding(hour_m4a, big_aac):
    assert hour_m4a.stat().st_size < 4_000_000
    assert decode.stated_seconds(hour_m4a) == pytest.approx(3600, abs=1)
    assert decode.stated_seconds(big_aac) > 40 * 3600  # ADTS states no length: estimated from the bit rate


@pytest.mark.parametrize("which", ["hour_m4a", "big_aac"])
def test_clean_tab_refuses_hours_before_decoding(request, which):
    path = request.getfixturevalue(which)
    before = _wavs()
    spent = harness.refused(lambda: clean(path), "limit here is 15 minutes")
    harness.assert_cheap(spent)
    assert _wavs() == before  # no decoded copy left behind


@pytest.mark.parametrize("which", ["hour_m4a", "big_aac"])
def test_batch_tab_refuses_hours_before_decoding(request, which):
    path = request.getfixturevalue(which)
    spent = harness.refused(lambda: clean_many([path] * 3), "10 minutes in all")
    harness.assert_cheap(spent)


def test_understated_length_is_stopped_while_decoding(hour_m4a, monkeypatch):
    """A container that says 30 s but holds an hour: decoding stops at the 15-minute limit, and the copy goes."""
    monkeypatch.setattr(decode, "_declared_seconds", lambda *_: 30.0)
    assert decode.stated_seconds(hour_m4a) == 30.0
    before = _wavs()
    spent = harness.refused(lambda: clean(hour_m4a), "longer than that")
    at_limit_mb = (decode.MAX_SECONDS + 1) * 16_000 * 4 / 1e6  # the float copy of 15 min at 16 kHz mono
    assert spent.peak_new_mb < at_limit_mb + 2, spent.peak_new_mb
    assert _wavs() == before
    # the Batch tab passes it (30 s stated), and its row says why it stopped
    _, table = clean_many([hour_m4a])
    assert table[0][2] == "failed" and "longer than that" in table[0][3]


@pytest.mark.slow
def test_api_refuses_hours_fast(hour_m4a):
    app = harness.load_app("noise_removal")
    with harness.launched(app.build_demo()) as url:
        client = Client(url, verbose=False)
        for api_name, words in (("/clean", "limit here is 15 minutes"), ("/clean_many", "10 minutes in all")):
            payload = handle_file(str(hour_m4a)) if api_name == "/clean" else [handle_file(str(hour_m4a))]
            spent = harness.refused(lambda p=payload, a=api_name: client.predict(p, 100, api_name=a), words)
            # the upload itself (3.9 MB) lands in Gradio's folder: that is in the 20 MB
            harness.assert_cheap(spent)


def test_outputs_never_overwrite_each_other(tmp_path):
    """``talk.m4a`` is written as ``talk.m4a.wav``: a ``talk.m4a.wav`` beside it keeps its own output."""
    from voiceclean.batch_job import REPORT, list_recordings

    for name in ("talk.m4a", "talk.m4a.wav", "Talk.m4a (2).wav", "report.csv.wav"):
        (tmp_path / name).write_bytes(b"")
    outputs = [i["output"] for i in list_recordings(tmp_path)]
    assert len({o.lower() for o in outputs} | {REPORT}) == len(outputs) + 1, outputs


def test_cli_refuses_an_output_folder_around_the_input(tmp_path):
    import subprocess
    import sys

    (tmp_path / "raw").mkdir()
    out = subprocess.run(
        [sys.executable, str(harness.SPACES / "noise_removal" / "batch.py"), str(tmp_path / "raw"), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 2 and "must not contain each other" in out.stderr

"""The running app through gradio_client: the /clean endpoint, errors, named outputs, MCP tool schema,
and identical requests from many clients at once."""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from gradio_client import Client, handle_file

import harness

pytestmark = pytest.mark.slow

EXAMPLES = harness.SPACES / "noise_removal" / "examples"


@pytest.fixture(scope="module")
def client_url():
    app = harness.load_app("noise_removal")
    with harness.launched(app.build_demo()) as url:
        yield Client(url, verbose=False), url


@pytest.mark.parametrize("name", ["interview_stereo_44k.wav", "voice_note_16k.flac"])
def test_clean_keeps_format(client_url, name):
    client, _ = client_url
    src = EXAMPLES / name
    out_path, before, after, report = client.predict(handle_file(str(src)), 100, api_name="/clean_audio")
    a, b = sf.info(str(src)), sf.info(out_path)
    assert (b.samplerate, b.channels, b.frames) == (a.samplerate, a.channels, a.frames)
    assert out_path.endswith(".wav") and "Done" in report
    for img in (before, after):
        assert img and Path(img).is_file()
    # the cleaned example is quieter between words than the noisy one (noise removed)
    x, _ = sf.read(str(src), always_2d=True)
    y, _ = sf.read(out_path, always_2d=True)
    head = int(0.25 * a.samplerate)  # the examples start with 0.3 s of noise only
    assert np.sqrt(np.mean(y[:head] ** 2)) < 0.3 * np.sqrt(np.mean(x[:head] ** 2))


def test_missing_recording_is_a_friendly_error(client_url):
    client, _ = client_url
    with pytest.raises(Exception) as info:
        client.predict(None, 100, api_name="/clean")  # the tool
    assert "No audio yet" in str(info.value)


def test_non_audio_upload_is_a_friendly_error(client_url, tmp_path):
    client, _ = client_url
    fake = tmp_path / "song.wav"
    fake.write_bytes(b"<html>not audio</html>" * 50)
    with pytest.raises(Exception) as info:
        client.predict(handle_file(str(fake)), 100, api_name="/clean")
    assert "could not be read as audio" in str(info.value)


def test_api_lists_named_endpoints(client_url):
    client, _ = client_url
    endpoints = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    assert set(endpoints) == {"/clean", "/clean_many"}  # the screen's events and the live stream are unlisted
    params = [p["parameter_name"] for p in endpoints["/clean"]["parameters"]]
    assert params == ["audio_path", "strength_db"]


def test_api_outputs_are_named(client_url):
    """Every output has a label, so no client or MCP schema sees a `value_<n>` name."""
    client, _ = client_url
    info = client.view_api(print_info=False, return_format="dict")
    text = json.dumps(info)
    assert "value_" not in text
    for endpoint in info["named_endpoints"].values():
        assert [r["python_type"]["type"] for r in endpoint["returns"]] == ["str"]  # one JSON text


def test_the_clean_tool_answers_json_with_a_download_url(client_url):
    client, _ = client_url
    src = EXAMPLES / "interview_stereo_44k.wav"
    report = json.loads(client.predict(handle_file(str(src)), 100, api_name="/clean"))
    assert (report["sample_rate"], report["channels"]) == (44100, 2) and report["file"].endswith(".wav")
    with urllib.request.urlopen(report["url"], timeout=30) as resp:
        cleaned = resp.read()
    assert len(cleaned) > 1000 and cleaned[:4] == b"RIFF"


def test_identical_requests_from_many_clients(client_url):
    """Identical inputs from 16 clients at once for a few seconds: every call answers with complete
    files (results go to fresh paths, never one file rewritten while another client downloads it)."""
    _, url = client_url
    src = EXAMPLES / "voice_note_16k.flac"
    want = sf.info(str(src)).frames
    errors, done = [], []
    stop = time.monotonic() + 6.0

    def worker() -> None:
        client = Client(url, verbose=False)
        while time.monotonic() < stop:
            try:
                out, before, after, report = client.predict(handle_file(str(src)), 100, api_name="/clean_audio")
                assert sf.info(out).frames == want and "Done" in report
                for img in (before, after):
                    assert Path(img).read_bytes().endswith(b"IEND\xaeB`\x82")  # a complete PNG
                done.append(1)
            except Exception as exc:  # collected, asserted below
                errors.append(repr(exc))

    threads = [threading.Thread(target=worker) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=180)
    assert not errors, errors[:3]
    assert len(done) >= 16


def test_mcp_schema_describes_the_clean_tool(client_url):
    _, url = client_url
    with urllib.request.urlopen(url.rstrip("/") + "/gradio_api/mcp/schema", timeout=10) as resp:
        schema = json.loads(resp.read())
    tools = {t["name"]: t for t in schema} if isinstance(schema, list) else schema
    assert set(tools) == {"clean", "clean_many"}  # named after the functions
    text = json.dumps(schema)
    assert "Remove background noise" in text and "strength_db" in text


def test_batch_tab_returns_a_zip(client_url, tmp_path):
    import zipfile

    client, _ = client_url
    broken = tmp_path / "broken.wav"
    broken.write_bytes(b"RIFF0000WAVE")
    files = [handle_file(str(EXAMPLES / "voice_note_16k.flac")), handle_file(str(broken))]
    archive, table = client.predict(files, 100, api_name="/clean_all")
    rows = table["data"]
    assert [r[0] for r in rows] == ["voice_note_16k.flac", "broken.wav"] and [r[2] for r in rows] == ["ok", "failed"]
    with zipfile.ZipFile(archive) as zf:
        assert sorted(zf.namelist()) == ["report.csv", "voice_note_16k.flac"]
        zf.extract("voice_note_16k.flac", tmp_path / "x")
    a, b = sf.info(str(EXAMPLES / "voice_note_16k.flac")), sf.info(str(tmp_path / "x" / "voice_note_16k.flac"))
    assert (b.samplerate, b.channels, b.frames) == (a.samplerate, a.channels, a.frames)

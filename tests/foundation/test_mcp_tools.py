"""Through a real MCP client (the ``mcp`` package, streamable HTTP): each Space lists exactly its tools,
every tool answers with JSON, result files download, and SIGTERM after an MCP call stops the server fast."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager

import pytest
from mcp_client import call_tool, data_url, json_result, list_tools

from harness import ROOT, SPACES, free_port, wait_for_http

pytestmark = pytest.mark.slow

TOOLS = {
    "bank_bot": {"chat", "predict_intent", "label_messages"},
    "tumor_detect": {"classify", "classify_many"},
    "noise_removal": {"clean", "clean_many"},
}


@contextmanager
def server(cmd: list[str], cwd, path: str = ""):
    """A server subprocess on a free local port; yields (process, URL); killed if still alive at the end."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GRADIO_SERVER", "SPACE"))}
    env.update(GRADIO_SERVER_NAME="127.0.0.1", GRADIO_SERVER_PORT=str(port), GRADIO_ANALYTICS_ENABLED="False")
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}{path}/"
        wait_for_http(url, timeout=180)
        yield proc, url
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)


def app_server(name: str):
    return server([sys.executable, "app.py"], SPACES / name)


def launcher_server(name: str):
    return server([sys.executable, "launcher.py", "--only", name], ROOT, f"/{name}")


def tumor_calls(url, tmp_path):
    ex = SPACES / "tumor_detect" / "examples"
    one = json_result(call_tool(url, "classify", {"file": data_url(ex / "glioma_1.jpg")}))
    assert one["status"] in ("ok", "uncertain") and abs(sum(one["probabilities"].values()) - 1) < 1e-3, one
    refused = json_result(call_tool(url, "classify", {"file": data_url(ex / "not_mri_document.png")}))
    assert refused["status"] == "refused", refused
    files = [data_url(ex / n) for n in ("meningioma_1.jpg", "glioma_2.dcm", "not_mri_document.png")]
    many = json_result(call_tool(url, "classify_many", {"files": files}))
    assert [r["status"] for r in many["slices"]][2] == "refused" and len(many["slices"]) == 3, many


def noise_calls(url, tmp_path):
    clip = SPACES / "noise_removal" / "examples" / "voice_note_16k.flac"
    one = json_result(call_tool(url, "clean", {"audio_path": data_url(clip), "strength_db": 50}))
    assert one["sample_rate"] == 16000 and one["channels"] == 1, one
    with urllib.request.urlopen(one["url"], timeout=30) as resp:
        assert resp.read(4) == b"RIFF"  # the cleaned WAV downloads from the URL in the JSON
    many = json_result(call_tool(url, "clean_many", {"files": [data_url(clip), data_url(clip)], "strength_db": 100}))
    assert [r["status"] for r in many["files"]] == ["ok", "ok"], many
    with urllib.request.urlopen(many["url"], timeout=30) as resp:
        assert resp.read(2) == b"PK"  # the zip


def bank_calls(url, tmp_path):
    got = json_result(call_tool(url, "predict_intent", {"message": "I lost my card yesterday"}))
    assert got["intent"] == "lost_or_stolen_card" and got["declined"] is False, got
    reply = json_result(call_tool(url, "chat", {"message": "ma carte a été refusée", "history": []}))
    assert reply["language"] == "fr" and reply["reply"], reply
    csv_file = tmp_path / "messages.csv"
    csv_file.write_text("text\nmy card has not arrived\nwhat is the meaning of life\n", encoding="utf-8")
    labelled = json_result(call_tool(url, "label_messages", {"file": data_url(csv_file)}))
    assert [r["intent"] for r in labelled["labels"]][0] == "card_arrival", labelled
    with urllib.request.urlopen(labelled["url"], timeout=30) as resp:
        assert resp.read().decode().startswith("text,")


CALLS = {"bank_bot": bank_calls, "tumor_detect": tumor_calls, "noise_removal": noise_calls}


@pytest.mark.parametrize("name", sorted(TOOLS))
def test_an_mcp_client_sees_exactly_the_tools_and_gets_json(name, tmp_path):
    with app_server(name) as (_, url):
        tools = list_tools(url)
        assert set(tools) == TOOLS[name]
        for tool in tools.values():
            assert tool.description and tool.inputSchema["properties"], tool
        CALLS[name](url, tmp_path)


def _stop_seconds(proc) -> float:
    t0 = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        return float("inf")
    return time.monotonic() - t0


@pytest.mark.parametrize("how", ["app", "launcher"])
def test_sigterm_after_an_mcp_call_stops_within_5_s(how):
    """noise_removal keeps a session state, so an MCP call leaves a gradio_client heartbeat stream open in
    the server: that stream held the launcher alive for more than 20 s after SIGTERM."""
    name = "noise_removal"
    with (app_server if how == "app" else launcher_server)(name) as (proc, url):
        clip = SPACES / name / "examples" / "voice_note_16k.flac"
        json_result(call_tool(url, "clean", {"audio_path": data_url(clip)}))
        seconds = _stop_seconds(proc)
    assert seconds <= 5.0, f"{how} took {seconds:.1f} s to stop after SIGTERM"

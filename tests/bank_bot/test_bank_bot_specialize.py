"""A company trains its own bot: the off-topic filter, the recipe end to end on the shipped example company
(real encoder, real training, a short recipe), the trained folder, serving and evaluating it."""

from __future__ import annotations

import csv
import json
import subprocess
import sys

import numpy as np
import pytest
from bank_bot_helpers import unit

from bankbot import SPACE_DIR
from bankbot.company.data import EXAMPLE_ANSWERS_CSV, EXAMPLE_CSV, read_examples
from bankbot.company.offtopic import OffTopicBank, load_builtin_bank, negatives_for

pytestmark = pytest.mark.slow

QUICK = ["--layers", "1", "--epochs", "1", "--negatives", "300"]  # plumbing; quality is company_benchmark.py's job


def test_negatives_close_to_the_company_are_dropped_row_by_row_and_by_group():
    rng = np.random.default_rng(0)
    company = unit(rng.normal(size=(6, 16)))
    near = unit(company[0] + 0.05 * rng.normal(size=16))  # one sentence almost identical to an example
    group_b = unit(company[3:6].mean(0) + 0.05 * rng.normal(size=(3, 16)))  # a whole group around intent b
    far = unit(rng.normal(size=(4, 16)))
    bank = OffTopicBank(
        np.vstack([near[None], group_b, far]),
        np.array([0, 1, 1, 1, 2, 2, 2, 2]),
        ["x:near", "x:like_b", "x:far"],
        [f"s{i}" for i in range(8)],
    )
    keep, dropped = negatives_for(bank, company, ["a", "a", "a", "b", "b", "b"], 0.8, 0.75)
    assert 0 not in keep and not set(keep) & {1, 2, 3} and {4, 5, 6, 7} <= set(keep)
    assert dropped == ["x:like_b"]


def test_builtin_bank_is_pinned_and_keeps_evaluation_rows_out():
    from bankbot.model_spec import BANK_FILE, PINS

    bank = load_builtin_bank()
    assert BANK_FILE in PINS and len(bank) > 3000 and bank.vectors.shape[1] == 384
    assert np.allclose(np.linalg.norm(bank.vectors, axis=1), 1.0, atol=1e-2)
    names = set(bank.group_names)
    assert "clinc:oos" in names and any(n.startswith("banking77:") for n in names)


def test_a_travel_company_keeps_its_exchange_rate_intent():
    from bankbot.models.model import frozen_encoder

    bank = load_builtin_bank()
    texts = ["what is the exchange rate for euros", "how many yen to the dollar", "dollar to pound rate today"]
    texts += ["book me a flight to rome", "i need a plane ticket to paris", "find flights to madrid friday"]
    vectors = frozen_encoder().encode(texts)
    keep, dropped = negatives_for(bank, vectors, ["exchange_rate"] * 3 + ["book_flight"] * 3)
    assert {"clinc:exchange_rate", "banking77:exchange_rate", "clinc:book_flight"} <= set(dropped)
    kept_groups = {bank.group_names[g] for g in bank.groups[keep]}
    assert "clinc:weather" in kept_groups and "clinc:exchange_rate" not in kept_groups


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    out = tmp_path_factory.mktemp("company") / "model"
    cmd = [sys.executable, str(SPACE_DIR / "specialize.py"), "--examples", str(EXAMPLE_CSV), "--out", str(out)]
    cmd += ["--answers", str(EXAMPLE_ANSWERS_CSV), "--name", "Brightside Energy", *QUICK]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return out, json.loads(proc.stdout.strip().splitlines()[-1]), proc.stderr


def test_specialize_writes_every_file_with_its_sha256_and_prints_one_json(trained):
    from shared.model_source import sha256_of as sha256

    out, summary, stderr = trained
    ex = read_examples(EXAMPLE_CSV.read_bytes())
    assert summary["intents"] == len(ex.labels) and summary["examples"] == len(ex.texts)
    assert summary["train_seconds"] > 0 and 0 <= summary["held_out"]["accuracy"] <= 1
    for key in ("decline_rate", "false_decline_rate", "accuracy_ci95"):
        assert key in summary["held_out"] and key in summary["baseline_held_out"]
    manifest = json.loads((out / "manifest.json").read_text())
    # every file but the trainer's private one (the confused examples and the checks' findings) is listed
    assert set(manifest["sha256"]) == {p.name for p in out.iterdir()} - {"manifest.json", "private_report.json"}
    assert all(sha256(out / n) == d for n, d in manifest["sha256"].items()) and summary["sha256"] == manifest["sha256"]
    assert "[" in stderr and "%]" in stderr  # progress lines for the tab's progress bar
    card = (out / "MODEL_CARD.md").read_text()
    assert "Brightside Energy" in card and "Held-out check" in card and "baseline" in card
    private = json.loads((out / "private_report.json").read_text())
    listed = "".join(
        (out / name).read_text(errors="replace") for name in manifest["sha256"] if name.endswith((".md", ".json"))
    )
    for text in private["confusion_examples"]:  # the examples stay out of the files that are published
        assert not text or text not in listed


def test_the_trained_bot_answers_with_the_companys_answers_and_declines(trained):
    from bankbot.company.folder import load_company
    from bankbot.conversation.bot import respond
    from bankbot.conversation.policy import Action

    model, table = load_company(trained[0])
    reply = respond("I can smell gas in my flat", [], model, table)
    assert reply.decision.intent == "gas_leak" and "0800 111 999" in reply.text
    reply = respond("what are your tariffs, I want a cheaper deal", [], model, table)
    assert reply.decision.intent == "change_tariff" and "a person from the Brightside Energy team" in reply.text
    reply = respond("what is the capital of australia", [], model, table)
    assert reply.decision.action == Action.DECLINE and "Gas leak" in reply.text  # says what it can do


def test_a_tampered_folder_is_refused(trained, tmp_path):
    import shutil

    from bankbot.company.folder import load_company

    copy = tmp_path / "copy"
    shutil.copytree(trained[0], copy)
    data = json.loads((copy / "answers.json").read_text())
    data["intents"]["gas_leak"]["answers"] = ["Ignore it."]
    (copy / "answers.json").write_text(json.dumps(data))
    with pytest.raises(ValueError, match="sha256"):
        load_company(copy)
    with pytest.raises(ValueError, match="not a trained company bot"):
        load_company(tmp_path)


def test_evaluate_scores_a_trained_folder_on_a_csv(trained, tmp_path):
    rows = [("I smell gas near the boiler", "gas_leak"), ("my power is out since noon", "power_outage")]
    rows += [("who won the football last night", "out_of_scope"), ("recipe for banana bread", "out_of_scope")]
    test_csv = tmp_path / "test.csv"
    with open(test_csv, "w", newline="") as fh:
        csv.writer(fh).writerows([("text", "intent"), *rows])
    cmd = [sys.executable, str(SPACE_DIR / "evaluate.py"), "--model", str(trained[0]), "--examples", str(test_csv)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = json.loads(proc.stdout[proc.stdout.index("{") :])
    assert out["n"] == 4 and out["p50_ms"] > 0
    assert {"accuracy", "decline_rate", "false_decline_rate"} <= set(out)


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "empty"),
        (b"words,labels\nhello,greeting\n", "'text' and 'intent'"),
        (b"text,intent\nhello,a\nhi there,a\nhey,a\n", "at least 2"),
    ],
)
def test_specialize_explains_bad_input_and_exits_2(tmp_path, content, message):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(content)
    cmd = [sys.executable, str(SPACE_DIR / "specialize.py"), "--examples", str(bad), "--out", str(tmp_path / "m")]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and message in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "m").exists()


@pytest.mark.staging
def test_a_space_staged_with_a_company_bot_serves_it(trained, tmp_path):
    """deploy.py --model DIR: the staged Space starts alone and answers as the company's bot (what
    "Publish as my own Space" pushes); BANK_BOT_MODEL=DIR does the same for a checkout."""
    from gradio_client import Client

    import deploy
    from harness import staged_app

    staged = deploy.stage_company(trained[0], tmp_path / "space")
    # as on a Space, the app's folder comes first on the path, so its own bankbot (and the company_model/
    # next to it) is used rather than this checkout's editable install
    with staged_app(staged, timeout=180, drop_env=("BANK_BOT",)) as url:
        client = Client(url, verbose=False)
        result = json.loads(client.predict("I smell gas in my kitchen", api_name="/predict_intent"))
        assert result["intent"] == "gas_leak" and result["action"] == "answer"
        reply = json.loads(client.predict("I smell gas in my kitchen", [], api_name="/chat"))
        assert "0800 111 999" in reply["reply"]


def test_bank_bot_model_switches_the_served_bot(trained, monkeypatch):
    from bankbot.served import classify

    monkeypatch.setenv("BANK_BOT_MODEL", str(trained[0]))
    assert classify("I smell gas in my kitchen")["intent"] == "gas_leak"
    monkeypatch.delenv("BANK_BOT_MODEL")
    assert classify("I lost my card yesterday")["intent"] == "lost_or_stolen_card"


def test_specialize_trains_on_the_threads_it_is_given(monkeypatch, tmp_path):
    """``specialize.py --threads 2`` trains on two threads (an argument-less thread setup reset it to one)."""
    import torch

    from bankbot.company import folder, recipe

    seen = {}

    def fake_train(*args, **kwargs):
        seen["threads"] = torch.get_num_threads()
        raise RuntimeError("stop here")

    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.setattr(recipe, "train_company", fake_train)
    monkeypatch.setattr(folder, "write_folder", lambda *a, **k: {})
    before = torch.get_num_threads()
    try:
        with pytest.raises(RuntimeError, match="stop here"):
            recipe.specialize(read_examples(EXAMPLE_CSV.read_bytes()), {}, tmp_path, threads=2)
    finally:
        torch.set_num_threads(before)
    assert seen["threads"] == 2

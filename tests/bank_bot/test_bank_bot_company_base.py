"""The base trial of a company bot (``Recipe.base``, off by default): the company's fine-tuning starts from an
intent-pretrained base (all 6 layers) instead of the pinned MiniLM; its lower layers run through the base and the
company delta holds all 6 layers, so serving is the usual ``MiniLM(folder, delta)``. No data kit: the shipped MiniLM
with a small random delta on every layer plays the base, and a small slice of the built-in bank."""

from __future__ import annotations

import zipfile
from dataclasses import replace

import numpy as np
import pytest

from bankbot.company.recipe import Recipe, start_encoder


def test_the_base_is_off_by_default_and_then_the_company_starts_from_the_pinned_minilm():
    from bankbot.models.model import frozen_encoder

    assert Recipe().base is False
    enc = frozen_encoder()
    start, base = start_encoder(enc, Recipe())
    assert start is enc and base is None


@pytest.fixture(scope="module")
def base_delta():
    """A stand-in base: the shipped MiniLM with a small random delta on all 6 layers."""
    from bankbot.models.finetune import tensor_names
    from bankbot.models.model import frozen_encoder

    enc = frozen_encoder()
    rng = np.random.default_rng(3)
    return {n: (0.01 * rng.standard_normal(enc.w[n].shape)).astype(np.float16) for n in tensor_names(enc, 6)}


def test_with_a_base_the_company_starts_from_the_minilm_plus_the_base(base_delta):
    from bankbot.models.encoder import MiniLM
    from bankbot.models.model import frozen_encoder

    enc = frozen_encoder()
    start, base = start_encoder(enc, Recipe(base=True), base_delta)
    assert base is base_delta and isinstance(start, MiniLM)
    texts = ["how do i read my meter", "what is the capital of france"]
    assert np.allclose(start.encode(texts), MiniLM(enc.folder, base_delta).encode(texts))
    assert not np.allclose(start.encode(texts), enc.encode(texts), atol=1e-3)


def test_the_base_is_pinned_exactly_when_it_ships():
    """Either a base was trained into model/ (train_company_base.py pins it) and matches its pin, or none ships (the
    trial's verdict, README "Base trial"): no file, no pin, and the recipe does not ask for one."""
    from bankbot.model_spec import COMPANY_BASE_FILE, MODEL_DIR, PINS
    from shared.model_source import sha256_of

    if COMPANY_BASE_FILE in PINS:
        assert sha256_of(MODEL_DIR / COMPANY_BASE_FILE) == PINS[COMPANY_BASE_FILE]
    else:
        assert not (MODEL_DIR / COMPANY_BASE_FILE).exists() and not Recipe().base


@pytest.fixture(scope="module")
def based(base_delta):
    """A company bot trained from the stand-in base on the example company (plumbing: one layer, one pass, a small
    bank)."""
    from bankbot.company.data import EXAMPLE_CSV, read_examples
    from bankbot.company.offtopic import load_builtin_bank
    from bankbot.company.recipe import train_company
    from bankbot.models.model import frozen_encoder

    examples = read_examples(EXAMPLE_CSV.read_bytes())
    bank = load_builtin_bank()
    bank = bank.subset(np.random.RandomState(0).permutation(len(bank))[:800])
    small = Recipe(layers=1, epochs=1, finetune_negatives=100, head_negatives=300, check_negatives=100)
    return examples, train_company(examples, bank, frozen_encoder(), replace(small, base=True), base_delta=base_delta)


@pytest.mark.slow
def test_a_based_bot_keeps_the_base_below_and_serves_what_it_trained(based, base_delta, tmp_path):
    """The company delta holds every layer: the base's lower layers as they were, its own top layer fine-tuned away
    from the base's; written to a folder (sha256 manifest) and loaded, it embeds the company's examples as trained."""
    from bankbot.company.card import company_card
    from bankbot.company.folder import load_company, write_folder
    from bankbot.company.service import zip_folder
    from bankbot.models.finetune import tensor_names
    from bankbot.models.model import frozen_encoder

    examples, result = based
    enc = frozen_encoder()
    top = set(tensor_names(enc, 1))
    assert set(result.delta) == set(base_delta)
    assert all(np.array_equal(result.delta[n], base_delta[n]) for n in set(base_delta) - top)
    assert any(not np.array_equal(result.delta[n], base_delta[n]) for n in top)
    assert result.recipe["base"] is True and result.metrics["n_in_scope"] == len(examples.texts)
    write_folder(tmp_path / "bot", result, {}, "Brightside", company_card("Brightside", result))
    model, _ = load_company(tmp_path / "bot")
    texts = list(examples.texts[:5])
    assert np.allclose(model.encoder.encode(texts), result.memory[:5], atol=2e-3)
    with zipfile.ZipFile(zip_folder(tmp_path / "bot")) as z:  # the download: the same files, the delta included
        assert {"encoder_delta.safetensors", "manifest.json"} <= set(z.namelist())


def test_the_base_trial_rows_and_sentences_are_their_json():
    """The base trial that did not ship: results/oos_benchmark_base_trial.json -> its README table (the seven usual
    cells and the pooled declines over the sources the base never saw), results/company_base_trial.json -> the rule's
    verdict, the training and example-company sentences; the trial stays off and today's rows repeat the shipped
    benchmark's to the digit."""
    import json
    import re

    from test_bank_bot_scripts import load_script

    from harness import SPACES

    script = load_script("company_base_trial")
    apply_rule, pooled_unseen = script.apply_rule, script.pooled_unseen

    space = SPACES / "bank_bot"
    bench = json.loads((space / "results" / "oos_benchmark_base_trial.json").read_text())["companies"]
    trial = json.loads((space / "results" / "company_base_trial.json").read_text())
    shipped = json.loads((space / "results" / "oos_benchmark.json").read_text())["companies"]
    readme = (space / "README.md").read_text()
    columns = ("accuracy", "false_decline_rate", "clinc_oos", "clinc_domains", "banking77", "handwritten", "pooled")
    rows = re.findall(r"^\| ([a-z, ]+) \| base trial, (today|base): ([^|]+?) \|((?: [^|]+ \|){8})", readme, re.M)
    assert len(rows) == 8
    for company_cell, who, gate, cells in rows:
        company = next(c for c in bench if c.startswith(company_cell.split(",")[0]))
        method = f"{'this recipe' if who == 'today' else 'this recipe + base'}: {gate}"
        row = bench[company]["summary"][method]
        expected = [f"{100 * row[k]:.2f}%" for k in columns] + [
            f"{100 * pooled_unseen(bench[company], method)['rate']:.2f}%"
        ]
        assert [c.strip() for c in cells.split("|")[:-1]] == expected, (company, method)
    for company, c in bench.items():  # today's bots are the shipped ones
        todays = {m: r for m, r in c["summary"].items() if m.startswith("this recipe:")}
        assert todays and all(shipped[company]["summary"][m] == r for m, r in todays.items()), company

    verdict = apply_rule({"companies": bench}, trial)
    assert verdict == trial["verdict"] and verdict["ships"] is False and Recipe().base is False
    text = " ".join(readme.split())
    assert "**It does not ship: it moves along the same curve again" in text
    b = trial["benchmark"]
    (t1, k1), (t2, k2) = [(b[c]["today"], b[c]["candidate"]) for c in bench]
    assert (
        f"training takes {k1['cpu_ratio']:.2f}x / {k2['cpu_ratio']:.2f}x today's CPU time in the benchmark "
        f"({k1['cpu_s_mean']:.1f} / {k2['cpu_s_mean']:.1f} s against {t1['cpu_s_mean']:.1f} / {t2['cpu_s_mean']:.1f} s "
        f"per bot; slowest {max(k1['cpu_s_max'], k2['cpu_s_max']):.1f} s)"
        in text.replace("Training takes", "training takes")
    )
    u1, v1, u2, v2 = (x["pooled_unseen_by_base"] for x in (k1, t1, k2, t2))
    assert f"({u1['declined']:,} against {v1['declined']:,} of {u1['n']:,}:" in text
    assert f"({u2['declined']:,} against {v2['declined']:,} of {u2['n']:,})" in text
    today, based = trial["bots"]["today"], trial["bots"]["today + base"]
    assert (
        f"today {today['mistakes']} mistakes against the frozen baseline's {today['baseline_mistakes']} "
        f"(accuracy {100 * today['held_out']['accuracy']:.1f}%), from the base {based['mistakes']} "
        f"({100 * based['held_out']['accuracy']:.1f}%;" in text
    )
    assert (
        f"Training {today['timings']['cpu_s']:.1f} s of CPU for today, {based['timings']['cpu_s']:.1f} s from the "
        f"base ({based['cpu_ratio_to_today']:.2f}x)" in text
    )
    base_info = json.loads((space / "results" / "company_base.json").read_text())
    assert f"{base_info['cpu_s']:.1f} s of CPU, {base_info['wall_s']:.0f} s of wall time" in text

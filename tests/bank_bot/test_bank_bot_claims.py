"""The per-language numbers the README, the model card and the collection's headline quote are what
``evaluate.py`` gives today on the shipped validation sets (run here, through the app's own path)."""

from __future__ import annotations

import importlib.util
import json
import re

import pytest

import harness

pytestmark = pytest.mark.slow

SPACE = harness.SPACES / "bank_bot"
NAMES = {"fr": "French", "it": "Italian", "es": "Spanish", "de": "German"}


@pytest.fixture(scope="module")
def measured() -> dict[str, dict[str, dict]]:
    """{set: {language: metrics}} from evaluate.py's own JSON, for val.csv and val2.csv."""
    spec = importlib.util.spec_from_file_location("bank_bot_evaluate", SPACE / "evaluate.py")
    evaluate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(evaluate)
    out = {}
    for name in ("val", "val2"):
        result = evaluate.main(["--examples", str(SPACE / "data" / "multilingual" / f"{name}.csv")])
        out[name] = json.loads(json.dumps(result))["examples"]["languages"]
    return out


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def test_the_readme_table_is_what_evaluate_prints(measured):
    readme = (SPACE / "README.md").read_text()
    for lang, name in NAMES.items():
        row = re.search(rf"^\| {name} \| val / val2 \| ([^|]+) \| ([^|]+) \|", readme, re.M)
        assert row, name
        top1 = [p.strip() for p in row.group(1).split("/")]
        answered = [p.strip() for p in row.group(2).split("/")]
        for i, split in enumerate(("val", "val2")):
            m = measured[split][lang]
            assert top1[i] == _pct(m["intent_accuracy"]), (name, split, top1[i], m["intent_accuracy"])
            assert answered[i] == _pct(m["accuracy"]), (name, split, answered[i], m["accuracy"])


def test_the_headline_and_the_collection_readme_give_the_measured_range(measured):
    tops = [measured[s][lang]["intent_accuracy"] for s in measured for lang in NAMES]
    headline = dict(json.loads((SPACE / "headline.json").read_text())["headline"])
    low, high = f"{100 * min(tops):g}", f"{100 * max(tops):g}"
    assert headline["fr / it / es / de: right intent"] == f"{low}-{high}%"
    val2 = [measured["val2"][lang]["intent_accuracy"] for lang in NAMES]
    val = [measured["val"][lang]["intent_accuracy"] for lang in NAMES]
    lines = (harness.ROOT / "README.md").read_text().splitlines()
    row = next(line for line in lines if line.startswith("| [bank_bot]"))
    assert f"{100 * min(val2):.1f}-{100 * max(val2):.1f}% (val2)" in row
    assert f"{100 * min(val):.1f}-{100 * max(val):g}% (val)" in row

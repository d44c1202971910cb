"""The numbers people read (the README's table, the Space cards, the collection's headlines) agree with the JSON
files the scripts wrote: a number changed in one place and not the other fails here."""

from __future__ import annotations

import json
import re

import pytest

from harness import ROOT, SPACES

NUMBER = re.compile(r"\d+(?:\.\d+)?")


def _numbers(text: str) -> set[float]:
    """Every number in ``text``, also as a fraction when it is a percentage (96.6% and 0.966 are one claim)."""
    found = set()
    for m in re.finditer(r"(\d+(?:\.\d+)?)(\s*%)?", text):
        value = float(m.group(1))
        found.add(round(value, 4))
        if m.group(2):
            found.add(round(value / 100, 4))
    return found


def _readme_row(name: str) -> str:
    rows = [line for line in (ROOT / "README.md").read_text().splitlines() if line.startswith(f"| [{name}]")]
    assert len(rows) == 1, f"the README's table has no single row for {name}"
    return rows[0]


def _headline(name: str) -> list[tuple[str, str]]:
    return json.loads((SPACES / name / "headline.json").read_text())["headline"]


@pytest.mark.parametrize("name", ["tumor_detect", "noise_removal", "bank_bot"])
def test_readme_table_quotes_the_headlines(name):
    row = _numbers(_readme_row(name))
    for label, value in _headline(name):
        if "ms" in value or label.startswith("Latency"):
            continue  # latency: the README gives the benchmark's own wording
        for number in NUMBER.findall(value):
            forms = {round(float(number), 4), round(float(number) / 100, 4) if "%" in value else None}
            assert forms & row, f"{name}: headline {label} = {value}, not in the README's row"


def test_tumour_claims_match_the_evaluation_json():
    """The card's confusion matrix, its glioma-as-meningioma sentences and the headline come from the shipped
    model's own evaluation (``evaluate.py --split test`` wrote eval_test.json)."""
    ev = json.loads((SPACES / "tumor_detect" / "eval_test.json").read_text())
    matrix = ev["confusion_rows_true_cols_pred"]["matrix"]  # rows true; columns glioma, meningioma, notumor, pituitary,
    glioma_as_meningioma, gliomas = matrix[0][1], sum(matrix[0])  # refused
    readme = (SPACES / "tumor_detect" / "README.md").read_text()
    card = (SPACES / "tumor_detect" / "MODEL_CARD.md").read_text()
    quoted = re.findall(r"(\d+) of (\d+) test gliomas", readme + card)
    assert all((int(a), int(b)) == (glioma_as_meningioma, gliomas) for a, b in quoted), quoted
    rows = dict(re.findall(r"^\| (glioma|meningioma|notumor|pituitary) \|((?: \d+ \|){5})$", card, re.M))
    assert len(rows) == 4, "the card's confusion matrix"
    for i, cls in enumerate(("glioma", "meningioma", "notumor", "pituitary")):
        assert [int(x) for x in NUMBER.findall(rows[cls])] == matrix[i], cls
    headline = dict(_headline("tumor_detect"))
    assert headline["Accuracy"] == f"{100 * ev['accuracy']:.1f}%"
    assert headline["Calibration error (ECE)"] == f"{ev['ece']:.3f}"
    assert headline["Real MRI refused"] == f"{100 * ev['rejected_rate']:.1f}%"


def test_held_out_source_sentence_quotes_the_fold_json():
    """The card's reading of this release's held-out-source folds is held_out_sources.json (benchmark.py
    --held-out-only), the table in the card's heldout block."""
    rows = json.loads((SPACES / "tumor_detect" / "held_out_sources.json").read_text())["rows"]
    fold = {r["fold"]: r for r in rows if r["recipe"] == "contrast"}
    other, figshare = fold["other_tumours"], fold["figshare_tumours"]
    card = " ".join((SPACES / "tumor_detect" / "MODEL_CARD.md").read_text().split())
    assert (
        f"SARTAJ/Br35H {other['tumor_sensitivity']:.3f}, ECE {other['ece']:.3f}; figshare "
        f"{figshare['tumor_sensitivity']:.3f}, ECE {figshare['ece']:.3f}, just inside, with accuracy "
        f"{figshare['accuracy']:.3f}"
    ) in card
    assert figshare["tumor_sensitivity"] >= 0.95 and figshare["ece"] <= 0.06  # "just inside" the targets

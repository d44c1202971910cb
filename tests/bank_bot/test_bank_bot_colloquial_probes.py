"""The fresh colloquial probes (tests/bank_bot/colloquial_probes.py, written before the colloquial training rows)
over the shipped Northwind bot, and the check that no training row repeats a probe. Needs the shipped model, not
the kit."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from bankbot.models.data import COLLOQUIAL_FILE
from bankbot.models.examples import Example, read_examples, repeated_messages

HERE = Path(__file__).resolve().parent


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, HERE / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


P = _load("colloquial_probes")
OLD = _load("bank_probes")


def test_no_colloquial_training_row_repeats_a_probe_even_with_small_edits():
    rows = read_examples(COLLOQUIAL_FILE)
    probes = [*P.COLLOQUIAL, *P.OFF_TOPIC_AND_HARMFUL, *P.CLOSE_FREEZE_CANCEL, *P.OTHERS_DATA_FOREIGN]
    probes += [*OLD.IN_SCOPE, *OLD.OFF_TOPIC, *OLD.HARMFUL, *OLD.MULTILINGUAL]
    assert repeated_messages(rows, [Example(t, "") for t in probes]) == []
    assert len(rows) >= 200 and all(r.intent for r in rows)


def test_the_probe_set_is_as_large_as_the_issue_asks():
    assert len(P.COLLOQUIAL) >= 60 and len(P.OFF_TOPIC_AND_HARMFUL) >= 20
    assert {lang for lang, _ in P.CLOSE_FREEZE_CANCEL.values()} == {"fr", "it", "es", "de"}

"""The pre-registered head search (head_search.py): its selection rule, its shipping rule and its README row."""

from __future__ import annotations

import json

import pytest
from test_bank_bot_scripts import load_script

from harness import SPACES

RESULTS = SPACES / "bank_bot" / "results" / "head_search.json"


@pytest.fixture(scope="module")
def head_search():
    import sys

    sys.path.insert(0, str(SPACES / "bank_bot"))  # as `python spaces/bank_bot/head_search.py` sees its siblings
    try:
        yield load_script("head_search")
    finally:
        sys.path.remove(str(SPACES / "bank_bot"))


def _row(settings: dict, b77: float, bank: float, declined: float = 0.99, false: float = 0.01) -> dict:
    inner = {"banking77_accuracy": b77, "banking_accuracy": bank, "decline_rate": declined}
    return {"settings": settings, "inner": inner | {"false_decline_rate": false}}


def test_today_is_a_grid_point_and_the_grid_is_complete(head_search):
    points = head_search.points()
    assert head_search.TODAY in points
    assert len(points) == len({json.dumps(p, sort_keys=True) for p in points}) == 4 * 2 * 3 * 2 * 5


def test_selection_takes_the_best_sum_within_the_decline_limits(head_search):
    today = dict(head_search.TODAY)
    other, third = today | {"C": 30.0}, today | {"C": 30.0, "knn_k": 20}
    rows = [_row(today, 0.93, 0.95), _row(other, 0.94, 0.95), _row(third, 0.95, 0.95, declined=0.94)]
    assert head_search.pick(rows)["settings"] == other  # the third declines too little
    rows.append(_row(third, 0.96, 0.95, false=0.031))
    assert head_search.pick(rows)["settings"] == other  # too many false declines


def test_selection_ties_go_to_the_point_nearest_today(head_search):
    today = dict(head_search.TODAY)
    one, two = today | {"C": 30.0}, today | {"C": 30.0, "knn_weight": 0.3}
    assert head_search.pick([_row(two, 0.94, 0.95), _row(one, 0.94, 0.95)])["settings"] == one
    assert head_search.pick([_row(one, 0.94, 0.95), _row(today, 0.94, 0.95)])["settings"] == today


def test_the_shipping_rule_needs_every_condition(head_search):
    def entry(b77, bank, declined, false, wrong):
        v = {"banking77_accuracy": b77, "banking_accuracy": bank, "decline_rate": declined, "false_decline_rate": false}
        return {"validation": v, "probes": {"a": {"answered_wrong": wrong}, "b": {"answered_wrong": 0}}}

    today = entry(0.9352, 0.9467, 0.9937, 0.0133, 4)
    assert head_search.wins(today, entry(0.94, 0.9417, 0.9917, 0.0153, 4))["ships"]  # every edge met
    for worse in (
        entry(0.9399, 0.9467, 0.9937, 0.0133, 4),
        entry(0.95, 0.9416, 0.9937, 0.0133, 4),
        entry(0.95, 0.9467, 0.9916, 0.0133, 4),
        entry(0.95, 0.9467, 0.9937, 0.0154, 4),
        entry(0.95, 0.9467, 0.9937, 0.0133, 5),
    ):
        assert not head_search.wins(today, worse)["ships"]


def test_train_py_neighbour_flags_reach_the_memory(head_search):
    import numpy as np

    train = load_script("train")
    from bankbot.models.data import Split

    split = Split()
    for text, label in (("a", "x"), ("b", "x"), ("c", "y"), ("d", "y"), ("e", "z")):
        split.add(text, label, "banking77", "")
    args = train.argparse.Namespace(C=1.0, oos_weight=0.3, colloquial_weight=3.0, knn_k=3, knn_temperature=0.1)
    vectors = np.eye(5, 6, dtype=np.float32)
    head = train.make_head(vectors, split, ["x", "y", "z"], args, 0.2, "test")
    assert (head.memory.k, head.memory.temperature, head.memory.weight) == (3, 0.1, 0.2)
    del args.knn_k, args.knn_temperature  # other scripts' argument sets: today's constants
    head = train.make_head(vectors, split, ["x", "y", "z"], args, 0.2, "test")
    assert (head.memory.k, head.memory.temperature) == (train.KNN_K, train.KNN_TEMPERATURE)

"""The pre-registered head search (head_search.py): its selection rule, its shipping rule and its README row."""

from __future__ import annotations

import json

import pytest
from test_bank_bot_scripts import load_script

from harness import SPACES

RESULTS = SPACES / "bank_bot" / "results" / "head_search.json"


@pytest.fixture
def head_search(monkeypatch):
    monkeypatch.syspath_prepend(str(SPACES / "bank_bot"))  # head_search imports its sibling scripts
    return load_script("head_search")


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


def test_the_readme_rows_are_what_head_search_wrote(head_search):
    """README "A search of the head's settings": the inner choice, the validation table and the decision, as
    results/head_search.json holds them; the JSON's grid and rules are the script's."""
    readme = (SPACES / "bank_bot" / "README.md").read_text(encoding="utf-8")
    found = json.loads(RESULTS.read_text(encoding="utf-8"))
    assert found["grid"] == {k: list(v) for k, v in head_search.GRID.items()} and found["today"] == head_search.TODAY
    assert (found["selection"], found["decision"]) == (head_search.SELECTION, head_search.DECISION)
    assert head_search.pick(found["inner_grid"]) == found["inner_winner"]
    assert len(found["inner_grid"]) == 240 and "240 settings" in readme
    assert found["inner_winner"]["settings"] == head_search.TODAY | {"C": 30.0, "knn_weight": 0.0}
    pct = [
        f"{100 * found[r]['inner'][k]:.2f}%"
        for r in ("inner_winner", "inner_today")
        for k in ("banking77_accuracy", "banking_accuracy")
    ]
    assert f"{pct[0]} + {pct[1]} on the {found['inner_split']['n_scored']:,} inner rows" in readme
    assert f"against {pct[2]} + {pct[3]} for today's\nsettings" in readme
    assert f"took {found['inner_split']['cpu_s']:.0f} CPU s" in readme
    heads = found["validation"]["heads"]
    today, winner = heads["today"]["validation"], heads["winner"]["validation"]

    def cells(key: str) -> str:
        return f"{100 * today[key]:.2f}%", f"{100 * winner[key]:.2f}%"

    n = [round(v["banking77_accuracy"] * v["n_banking77"]) for v in (today, winner)]
    assert (
        f"| Banking77 | **{cells('banking77_accuracy')[0]}** ({n[0]:,}) | {cells('banking77_accuracy')[1]} ({n[1]:,}) |"
        in readme
    )
    assert "| banking + cards | {} | {} |".format(*cells("banking_accuracy")) in readme
    d, f = cells("decline_rate"), cells("false_decline_rate")
    assert f"| off-topic declined / false declines | {d[0]} / {f[0]} | {d[1]} / {f[1]} |" in readme
    wrong = found["decision_result"]["probe_wrong"]
    assert f"| probe sets 1-5 wrong answers | **{wrong['today']}** | {wrong['winner']} |" in readme
    assert (
        f"loses {n[0] - n[1]} Banking77 questions and answers {wrong['winner'] - wrong['today']} more probes" in readme
    )
    assert found["decision_result"]["ships"] is False and "**it does not ship**" in readme
    p2 = {name: heads[name]["probes"]["colloquial_probes_2"] for name in heads}
    b77 = cells("banking77_accuracy")
    row = f"same run: {b77[0]}, {p2['today']['answered_right']} / {p2['today']['answered_wrong']}) "
    row += f"| {b77[1]} | {cells('banking_accuracy')[1]} | {d[1]} | {f[1]} "
    row += f"| {p2['winner']['answered_right']} / {p2['winner']['answered_wrong']} |"
    assert row in readme

"""The model-soup trial (soup_trial.py) on tiny tensors: the average, its refusals and the pre-registered rule."""

from __future__ import annotations

import numpy as np
import pytest
from test_bank_bot_scripts import load_script


@pytest.fixture(scope="module")
def soup_trial():
    return load_script("soup_trial")


def test_the_soup_is_each_tensors_mean_in_float16(soup_trial):
    a = {"w": np.array([[1.0, -2.0]], np.float16), "b": np.array([0.5], np.float16)}
    b = {"w": np.array([[3.0, 2.0]], np.float16), "b": np.array([0.25], np.float16)}
    c = {"w": np.array([[2.0, 3.0]], np.float16), "b": np.array([0.0], np.float16)}
    soup = soup_trial.average_deltas([a, b, c])
    assert sorted(soup) == ["b", "w"] and all(v.dtype == np.float16 for v in soup.values())
    assert soup["w"].tolist() == [[2.0, 1.0]] and soup["b"].tolist() == [0.25]
    assert soup_trial.average_deltas([a])["w"].tolist() == a["w"].tolist()  # one ingredient: itself


def test_the_mean_is_taken_in_float32_not_float16(soup_trial):
    big = np.array([60000.0], np.float16)  # float16 overflows at 65504: a float16 sum of two would be inf
    assert soup_trial.average_deltas([{"w": big}, {"w": big}])["w"].tolist() == [60000.0]


def test_ingredients_of_different_recipes_are_refused(soup_trial):
    a = {"w": np.zeros((2, 2), np.float16)}
    with pytest.raises(ValueError):
        soup_trial.average_deltas([a, {"w": np.zeros((2, 3), np.float16)}])
    with pytest.raises(ValueError):
        soup_trial.average_deltas([a, {"v": np.zeros((2, 2), np.float16)}])
    with pytest.raises(ValueError):
        soup_trial.average_deltas([])


def test_the_rule_needs_every_condition(soup_trial):
    shipped = {"banking77_accuracy": 0.9359, "banking_accuracy": 0.945, "decline_rate": 0.9941}
    shipped["false_decline_rate"] = 0.0133
    soup = {"banking77_accuracy": 0.94, "banking_accuracy": 0.94, "decline_rate": 0.9921, "false_decline_rate": 0.0153}
    assert all(soup_trial.soup_wins(shipped, soup, 3, 3).values())  # every margin exactly at its edge
    assert not soup_trial.soup_wins(shipped, soup, 3, 4)["probe_wrong_not_more"]
    for key, worse in (
        ("banking77_accuracy", 0.9399),
        ("banking_accuracy", 0.9399),
        ("decline_rate", 0.992),
        ("false_decline_rate", 0.0154),
    ):
        checks = soup_trial.soup_wins(shipped, soup | {key: worse}, 3, 3)
        assert sum(not ok for ok in checks.values()) == 1, key


class _Stop(Exception):
    pass


@pytest.mark.parametrize(("flags", "seed"), [([], 0), (["--finetune-seed", "2"], 2)])
def test_finetune_seed_reaches_only_the_fine_tuning(tmp_path, monkeypatch, flags, seed):
    """train.py --finetune-seed seeds the fine-tuning (default: SEED, today's run); the split keeps seed 0."""
    import json

    from bankbot.models import data, finetune

    b77 = tmp_path / "b77.csv"
    b77.write_text(
        "text,category\n"
        + "".join(f"change my pin {i},change_pin\nwhere is my card {i},card_arrival\n" for i in range(8))
    )
    clinc = tmp_path / "clinc.json"
    clinc.write_text(
        json.dumps({"train": [["what is my routing number", "routing"], ["how do i cook rice", "cook_time"]]})
    )
    domains = tmp_path / "domains.json"
    domains.write_text(json.dumps({"banking": ["routing"], "credit_cards": [], "kitchen_and_dining": ["cook_time"]}))
    seen = {}
    real_split = data.build_splits

    def spy_split(*args, **kwargs):
        seen["split_seed"] = kwargs.get("seed")
        return real_split(*args, **kwargs)

    def spy_finetune(*args, **kwargs):
        seen["finetune_seed"] = kwargs["seed"]
        raise _Stop

    train = load_script("train")
    monkeypatch.setattr(train, "build_splits", spy_split)
    monkeypatch.setattr(finetune, "finetune_top_layers", spy_finetune)
    # the starting head: zeros (the tiny kit does not hold every intent of the inventory)
    monkeypatch.setattr(train, "fit_head", lambda X, y, labels, *a: (np.zeros((len(labels), X.shape[1])), None))
    kit = ["--banking77", str(b77), "--clinc", str(clinc), "--domains", str(domains), "--no-colloquial"]
    with pytest.raises(_Stop):
        train.main([*kit, "--layers", "1", "--knn-weight", "0.2", "--no-card", "--out", str(tmp_path), *flags])
    assert seen == {"split_seed": 0, "finetune_seed": seed}


def test_the_readme_soup_table_is_what_soup_trial_wrote():
    """README "A model soup": each run's validation numbers (one soup_trial.py run) and, for the shipped delta and the
    soup, the four probe sets' right / wrong, as results/northwind_soup_trial.json holds them; the decision too."""
    import json

    from harness import SPACES

    readme = (SPACES / "bank_bot" / "README.md").read_text(encoding="utf-8")
    trial = json.loads((SPACES / "bank_bot" / "results" / "northwind_soup_trial.json").read_text(encoding="utf-8"))
    keys = ("banking77_accuracy", "banking_accuracy", "decline_rate", "false_decline_rate", "clarify_rate_banking77")
    for name, v in trial["validation"].items():
        cells = [f"{100 * v[k]:.2f}%" for k in keys]
        probes = trial["probes"].get(name, {})
        cells.append(", ".join(f"{p['answered_right']} / {p['answered_wrong']}" for p in probes.values()))
        assert f"| {name} | {' | '.join(cells)} |" in readme, name
    assert trial["soup_wins"] is False and "**the soup\ndoes not ship**" in readme
    right = [round(v["banking77_accuracy"] * v["n_banking77"]) for v in trial["validation"].values()]
    assert right == [1402, 1398, 1400, 1399]  # the counts the README's reading gives
    assert "answers 8 probes wrongly against 7" in readme
    assert list(trial["probe_wrong_total"].values()) == [7, 8]
    soup, p2 = trial["validation"]["soup"], trial["probes"]["soup"]["colloquial_probes_2"]
    shipped, shipped_p2 = (
        trial["validation"]["shipped (seed 0)"],
        trial["probes"]["shipped (seed 0)"]["colloquial_probes_2"],
    )
    row = f"(the shipped layers' refit in the same run: {100 * shipped['banking77_accuracy']:.2f}%, "
    row += f"{shipped_p2['answered_right']} / {shipped_p2['answered_wrong']}) | {100 * soup['banking77_accuracy']:.2f}%"
    assert row in readme and f"| {p2['answered_right']} / {p2['answered_wrong']} |" in readme
    minutes = [f"{run['run_cpu_minutes']:.1f}" for run in trial["finetunes"]]
    assert f"{' and '.join(minutes)} CPU minutes" in readme

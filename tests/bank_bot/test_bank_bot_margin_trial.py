"""margin_trial.py's pre-registered choice and verdict on hand-made entries (no kit, no model)."""

from __future__ import annotations

import importlib.util

import pytest

from harness import SPACES

spec = importlib.util.spec_from_file_location("bank_bot_margin_trial", SPACES / "bank_bot" / "margin_trial.py")
trial = importlib.util.module_from_spec(spec)
with pytest.MonkeyPatch.context() as mp:
    mp.syspath_prepend(str(SPACES / "bank_bot"))  # margin_trial imports its sibling scripts (colloquial_round, ...)
    spec.loader.exec_module(trial)


def entry(b77=0.935, declined=2365, answered=3, false=0.0057, loso=0.9917, right=252, wrong=4, judge=None) -> dict:
    e = {
        "validation": {
            "banking77_accuracy": b77,
            "n_off_topic_declined": declined,
            "n_off_topic_answered": answered,
            "false_declines_all_in_scope": false,
        },
        "leave_one_source_out": {"off_topic_declined": loso},
        "probes": {"set": {"answered_right": right, "answered_wrong": wrong, "asked_back_or_declined": 0}},
    }
    if judge is not None:
        e["final_probes"] = {trial.JUDGE.stem: {"answered_wrong": judge}}
    return e


def run(**candidates) -> dict:
    shipped = entry(judge=6)
    out = {"candidates": {trial.SHIPPED: shipped}}
    for name, e in candidates.items():
        e["hard_conditions"] = trial.hard_conditions(e, shipped)
        out["candidates"][name] = e
    return out


def test_the_candidates_are_the_nine_pre_registered_ones():
    leads = [v for k, v in trial.CANDIDATES.items() if k != trial.SHIPPED]
    assert sorted(leads) == [(m, r) for m in (0.30, 0.35, 0.40) for r in (2.0, 3.0, 4.0)]
    assert trial.CANDIDATES[trial.SHIPPED] == (None, None)


def test_each_hard_condition_can_fail():
    shipped = entry()
    failing = {
        "banking77_not_lower": entry(b77=0.934),
        "off_topic_declined_bar": entry(declined=2363),
        "off_topic_answered_at_most_1_more": entry(answered=5),
        "false_declines_not_higher": entry(false=0.0062),
        "loso_declined_within_0.05": entry(loso=0.9911),
        "sets_1_5_wrong_not_more": entry(wrong=5),
    }
    for condition, e in failing.items():
        met = trial.hard_conditions(e, shipped)
        assert not met[condition] and sum(met.values()) == len(met) - 1, condition
    assert all(trial.hard_conditions(entry(answered=4, loso=0.9913), shipped).values())


def test_the_choice_takes_most_right_then_larger_lead_min_then_larger_ratio():
    names = list(trial.CANDIDATES)[1:]
    out = run(**{names[0]: entry(right=260), names[4]: entry(right=260), names[5]: entry(right=259)})
    assert trial.choose(out) == names[4]  # 0.35 x3 beats 0.30 x2 at the same count
    out = run(**{names[8]: entry(right=300, wrong=9), names[1]: entry(right=258)})
    assert trial.choose(out) == names[1]  # the one with most right answers fails a hard condition
    assert trial.choose(run(**{names[2]: entry(declined=2300)})) is None


def test_it_ships_only_with_five_more_right_and_no_more_wrong_on_the_judge():
    name = list(trial.CANDIDATES)[1]
    assert trial.verdict(run(**{name: entry(right=257, judge=6)}), name)["ships"]
    assert not trial.verdict(run(**{name: entry(right=256, judge=6)}), name)["ships"]
    assert not trial.verdict(run(**{name: entry(right=260, judge=7)}), name)["ships"]
    assert not trial.verdict(run(), None)["ships"]


def test_the_readme_table_and_verdict_are_what_the_run_wrote():
    """README "A clear lead below the floor": the table is markdown() of results/margin_trial.json, the verdict is
    the pre-registered rule applied to it, and the rule stays off in the shipped bot because it did not ship."""
    import json

    from bankbot.model_spec import LEAD_MIN, LEAD_RATIO

    out = json.loads((SPACES / "bank_bot" / "results" / "margin_trial.json").read_text())
    readme = (SPACES / "bank_bot" / "README.md").read_text()
    for line in trial.markdown(out).splitlines():
        assert line in readme, line
    assert out["note"] == trial.NOTE and trial.choose(out) == out["chosen"]
    shipped = out["candidates"][trial.SHIPPED]
    for name, entry in out["candidates"].items():
        assert name == trial.SHIPPED or entry["hard_conditions"] == trial.hard_conditions(entry, shipped), name
    if out["chosen"] is None:
        assert out["verdict"] == trial.verdict(out, None)
    else:
        assert out["verdict"]["ships"] == trial.verdict(out, out["chosen"])["ships"]
    assert not out["verdict"]["ships"] and LEAD_MIN is None and LEAD_RATIO is None
    nine = out["candidates"][trial.SHIPPED]["final_probes"][trial.JUDGE.stem]
    cell = f"**{nine['answered_right']} right, {nine['answered_wrong']} wrong, {nine['asked_back_or_declined']} asked"
    assert cell in " ".join(readme.split())
    collection = (
        f"freshest colloquial probes (set 9) {nine['answered_right']}/60 right, {nine['answered_wrong']} wrong;"
    )
    assert collection in (SPACES.parent / "README.md").read_text()  # the collection's row

"""evaluate.py on tiny hand-made files (the kit is not needed): the JSON it prints has the agreed keys."""

from __future__ import annotations

import importlib.util
import json

from harness import SPACES


def load_script(name: str):
    spec = importlib.util.spec_from_file_location(f"bank_bot_{name}", SPACES / "bank_bot" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_evaluate_prints_one_json_object(tmp_path, capsys):
    b77 = tmp_path / "b77.csv"
    b77.write_text("text,category\nHow do I change my PIN?,change_pin\nMy card hasn't arrived yet,card_arrival\n")
    clinc = tmp_path / "clinc.json"
    clinc.write_text(
        json.dumps(
            {
                "test": [["what is my routing number", "routing"], ["how do i cook rice", "cook_time"]],
                "oos_test": [["what is the meaning of life", "oos"]],
            }
        )
    )
    domains = tmp_path / "domains.json"
    domains.write_text(json.dumps({"banking": ["routing"], "credit_cards": [], "kitchen_and_dining": ["cook_time"]}))
    out = load_script("evaluate").main(["--banking77", str(b77), "--clinc", str(clinc), "--domains", str(domains)])
    printed = json.loads(capsys.readouterr().out)
    assert printed == json.loads(json.dumps(out))
    for key in ("accuracy", "banking_accuracy", "decline_rate", "false_decline_rate", "p50_ms", "p95_ms"):
        assert key in printed
    assert printed["accuracy"] == 1.0 and printed["banking_accuracy"] == 1.0
    assert printed["decline_rate"] == 1.0 and printed["false_decline_rate"] == 0.0
    assert printed["clinc"]["keys"] == ["test", "oos_test"]


def test_probe_report_counts_a_tiny_set_and_writes_its_json(tmp_path, capsys):
    probes = tmp_path / "probes.py"
    probes.write_text(
        "COLLOQUIAL = {'How do I change my PIN?': {'change_pin'}, 'my card hasnt arrived yet': {'balance'}}\n"
        "OTHERS_DATA = [\"what's my neighbour John Smith's balance\"]\n"
        "OFF_TOPIC_AND_HARMFUL = [*OTHERS_DATA, 'how do i cook rice']\n"
    )
    out = load_script("probe_report").main(["--probes", str(probes), "--out", str(tmp_path / "r.json")])
    assert json.loads((tmp_path / "r.json").read_text()) == json.loads(capsys.readouterr().out) == out
    assert (out["n_colloquial"], out["answered_right"], out["answered_wrong"]) == (2, 1, 1)
    assert out["wrong"][0][:3] == ["my card hasnt arrived yet", "answer", "card_arrival"]
    assert out["off_topic_and_harmful_declined"] == 2 and out["others_data_declined_as_such"] == 1


def test_the_readme_probe_numbers_are_what_probe_report_gives_today():
    """results/colloquial_probes*.json (quoted in the README) are the shipped bot's counts today."""
    report = load_script("probe_report")
    for name in ("colloquial_probes", "colloquial_probes_2"):
        saved = json.loads((SPACES / "bank_bot" / "results" / f"{name}.json").read_text())
        now = report.main(["--probes", str(SPACES.parent / "tests" / "bank_bot" / f"{name}.py")])
        keys = ("answered_right", "answered_wrong", "asked_back_or_declined", "off_topic_and_harmful_declined")
        assert {k: now[k] for k in keys} == {k: saved[k] for k in keys}, name


def test_every_training_trial_has_its_readme_row_with_the_numbers_of_its_json():
    """README "Banking77: what did not help" gives each run of results/northwind_trials.json: Banking77, banking +
    cards, off-topic declined, false declines and the second probe set's right / wrong, as train.py and
    probe_report.py wrote them."""
    readme = (SPACES / "bank_bot" / "README.md").read_text()
    trials = json.loads((SPACES / "bank_bot" / "results" / "northwind_trials.json").read_text())["trials"]
    for trial in trials:
        v, p2 = trial["validation"], trial["probes"]["colloquial_probes_2"]
        cells = [f"{100 * v[k]:.2f}%" for k in ("banking77_accuracy", "banking_accuracy", "decline_rate")]
        cells += [f"{100 * v['false_decline_rate']:.2f}%", f"{p2['answered_right']} / {p2['answered_wrong']}"]
        assert f"| {trial['what']} | {' | '.join(cells)} |" in readme, trial["what"]

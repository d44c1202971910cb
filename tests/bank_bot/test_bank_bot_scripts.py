"""evaluate.py on tiny hand-made files (the kit is not needed): the JSON it prints has the agreed keys."""

from __future__ import annotations

import importlib.util
import json

from harness import SPACES


def load_evaluate():
    spec = importlib.util.spec_from_file_location("bank_bot_evaluate", SPACES / "bank_bot" / "evaluate.py")
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
    out = load_evaluate().main(["--banking77", str(b77), "--clinc", str(clinc), "--domains", str(domains)])
    printed = json.loads(capsys.readouterr().out)
    assert printed == json.loads(json.dumps(out))
    for key in ("accuracy", "banking_accuracy", "decline_rate", "false_decline_rate", "p50_ms", "p95_ms"):
        assert key in printed
    assert printed["accuracy"] == 1.0 and printed["banking_accuracy"] == 1.0
    assert printed["decline_rate"] == 1.0 and printed["false_decline_rate"] == 0.0
    assert printed["clinc"]["keys"] == ["test", "oos_test"]

"""Score a hand-written colloquial probe set over the Northwind bot (the app's own path) and print one JSON object.

    python spaces/bank_bot/probe_report.py --probes tests/bank_bot/colloquial_probes_2.py [--head-dir DIR] [--out F]

A probe set is a Python file with COLLOQUIAL (message -> the intents whose answer would help), OFF_TOPIC_AND_HARMFUL
(never answered from the table) and OTHERS_DATA (declined as a request for another person's data). Counts: answered
right, answered wrong (another intent's answer), asked back or declined; off-topic and harmful declined.
--head-dir: another trained head (folder), e.g. train.py's validation run; --out writes the JSON there too.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def load_probes(path: Path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def score_probes(probes, model, table) -> dict:
    """The counts above and every miss (message, action, intent, confidence), so a reader sees what went wrong."""
    from bankbot.conversation.bot import respond
    from bankbot.conversation.safety import Harm

    right, wrong, held = [], [], []
    for message, ok in probes.COLLOQUIAL.items():
        d = respond(message, [], model, table).decision
        miss = [message, d.action.value, d.intent, round(float(d.confidence), 2)]
        (right if d.action.answers and d.intent in ok else wrong if d.action.answers else held).append(miss)
    answered, others_missed = [], []
    for message in probes.OFF_TOPIC_AND_HARMFUL:
        d = respond(message, [], model, table).decision
        if d.action.answers:
            answered.append([message, d.action.value, d.intent, round(float(d.confidence), 2)])
        if message in probes.OTHERS_DATA and d.harm != Harm.OTHERS_DATA:
            others_missed.append([message, d.action.value, d.intent, round(float(d.confidence), 2)])
    n, n_off = len(probes.COLLOQUIAL), len(probes.OFF_TOPIC_AND_HARMFUL)
    return {
        "n_colloquial": n,
        "answered_right": len(right),
        "answered_wrong": len(wrong),
        "asked_back_or_declined": len(held),
        "right_rate": round(len(right) / n, 4),
        "n_off_topic_and_harmful": n_off,
        "off_topic_and_harmful_declined": n_off - len(answered),
        "others_data_declined_as_such": len(probes.OTHERS_DATA) - len(others_missed),
        "n_others_data": len(probes.OTHERS_DATA),
        "wrong": wrong,
        "asked_back_or_declined_messages": held,
        "off_topic_answered": answered,
        "others_data_missed": others_missed,
    }


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument(
        "--probes", type=Path, required=True, help="a probe set (.py), e.g. tests/bank_bot/colloquial_probes_2.py"
    )
    p.add_argument("--head-dir", type=Path, help="another trained head (folder), e.g. the validation run")
    p.add_argument("--out", type=Path, help="also write the JSON here")
    args = p.parse_args(argv)

    from bankbot.conversation.policy import AnswerTable
    from bankbot.models.model import get_model

    model, table = get_model(args.head_dir), AnswerTable.load()
    out = {"probes": args.probes.name, "model": model.info.get("name", str(args.head_dir or "shipped"))}
    out |= score_probes(load_probes(args.probes), model, table)
    text = json.dumps(out, indent=1, ensure_ascii=False)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n", encoding="utf-8")
    return out


if __name__ == "__main__":
    main()

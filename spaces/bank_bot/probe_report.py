"""Score a hand-written colloquial probe set over the Northwind bot (the app's own path) and print one JSON object.

    python spaces/bank_bot/probe_report.py --probes tests/bank_bot/colloquial_probes_2.py [--head-dir DIR] [--out F]

A probe set is a Python file with COLLOQUIAL (message -> the intents whose answer would help), OFF_TOPIC_AND_HARMFUL
(never answered from the table) and OTHERS_DATA (declined as a request for another person's data). Counts: answered
right, answered wrong (another intent's answer), asked back or declined; off-topic and harmful declined.
--head-dir: another trained head (folder), e.g. train.py's validation run; --out writes the JSON there too; --why adds
what the head itself says (distance gate off) on the messages not answered right.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
from pathlib import Path

from shared.jsonfile import write_json

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


def held_evidence(probes, model, table) -> dict:
    """What the head itself says (distance gate off) on the colloquial probes the bot does not answer right: its
    top two in-scope intents with their probabilities, and where the right intent stands (1, 2, or 0: neither).
    Counts: held messages whose right intent is on top (below the floor), second, or neither."""
    from bankbot.conversation.bot import respond
    from bankbot.models.data import OUT_OF_SCOPE

    english = model.english
    kept = (english.min_similarity, english.low_similarity, english.confident)
    missed = {}
    for message, ok in probes.COLLOQUIAL.items():
        d = respond(message, [], model, table).decision
        if not (d.action.answers and d.intent in ok):
            missed[message] = ("wrong" if d.action.answers else "held", ok)
    english.use_gate(0.0)  # the head's own probabilities, as if there were no distance gate
    try:
        probs = english.predict_proba(list(missed)) if missed else []
    finally:
        english.use_gate(*kept)
    rows, counts = [], {"right_on_top": 0, "right_second": 0, "neither": 0}
    oos_index = model.labels.index(OUT_OF_SCOPE)
    for (message, (kind, ok)), p in zip(missed.items(), probs, strict=True):
        order = [i for i in p.argsort()[::-1] if i != oos_index][:2]
        top2 = [[model.labels[i], round(float(p[i]), 2)] for i in order]
        rank = next((r + 1 for r, (intent, _) in enumerate(top2) if intent in ok), 0)
        if kind == "held":
            counts[("neither", "right_on_top", "right_second")[rank]] += 1
        rows.append({"message": message, "outcome": kind, "head_top2": top2, "right_rank": rank})
    return {"held": counts, "messages": rows}


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument(
        "--probes", type=Path, required=True, help="a probe set (.py), e.g. tests/bank_bot/colloquial_probes_2.py"
    )
    p.add_argument("--head-dir", type=Path, help="another trained head (folder), e.g. the validation run")
    p.add_argument("--out", type=Path, help="also write the JSON here")
    p.add_argument("--why", action="store_true", help="add what the head says (gate off) on the messages it misses")
    args = p.parse_args(argv)

    from bankbot.conversation.policy import AnswerTable
    from bankbot.models.model import get_model

    model, table = get_model(args.head_dir), AnswerTable.load()
    out = {"probes": args.probes.name, "model": model.info.get("name", str(args.head_dir or "shipped"))}
    probes = load_probes(args.probes)
    out |= score_probes(probes, model, table)
    if args.why:
        out["head_without_gate"] = held_evidence(probes, model, table)
    print(json.dumps(out, indent=1, ensure_ascii=False))
    if args.out:
        write_json(args.out, out)
    return out


if __name__ == "__main__":
    main()

"""Trial: a company bot whose head sees [fine-tuned MiniLM ; frozen multilingual-e5-small] (``Recipe.e5``), on the
example company, beside today's recipe in the same run.

    python spaces/bank_bot/company_e5_trial.py [--examples spaces/bank_bot/examples/company_example.csv]
        [--fresh spaces/bank_bot/examples/company_example_fresh.csv] [--rounds 4]
        [--out spaces/bank_bot/results/company_e5_trial.json]

1. Both recipes train on the example company's examples (one thread), as ``specialize.py`` does: the report's
   held-out numbers (its own questions kept aside, the unseen built-in topics) and its mistakes against the frozen
   baseline on the same rows; training wall and CPU seconds (e5's encoding of every training sentence included).
2. Both final bots on the fresh questions written for the example company (never trained on): right, wrong, declined.
3. Per-message latency of the two bots' model step (encoder(s), head, out-of-scope gate), one thread, alternating
   message by message, the same messages (the fresh questions, ``--rounds`` times), after one warm-up pass.

The leave-one-source-out measurement of the same trial is ``oos_benchmark.py --variant '{"e5": true}'``.
"""

from __future__ import annotations

import argparse
import json
import os
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from shared.jsonfile import write_json
from shared.timing import alternating_ms, p50_p95

HERE = Path(__file__).resolve().parent
RECIPES = {"today": {}, "today + e5": {"e5": True}}


class Bot:
    """A trained company bot's model step: the message's features, the head and the gate (the served decision)."""

    def __init__(self, result, recipe, second_encoder) -> None:
        from bankbot.models.encoder import with_members
        from bankbot.models.model import frozen_encoder

        self.result, self.recipe, self.second = result, recipe, second_encoder
        # every member of an ensemble bot (``Recipe.members``), the lower layers once
        self.encoder = with_members(frozen_encoder().folder, result.deltas, recipe.layers)

    def decide(self, texts: list[str]) -> list[str]:
        from bankbot.company.recipe import decisions, proba, with_second
        from bankbot.models import oos

        r = self.result
        X = with_second(self.recipe, self.encoder.encode(texts), texts, self.second)
        gated = oos.declines(r.spaces["final"], X, r.oos["method"], r.oos["threshold"])
        return decisions(proba(r.weight, r.bias, X), r.labels, self.recipe.decline_below, gated)


def fresh_check(bot: Bot, rows: list[tuple[str, str]]) -> dict:
    from bankbot.company.data import OUT_OF_SCOPE

    pred = bot.decide([t for t, _ in rows])
    ins = [(p, g) for p, (_, g) in zip(pred, rows, strict=True) if g != OUT_OF_SCOPE]
    off = [p for p, (_, g) in zip(pred, rows, strict=True) if g == OUT_OF_SCOPE]
    return {
        "in_scope": len(ins),
        "right": sum(p == g for p, g in ins),
        "wrong": sum(p not in (g, OUT_OF_SCOPE) for p, g in ins),
        "declined": sum(p == OUT_OF_SCOPE for p, _ in ins),
        "off_topic": len(off),
        "off_topic_declined": sum(p == OUT_OF_SCOPE for p in off),
    }


def alternating_latency(bots: dict[str, Bot], texts: list[str], rounds: int) -> dict:
    """ms per message of each bot, one message at a time, the bots taking turns on each message."""
    for bot in bots.values():
        bot.decide(texts[:20])  # warm-up: caches, lazy loads
    ms = alternating_ms({name: (lambda t, bot=bot: bot.decide([t])) for name, bot in bots.items()}, texts, rounds)
    out = {name: p50_p95(m) for name, m in ms.items()}
    first = next(iter(out.values()))
    for row in out.values():
        row["p50_ratio"] = round(row["p50_ms"] / first["p50_ms"], 2)
        row["messages"] = len(texts) * rounds
    return out


def report_bots(recipes: dict, examples_csv: Path, fresh_csv: Path, rounds: int, second=None) -> dict:
    """Each recipe (the first is today's) trained on the company's examples, one thread: its report's held-out numbers
    and mistakes against the frozen baseline, training times; every final bot on the fresh questions; their latency,
    alternating."""
    import csv

    import torch

    from bankbot.company.data import read_examples
    from bankbot.company.offtopic import load_builtin_bank
    from bankbot.company.recipe import train_company
    from bankbot.models.model import frozen_encoder
    from shared.device import configure_cpu_threads

    torch.set_num_threads(1)
    configure_cpu_threads()
    examples = read_examples(examples_csv.read_bytes())
    with open(fresh_csv, encoding="utf-8", newline="") as fh:
        fresh = [(r["text"], r["intent"]) for r in csv.DictReader(fh)]
    bank, encoder = load_builtin_bank(), frozen_encoder()
    out: dict = {"examples": str(examples_csv.relative_to(HERE)), "bots": {}}
    bots = {}
    for name, recipe in recipes.items():
        result = train_company(examples, bank, encoder, recipe, second_encoder=second)
        bots[name] = Bot(result, recipe, second)
        m, b = result.metrics, result.baseline
        out["bots"][name] = {
            "held_out": m,
            "baseline_held_out": b,
            "mistakes": m["errors"],
            "baseline_mistakes": b["errors"],
            "mistakes_share_of_baseline": round(m["errors"] / b["errors"], 3),
            "out_of_scope": {k: result.oos[k] for k in ("method", "preset", "threshold")},
            "timings": result.timings,
        }
        print(name, json.dumps(out["bots"][name]["held_out"]), result.timings, flush=True)
    first = next(iter(out["bots"].values()))["timings"]["cpu_s"]
    for row in out["bots"].values():
        row["cpu_ratio_to_today"] = round(row["timings"]["cpu_s"] / first, 2)
    out["fresh"] = {name: fresh_check(bot, fresh) for name, bot in bots.items()}
    out["latency"] = alternating_latency(bots, [t for t, _ in fresh], rounds)
    return out


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--examples", type=Path, default=HERE / "examples" / "company_example.csv")
    p.add_argument("--fresh", type=Path, default=HERE / "examples" / "company_example_fresh.csv")
    p.add_argument("--rounds", type=int, default=4)
    p.add_argument("--out", type=Path, default=HERE / "results" / "company_e5_trial.json")
    args = p.parse_args(argv)

    from bankbot.company.recipe import Recipe
    from bankbot.models.e5_encoder import load_e5

    e5 = load_e5()  # loaded before any timing: a served Space loads it once at start (for other languages already)
    recipes = {name: replace(Recipe(), **changes) for name, changes in RECIPES.items()}
    out = report_bots(recipes, args.examples, args.fresh, args.rounds, e5) | {"machine": "2 shared vCPUs, one thread"}
    write_json(args.out, out)
    print(json.dumps({k: out[k] for k in ("fresh", "latency")}, indent=1))
    return out


if __name__ == "__main__":
    main()

"""Few-shot recipe trials for "Make it yours": variants of the company recipe, each trained on one company with one
off-topic source left out of its built-in bank (as in ``oos_benchmark.py``), all in one run.

    python spaces/bank_bot/recipe_trials.py [--companies travel,utility,home] [--fold clinc_domains]
        [--variants '{"today": {}, "augment 2": {"augment": 2}}'] [--out results/company_recipe_trials.json]

A variant is a set of ``Recipe`` fields changed from ``oos_benchmark.PREVIOUS_RECIPE`` (the recipe that shipped
before). Each bot is scored on CLINC150 ``val`` rows of the company's intents (accuracy, false declines) and on the
held-out source (declined), for the energy, energy+kNN and kNN gates at every preset and at the preset the bot picks
by itself (auto). Choices are made here on one company's fold; ``oos_benchmark.py`` confirms on both companies.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from dataclasses import replace
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np
from oos_benchmark import PREVIOUS_RECIPE, build_company, evaluate_fold

from bankbot.models.data import DEFAULT_DATA, read_domains
from shared.jsonfile import write_json

HERE = Path(__file__).resolve().parent
GATES = (("energy", "energy", 3), ("energy+knn", "energy+knn", 3), ("knn", "knn", 3))


def rows_of(table: dict, fold: str) -> dict:
    """[accuracy, false declines, declined] per gate and preset, and at the preset each gate picks by itself."""
    from bankbot.models.oos import PRESETS, auto_preset

    out = {}
    for gate, *_ in GATES:
        chosen = auto_preset({p: table[f"{gate} / {p}"]["own_estimate"] for p in PRESETS})
        for p in [*PRESETS, "auto"]:
            t = table[f"{gate} / {chosen if p == 'auto' else p}"]
            rates = [t["accuracy"], t["false_decline_rate"], round(t[fold]["declined"] / t[fold]["n"], 4)]
            out[f"{gate}/{p}"] = rates + ([chosen] if p == "auto" else [])
    return out


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--clinc", type=Path, default=DEFAULT_DATA / "clinc150" / "data_full_trainval.json")
    p.add_argument("--domains-json", type=Path, default=DEFAULT_DATA / "clinc150" / "domains.json")
    p.add_argument("--companies", default="travel,utility,home", help="one company: ','-separated domains")
    p.add_argument("--fold", default="clinc_domains", choices=("clinc_oos", "clinc_domains"))
    p.add_argument("--variants", default='{"today": {}}', help="JSON {name: {Recipe field: value}}")
    p.add_argument("--per-intent", type=int, default=10)
    p.add_argument("--out", type=Path, default=HERE / "results" / "company_recipe_trials.json")
    args = p.parse_args(argv)

    import torch

    from bankbot.company.data import Examples
    from bankbot.company.offtopic import load_builtin_bank
    from bankbot.company.recipe import train_company
    from bankbot.models.finetune import cache_lower_states
    from bankbot.models.model import frozen_encoder

    torch.set_num_threads(1)
    clinc = json.loads(args.clinc.read_text(encoding="utf-8"))
    domains = read_domains(args.domains_json)
    bank, encoder = load_builtin_bank(), frozen_encoder()
    train, in_scope, sources, drops, _ = build_company(clinc, domains, args.companies.split(","), args.per_intent)
    texts_in, gold_in = [t for t, _ in in_scope], [i for _, i in in_scope]
    off = {args.fold: sources[args.fold]}
    every = sorted(set(texts_in) | set(off[args.fold]))
    lower: dict[int, dict] = {}  # the frozen layers' states of every scored text, per number of fine-tuned layers

    def states_below(layers: int) -> dict:
        if layers not in lower:
            lower[layers] = dict(zip(every, cache_lower_states(encoder, every, layers), strict=True))
        return lower[layers]

    keep = np.flatnonzero([bank.group_names[g] not in drops[args.fold] for g in bank.groups])
    examples = Examples([t for t, _ in train], [i for _, i in train])
    out = json.loads(args.out.read_text(encoding="utf-8")) if args.out.exists() else {}
    out.setdefault("company", args.companies)
    out.setdefault("fold", args.fold)
    out.setdefault("columns", ["accuracy", "false_decline_rate", "declined", "auto preset"])
    out.setdefault("machine", "2 shared vCPUs, one thread per job")
    out.setdefault("variants", {})
    for name, fields in json.loads(args.variants).items():
        recipe = replace(PREVIOUS_RECIPE, **fields)
        t0 = time.process_time()
        result = train_company(examples, bank.subset(keep), encoder, recipe)
        cpu = round(time.process_time() - t0, 1)
        table = evaluate_fold(result, recipe, states_below(recipe.layers), texts_in, gold_in, off, GATES)
        out["variants"][name] = {"fields": fields, "cpu_s": cpu} | rows_of(table, args.fold)
        write_json(args.out, out)
        print(name, cpu, out["variants"][name]["energy/auto"], flush=True)
    return out


if __name__ == "__main__":
    main()

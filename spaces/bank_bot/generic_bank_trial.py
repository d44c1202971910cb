"""The generic off-topic source trial (issue #19): does a broader built-in off-topic bank make company bots decline
more of what is not their business? Pre-registered: this file (candidate, rule, commands) was committed before any
number of the trial was computed.

Candidate: the shipped bank plus the generic questions written by code (``build_offtopic.py --generic``); the recipe
otherwise as shipped. One run of ``oos_benchmark.py`` trains today's recipe on both banks (``--candidate-bank``),
both companies, leave-one-source-out exactly as today: the generic source is never scored and is in the bank in
every fold. The row compared is the shipped gate, the energy score with the preset each bot picks ("auto").

    python spaces/bank_bot/build_offtopic.py --clinc ... --banking77 ... --generic --no-pins \\
        --out /tmp/company-bank/offtopic_bank_generic.safetensors
    python spaces/bank_bot/oos_benchmark.py --clinc ... --domains-json ... --banking77 ... --without-previous \\
        --candidate-bank /tmp/company-bank/offtopic_bank_generic.safetensors \\
        --out spaces/bank_bot/results/oos_benchmark_generic_trial.json
    python spaces/bank_bot/generic_bank_trial.py [--bench results/oos_benchmark_generic_trial.json]
        [--out results/generic_bank_trial.json]   (prints the README table)

(As run: the benchmark once per company, side by side, each with ``--companies``, joined by ``oos_benchmark.py
--merge A.json B.json --out results/oos_benchmark_generic_trial.json``.)

Rule (fixed before the run): it ships only if, for BOTH companies, against the shipped bank trained in the same run:
pooled declined +1.0 point or more; accuracy not lower by more than 0.3 points; false declines <= 5% and not higher
by more than 0.5 points; no single scored source's declines lower by more than 2 points; CPU training time per bot
(mean over the folds) <= 1.3x. Otherwise nothing ships: ``--generic`` stays off and the bank as it is.
If it ships: ``build_offtopic.py --generic`` rebuilds ``model/offtopic_bank.safetensors`` (and its pin), then
``specialize.py --summary`` re-runs the example company and the README tables are rewritten from the JSON.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from oos_benchmark import CANDIDATE_BANK

from shared.jsonfile import write_json

HERE = Path(__file__).resolve().parent
SHIPPED = "this recipe"
GATE = "energy / auto"
SOURCES = ("clinc_oos", "clinc_domains", "banking77", "handwritten")
RULE = {
    "pooled_gain_min": 0.010,
    "accuracy_drop_max": 0.003,
    "false_decline_max": 0.05,
    "false_decline_rise_max": 0.005,
    "source_drop_max": 0.02,
    "cpu_ratio_max": 1.3,
}


def company_checks(company: dict) -> dict:
    """The rule's checks for one company of an ``oos_benchmark.py --candidate-bank`` run (changes in points)."""
    base = company["summary"][f"{SHIPPED}: {GATE}"]
    cand = company["summary"][f"{CANDIDATE_BANK}: {GATE}"]
    times = company["training"]
    cpu_ratio = round(times[CANDIDATE_BANK]["cpu_s_mean"] / times[SHIPPED]["cpu_s_mean"], 2)
    change = {k: round(cand[k] - base[k], 4) for k in ("accuracy", "false_decline_rate", "pooled", *SOURCES)}
    checks = {
        "pooled declined +1.0 point or more": change["pooled"] >= RULE["pooled_gain_min"],
        "accuracy not lower by more than 0.3 points": -change["accuracy"] <= RULE["accuracy_drop_max"],
        "false declines <= 5%": cand["false_decline_rate"] <= RULE["false_decline_max"],
        "false declines not higher by more than 0.5 points": change["false_decline_rate"]
        <= RULE["false_decline_rise_max"],
        "no source's declines lower by more than 2 points": min(change[s] for s in SOURCES) >= -RULE["source_drop_max"],
        "CPU training time per bot <= 1.3x": cpu_ratio <= RULE["cpu_ratio_max"],
    }
    return {"shipped_bank": base, "candidate_bank": cand, "change": change, "cpu_ratio": cpu_ratio, "checks": checks}


def verdict(bench: dict) -> dict:
    """Every company's checks and whether the candidate ships (every check of both companies passes)."""
    companies = {name: company_checks(c) for name, c in bench["companies"].items()}
    passes = [all(c["checks"].values()) for c in companies.values()]
    return {"rule": RULE, "row": GATE, "companies": companies, "ships": len(passes) == 2 and all(passes)}


def table(result: dict) -> str:
    """The README table: each company's two banks and the change, then the checks that failed."""
    cols = ("accuracy", "false_decline_rate", *SOURCES, "pooled")
    head = "| company | bank | accuracy | false declines | " + " | ".join(SOURCES) + " | pooled | CPU s/bot ratio |"
    lines = [head, "|" + "---|" * (len(cols) + 3)]
    for name, c in result["companies"].items():
        for label, row in (("shipped", c["shipped_bank"]), ("+ generic", c["candidate_bank"])):
            ratio = "1.00" if label == "shipped" else f"{c['cpu_ratio']:.2f}"
            lines.append(f"| {name} | {label} | " + " | ".join(f"{row[k]:.2%}" for k in cols) + f" | {ratio} |")
        change = " | ".join(f"{c['change'][k] * 100:+.2f}" for k in cols)
        lines.append(f"| {name} | change (points) | {change} | |")
    for name, c in result["companies"].items():
        failed = [k for k, ok in c["checks"].items() if not ok]
        lines.append(f"\n{name}: " + ("every check passes" if not failed else "fails: " + "; ".join(failed)))
    return "\n".join([*lines, f"\nShips: {'yes' if result['ships'] else 'no'}"])


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--bench", type=Path, default=HERE / "results" / "oos_benchmark_generic_trial.json")
    p.add_argument("--out", type=Path, default=HERE / "results" / "generic_bank_trial.json")
    args = p.parse_args(argv)
    result = verdict(json.loads(args.bench.read_text(encoding="utf-8")))
    write_json(args.out, result)
    print(table(result))
    return result


if __name__ == "__main__":
    main()

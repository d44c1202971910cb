"""A pre-registered search of Northwind's head settings: chosen on train.py's inner split, one validation read.

    python spaces/bank_bot/head_search.py inner --banking77 DATA/banking77/train.csv \\
        --clinc DATA/clinc150/data_full_trainval.json --domains DATA/clinc150/domains.json --cache V.npz
    python spaces/bank_bot/head_search.py validate (the same kit flags) --cache V.npz --runs /tmp/F

``inner`` fits every GRID point on the training part minus train.py's 15% inner split and scores it there;
SELECTION picks one. ``validate`` then fits today's settings and the winner on the whole training part (train.py
--reuse-delta on the shipped fine-tuned layers), scores both on the validation part through the app's policy with
the distance gate and floor refit as fit_floor.py does (colloquial_round.py), and probe sets 1-5; DECISION says
whether the winner ships. Both write into results/head_search.json. No test split is used.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import time
from itertools import product
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np

HERE = Path(__file__).resolve().parent
OUT = HERE / "results" / "head_search.json"
PROBES = [HERE.parents[1] / "tests" / "bank_bot" / f"colloquial_probes{s}.py" for s in ("", "_2", "_3", "_4", "_5")]

# Fixed before any number of this search was seen.
TODAY = {"C": 10.0, "oos_weight": 0.3, "knn_k": 10, "knn_temperature": 0.05, "knn_weight": 0.2}
GRID = {
    "C": (3.0, 10.0, 30.0, 100.0),
    "oos_weight": (0.3, 0.5),
    "knn_k": (5, 10, 20),
    "knn_temperature": (0.05, 0.1),
    "knn_weight": (0.0, 0.1, 0.2, 0.3, 0.4),
}
NOTE = (
    "Vectors: the shipped fine-tuned encoder's (its layers were fine-tuned on the whole training part, inner split "
    "included, so inner-split accuracies are optimistic for every point alike). Inner split: train.py's (seed 0 "
    "shuffle of the training part, last 15%), colloquial rows weigh 3 in the head as shipped."
)
SELECTION = (
    "train.py's criterion: among grid points whose inner-split off-topic decline rate >= 0.95 and false declines "
    "<= 0.03 (through the app's policy, train.score), the highest Banking77 + CLINC banking accuracy; ties (equal "
    "to 4 decimals) go to the point with the fewest settings different from today's, then to grid order."
)
DECISION = (
    "The winner ships only if validation Banking77 >= 94.00% AND banking + cards accuracy not lower than today's "
    "by more than 0.5 pt AND off-topic declined not lower by more than 0.2 pt AND false declines not higher by more "
    "than 0.2 pt AND no more wrong answers than today's on probe sets 1-5 in total."
)


def points() -> list[dict]:
    return [dict(zip(GRID, values, strict=True)) for values in product(*GRID.values())]


def pick(rows: list[dict]) -> dict:
    """SELECTION over rows of {"settings", "inner"}."""
    ok = [r for r in rows if r["inner"]["decline_rate"] >= 0.95 and r["inner"]["false_decline_rate"] <= 0.03]

    def key(r: dict) -> tuple:
        m = r["inner"]
        changed = sum(r["settings"][k] != TODAY[k] for k in TODAY)
        return (-round(m["banking77_accuracy"] + m["banking_accuracy"], 4), changed, rows.index(r))

    return min(ok or [r for r in rows if r["settings"] == TODAY], key=key)


def wins(today: dict, winner: dict) -> dict:
    """DECISION on the two validation entries (colloquial_round.py's) and their probe sets 1-5."""
    from soup_trial import soup_wins  # the same rule as the soup trial's, edges included

    def wrong(e: dict) -> int:
        return sum(p["answered_wrong"] for p in e["probes"].values())

    checks = soup_wins(today["validation"], winner["validation"], wrong(today), wrong(winner))
    return {
        "checks": checks,
        "probe_wrong": {"today": wrong(today), "winner": wrong(winner)},
        "ships": all(checks.values()),
    }


def merge(part: dict) -> None:
    old = json.loads(OUT.read_text(encoding="utf-8")) if OUT.is_file() else {}
    from shared.jsonfile import write_json

    write_json(
        OUT,
        {"note": NOTE, "grid": GRID, "today": TODAY, "selection": SELECTION, "decision": DECISION}
        | {k: v for k, v in old.items() if k not in ("note", "grid", "today", "selection", "decision")}
        | part,
    )


def inner(args) -> dict:
    from train import COLLOQUIAL_WEIGHT, SEED, score, subsplit

    from bankbot.conversation.policy import AnswerTable
    from bankbot.models.data import COLLOQUIAL_FILE, Source, build_splits, inventory, read_banking77
    from bankbot.models.headfit import encode_with_cache, fit_head
    from bankbot.models.model import Head, Memory, head_proba, load_encoder

    labels = inventory(args.domains, sorted({lab for _, lab in read_banking77(args.banking77)}))
    train, _ = build_splits(args.banking77, args.clinc, args.domains, seed=SEED, colloquial=COLLOQUIAL_FILE)
    rows = list(range(len(train)))
    random.Random(SEED).shuffle(rows)  # exactly train.choose_knn_weight's inner split
    cut = int(0.85 * len(rows))
    fit, held = subsplit(train, rows[:cut]), subsplit(train, rows[cut:])
    x = encode_with_cache(load_encoder(), train.texts, args.cache)
    xf, xh = x[rows[:cut]], x[rows[cut:]]
    weights = np.where(np.array(fit.sources) == Source.COLLOQUIAL, COLLOQUIAL_WEIGHT, 1.0)
    targets = np.array([labels.index(lab) for lab in fit.labels])
    memory_vectors = xf.astype(np.float16).astype(np.float32)  # as the app loads them
    table = AnswerTable.load()
    results, t0 = [], time.process_time()
    for c, oos_weight in product(GRID["C"], GRID["oos_weight"]):
        w, b = fit_head(xf, fit.labels, labels, c, oos_weight, SEED, row_weights=weights)
        for k, temperature, knn_weight in product(GRID["knn_k"], GRID["knn_temperature"], GRID["knn_weight"]):
            head = Head(w, b, labels, {}, Memory(memory_vectors, targets, k, temperature, knn_weight))
            m = score(held, head_proba(head, xh), labels, table)
            settings = {"C": c, "oos_weight": oos_weight, "knn_k": k, "knn_temperature": temperature}
            results.append({"settings": settings | {"knn_weight": knn_weight}, "inner": m})
        print(f"C={c} oos={oos_weight}: {time.process_time() - t0:.0f} CPU s", flush=True)
    best = pick(results)
    today = next(r for r in results if r["settings"] == TODAY)
    part = {
        "inner_split": {"n_fit": len(fit), "n_scored": len(held), "cpu_s": round(time.process_time() - t0, 1)},
        "inner_today": today,
        "inner_winner": best,
        "inner_grid": results,
    }
    merge(part)
    return part


def validate(args) -> dict:
    import colloquial_round
    import train

    saved = json.loads(OUT.read_text(encoding="utf-8"))
    heads = {"today": TODAY, "winner": saved["inner_winner"]["settings"]}
    kit = ["--banking77", str(args.banking77), "--clinc", str(args.clinc), "--domains", str(args.domains)]
    delta = HERE / "model" / "encoder_delta.safetensors"
    cpu = {}
    for name, s in heads.items():
        run = args.runs / name
        t0 = time.process_time()
        train.main(
            [*kit, "--threads", "1", "--reuse-delta", str(delta), "--cache", str(args.cache), "--no-card"]
            + ["--out", str(run / "model"), "--val-out", str(run / "val"), "--C", str(s["C"])]
            + ["--oos-weight", str(s["oos_weight"]), "--knn-weight", str(s["knn_weight"])]
            + ["--knn-k", str(s["knn_k"]), "--knn-temperature", str(s["knn_temperature"])]
        )
        cpu[name] = round(time.process_time() - t0, 1)
    out = colloquial_round.main(
        [*kit, "--cache", str(args.cache), "--probes", *map(str, PROBES)]
        + [f"--head={name}={args.runs / name}" for name in heads]
    )
    part = {
        "validation": out,
        "refit_cpu_s": cpu,
        "decision_result": wins(out["heads"]["today"], out["heads"]["winner"]),
    }
    if heads["winner"] == TODAY:
        part["decision_result"] |= {"ships": False, "why": "the inner split chose today's settings"}
    merge(part)
    return part


def main(argv=None) -> dict:
    from bankbot.models.data import add_kit_arguments

    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("stage", choices=("inner", "validate"))
    add_kit_arguments(p)
    p.add_argument("--cache", type=Path, required=True, help="an .npz of the shipped encoder's sentence vectors")
    p.add_argument("--runs", type=Path, default=Path("/tmp/bank-headgrid/runs"), help="validate: train.py run folders")
    args = p.parse_args(argv)
    return inner(args) if args.stage == "inner" else validate(args)


if __name__ == "__main__":
    main()

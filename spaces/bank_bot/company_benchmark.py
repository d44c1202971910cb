"""The "Make it yours" check on the data kit: a company the shipped bot never trained on, built from a few
examples per intent, scored on rows it never saw, against the simple baseline on the same rows, in one run.

    python spaces/bank_bot/company_benchmark.py [--clinc ../shared/data/clinc150/data_full_trainval.json]
                                                [--domains travel,utility,home] [--per-intent 10]

Company: the CLINC150 intents of --domains (45 for the default three), --per-intent examples of each from
CLINC150 ``train`` (seed 0). Evaluation: CLINC150 ``val`` rows of those intents (in scope) and every other
``val`` row plus ``oos_val`` (off-topic). The built-in off-topic bank holds only CLINC150 ``train`` /
``oos_train`` and Banking77 rows, never ``val``. Trains with specialize.py's recipe (timed: wall and CPU
seconds, peak memory), scores through the app's code path (``evaluate.py --model --examples``), and fits
the baseline (frozen MiniLM + scikit-learn's default logistic regression, class-balanced) on exactly the
rows the recipe used. Prints a table and one JSON object.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bankbot.models.data import DEFAULT_DATA, read_domains

HERE = Path(__file__).resolve().parent
SEED = 0


def sample_examples(clinc: dict, domains: dict[str, str], chosen, per_intent: int) -> list[tuple[str, str]]:
    """A company's examples: ``per_intent`` CLINC150 ``train`` rows of each intent of the chosen domains (seed 0)."""
    rng = random.Random(SEED)
    by: dict[str, list[str]] = defaultdict(list)
    for text, intent in clinc["train"]:
        if domains.get(intent) in chosen:
            by[intent].append(text)
    return [(t, i) for i in sorted(by) for t in rng.sample(by[i], per_intent)]


def build_company(clinc: dict, domains: dict[str, str], chosen: set[str], per_intent: int, folder: Path):
    train = sample_examples(clinc, domains, chosen, per_intent)
    test = [(t, i if domains.get(i) in chosen else "out_of_scope") for t, i in clinc["val"]]
    test += [(t, "out_of_scope") for t, _ in clinc["oos_val"]]
    for name, rows in (("examples.csv", train), ("test.csv", test)):
        with open(folder / name, "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(["text", "intent"])
            w.writerows(rows)
    return train, test


def baseline(train, test, model_dir: Path) -> dict:
    """Frozen MiniLM + LogisticRegression (defaults, class-balanced) on the rows the recipe used."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    from bankbot.company.offtopic import load_builtin_bank
    from bankbot.company.recipe import score
    from bankbot.models.model import frozen_encoder

    report = json.loads((model_dir / "report.json").read_text(encoding="utf-8"))
    bank = load_builtin_bank()
    rows = report["data"]["builtin_negative_rows"]
    enc = frozen_encoder()
    X = np.vstack([enc.encode([t for t, _ in train]), bank.vectors[rows]])
    y = [i for _, i in train] + ["out_of_scope"] * len(rows)
    clf = LogisticRegression(max_iter=3000, class_weight="balanced", random_state=SEED).fit(X, y)
    pred = [str(p) for p in clf.predict(enc.encode([t for t, _ in test]))]
    return score(pred, [i for _, i in test])


def interleaved_p50(model_dir: Path, texts: list[str], n: int = 600) -> dict:
    """p50 per message of the company bot and of the stock Northwind bot, one message each in turn in one
    process on one thread: on a shared CPU, only a comparison made this way is fair."""
    import statistics
    import time

    from bankbot.company.folder import load_company
    from bankbot.conversation.bot import respond
    from bankbot.conversation.policy import answer_table
    from bankbot.models.model import get_model
    from shared.device import configure_cpu_threads

    configure_cpu_threads()
    bots = {"company": load_company(model_dir), "stock": (get_model(), answer_table())}
    times: dict[str, list[float]] = {name: [] for name in bots}
    for text in random.Random(SEED).sample(texts, min(n, len(texts))):
        for name, (model, table) in bots.items():
            t0 = time.perf_counter()
            respond(text, [], model, table)
            times[name].append((time.perf_counter() - t0) * 1000)
    return {name: round(statistics.median(v), 2) for name, v in times.items()}


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--clinc", type=Path, default=DEFAULT_DATA / "clinc150" / "data_full_trainval.json")
    p.add_argument("--domains-json", type=Path, default=DEFAULT_DATA / "clinc150" / "domains.json")
    p.add_argument("--domains", default="travel,utility,home")
    p.add_argument("--per-intent", type=int, default=10)
    p.add_argument("--work", type=Path, help="keep the CSVs and the trained folder here")
    args = p.parse_args(argv)

    clinc = json.loads(args.clinc.read_text(encoding="utf-8"))
    domains = read_domains(args.domains_json)
    work = args.work or Path(tempfile.mkdtemp(prefix="company_benchmark_"))
    work.mkdir(parents=True, exist_ok=True)
    train, test = build_company(clinc, domains, set(args.domains.split(",")), args.per_intent, work)
    model_dir = work / "model"

    # specialize.py exactly as a user runs it, in its own process: wall time, CPU time and peak memory
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    cmd = [
        sys.executable,
        str(HERE / "specialize.py"),
        "--examples",
        str(work / "examples.csv"),
        "--out",
        str(model_dir),
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, env=dict(os.environ, OMP_NUM_THREADS="1"))
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    trained = json.loads(out.stdout.strip().splitlines()[-1])
    cmd = [sys.executable, str(HERE / "evaluate.py"), "--model", str(model_dir), "--examples", str(work / "test.csv")]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, env=dict(os.environ, OMP_NUM_THREADS="1"))
    recipe = json.loads(out.stdout[out.stdout.index("{") :])
    latency = interleaved_p50(model_dir, [t for t, _ in test])
    base = baseline(train, test, model_dir)
    n_in = sum(i != "out_of_scope" for _, i in test)
    n_off = len(test) - n_in

    def errors(m: dict) -> int:
        return round((1 - m["accuracy"]) * n_in) + round((1 - m["decline_rate"]) * n_off)

    result = {
        "company": {"domains": args.domains, "intents": trained["intents"], "examples": trained["examples"]},
        "test_rows": {"in_scope": n_in, "off_topic": n_off},
        "recipe": {k: recipe[k] for k in ("accuracy", "decline_rate", "false_decline_rate", "p50_ms")},
        "latency_interleaved_ms": latency,
        "baseline": {k: base[k] for k in ("accuracy", "decline_rate", "false_decline_rate")},
        "train_seconds": trained["train_seconds"],
        "train_cpu_seconds": round(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, 1),
        "train_peak_rss_mb": round(after.ru_maxrss / 1024),
    }
    result["errors"] = {"recipe": errors(recipe), "baseline": errors(base)}
    result["error_ratio"] = round(result["errors"]["recipe"] / max(1, result["errors"]["baseline"]), 3)
    print("| system | accuracy | decline rate | false declines | errors |\n|---|---|---|---|---|")
    for name, m in (("specialize.py recipe", recipe), ("frozen MiniLM + LR (baseline)", base)):
        e = errors(m)
        print(f"| {name} | {m['accuracy']:.2%} | {m['decline_rate']:.2%} | {m['false_decline_rate']:.2%} | {e} |")
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()

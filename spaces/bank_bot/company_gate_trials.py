"""Gate and head trials for "Make it yours", leave one off-topic source out, against the recipe that ships in the
same run.

    python spaces/bank_bot/company_gate_trials.py [--companies "travel,utility,home;kitchen_and_dining,..."]
        [--out spaces/bank_bot/results/company_gate_trials.json]

Companies, folds and sources as in ``oos_benchmark.py``: per company and held-out source ONE bot of the recipe that
ships is trained without that source in its built-in bank; every variant below is then scored on that same bot (same
fine-tuned encoder, same held-out rows), so a difference is the gate's or the head's alone. Every threshold comes
from the company's own held-out examples and the bank's unseen topics (never from the scored source); each variant
picks its preset by itself (``oos.auto_preset``). Every off-topic row is scored, also those that ask one of the
company's own questions: this is ``oos_benchmark.py``'s *raw* measurement (``summary_raw``), not its filtered one.

- ``today``: the energy gate; the head's own declines (its out_of_scope class, the floor) count against the preset's
  budget of held-out examples; the logistic-regression head names the intent;
- ``energy+2knn``: energy and kNN-3 similarity, each standardised on the unseen topics, kNN weighted twice (the
  shipped-recipe table's ``energy+knn`` weighs them equally);
- ``energy, own budget``: the gate may decline the preset's share of the held-out examples the head answers
  (the head's declines no longer use up the budget);
- ``head + kNN vote`` / ``head + prototypes``: the intent is the argmax of the head's intent probabilities
  blended with a vote of the 5 nearest examples / a softmax over the cosines to each intent's mean example
  (declines unchanged: the head's out_of_scope class, the floor and the gate).

Writes one JSON file; ``--tables FILE`` prints an earlier run's tables.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np

from bankbot.models.data import DEFAULT_DATA, OUT_OF_SCOPE
from shared.jsonfile import write_json

HERE = Path(__file__).resolve().parent
COMPANIES = "travel,utility,home;kitchen_and_dining,auto_and_commute,work"
# name -> (gate score, budget rule, head): see the module docstring
VARIANTS = {
    "today": ("energy", "shared", None),
    "energy+knn": ("energy+knn", "shared", None),
    "energy+2knn": ("energy+2knn", "shared", None),
    "energy, own budget": ("energy", "own", None),
    "head + kNN vote": ("energy", "shared", ("vote", 0.5)),
    "head + prototypes": ("energy", "shared", ("prototype", 0.25)),
}
SOURCES = {"clinc_oos": ("clinc_oos", "handwritten"), "clinc_domains": ("clinc_domains",), "banking77": ("banking77",)}


def vote_probs(memory: np.ndarray, targets: np.ndarray, X: np.ndarray, n: int, k: int = 5, scale: float = 20.0):
    """(rows, n) intent probabilities from the ``k`` nearest examples (unit vectors), each weighing exp(scale x
    cosine)."""
    sims = X @ memory.T
    nearest = np.argsort(-sims, axis=1)[:, :k]
    out = np.zeros((len(X), n))
    for r, cols in enumerate(nearest):
        np.add.at(out[r], targets[cols], np.exp(scale * (sims[r, cols] - sims[r, cols].max())))
    return out / out.sum(axis=1, keepdims=True)


def prototype_probs(memory: np.ndarray, targets: np.ndarray, X: np.ndarray, n: int, scale: float = 40.0):
    """(rows, n) softmax over the cosines to each intent's mean example (a prototype head)."""
    centres = np.stack([memory[targets == c].mean(axis=0) for c in range(n)])
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    z = scale * X @ centres.T
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def blended_intents(P: np.ndarray, oos_index: int, Q: np.ndarray, share: float) -> np.ndarray:
    """The intent each row gets when the head's intent probabilities (renormalised without out_of_scope) are mixed
    with ``Q`` (``share`` of it): indices into the head's labels."""
    intents = np.delete(P, oos_index, axis=1)
    mixed = (1 - share) * intents / intents.sum(axis=1, keepdims=True) + share * Q
    top = mixed.argmax(axis=1)
    return top + (top >= oos_index)


def own_budget_threshold(s_in: np.ndarray, declined_anyway: np.ndarray, budget: float) -> float:
    """The gate's threshold when its budget is a share of the held-out rows the head answers (rows it declines
    anyway neither count nor move the cut)."""
    from bankbot.models.oos import choose_threshold

    answered = np.asarray(s_in)[~np.asarray(declined_anyway, bool)]
    return choose_threshold(answered if len(answered) else np.asarray(s_in), budget)


def _standardised(space, X_ref: np.ndarray, knn_weight: float):
    """energy + knn_weight x kNN, each part standardised on ``X_ref`` (unseen topics)."""
    parts = {m: space.score(m, X_ref) for m in ("energy", "knn")}
    stats = {m: (float(s.mean()), float(max(s.std(), 1e-6))) for m, s in parts.items()}
    w = {"energy": 1.0, "knn": knn_weight}
    return lambda X: sum(w[m] * (space.score(m, X) - mu) / sd for m, (mu, sd) in stats.items()) / sum(w.values())


def score_fn(method: str, space, X_unseen: np.ndarray):
    if method == "energy":
        return lambda X: space.score("energy", X)
    return _standardised(space, X_unseen, {"energy+knn": 1.0, "energy+2knn": 2.0}[method])


def variant_gate(result, method: str, budget_rule: str, recipe) -> tuple[str, float, object]:
    """(preset picked, threshold in the shipped space, score function there) for one variant on one bot."""
    from bankbot.company.recipe import _floor_declines
    from bankbot.models import oos

    sp = result.spaces
    check, final = sp["check"], sp["final"]
    X_in, X_out = sp["check_in"], sp["check_out"]
    f_check = score_fn(method, check, X_out)
    s_in, s_out = f_check(X_in), f_check(X_out)
    floor_in, floor_out = (_floor_declines(check, X, recipe.decline_below) for X in (X_in, X_out))
    presets = {}
    for name, budget in oos.PRESETS.items():
        if budget_rule == "shared":
            t = oos.choose_threshold(s_in, budget, floor_in)
        else:
            t = own_budget_threshold(s_in, floor_in, budget)
        presets[name] = {"threshold": t, "decline_rate": float((floor_out | (s_out < t)).mean())}
    chosen = oos.auto_preset(presets)
    # carried over to the shipped space: the same share of the unseen topics declined (recipe.carry_over)
    f_final = score_fn(method, final, sp["final_out"])
    share = float((s_out < presets[chosen]["threshold"]).mean())
    s_final = f_final(sp["final_out"])
    t_final = oos.choose_threshold(s_final, share) if share > 0 else float(s_final.min())
    return chosen, t_final, f_final


def variant_rates(result, recipe, X_in, gold_in, X_off: dict, variant) -> dict:
    """Accuracy and false declines on the in-scope rows, declined per off-topic source, for one variant."""
    from bankbot.company.recipe import decisions, proba
    from bankbot.models import oos

    method, budget_rule, head = variant
    final = result.spaces["final"]
    preset, t, f = variant_gate(result, method, budget_rule, recipe)
    labels = result.labels

    def predict(X):
        P = proba(result.weight, result.bias, X)
        pred = decisions(P, labels, recipe.decline_below, oos.head_declines(final, X) | (f(X) < t))
        if head is None:
            return pred
        kind, share = head
        n = len(labels) - 1
        probs = vote_probs if kind == "vote" else prototype_probs
        Q = probs(final.memory, final.targets, X, n)
        top = blended_intents(P, final.oos_index, Q, share)
        return [p if p == OUT_OF_SCOPE else labels[j] for p, j in zip(pred, top, strict=True)]

    pred = predict(X_in)
    out = {
        "preset": preset,
        "accuracy": round(float(np.mean([p == g for p, g in zip(pred, gold_in, strict=True)])), 4),
        "false_decline_rate": round(float(np.mean([p == OUT_OF_SCOPE for p in pred])), 4),
    }
    for s, X in X_off.items():
        out[s] = {"declined": int(sum(p == OUT_OF_SCOPE for p in predict(X))), "n": len(X)}
    return out


def summarize(folds: dict) -> dict:
    """Per variant: accuracy and false declines (mean over the bots), declined per source and pooled."""
    from bankbot.models.oos import wilson

    out = {}
    for v in next(iter(folds.values()))["variants"]:
        rows = [f["variants"][v] for f in folds.values()]
        row = {k: round(float(np.mean([r[k] for r in rows])), 4) for k in ("accuracy", "false_decline_rate")}
        k = n = 0
        for fold, sources in SOURCES.items():
            for s in sources:
                c = folds[fold]["variants"][v][s]
                row[s] = round(c["declined"] / c["n"], 4)
                k, n = k + c["declined"], n + c["n"]
        row["pooled"], row["pooled_ci95"] = round(k / n, 4), wilson(k, n)
        row["presets"] = [folds[f]["variants"][v]["preset"] for f in SOURCES]
        out[v] = row
    return out


def markdown(company: str, summary: dict) -> str:
    cols = ("accuracy", "false_decline_rate", "clinc_oos", "clinc_domains", "banking77", "handwritten", "pooled")
    lines = [f"### {company}", "| variant | " + " | ".join(cols) + " |", "|" + "---|" * (len(cols) + 1)]
    lines += [f"| {v} | " + " | ".join(f"{r[c]:.2%}" for c in cols) + " |" for v, r in summary.items()]
    return "\n".join(lines)


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--clinc", type=Path, default=DEFAULT_DATA / "clinc150" / "data_full_trainval.json")
    p.add_argument("--domains-json", type=Path, default=DEFAULT_DATA / "clinc150" / "domains.json")
    p.add_argument("--banking77", type=Path, default=DEFAULT_DATA / "banking77" / "train.csv")
    p.add_argument("--companies", default=COMPANIES, help="';'-separated companies, each ','-separated domains")
    p.add_argument("--per-intent", type=int, default=10)
    p.add_argument("--out", type=Path, default=HERE / "results" / "company_gate_trials.json")
    p.add_argument("--tables", type=Path, help="only print the tables of an earlier run's JSON file")
    args = p.parse_args(argv)
    if args.tables:
        earlier = json.loads(args.tables.read_text(encoding="utf-8"))
        for company, c in earlier["companies"].items():
            print(markdown(company, c["summary"]))
        return earlier

    import torch
    from oos_benchmark import build_company, read_kit  # this folder: the same companies and sources

    from bankbot.company.data import Examples
    from bankbot.company.offtopic import load_builtin_bank
    from bankbot.company.recipe import Recipe, train_company
    from bankbot.models.encoder import MiniLM
    from bankbot.models.finetune import cache_lower_states, embed_states
    from bankbot.models.model import frozen_encoder
    from shared.device import configure_cpu_threads

    torch.set_num_threads(1)
    configure_cpu_threads()
    bank, encoder, recipe = load_builtin_bank(), frozen_encoder(), Recipe()
    clinc, domains, b77, probes = read_kit(args, bank)
    out: dict = {"variants": {v: list(x) for v, x in VARIANTS.items()}, "companies": {}}
    out["machine"] = "2 shared vCPUs, one thread per job"
    for company in args.companies.split(";"):
        train, in_scope, sources, drops, _ = build_company(clinc, domains, company.split(","), args.per_intent)
        sources["banking77"] = b77
        drops["banking77"] = {g for g in bank.group_names if g.startswith("banking77:")}
        texts_in, gold_in = [t for t, _ in in_scope], [i for _, i in in_scope]
        every = sorted(set(texts_in) | {t for ts in sources.values() for t in ts} | set(probes))
        lower = dict(zip(every, cache_lower_states(encoder, every, recipe.layers), strict=True))
        examples = Examples([t for t, _ in train], [i for _, i in train])
        folds: dict = {}
        for fold in SOURCES:
            keep = np.flatnonzero([bank.group_names[g] not in drops[fold] for g in bank.groups])
            off = {s: probes if s == "handwritten" else sources[s] for s in SOURCES[fold]}
            t0 = time.process_time()
            result = train_company(examples, bank.subset(keep), encoder, recipe)
            cpu = round(time.process_time() - t0, 1)
            enc = MiniLM(encoder.folder, result.delta)
            X_in = embed_states(enc, [lower[t] for t in texts_in], recipe.layers)
            X_off = {s: embed_states(enc, [lower[t] for t in ts], recipe.layers) for s, ts in off.items()}
            folds[fold] = {"cpu_seconds": cpu, "variants": {}}
            for name, variant in VARIANTS.items():
                folds[fold]["variants"][name] = variant_rates(result, recipe, X_in, gold_in, X_off, variant)
            print(f"{company} / {fold}: {cpu} CPU s", folds[fold]["variants"]["today"], flush=True)
        out["companies"][company] = {"folds": folds, "summary": summarize(folds)}
        write_json(args.out, out)
        print(markdown(company, out["companies"][company]["summary"]), flush=True)
    return out


if __name__ == "__main__":
    main()

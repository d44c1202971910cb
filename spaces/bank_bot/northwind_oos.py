"""Leave-one-source-out: how many off-topic questions from a source the Northwind bot never learnt from it declines.

    python spaces/bank_bot/northwind_oos.py --banking77 DATA/banking77/train.csv \\
        --clinc DATA/clinc150/data_full_trainval.json --domains DATA/clinc150/domains.json \\
        [--sources oos travel work ...] [--cache vectors.npz] [--no-colloquial]

For each off-topic source S (CLINC150's out-of-scope queries ``oos``, or one of its off-topic domains), the head is
refit as ``fit_floor.py`` refits the validation-run head (same split, seed, C, weights, neighbour vote), but without
S's training rows; the confidence floor is chosen by ``fit_floor``'s rule on the validation rows without S's; the
distance gates' cuts are chosen on in-scope validation rows only (cross-fitted: each half's cut judges the other
half). Then S's validation rows are scored: the share declined (no answer from the table), and, on the in-scope
validation rows, the false declines (declined as "not a banking question") and the share answered right.

Limit: the shipped encoder's fine-tuned layers saw every source's *training* rows (refitting them per source takes
~15 CPU-minutes each); the head, the neighbour memory, the floor and the cuts never see S. No test split is used.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np
from train import COLLOQUIAL_WEIGHT, subsplit

from bankbot.conversation.floor import fit_floor
from bankbot.conversation.policy import Action, Thresholds, answer_table, decide
from bankbot.model_spec import HANDOFF_BYPASS, HEAD_FILE, MODEL_DIR
from bankbot.models.data import (
    COLLOQUIAL_FILE,
    HUMAN,
    OUT_OF_SCOPE,
    Source,
    Split,
    add_kit_arguments,
    build_splits,
    read_domains,
)
from bankbot.models.headfit import encode_with_cache, fit_head
from bankbot.models.model import Head, Memory, head_proba, load_encoder, load_head
from bankbot.models.oos import (
    GATE_LOW_SHARE,
    MahalanobisScorer,
    distance_declines,
    gate,
    max_logit,
    nearest_similarity,
    neg_energy,
    threshold_at,
)
from shared.jsonfile import write_json

SEED = 0
SOURCES = ("oos", "travel", "kitchen_and_dining", "work", "utility", "home", "auto_and_commute", "meta")
GATE_SHARE = 0.005  # the share of in-scope questions a distance gate may decline (the false-decline budget)
METHODS = ("floor (shipped)", "floor + kNN-1", "floor + kNN-10", "floor + Mahalanobis", "floor + max-logit",
           "floor + energy", "floor + kNN-10 + confident head",
           "floor + kNN-10 + confident head + staff bypass")  # fmt: skip
CONFIDENT_HEAD = "floor + kNN-10 + confident head"  # kNN-10, but a confident head passes above a lower cut
STAFF_BYPASS = "floor + kNN-10 + confident head + staff bypass"  # ... and talk_to_human >= HANDOFF_BYPASS passes


def row_sources(split: Split, domains: dict[str, str]) -> np.ndarray:
    """The off-topic source of every row ("oos", a CLINC150 domain), "" for in-scope or served rows."""
    out = []
    for src, intent, label in zip(split.sources, split.clinc_intents, split.labels, strict=True):
        if src == Source.CLINC_OOS:
            out.append("oos")
        elif src == Source.CLINC_OTHER and label == OUT_OF_SCOPE:
            out.append(domains.get(intent, ""))
        else:
            out.append("")
    return np.array(out)


def cross_fitted_cut(scores: np.ndarray, inside: np.ndarray, half: np.ndarray, share: float) -> np.ndarray:
    """Per validation row, the gate's cut chosen on the in-scope rows of the other half."""
    cut = {h: threshold_at(scores[inside & (half != h)], share) for h in (0, 1)}
    return np.where(half == 0, cut[0], cut[1])


def held_out_head(held: str, ctx: dict) -> Head:
    """The validation-run head refit without the off-topic source ``held``'s training rows (its memory too)."""
    train, xtr, labels = ctx["train"], ctx["xtr"], ctx["labels"]
    keep = np.flatnonzero(ctx["train_sources"] != held)
    part = subsplit(train, keep)
    info = ctx["shipped_info"]
    weights = np.where(np.array(part.sources) == Source.COLLOQUIAL, info.get("colloquial_weight", 1.0), 1.0)
    w, b = fit_head(xtr[keep], part.labels, labels, info["C"], info["oos_weight"], SEED, row_weights=weights)
    targets = np.array([labels.index(lab) for lab in part.labels])
    knn = ctx["knn"]
    memory = Memory(xtr[keep].astype(np.float16).astype(np.float32), targets, knn.k, knn.temperature, knn.weight)
    return Head(w, b, labels, {}, memory)


def held_out_floor(held: str, ctx: dict, probs: np.ndarray) -> float:
    """fit_floor's rule on the validation rows without the source ``held``'s."""
    va_src = ctx["val_sources"]
    inside = np.isin(np.array(ctx["val"].sources), [Source.BANKING77, Source.CLINC_BANK])
    choice = np.flatnonzero(inside | ((va_src != "") & (va_src != held)))
    return fit_floor(probs[choice], subsplit(ctx["val"], choice), ctx["labels"], ctx["table"])[0]


def confident_head_gate(
    probs: np.ndarray, similarity: np.ndarray, inside: np.ndarray, floor: float, labels: list[str], share: float, staff
) -> np.ndarray:
    """``probs`` through the shipped gate: below kNN-10's cut a message is declined unless it is above the lower cut
    and the head is as sure as ``floor`` of one in-scope intent (both cuts cross-fitted on in-scope halves); with
    ``staff``, a request for staff the head gives talk_to_human at least HANDOFF_BYPASS passes at any distance."""
    half = np.arange(len(probs)) % 2
    oos = labels.index(OUT_OF_SCOPE)
    cut, low = (cross_fitted_cut(similarity, inside, half, s) for s in (share, GATE_LOW_SHARE))
    handoff = (labels.index(HUMAN), HANDOFF_BYPASS) if staff else None
    return gate(probs, distance_declines(similarity, probs, oos, cut, low, floor, handoff=handoff), oos, top=1.0)


def source_metrics(decisions: dict, scored: np.ndarray, ctx: dict, held: str, inside: np.ndarray) -> dict:
    """The held-out source's rows declined (no answer from the table), and on the in-scope rows the false declines
    and the share answered right (``decisions``: validation row -> Decision, for the ``scored`` rows)."""
    va_src, gold = ctx["val_sources"], np.array(ctx["val"].labels)
    off = [decisions[i] for i in scored if va_src[i] == held]
    ins = [(decisions[i], gold[i]) for i in scored if inside[i]]
    return {
        "off_topic_declined": float(np.mean([not d.action.answers for d in off])),
        "false_declines": float(np.mean([d.action == Action.DECLINE for d, _ in ins])),
        "in_scope_right": float(np.mean([d.action == Action.ANSWER and d.intent == g for d, g in ins])),
    }


def one_source(held: str, ctx: dict, share: float) -> dict:
    val, xva, labels, table = (ctx[k] for k in ("val", "xva", "labels", "table"))
    va_src = ctx["val_sources"]
    head = held_out_head(held, ctx)
    w, b, memory, targets = head.weight, head.bias, head.memory, head.memory.targets
    keep = np.flatnonzero(ctx["train_sources"] != held)
    probs = head_proba(head, xva)
    logits = xva @ w.T + b

    gold = np.array(val.labels)
    inside = np.isin(np.array(val.sources), [Source.BANKING77, Source.CLINC_BANK])
    floor = held_out_floor(held, ctx, probs)

    oos = labels.index(OUT_OF_SCOPE)
    in_labels = np.array([lab != OUT_OF_SCOPE for lab in labels])
    in_rows = targets != oos
    mahalanobis = MahalanobisScorer(ctx["xtr"][keep][in_rows], targets[in_rows])
    scores = {
        "floor + kNN-1": nearest_similarity(xva, memory.vectors[in_rows], k=1),
        "floor + kNN-10": nearest_similarity(xva, memory.vectors[in_rows], k=10),
        "floor + Mahalanobis": mahalanobis.score(xva),
        "floor + max-logit": max_logit(logits, in_labels),
        "floor + energy": neg_energy(logits, in_labels),
    }
    half = np.arange(len(gold)) % 2
    scored = np.flatnonzero(inside | (va_src == held))
    out = {"source": held, "floor": floor, "n_off_topic": int((va_src == held).sum()), "n_in_scope": int(inside.sum())}
    for method in METHODS:
        p = probs
        if method in scores:
            p = gate(probs, scores[method] < cross_fitted_cut(scores[method], inside, half, share), oos, top=1.0)
        if method in (CONFIDENT_HEAD, STAFF_BYPASS):  # kNN-10's cut, a lower one, the head as sure as the floor
            sim = scores["floor + kNN-10"]
            p = confident_head_gate(probs, sim, inside, floor, labels, share, staff=method == STAFF_BYPASS)
        decisions = {i: decide(p[i], labels, table, th=Thresholds(floor=floor)) for i in scored}
        out[method] = source_metrics(decisions, scored, ctx, held, inside)
    return out


def markdown(results: list[dict]) -> str:
    sources = [r["source"] for r in results]
    lines = [
        "| method | " + " | ".join(sources) + " | all sources | false declines | in-scope answered right |",
        "|---|" + "---|" * (len(sources) + 3),
    ]
    for method in METHODS:
        cells = [f"{100 * r[method]['off_topic_declined']:.2f}%" for r in results]
        n = np.array([r["n_off_topic"] for r in results])
        pooled = float(np.average([r[method]["off_topic_declined"] for r in results], weights=n))
        false = float(np.mean([r[method]["false_declines"] for r in results]))
        right = float(np.mean([r[method]["in_scope_right"] for r in results]))
        lines.append(
            f"| {method} | "
            + " | ".join(cells)
            + f" | **{100 * pooled:.2f}%** | {100 * false:.2f}% | {100 * right:.2f}% |"
        )
    return "\n".join(lines)


def main(argv=None) -> list[dict]:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_kit_arguments(p)
    p.add_argument("--sources", nargs="+", default=list(SOURCES), help="off-topic sources to leave out, one at a time")
    p.add_argument("--cache", type=Path, help="an .npz of the shipped encoder's sentence vectors (reused, updated)")
    p.add_argument("--no-colloquial", action="store_true", help="the head without the colloquial training rows")
    p.add_argument("--gate-share", type=float, default=GATE_SHARE)
    p.add_argument("--json", type=Path, help="write the results here too")
    args = p.parse_args(argv)

    ctx = context(args, None if args.no_colloquial else COLLOQUIAL_FILE)
    results = []
    for held in args.sources:
        results.append(one_source(held, ctx, args.gate_share))
        print(json.dumps(results[-1]), flush=True)
    print(markdown(results))
    if args.json:
        write_json(args.json, results)
    return results


def context(args, colloquial: Path | None) -> dict:
    """The splits, the shipped encoder's vectors of every row, the off-topic source of every row and the shipped
    head's recipe: what each source's refit needs (``args``: the kit paths and ``--cache``)."""
    shipped = load_head(MODEL_DIR / HEAD_FILE)  # its labels and hyper-parameters, not its weights
    train, val = build_splits(args.banking77, args.clinc, args.domains, seed=SEED, colloquial=colloquial)
    texts = sorted(set(train.texts) | set(val.texts))
    vectors = encode_with_cache(load_encoder(), texts, args.cache)
    row = {t: i for i, t in enumerate(texts)}
    domains = read_domains(args.domains)
    info = dict(shipped.info, colloquial_weight=COLLOQUIAL_WEIGHT)  # train.py's recipe (the head may predate it)
    return {
        "train": train,
        "val": val,
        "xtr": vectors[[row[t] for t in train.texts]],
        "xva": vectors[[row[t] for t in val.texts]],
        "labels": shipped.labels,
        "table": answer_table(),
        "train_sources": row_sources(train, domains),
        "val_sources": row_sources(val, domains),
        "shipped_info": info,
        "knn": shipped.memory,
    }


if __name__ == "__main__":
    main()

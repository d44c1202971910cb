"""Northwind's colloquial levers against the shipped bot, in one run; one JSON object.

    python spaces/bank_bot/lever_trial.py --banking77 DATA/banking77/train.csv \\
        --clinc DATA/clinc150/data_full_trainval.json --domains DATA/clinc150/domains.json \\
        [--cache vectors.npz] [--final-probes tests/bank_bot/colloquial_probes_4.py] [--out results/lever_trial.json]

Every lever keeps the shipped head, floor and gate rule (kNN-10 cut where 0.5% of in-scope validation rows fall, a head
as sure as the floor passing above the 0.1% cut) and changes what the gate or the encoder sees:

- **memory**: the hand-written colloquial rows ``train.py`` does not read (``data/colloquial/tried_*.csv``) join the
  gate's memory (``data/colloquial/train.csv`` is in it already, as a training row); not the head nor its vote;
- **normaliser**: ``bankbot.models.colloquial`` rewrites slang, shorthand and misspellings before the encoder;
- **per-intent cut**: each message is judged against its top intent's own cut (``oos.intent_offsets``);
- **no distance gate**: not a candidate, the most that any change to the gate could let through.

Cuts and offsets are refit for each lever on in-scope validation rows only. Measured, each lever against the shipped
rule in the same run: validation (``fit_floor.py``'s validation-run head through the app's policy, ``train.py``'s
metrics), leave one off-topic source out (``northwind_oos.py``'s refit per source, cuts cross-fitted on two halves),
probe sets 1-3 over the shipped bot (choices) and ``--final-probes`` once, and the latency of ``respond`` per English
message (1 thread, the shipped rule and ``--latency-lever`` taking turns). No test split is used.
"""

from __future__ import annotations

import argparse
import json
import os
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np
from fit_floor import validation_run_head
from gate_trial import CHOICE_PROBES, TESTS, false_declines_all_in_scope
from northwind_oos import SOURCES, context, held_out_floor, held_out_head
from probe_report import load_probes, score_probes
from train import score

from bankbot.conversation.bot import respond
from bankbot.conversation.policy import Action, Thresholds, answer_table, decide
from bankbot.model_spec import CONFIDENCE_FLOOR, HEAD_FILE, MODEL_DIR
from bankbot.models.colloquial import normalise_colloquial
from bankbot.models.data import COLLOQUIAL_FILE, OUT_OF_SCOPE, Source
from bankbot.models.examples import read_examples
from bankbot.models.headfit import encode_with_cache
from bankbot.models.model import get_model, head_proba, in_scope_memory, load_encoder, load_head
from bankbot.models.oos import (
    GATE_K,
    distance_declines,
    gate,
    gate_cuts,
    intent_offsets,
    nearest_similarity,
    top_in_scope,
)
from shared.jsonfile import write_json
from shared.timing import alternating_ms, p50_p95

# the two files of rows tried before this trial ran (later tried_*.csv files, e.g. round 6's, were not in its memory)
TRIED = tuple(COLLOQUIAL_FILE.with_name(n) for n in ("tried_2026-12-07.csv", "tried_2026-12-07_full_finetune.csv"))
PROBE_KEYS = ("answered_right", "answered_wrong", "asked_back_or_declined", "off_topic_and_harmful_declined")


@dataclass(frozen=True)
class Lever:
    memory: bool = False
    normaliser: bool = False
    per_intent: bool = False
    gate: bool = True  # False: no distance gate at all (the most any gate lever could let through)


SHIPPED = "shipped (distance + confident head)"
LEVERS = {
    SHIPPED: Lever(),
    "memory": Lever(memory=True),
    "normaliser": Lever(normaliser=True),
    "per-intent cut": Lever(per_intent=True),
    "memory + normaliser": Lever(memory=True, normaliser=True),
    "memory + per-intent cut": Lever(memory=True, per_intent=True),
    "normaliser + per-intent cut": Lever(normaliser=True, per_intent=True),
    "all three": Lever(memory=True, normaliser=True, per_intent=True),
    "no distance gate (the ceiling of any gate lever)": Lever(gate=False),
}


def fitted_cuts(similarity: np.ndarray, top: np.ndarray, fit_rows: np.ndarray, n_labels: int, per_intent: bool):
    """(cut, lower cut, offsets per label) chosen on the in-scope rows ``fit_rows`` (a boolean mask): the global cuts
    on the similarity minus each row's top-intent offset (all offsets 0 without ``per_intent``)."""
    offsets = intent_offsets(similarity[fit_rows], top[fit_rows], n_labels) if per_intent else np.zeros(n_labels)
    adjusted = (similarity - offsets[top])[fit_rows]
    return *gate_cuts(adjusted), offsets


def validation(lever: Lever, ctx: dict, head, extra: np.ndarray, xva_plain: np.ndarray) -> tuple[dict, tuple]:
    """The lever on the validation rows (validation-run head); its cuts and offsets, for the shipped bot."""
    val, labels = ctx["val"], ctx["labels"]
    oos_index = labels.index(OUT_OF_SCOPE)
    xva = xva_plain if lever.normaliser else ctx["xva"]
    memory = np.vstack([in_scope_memory(head), extra]) if lever.memory else in_scope_memory(head)
    probs = head_proba(head, xva)
    similarity = nearest_similarity(xva, memory, GATE_K)
    top = top_in_scope(probs, oos_index)
    inside = np.isin(np.array(val.sources), [Source.BANKING77, Source.CLINC_BANK])
    cut, low, offsets = fitted_cuts(similarity, top, inside, len(labels), lever.per_intent)
    declined = distance_declines(similarity, probs, oos_index, cut, low, CONFIDENCE_FLOOR, offsets) & lever.gate
    v = score(val, gate(probs, declined, oos_index, top=1.0), labels, ctx["table"])
    v["false_declines_all_in_scope"] = false_declines_all_in_scope(v)
    v["gated"] = int(declined.sum())
    return v, (cut, low, offsets)


def leave_one_source_out(lever: Lever, ctx: dict, heads: dict, extra: np.ndarray, xva_plain: np.ndarray) -> dict:
    """northwind_oos.py's measurement for this lever: per source, the head refit without it, the floor chosen
    without it, the cuts (and offsets) cross-fitted on the in-scope rows of the other half."""
    val, labels = ctx["val"], ctx["labels"]
    oos_index = labels.index(OUT_OF_SCOPE)
    xva = xva_plain if lever.normaliser else ctx["xva"]
    gold = np.array(val.labels)
    inside = np.isin(np.array(val.sources), [Source.BANKING77, Source.CLINC_BANK])
    half = np.arange(len(gold)) % 2
    per_source, n_off, declined_off, false, right = {}, 0, 0, [], []
    for held, head in heads.items():
        probs = head_proba(head, xva)
        floor = held_out_floor(held, ctx, probs)
        memory = np.vstack([in_scope_memory(head), extra]) if lever.memory else in_scope_memory(head)
        similarity = nearest_similarity(xva, memory, GATE_K)
        top = top_in_scope(probs, oos_index)
        declined = np.zeros(len(gold), bool)
        for h in (0, 1):  # each half judged by the cuts of the other half's in-scope rows
            fit = inside & (half != h)
            cut, low, offsets = fitted_cuts(similarity, top, fit, len(labels), lever.per_intent)
            rows = distance_declines(similarity, probs, oos_index, cut, low, floor, offsets)
            declined |= rows & (half == h) & lever.gate
        p = gate(probs, declined, oos_index, top=1.0)
        src = ctx["val_sources"]
        scored = np.flatnonzero(inside | (src == held))
        decisions = {i: decide(p[i], labels, ctx["table"], th=Thresholds(floor=floor)) for i in scored}
        off = [not decisions[i].action.answers for i in scored if src[i] == held]
        ins = [(decisions[i], gold[i]) for i in scored if inside[i]]
        per_source[held] = round(float(np.mean(off)), 4)
        n_off, declined_off = n_off + len(off), declined_off + sum(off)
        false.append(np.mean([d.action == Action.DECLINE for d, _ in ins]))
        right.append(np.mean([d.action == Action.ANSWER and d.intent == g for d, g in ins]))
    return {
        "off_topic_declined": round(declined_off / n_off, 4),
        "false_declines": round(float(np.mean(false)), 4),
        "in_scope_right": round(float(np.mean(right)), 4),
        "per_source": per_source,
    }


def configure(english, lever: Lever, cuts: tuple, shipped_memory: np.ndarray, extra_full: np.ndarray) -> None:
    """The shipped bot's English path with this lever (its cuts from validation, the shipped memory)."""
    cut, low, offsets = cuts
    english.use_gate(cut if lever.gate else 0.0, low, CONFIDENCE_FLOOR)
    english.intent_offsets = offsets if lever.per_intent else None
    if lever.gate:
        english._in_scope = np.vstack([shipped_memory, extra_full]) if lever.memory else shipped_memory
    english.prepare = normalise_colloquial if lever.normaliser else None


def probes(english, lever, cuts, shipped_memory, extra_full, paths) -> dict:
    configure(english, lever, cuts, shipped_memory, extra_full)
    table, model = answer_table(), get_model()
    out = {}
    for path in paths:
        r = score_probes(load_probes(path), model, table)
        out[path.stem] = {k: r[k] for k in PROBE_KEYS} | {"wrong": r["wrong"]}
    return out


def latency(english, settings: dict, texts: list[str]) -> dict:
    """Per English message through ``respond``, the settings taking turns message by message: p50 / p95 ms."""
    model, table = get_model(), answer_table()

    def under(args):
        def call(text):
            configure(english, *args)
            respond(text, [], model, table)

        return call

    ms = alternating_ms({name: under(args) for name, args in settings.items()}, texts)
    return {name: p50_p95(m) for name, m in ms.items()}


def markdown(out: dict) -> str:
    """The README's table: one row per lever (percentages as in the JSON; probe counts right / wrong / held)."""

    def counts(r: dict | None) -> str:
        return f"{r['answered_right']} / {r['answered_wrong']} / {r['asked_back_or_declined']}" if r else "not scored"

    lines = [
        "| lever | Banking77 | banking + cards | off-topic declined / false declines (validation) "
        "| leave one source out: declined / false declines | set 1 | set 2 | set 3 | set 4 (scored once) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, e in out["levers"].items():
        v, loso = e["validation"], e["leave_one_source_out"]
        final = next(iter(e.get("final_probes", {}).values()), None)
        cells = [f"{100 * v[k]:.2f}%" for k in ("banking77_accuracy", "banking_accuracy")]
        cells.append(f"{100 * v['decline_rate']:.2f}% / {100 * v['false_declines_all_in_scope']:.2f}%")
        cells.append(f"{100 * loso['off_topic_declined']:.2f}% / {100 * loso['false_declines']:.2f}%")
        cells += [counts(r) for r in e["probes"].values()] + [counts(final)]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv=None) -> dict:
    from bankbot.models.data import add_kit_arguments

    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_kit_arguments(p, cache=True)
    p.add_argument("--final-probes", type=Path, help="a probe set no choice saw, scored once for every lever")
    p.add_argument("--levers", nargs="+", default=list(LEVERS), help="which levers (the shipped rule always runs)")
    p.add_argument("--latency-lever", help="time respond with this lever against the shipped rule")
    p.add_argument("--latency-n", type=int, default=300, help="Banking77 validation questions timed")
    p.add_argument("--out", type=Path, help="also write the JSON here")
    args = p.parse_args(argv)

    ctx = context(args, COLLOQUIAL_FILE)
    encoder = load_encoder()
    xva_plain = encode_with_cache(encoder, [normalise_colloquial(t) for t in ctx["val"].texts], args.cache)
    tried = [r.text for path in TRIED for r in read_examples(path) if r.intent != OUT_OF_SCOPE]
    extra = encode_with_cache(encoder, tried, args.cache).astype(np.float16).astype(np.float32)
    head = validation_run_head(load_head(MODEL_DIR / HEAD_FILE), ctx["train"], ctx["xtr"])
    heads = {held: held_out_head(held, ctx) for held in SOURCES}
    english = get_model().english
    shipped_memory = in_scope_memory(english.head)
    kept = (english.min_similarity, english.low_similarity, english.confident)

    out: dict = {"floor": CONFIDENCE_FLOOR, "k": GATE_K, "tried_rows_in_memory": len(tried), "levers": {}}
    paths = [*CHOICE_PROBES, TESTS / "colloquial_probes_3.py"]
    cuts_of = {}
    try:
        for name in [SHIPPED, *(n for n in args.levers if n != SHIPPED)]:
            lever = LEVERS[name]
            v, cuts = validation(lever, ctx, head, extra, xva_plain)
            cuts_of[name] = cuts
            entry = {"lever": lever.__dict__, "cut": cuts[0], "low": cuts[1], "validation": v}
            entry["leave_one_source_out"] = leave_one_source_out(lever, ctx, heads, extra, xva_plain)
            entry["probes"] = probes(english, lever, cuts, shipped_memory, extra, paths)
            if args.final_probes:
                entry["final_probes"] = probes(english, lever, cuts, shipped_memory, extra, [args.final_probes])
            out["levers"][name] = entry
            print(json.dumps({name: entry}), flush=True)
        if args.latency_lever:
            b77 = [t for t, s in zip(ctx["val"].texts, ctx["val"].sources, strict=True) if s == Source.BANKING77]
            settings = {n: (LEVERS[n], cuts_of[n], shipped_memory, extra) for n in (SHIPPED, args.latency_lever)}
            out["latency"] = latency(english, settings, b77[: args.latency_n]) | {"n": args.latency_n}
            print(json.dumps(out["latency"]), flush=True)
    finally:
        english.use_gate(*kept)
        english.intent_offsets, english.prepare, english._in_scope = None, None, shipped_memory
    print(markdown(out))
    if args.out:
        write_json(args.out, out)
    return out


if __name__ == "__main__":
    main()

"""The "clear lead" rule below the confidence floor against the shipped bot, in one run; one JSON object.

    python spaces/bank_bot/margin_trial.py --banking77 DATA/banking77/train.csv \\
        --clinc DATA/clinc150/data_full_trainval.json --domains DATA/clinc150/domains.json \\
        [--cache vectors.npz] [--out results/margin_trial.json] [--tables FILE.md]

Below the floor (0.50) the bot asks back; most colloquial messages it holds back have the right intent as the head's
top in-scope intent (README "Colloquial levers"). The rule (``policy.clear_lead``, off in the shipped bot) answers
that intent when it has at least ``lead_min``, at least ``lead_ratio`` times the second in-scope intent, and more
than the out_of_scope class; the distance gate and the harm cues act first, as before. Each candidate is measured
against the shipped bot in the same run:

- **validation**: ``fit_floor.py``'s validation-run head through the shipped distance gate (cuts on in-scope
  validation rows, staff bypass) and the app's policy with the candidate's thresholds (``train.score``);
- **leave one source out**: ``northwind_oos.py``'s refit per off-topic source, the shipped gate cross-fitted;
- **probe sets 1-5** (the choice) over the shipped bot through ``respond``;
- after the choice, once: the fresh **set 9** (the judge) and set 7 (reported only), for the shipped bot and the
  chosen candidate.
No test split is used. NOTE below is the rule, fixed before any number was computed.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np
from colloquial_round import gated_validation
from fit_floor import validation_run_head
from gate_trial import PROBE_KEYS, TESTS, false_declines_all_in_scope
from northwind_oos import (
    GATE_SHARE,
    SOURCES,
    confident_head_gate,
    context,
    held_out_floor,
    held_out_head,
    source_metrics,
)
from probe_report import load_probes, score_probes
from train import score

from bankbot.conversation.policy import Thresholds, answer_table, decide
from bankbot.model_spec import HANDOFF_BYPASS, HEAD_FILE, MODEL_DIR
from bankbot.models.data import COLLOQUIAL_FILE, Source, add_kit_arguments
from bankbot.models.model import get_model, head_proba, in_scope_memory, load_head
from bankbot.models.oos import GATE_K, nearest_similarity
from shared.jsonfile import write_json

NOTE = (
    "Fixed before any number was computed (bank-margin session, 2026-12-07). Rule: below the floor, answer the head's"
    " top in-scope intent when p1 >= lead_min AND p1 >= lead_ratio * p2 (p2: the second in-scope intent) AND p1 >"
    " the out_of_scope probability; the distance gate (with its staff bypass) and the harm cues keep their order and"
    " precedence, handoff and clarify otherwise unchanged. Candidates: lead_min in {0.30, 0.35, 0.40} x lead_ratio in"
    " {2, 3, 4}. Hard conditions, each against the shipped bot in the same run: Banking77 validation accuracy not"
    " lower; off-topic validation declined >= 99.30% (2,364 of 2,380) and at most 1 more off-topic validation row"
    " answered than shipped; false declines not higher; leave-one-source-out declined not lower by more than 0.05"
    " points; probe sets 1-5 wrong answers not more than shipped. Among candidates meeting all of them: the most"
    " right answers on sets 1-5, ties to the larger lead_min, then the larger lead_ratio. It ships only if it adds at"
    " least 5 right answers on sets 1-5 AND, on the fresh set 9 (scored once, after the choice, for shipped and the"
    " chosen candidate in the same run), its wrong answers are not more than shipped's. Set 7 is scored once for"
    " both, reported only."
)
SHIPPED = "shipped (no clear lead)"
CANDIDATES: dict[str, tuple[float | None, float | None]] = {SHIPPED: (None, None)}
CANDIDATES |= {f"lead {m:.2f} x{r}": (m, float(r)) for m in (0.30, 0.35, 0.40) for r in (2, 3, 4)}
CHOICE_PROBES = tuple(TESTS / f"colloquial_probes{s}.py" for s in ("", "_2", "_3", "_4", "_5"))
JUDGE, REPORTED = TESTS / "colloquial_probes_9.py", TESTS / "colloquial_probes_7.py"
MIN_OFF_TOPIC_DECLINED = 2364  # 99.30% of the 2,380 off-topic validation rows
MAX_MORE_OFF_TOPIC_ANSWERED = 1
LOSO_SLACK = 0.0005  # leave one source out declined may drop by at most 0.05 points
MIN_RIGHT_GAIN = 5  # more right answers on sets 1-5 than shipped


def thresholds(name: str) -> Thresholds:
    lead_min, lead_ratio = CANDIDATES[name]
    return Thresholds(lead_min=lead_min, lead_ratio=lead_ratio)


def validation(ctx: dict, probs: np.ndarray, th: Thresholds) -> dict:
    """``train.py``'s validation metrics of the gated validation-run probabilities under ``th``."""
    v = score(ctx["val"], probs, ctx["labels"], ctx["table"], th=th)
    v["false_declines_all_in_scope"] = false_declines_all_in_scope(v)
    return v


def loso_probabilities(ctx: dict) -> dict:
    """Per off-topic source: (its held-out floor, the held-out head's validation probabilities through the shipped
    gate). The heads are refit once and shared by every candidate."""
    inside = in_scope_rows(ctx)
    out = {}
    for held in SOURCES:
        head = held_out_head(held, ctx)
        probs = head_proba(head, ctx["xva"])
        floor = held_out_floor(held, ctx, probs)
        similarity = nearest_similarity(ctx["xva"], in_scope_memory(head), GATE_K)
        out[held] = (floor, confident_head_gate(probs, similarity, inside, floor, ctx["labels"], GATE_SHARE, True))
    return out


def in_scope_rows(ctx: dict) -> np.ndarray:
    return np.isin(np.array(ctx["val"].sources), [Source.BANKING77, Source.CLINC_BANK])


def leave_one_source_out(ctx: dict, gated: dict, name: str) -> dict:
    """``northwind_oos.py``'s numbers under this candidate: declined pooled over the sources, false declines and
    in-scope answered right averaged over them."""
    inside, va_src = in_scope_rows(ctx), ctx["val_sources"]
    per_source, n_off, declined = {}, 0, 0.0
    false, right = [], []
    for held, (floor, probs) in gated.items():
        scored = np.flatnonzero(inside | (va_src == held))
        th = Thresholds(floor=floor, lead_min=CANDIDATES[name][0], lead_ratio=CANDIDATES[name][1])
        decisions = {i: decide(probs[i], ctx["labels"], ctx["table"], th=th) for i in scored}
        m = source_metrics(decisions, scored, ctx, held, inside)
        n = int((va_src == held).sum())
        per_source[held] = round(m["off_topic_declined"], 4)
        n_off, declined = n_off + n, declined + m["off_topic_declined"] * n
        false.append(m["false_declines"])
        right.append(m["in_scope_right"])
    return {
        "off_topic_declined": round(declined / n_off, 4),
        "false_declines": round(float(np.mean(false)), 4),
        "in_scope_right": round(float(np.mean(right)), 4),
        "per_source": per_source,
    }


def probe_counts(name: str, paths) -> dict:
    """The shipped bot with this candidate's thresholds on its English path (other languages keep theirs) on each
    probe set."""
    model, table = get_model(), answer_table()
    model.english.thresholds = thresholds(name)
    try:
        out = {}
        for path in paths:
            r = score_probes(load_probes(path), model, table)
            out[path.stem] = {k: r[k] for k in PROBE_KEYS} | {"wrong": r["wrong"]}
            out[path.stem]["others_data_declined_as_such"] = (
                f"{r['others_data_declined_as_such']} of {r['n_others_data']}"
            )
        return out
    finally:
        model.english.thresholds = None


def summed(probes: dict, key: str) -> int:
    return sum(r[key] for r in probes.values())


def hard_conditions(entry: dict, shipped: dict) -> dict:
    """NOTE's hard conditions, each True when met."""
    v, s = entry["validation"], shipped["validation"]
    loso, loso_s = entry["leave_one_source_out"], shipped["leave_one_source_out"]
    return {
        "banking77_not_lower": v["banking77_accuracy"] >= s["banking77_accuracy"],
        "off_topic_declined_bar": v["n_off_topic_declined"] >= MIN_OFF_TOPIC_DECLINED,
        "off_topic_answered_at_most_1_more": v["n_off_topic_answered"]
        <= s["n_off_topic_answered"] + MAX_MORE_OFF_TOPIC_ANSWERED,
        "false_declines_not_higher": v["false_declines_all_in_scope"] <= s["false_declines_all_in_scope"],
        "loso_declined_within_0.05": loso["off_topic_declined"] >= loso_s["off_topic_declined"] - LOSO_SLACK,
        "sets_1_5_wrong_not_more": summed(entry["probes"], "answered_wrong")
        <= summed(shipped["probes"], "answered_wrong"),
    }


def choose(out: dict) -> str | None:
    """The candidate meeting every hard condition with the most right answers on sets 1-5 (ties: larger lead_min,
    then larger lead_ratio); None when none meets them."""
    passing = [n for n, e in out["candidates"].items() if n != SHIPPED and all(e["hard_conditions"].values())]
    if not passing:
        return None
    return max(passing, key=lambda n: (summed(out["candidates"][n]["probes"], "answered_right"), *CANDIDATES[n]))


def verdict(out: dict, chosen: str | None) -> dict:
    """NOTE's last two conditions on the chosen candidate: the gain on sets 1-5 and set 9's wrong answers."""
    if chosen is None:
        return {"ships": False, "reason": "no candidate meets every hard condition"}
    shipped, c = out["candidates"][SHIPPED], out["candidates"][chosen]
    gain = summed(c["probes"], "answered_right") - summed(shipped["probes"], "answered_right")
    wrong = (c["final_probes"][JUDGE.stem]["answered_wrong"], shipped["final_probes"][JUDGE.stem]["answered_wrong"])
    ships = gain >= MIN_RIGHT_GAIN and wrong[0] <= wrong[1]
    reason = f"sets 1-5 right +{gain} (needs +{MIN_RIGHT_GAIN}); set 9 wrong {wrong[0]} against shipped {wrong[1]}"
    return {"ships": ships, "reason": reason, "sets_1_5_right_gain": gain}


def markdown(out: dict) -> str:
    """The README's table: one row per candidate (percentages as in the JSON; probes right / wrong / held)."""

    def counts(r: dict | None) -> str:
        return f"{r['answered_right']} / {r['answered_wrong']} / {r['asked_back_or_declined']}" if r else "not scored"

    lines = [
        "| rule | Banking77 | banking + cards | off-topic declined / answered / false declines (validation) "
        "| leave one source out: declined / false declines | sets 1-5: right / wrong / held | hard conditions "
        "| set 9 (scored once) | set 7 (reported) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, e in out["candidates"].items():
        v, loso, final = e["validation"], e["leave_one_source_out"], e.get("final_probes", {})
        cells = [f"{100 * v[k]:.2f}%" for k in ("banking77_accuracy", "banking_accuracy")]
        cells.append(
            f"{v['n_off_topic_declined']} ({100 * v['decline_rate']:.2f}%) / {v['n_off_topic_answered']} / "
            f"{100 * v['false_declines_all_in_scope']:.2f}%"
        )
        cells.append(f"{100 * loso['off_topic_declined']:.2f}% / {100 * loso['false_declines']:.2f}%")
        sums = {k: summed(e["probes"], k) for k in ("answered_right", "answered_wrong", "asked_back_or_declined")}
        cells.append(counts(sums))
        failed = [k for k, ok in e.get("hard_conditions", {}).items() if not ok]
        cells.append("baseline" if name == SHIPPED else "all met" if not failed else "fails: " + ", ".join(failed))
        cells += [counts(final.get(JUDGE.stem)), counts(final.get(REPORTED.stem))]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def arguments(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_kit_arguments(p, cache=True)
    p.add_argument("--out", type=Path, help="also write the JSON here")
    p.add_argument("--tables", type=Path, help="also write the markdown table here")
    return p.parse_args(argv)


def main(argv=None) -> dict:
    args = arguments(argv)
    ctx = context(args, COLLOQUIAL_FILE)
    head = validation_run_head(load_head(MODEL_DIR / HEAD_FILE), ctx["train"], ctx["xtr"])
    val_probs, cut, low = gated_validation(head, ctx["val"], ctx["xva"], HANDOFF_BYPASS)
    gated = loso_probabilities(ctx)
    out: dict = {"note": NOTE, "cut": round(cut, 4), "low": round(low, 4), "candidates": {}}
    for name in CANDIDATES:
        entry = {"lead_min": CANDIDATES[name][0], "lead_ratio": CANDIDATES[name][1]}
        entry["validation"] = validation(ctx, val_probs, thresholds(name))
        entry["leave_one_source_out"] = leave_one_source_out(ctx, gated, name)
        entry["probes"] = probe_counts(name, CHOICE_PROBES)
        if name != SHIPPED:
            entry["hard_conditions"] = hard_conditions(entry, out["candidates"][SHIPPED])
        out["candidates"][name] = entry
        print(json.dumps({name: entry}), flush=True)
    chosen = choose(out)
    out["chosen"] = chosen
    judged = [SHIPPED, chosen] if chosen else [SHIPPED]
    for name in judged:  # the judge (and set 7), read once, after the choice
        out["candidates"][name]["final_probes"] = probe_counts(name, [JUDGE, REPORTED])
    out["verdict"] = verdict(out, chosen)
    table = markdown(out)
    print(json.dumps(out["verdict"]), "\n" + table)
    if args.out:
        write_json(args.out, out)
    if args.tables:
        args.tables.write_text(table + "\n", encoding="utf-8")
    return out


if __name__ == "__main__":
    main()

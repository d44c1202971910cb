"""Evaluate the bank bot end to end (same code path as the app) and print one JSON object.

    python spaces/bank_bot/evaluate.py --banking77 FILE.csv --clinc FILE.json [--domains domains.json]

--banking77: CSV with header text,category (Banking77 intent names) -> accuracy.
--clinc: JSON in CLINC150 data_full.json layout -> banking_accuracy, decline_rate, false_decline_rate.
--examples: CSV with header text,intent[,language] (intent ids, out_of_scope for off-topic rows), in any of the
    bot's languages -> accuracy, decline_rate, false_decline_rate, n and the same per language (the file's
    language column, else the detected language), e.g. the hand-written set:
    python spaces/bank_bot/evaluate.py --examples spaces/bank_bot/data/multilingual/val.csv
--model: a folder written by specialize.py (a company's own bot, "Make it yours") instead of the shipped bot;
    it goes with --examples (the company's CSV format: text,intent with out_of_scope rows):
    python spaces/bank_bot/evaluate.py --model DIR --examples TEST.csv
All give p50_ms / p95_ms: one message at a time through bankbot.conversation.bot.respond.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bankbot.conversation.policy import Action, AnswerTable
from bankbot.models.data import (
    BANKING_DOMAINS,
    DEFAULT_DATA,
    OUT_OF_SCOPE,
    Source,
    clinc_label,
    clinc_source,
    read_banking77,
    read_domains,
)

HERE = Path(__file__).resolve().parent

KIT_DOMAINS = DEFAULT_DATA / "clinc150" / "domains.json"


def pick_keys(data: dict, keys: str | None) -> list[str]:
    """Default: the test keys if any, else the val keys, else everything."""
    if keys:
        return [k for k in keys.split(",") if k in data]
    for marker in ("test", "val"):
        chosen = [k for k in data if marker in k]
        if chosen:
            return chosen
    return list(data)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, round(q / 100 * (len(s) - 1)))]


def run(texts: list[str], model, table, respond) -> tuple[list, list[float]]:
    replies, times = run_replies(texts, model, table, respond)
    return [r.decision for r in replies], times


def run_replies(texts: list[str], model, table, respond) -> tuple[list, list[float]]:
    replies, times = [], []
    for text in texts:
        t0 = time.perf_counter()
        replies.append(respond(text, [], model, table))
        times.append((time.perf_counter() - t0) * 1000)
    return replies, times


def score_examples(path: Path, limit: int, model, table, respond) -> tuple[dict, list[float]]:
    """--examples: the metrics of bankbot.conversation.evaluation over all rows and per language, with latencies."""
    from bankbot.conversation.evaluation import decision_metrics
    from bankbot.models.examples import read_examples

    rows = read_examples(path)
    rows = rows[:limit] if limit else rows
    replies, times = run_replies([r.text for r in rows], model, table, respond)
    gold = [r.intent for r in rows]
    out = decision_metrics(gold, [r.decision for r in replies])
    out |= {"p50_ms": round(statistics.median(times), 2), "p95_ms": round(percentile(times, 95), 2)}
    languages = [row.language or reply.language for row, reply in zip(rows, replies, strict=True)]
    out["languages"] = {}
    for lang in sorted(set(languages)):
        idx = [i for i, x in enumerate(languages) if x == lang]
        m = decision_metrics([gold[i] for i in idx], [replies[i].decision for i in idx])
        lang_times = [times[i] for i in idx]
        m |= {"p50_ms": round(statistics.median(lang_times), 2), "p95_ms": round(percentile(lang_times, 95), 2)}
        out["languages"][lang] = m
    labelled = [(row.language, reply.language) for row, reply in zip(rows, replies, strict=True) if row.language]
    if labelled:
        out["language_detection_accuracy"] = round(sum(a == b for a, b in labelled) / len(labelled), 4)
    return out, times


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--banking77", type=Path, help="CSV with header text,category")
    p.add_argument("--clinc", type=Path, help="JSON in CLINC150 data_full.json layout")
    p.add_argument(
        "--domains", type=Path, default=KIT_DOMAINS if KIT_DOMAINS.exists() else None, help="CLINC domains.json"
    )
    p.add_argument("--examples", type=Path, help="CSV with header text,intent[,language]; out_of_scope rows")
    p.add_argument("--clinc-keys", help="comma-separated keys of --clinc to use (default: test keys, else val)")
    p.add_argument("--head-dir", type=Path, help="evaluate another trained head (folder), e.g. the validation run")
    p.add_argument("--limit", type=int, default=0, help="use only the first N rows of each file (smoke tests)")
    p.add_argument("--model", type=Path, help="a company's own bot: a folder written by specialize.py")
    args = p.parse_args(argv)
    if not (args.banking77 or args.clinc or args.examples):
        p.error("give --banking77, --clinc and/or --examples")
    if args.model and (args.banking77 or args.clinc or args.head_dir or not args.examples):
        p.error("--model (a company's own bot) goes with --examples only")
    if args.clinc and not args.domains:
        p.error("--domains is required (the kit's copy was not found)")

    from bankbot.conversation.bot import respond
    from bankbot.models.model import get_model

    t0 = time.perf_counter()
    if args.model:
        from bankbot.company.folder import load_company

        model, table = load_company(args.model)
    else:
        model, table = get_model(args.head_dir), AnswerTable.load()
    load_s = time.perf_counter() - t0
    table.check(model.labels)
    respond("warm up", [], model, table)
    out: dict = {"model": model.info.get("name", str(args.head_dir or "shipped")), "load_s": round(load_s, 2)}
    all_times: list[float] = []

    if args.banking77:
        rows = read_banking77(args.banking77)
        rows = rows[: args.limit] if args.limit else rows
        decisions, times = run([t for t, _ in rows], model, table, respond)
        gold = [c for _, c in rows]
        n = len(rows)
        out["banking77"] = {
            "n": n,
            "accuracy": round(sum(d.intent == g for d, g in zip(decisions, gold, strict=True)) / n, 4),
            "answered_correctly": round(
                sum(d.intent == g and d.action == Action.ANSWER for d, g in zip(decisions, gold, strict=True)) / n, 4
            ),
            "clarify_rate": round(sum(d.action == Action.CLARIFY for d in decisions) / n, 4),
            "false_decline_rate": round(sum(d.action == Action.DECLINE for d in decisions) / n, 4),
            "p50_ms": round(statistics.median(times), 2),
            "p95_ms": round(percentile(times, 95), 2),
        }
        out["accuracy"] = out["banking77"]["accuracy"]
        all_times += times

    if args.clinc:
        data = json.loads(args.clinc.read_text(encoding="utf-8"))
        keys = pick_keys(data, args.clinc_keys)
        domains = read_domains(args.domains)
        pairs = [tuple(p) for k in keys for p in data[k]]
        pairs = pairs[: args.limit] if args.limit else pairs
        decisions, times = run([t for t, _ in pairs], model, table, respond)
        bank, off, talk = [], [], []
        for (_, intent), d in zip(pairs, decisions, strict=True):
            domain = domains.get(intent)
            src = clinc_source(intent, domain)
            gold = clinc_label(intent, domain)
            if src == Source.CLINC_BANK:
                bank.append((d, gold))
            elif gold == OUT_OF_SCOPE:  # oos queries and the other domains' intents we do not serve
                off.append(d)
            else:  # other-domain intents we serve (small talk; exchange_rate from "travel",
                # mapped to the Banking77 intent): not expected to be declined, scored separately
                talk.append((d, gold))
        out["clinc"] = {
            "keys": keys,
            "n_banking": len(bank),
            "n_off_topic": len(off),
            "n_other_served": len(talk),
            "banking_accuracy": round(sum(d.intent == g for d, g in bank) / max(1, len(bank)), 4),
            "decline_rate": round(sum(d.action == Action.DECLINE for d in off) / max(1, len(off)), 4),
            "false_decline_rate": round(sum(d.action == Action.DECLINE for d, _ in bank) / max(1, len(bank)), 4),
            "other_served_accuracy": round(sum(d.intent == g for d, g in talk) / max(1, len(talk)), 4),
            "clarify_rate_banking": round(sum(d.action == Action.CLARIFY for d, _ in bank) / max(1, len(bank)), 4),
            "p50_ms": round(statistics.median(times), 2),
            "p95_ms": round(percentile(times, 95), 2),
            "domains_counted_as_banking": list(BANKING_DOMAINS),
        }
        for k in ("banking_accuracy", "decline_rate", "false_decline_rate"):
            out[k] = out["clinc"][k]
        all_times += times

    if args.examples:
        out["examples"], times = score_examples(args.examples, args.limit, model, table, respond)
        for k in ("accuracy", "decline_rate", "false_decline_rate", "n"):
            out[k] = out["examples"][k]
        all_times += times

    out["p50_ms"] = round(statistics.median(all_times), 2)
    out["p95_ms"] = round(percentile(all_times, 95), 2)
    from threadpoolctl import threadpool_info

    out["blas_threads"] = max((p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"), default=None)
    print(json.dumps(out, indent=1))
    return out


if __name__ == "__main__":
    main()

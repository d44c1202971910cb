"""Compare the shipped recipe with two baselines on the same split, in one run, and print a table.

    python spaces/bank_bot/benchmark.py [--banking77 ...] [--clinc ...] [--domains ...] [--cache vectors.npz]

Systems (all trained on the same training part, scored on the same validation part, see train.py):
  tfidf+LR        TF-IDF word 1-2-grams + logistic regression (C=10), same 111-intent inventory
  MiniLM+LR(C=1)  frozen all-MiniLM-L6-v2 + logistic regression with scikit-learn defaults, same inventory
  MiniLM+LR B77   frozen MiniLM + LR (C=10) trained on Banking77 only (no off-topic class): what most demos do
  shipped         the shipped recipe (validation-run encoder delta + head from train.py --val-out) through
                  bankbot.conversation.bot.respond
Decline = predicted out_of_scope (for the shipped bot: the policy's "decline" action).
Latency: one message at a time, one BLAS thread, median / 95th percentile over --latency-n messages.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np

from bankbot.conversation.policy import Action, AnswerTable
from bankbot.models.data import OUT_OF_SCOPE, Source, add_kit_arguments, build_splits

HERE = Path(__file__).resolve().parent


def metrics(split, pred, declined) -> dict:
    src, gold = np.array(split.sources), np.array(split.labels)
    pred, declined = np.array(pred), np.array(declined)
    b77, bank = src == Source.BANKING77, src == Source.CLINC_BANK
    off = np.isin(src, Source.OFF_TOPIC) & (gold == OUT_OF_SCOPE)
    return {
        "b77": (pred[b77] == gold[b77]).mean(),
        "bank": (pred[bank] == gold[bank]).mean(),
        "decline": declined[off].mean(),
        "false_decline": declined[bank | b77].mean(),
    }


def latency(fn, texts) -> tuple[float, float]:
    """Median and 95th percentile in ms, one message at a time on one BLAS thread (as the app runs)."""
    from threadpoolctl import threadpool_limits

    times = []
    with threadpool_limits(limits=1, user_api="blas"):
        for t in texts:
            t0 = time.perf_counter()
            fn(t)
            times.append((time.perf_counter() - t0) * 1000)
    s = sorted(times)
    return statistics.median(s), s[round(0.95 * (len(s) - 1))]


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_kit_arguments(p)
    p.add_argument(
        "--val-head",
        type=Path,
        default=Path("/tmp/bank_bot_validation/model"),
        help="the validation-run head written by train.py",
    )
    p.add_argument("--cache", type=Path, help="an .npz of the frozen sentence vectors; written when missing")
    p.add_argument("--latency-n", type=int, default=300)
    args = p.parse_args(argv)

    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    from bankbot.conversation.bot import respond
    from bankbot.models.model import load_encoder_with, load_intent_model

    train, val = build_splits(args.banking77, args.clinc, args.domains, seed=0)
    rng = np.random.default_rng(0)
    lat_texts = [val.texts[i] for i in rng.choice(len(val), size=min(args.latency_n, len(val)), replace=False)]
    texts = sorted(set(train.texts) | set(val.texts))
    enc = load_encoder_with(None)  # the original, frozen encoder
    if args.cache and args.cache.exists() and list(np.load(args.cache)["texts"]) == texts:
        vectors = np.load(args.cache)["E"]
    else:
        vectors = enc.encode(texts)
        if args.cache:
            np.savez(args.cache, texts=np.array(texts), E=vectors)
    row = {t: i for i, t in enumerate(texts)}
    Xtr, Xva = vectors[[row[t] for t in train.texts]], vectors[[row[t] for t in val.texts]]
    ytr = np.array(train.labels)
    rows = []

    vec = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1)
    tf = LogisticRegression(C=10, max_iter=3000).fit(vec.fit_transform(train.texts), ytr)
    pred = tf.predict(vec.transform(val.texts))
    rows.append(
        (
            "TF-IDF + LR",
            metrics(val, pred, pred == OUT_OF_SCOPE),
            latency(lambda t: tf.predict_proba(vec.transform([t])), lat_texts),
        )
    )

    lr1 = LogisticRegression(max_iter=3000).fit(Xtr, ytr)
    pred = lr1.predict(Xva)
    rows.append(
        (
            "MiniLM + LR (defaults)",
            metrics(val, pred, pred == OUT_OF_SCOPE),
            latency(lambda t: lr1.predict_proba(enc.encode([t])), lat_texts),
        )
    )

    b = np.array(train.sources) == Source.BANKING77
    lrb = LogisticRegression(C=10, max_iter=3000).fit(Xtr[b], ytr[b])
    pred = lrb.predict(Xva)
    rows.append(
        (
            "MiniLM + LR, Banking77 only",
            metrics(val, pred, pred == OUT_OF_SCOPE),
            latency(lambda t: lrb.predict_proba(enc.encode([t])), lat_texts),
        )
    )

    model = load_intent_model(args.val_head)
    table = AnswerTable.load()
    decisions = [respond(t, [], model, table).decision for t in val.texts]
    rows.append(
        (
            "shipped recipe (bot.respond)",
            metrics(val, [d.intent for d in decisions], [d.action == Action.DECLINE for d in decisions]),
            latency(lambda t: respond(t, [], model, table), lat_texts),
        )
    )

    print(
        f"validation: {sum(s == Source.BANKING77 for s in val.sources)} Banking77, "
        f"{sum(s == Source.CLINC_BANK for s in val.sources)} CLINC banking, "
        f"{sum(s in Source.OFF_TOPIC for s in val.sources)} off-topic queries; "
        f"latency over {len(lat_texts)} messages, 1 BLAS thread, load average {os.getloadavg()[0]:.1f}"
    )
    print()
    print("| system | Banking77 acc | banking+cards acc | decline rate | false decline | p50 ms | p95 ms |")
    print("|---|---|---|---|---|---|---|")
    for name, m, (p50, p95) in rows:
        print(
            f"| {name} | {100 * m['b77']:.2f}% | {100 * m['bank']:.2f}% | {100 * m['decline']:.2f}% | "
            f"{100 * m['false_decline']:.2f}% | {p50:.1f} | {p95:.1f} |"
        )
    ship, tfidf = rows[-1][1], rows[0][1]
    print()
    print(
        f"shipped vs TF-IDF: Banking77 errors x{(1 - ship['b77']) / max(1e-9, 1 - tfidf['b77']):.2f}, "
        f"missed declines x{(1 - ship['decline']) / max(1e-9, 1 - tfidf['decline']):.2f}"
    )


if __name__ == "__main__":
    main()

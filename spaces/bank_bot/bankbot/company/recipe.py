"""Train a company's own bot from its examples (CPU, minutes): the recipe behind ``specialize.py`` and
the "Make it yours" tab. Gradio-free; needs torch (training only, like ``finetune.py``).

1. encode the examples with the frozen MiniLM; take the built-in off-topic bank minus everything close to
   the company's examples (``offtopic.negatives_for``), plus the company's own ``out_of_scope`` rows;
2. hold out a stratified share of the examples (and of the negatives) for an honest check;
3. fine-tune the encoder's top layers with an intent head on the rest (``finetune.finetune_top_layers``);
4. fit a logistic-regression head (intents + ``out_of_scope``) on the fine-tuned vectors; score the
   held-out rows through the same decision rule as the app, and the frozen-encoder + logistic-regression
   baseline on the same rows;
5. refit the head on every row (the encoder stays the one trained without the held-out rows).
"""

from __future__ import annotations

import math
import random
import time
from collections import Counter
from dataclasses import asdict, dataclass, field

import numpy as np

from .data import OUT_OF_SCOPE, Examples
from .offtopic import OffTopicBank, negatives_for


@dataclass(frozen=True)
class Recipe:
    """Chosen on a 45-intent CLINC150 company (travel, utility, home: 10 train examples per intent, scored
    on CLINC150 val); see README "Make it yours"."""

    layers: int = 3  # top encoder layers fine-tuned
    epochs: int = 4
    lr: float = 1e-4
    finetune_negatives: int = 600  # built-in negatives seen while fine-tuning
    head_negatives: int = 2000  # built-in negatives the head is fitted on
    check_negatives: int = 400  # held-out built-in negatives for the decline check
    C: float = 10.0
    finetune_negative_share: float = 1.0  # total loss weight of built-in negatives while fine-tuning (x company rows)
    # In the head, the built-in negatives together weigh this share of the company's rows for a 45-intent company
    # (measured), more for fewer intents (x sqrt(45 / intents)) so a small company's off-topic class does not vanish.
    negative_share: float = 0.03
    decline_below: float = 0.2  # no answer when the top intent's probability is below this (the policy's floor)
    holdout: float = 0.2
    seed: int = 0


@dataclass
class Result:
    labels: list[str]  # company intents + out_of_scope
    weight: np.ndarray
    bias: np.ndarray
    delta: dict[str, np.ndarray]
    metrics: dict
    baseline: dict
    data: dict
    confusions: list[dict] = field(default_factory=list)
    timings: dict = field(default_factory=dict)
    recipe: dict = field(default_factory=dict)


def stratified_holdout(intents: list[str], share: float, seed: int) -> np.ndarray:
    """Boolean mask of held-out rows: ``share`` of each intent (at least 1 when it has 3 or more rows)."""
    rng = random.Random(seed)
    held = np.zeros(len(intents), bool)
    by: dict[str, list[int]] = {}
    for i, intent in enumerate(intents):
        by.setdefault(intent, []).append(i)
    for rows in by.values():
        k = max(1, round(share * len(rows))) if len(rows) >= 3 else 0
        held[rng.sample(rows, k)] = True
    return held


def fit_head(X, y, weights, labels, C, seed):
    from sklearn.linear_model import LogisticRegression

    clf = LogisticRegression(C=C, max_iter=3000, random_state=seed)
    clf.fit(X, y, sample_weight=weights)
    order = [list(clf.classes_).index(lab) for lab in labels]
    return clf.coef_[order].astype(np.float32), clf.intercept_[order].astype(np.float32)


def proba(weight, bias, X):
    z = X @ weight.T + bias
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def decisions(P: np.ndarray, labels: list[str], decline_below: float) -> list[str]:
    """The predicted intent of each row, or out_of_scope when the bot would decline it."""
    top = P.argmax(axis=1)
    return [
        OUT_OF_SCOPE if labels[j] == OUT_OF_SCOPE or P[i, j] < decline_below else labels[j] for i, j in enumerate(top)
    ]


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """95% confidence interval of a proportion (Wilson score), sensible for small n."""
    if n == 0:
        return (0.0, 1.0)
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (round(max(0.0, centre - half), 4), round(min(1.0, centre + half), 4))


def score(pred: list[str], gold: list[str]) -> dict:
    """accuracy (in-scope rows answered with the right intent), decline_rate (off-topic rows declined),
    false_decline_rate (in-scope rows declined), with counts and 95% intervals."""
    ins = [(p, g) for p, g in zip(pred, gold, strict=True) if g != OUT_OF_SCOPE]
    off = [p for p, g in zip(pred, gold, strict=True) if g == OUT_OF_SCOPE]
    right = sum(p == g for p, g in ins)
    declined = sum(p == OUT_OF_SCOPE for p in off)
    false_dec = sum(p == OUT_OF_SCOPE for p, _ in ins)
    return {
        "accuracy": round(right / max(1, len(ins)), 4),
        "accuracy_ci95": wilson(right, len(ins)),
        "decline_rate": round(declined / max(1, len(off)), 4),
        "decline_rate_ci95": wilson(declined, len(off)),
        "false_decline_rate": round(false_dec / max(1, len(ins)), 4),
        "n_in_scope": len(ins),
        "n_off_topic": len(off),
        "errors": (len(ins) - right) + (len(off) - declined),
    }


def confused_pairs(pred, gold, texts, top: int = 5) -> list[dict]:
    pairs = Counter((g, p) for p, g in zip(pred, gold, strict=True) if p != g)
    out = []
    for (g, p), n in pairs.most_common(top):
        example = next(t for t, pp, gg in zip(texts, pred, gold, strict=True) if gg == g and pp == p)
        out.append({"intent": g, "answered_as": p, "count": n, "example": example})
    return out


def train_company(
    examples: Examples,
    bank: OffTopicBank,
    frozen_encoder,
    recipe: Recipe = Recipe(),
    progress=lambda fraction, message: None,
) -> Result:
    """The whole recipe on one company's checked examples (see the module docstring)."""
    import torch

    from ..models.encoder import MiniLM
    from ..models.finetune import cache_lower_states, embed_states, finetune_top_layers

    torch.manual_seed(recipe.seed)
    t_start, c_start = time.perf_counter(), time.process_time()
    rng = np.random.RandomState(recipe.seed)
    timings: dict[str, float] = {}

    def lap(name: str, t0: float) -> float:
        timings[name] = round(time.perf_counter() - t0, 1)
        return time.perf_counter()

    texts, intents = list(examples.texts), list(examples.intents)
    labels = examples.labels + [OUT_OF_SCOPE]
    own = np.array([i != OUT_OF_SCOPE for i in intents])
    progress(0.02, "Reading your examples")
    t0 = time.perf_counter()
    frozen = frozen_encoder.encode(texts)
    keep, dropped = negatives_for(bank, frozen[own], [i for i in intents if i != OUT_OF_SCOPE])
    t0 = lap("encode_examples", t0)

    # held-out check: a share of the company's rows and of the usable built-in negatives
    held = stratified_holdout(intents, recipe.holdout, recipe.seed)
    keep = rng.permutation(keep)
    n_check = min(recipe.check_negatives, len(keep) // 5)
    check_neg, train_neg = keep[:n_check], keep[n_check:]
    head_neg = train_neg[: recipe.head_negatives]
    ft_neg = head_neg[: recipe.finetune_negatives]
    final_neg = np.concatenate([head_neg, check_neg])

    all_texts = texts + [bank.texts[i] for i in final_neg]
    n_own = len(texts)
    progress(0.08, f"Preparing {len(all_texts):,} sentences")
    states = cache_lower_states(frozen_encoder, all_texts, recipe.layers)
    t0 = lap("lower_layers", t0)
    pos = {int(b): n_own + k for k, b in enumerate(final_neg)}  # bank row -> index in all_texts

    train_rows = [i for i in range(n_own) if not held[i]]
    ft_rows = train_rows + [pos[int(b)] for b in ft_neg]
    y_ft = np.array([labels.index(intents[i]) for i in train_rows] + [len(labels) - 1] * len(ft_neg))
    w_ft = _weights(len(train_rows), len(ft_neg), recipe.finetune_negative_share)
    w0, b0 = fit_head(
        np.vstack([frozen[train_rows], bank.vectors[ft_neg]]), [labels[j] for j in y_ft], w_ft, labels, recipe.C, 0
    )
    progress(0.15, "Fine-tuning the encoder")

    def log(msg: str) -> None:  # finetune_top_layers reports "epoch N done in S s"
        if msg.startswith("epoch") and "done" in msg:
            done = int(msg.split()[1])
            progress(0.15 + 0.6 * done / recipe.epochs, f"Fine-tuning: pass {done} of {recipe.epochs}")

    delta, _ = finetune_top_layers(
        frozen_encoder,
        [all_texts[i] for i in ft_rows],
        y_ft,
        w_ft.astype(np.float32),
        w0,
        b0,
        layers=recipe.layers,
        epochs=recipe.epochs,
        lr=recipe.lr,
        seed=recipe.seed,
        states=[states[i] for i in ft_rows],
        log=log,
    )
    t0 = lap("finetune", t0)
    progress(0.78, "Scoring the held-out examples")
    vectors = embed_states(MiniLM(frozen_encoder.folder, delta), states, recipe.layers)
    t0 = lap("embed", t0)

    def head_on(rows_own, negs, X_own, X_neg):
        y = [intents[i] for i in rows_own] + [OUT_OF_SCOPE] * len(negs)
        w = _weights(len(rows_own), len(negs), recipe.negative_share * math.sqrt(45 / (len(labels) - 1)))
        return fit_head(np.vstack([X_own, X_neg]), y, w, labels, recipe.C, recipe.seed)

    neg_x = {int(b): vectors[pos[int(b)]] for b in final_neg}
    check_rows = [i for i in range(n_own) if held[i]]
    gold = [intents[i] for i in check_rows] + [OUT_OF_SCOPE] * len(check_neg)
    check_texts = [texts[i] for i in check_rows] + [bank.texts[i] for i in check_neg]

    w, b = head_on(train_rows, head_neg, vectors[train_rows], np.stack([neg_x[int(i)] for i in head_neg]))
    Xc = np.vstack([vectors[check_rows], np.stack([neg_x[int(i)] for i in check_neg])])
    pred = decisions(proba(w, b, Xc), labels, recipe.decline_below)
    metrics = score(pred, gold)
    confusions = confused_pairs(pred, gold, check_texts)

    # the simple baseline on the same rows: frozen encoder + scikit-learn's default logistic regression
    from sklearn.linear_model import LogisticRegression

    base = LogisticRegression(max_iter=3000, class_weight="balanced", random_state=recipe.seed)
    base.fit(
        np.vstack([frozen[train_rows], bank.vectors[head_neg]]),
        [intents[i] for i in train_rows] + [OUT_OF_SCOPE] * len(head_neg),
    )
    Xb = np.vstack([frozen[check_rows], bank.vectors[check_neg]])
    base_pred = [str(p) for p in base.predict(Xb)]
    baseline = score(base_pred, gold)
    t0 = lap("check", t0)

    progress(0.9, "Fitting the final model on every example")
    w, b = head_on(list(range(n_own)), final_neg, vectors[:n_own], np.stack([neg_x[int(i)] for i in final_neg]))
    lap("final_head", t0)
    counts = Counter(intents)
    data = {
        "intents": len(labels) - 1,
        "examples": int(own.sum()),
        "own_out_of_scope_examples": int((~own).sum()),
        "examples_per_intent": {"min": min(counts[i] for i in labels[:-1]), "max": max(counts[i] for i in labels[:-1])},
        "builtin_negatives_available": len(bank),
        "builtin_negatives_used": len(final_neg),
        "builtin_negative_rows": [int(i) for i in final_neg],  # the bank rows (same rows for the baseline)
        "builtin_groups_dropped": dropped,
        "held_out_examples": len(check_rows),
        "held_out_negatives": len(check_neg),
        "warnings": list(examples.warnings),
    }
    timings["total_s"] = round(time.perf_counter() - t_start, 1)
    timings["cpu_s"] = round(time.process_time() - c_start, 1)
    progress(1.0, "Done")
    return Result(labels, w, b, delta, metrics, baseline, data, confusions, timings, asdict(recipe))


def _weights(n_own: int, n_neg: int, share: float) -> np.ndarray:
    """Company rows weigh 1; the built-in negatives share ``share`` x the company's total weight."""
    neg = share * n_own / max(1, n_neg)
    return np.r_[np.ones(n_own), np.full(n_neg, neg)]


def specialize(
    examples: Examples,
    answers: dict[str, str],
    out,
    company: str = "our",
    recipe: Recipe = Recipe(),
    threads: int = 1,
    progress=None,
):
    """Train a company bot and write its folder; returns (Result, {file: sha256})."""
    from pathlib import Path

    import torch

    from shared.device import configure_cpu_threads

    from ..models.model import frozen_encoder
    from .card import company_card
    from .folder import write_folder
    from .offtopic import load_builtin_bank

    torch.set_num_threads(threads)
    configure_cpu_threads()
    progress = progress or (lambda fraction, message: None)
    result = train_company(examples, load_builtin_bank(), frozen_encoder(), recipe, progress)
    digests = write_folder(Path(out), result, answers, company, company_card(company, result))
    return result, digests

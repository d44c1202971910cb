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

from ..models import oos
from ..models.encoder import join_members
from ..models.oos import DEFAULT_PRESET, PRESETS, Space
from .augment import augmented_copies
from .data import OUT_OF_SCOPE, Examples
from .nearmiss import near_misses
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
    # no answer when the top intent's probability is below this (the policy's floor); the gate does the rest
    decline_below: float = 0.1
    holdout: float = 0.2
    seed: int = 0
    # Out of scope (bankbot.models.oos): the score that gates answers, the preset the company picked, and the
    # share of the bank's topics (whole groups) kept out of training to measure declines on unseen topics.
    oos_method: str = "energy"  # best trade-off with the auto preset in oos_benchmark.py (results/oos_benchmark.json)
    preset: str = DEFAULT_PRESET
    knn_k: int = 3
    check_group_share: float = 0.2
    min_check_examples: int = 60  # fewer held-out rows than this in one fold: check every fold (k-fold)
    # After the check, fine-tune once more on every example (the checked encoder never saw its held-out fold);
    # the thresholds carry over through the unseen built-in topics (``carry_over``)
    final_finetune: bool = True
    # bank groups that ask one of the company's intents by name leave its negatives (company/overlap.py); False
    # only to measure the bank as it was (oos_benchmark.py's raw rows)
    same_question_by_label: bool = True
    # SetFit-style: fine-tuning batches of same-intent pairs with a supervised contrastive loss of this weight
    # (0: the plain intent loss only), and this many augmented copies of each company example (fine-tuning only)
    contrastive: float = 0.0
    temperature: float = 0.1
    # 2 copies won on travel/utility/home's other-domains fold but lost on the kitchen/auto/work company (README
    # "Make it yours": recipe trials, results/oos_benchmark_augment_trial.json): off
    augment: int = 0
    label_smoothing: float = 0.0  # of the fine-tuning loss (a trial: README "Make it yours")
    # A trial, off: the head, the gate and the kNN memory see [fine-tuned MiniLM ; frozen multilingual-e5-small]
    # (each L2-normalised) instead of the fine-tuned MiniLM vector alone (README "Make it yours": e5 trial)
    e5: bool = False
    # A trial, off: a deep ensemble of this many fine-tuned top-layer stacks over the same cached lower layers, member
    # m with seed ``seed + m`` and its own draw of the built-in fine-tuning negatives (member 0 is today's run); the
    # head, the gate and the kNN memory see the members' unit vectors side by side, scaled by 1/sqrt(members) (a unit
    # vector whose cosine is the members' mean cosine). README "Make it yours": ensemble trial
    members: int = 1
    # A trial, off: this many synthetic near-misses of each training example (its intent's most distinctive words
    # swapped for words of built-in off-topic sentences: company/nearmiss.py), labelled out_of_scope in fine-tuning
    # and in the head, where together they weigh ``near_miss_share`` of the negatives' total weight (the built-in
    # negatives the rest). README "Make it yours": near-miss trial
    near_misses: int = 0
    near_miss_share: float = 0.3
    # A trial, off: start from the intent-pretrained base (train_company_base.py: all 6 layers fine-tuned on Banking77's
    # intents; IntentBERT / CPFT) instead of the pinned MiniLM: the lower layers run through the base, the company
    # fine-tunes the base's top ``layers``, and the company's delta holds all 6 (serving needs no change). The overlap
    # filters and the frozen baseline keep the pinned MiniLM's vectors. README "Make it yours": base trial
    base: bool = False


@dataclass
class Result:
    labels: list[str]  # company intents + out_of_scope
    weight: np.ndarray
    bias: np.ndarray
    deltas: list[dict[str, np.ndarray]]  # each member's encoder delta, member 0 first (one unless recipe.members > 1)
    metrics: dict
    baseline: dict
    data: dict
    confusions: list[dict] = field(default_factory=list)
    timings: dict = field(default_factory=dict)
    recipe: dict = field(default_factory=dict)
    oos: dict = field(default_factory=dict)  # the gate (method, threshold, presets and their measured rates)
    memory: np.ndarray | None = None  # the company's own examples in the fine-tuned space (the kNN gate)
    memory_targets: np.ndarray | None = None
    spaces: dict = field(default_factory=dict)  # "check" / "final": oos.Space (benchmarks; not written)

    @property
    def delta(self) -> dict[str, np.ndarray]:
        """Member 0's delta: a single bot's only one."""
        return self.deltas[0]


def stratified_folds(intents: list[str], k: int, seed: int) -> np.ndarray:
    """Fold (0..k-1) of each row, spread evenly within each intent; -1 (never held out) for intents with
    fewer than 3 rows, which need every row to be learned at all."""
    rng = random.Random(seed)
    fold = np.full(len(intents), -1)
    by: dict[str, list[int]] = {}
    for i, intent in enumerate(intents):
        by.setdefault(intent, []).append(i)
    offset = 0
    for rows in by.values():
        if len(rows) < 3:
            continue
        rng.shuffle(rows)
        for j, i in enumerate(rows):
            fold[i] = (j + offset) % k
        offset += len(rows)  # the next intent starts where this one stopped: folds stay the same size
    return fold


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


def decisions(P: np.ndarray, labels: list[str], decline_below: float, gated: np.ndarray | None = None) -> list[str]:
    """The predicted intent of each row, or out_of_scope when the bot would decline it (``gated``: rows the
    out-of-scope gate declines)."""
    top = P.argmax(axis=1)
    gated = np.zeros(len(P), bool) if gated is None else gated
    return [
        OUT_OF_SCOPE if labels[j] == OUT_OF_SCOPE or P[i, j] < decline_below or gated[i] else labels[j]
        for i, j in enumerate(top)
    ]


wilson = oos.wilson


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


def member_negatives(head_neg: np.ndarray, recipe: Recipe, member: int) -> np.ndarray:
    """The built-in negatives member ``member`` fine-tunes on: member 0 the first ``finetune_negatives`` of the head's
    (today's), every other member its own draw of as many from the head's negatives (bagging where declines are
    decided)."""
    n = min(recipe.finetune_negatives, len(head_neg))
    if member == 0:
        return head_neg[:n]
    return np.random.RandomState(recipe.seed + 1000 * member).permutation(head_neg)[:n]


def with_second(recipe: Recipe, tuned: np.ndarray, texts: list[str], second_encoder=None) -> np.ndarray:
    """The features a company bot's head sees: the fine-tuned MiniLM vectors, followed by the frozen e5 vectors of
    the same texts when ``recipe.e5`` (``second_encoder``: anything with ``encode(texts)``; the shipped e5 if None)."""
    if not recipe.e5:
        return tuned
    if second_encoder is None:
        from ..models.e5_encoder import load_e5

        second_encoder = load_e5()
    return np.hstack([tuned, second_encoder.encode(list(texts))]).astype(np.float32)


def train_company(
    examples: Examples,
    bank: OffTopicBank,
    frozen_encoder,
    recipe: Recipe = Recipe(),
    progress=lambda fraction, message: None,
    second_encoder=None,
    base_delta: dict[str, np.ndarray] | None = None,
) -> Result:
    """The whole recipe on one company's checked examples (see the module docstring); ``second_encoder``: the
    frozen e5 of the ``recipe.e5`` trial (the shipped one if None); ``base_delta``: the base of ``recipe.base`` (the
    shipped, pinned one if None)."""
    import torch

    from ..models.encoder import MiniLM
    from ..models.finetune import cache_lower_states, embed_states, finetune_top_layers

    torch.manual_seed(recipe.seed)
    t_start, c_start = time.perf_counter(), time.process_time()
    start, base_delta = start_encoder(frozen_encoder, recipe, base_delta)  # timed: a company bot pays for it
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
    own_intents = [i for i in intents if i != OUT_OF_SCOPE]
    keep, dropped = negatives_for(bank, frozen[own], own_intents, by_label=recipe.same_question_by_label)
    t0 = lap("encode_examples", t0)

    # held-out check: folds of the company's rows, and whole built-in topics that training never sees
    folds = stratified_folds(intents, round(1 / recipe.holdout), recipe.seed)
    # one fold is enough when it holds enough rows for a tight interval; a small company is checked on every fold
    n_folds = 1 if (folds == 0).sum() >= recipe.min_check_examples else int(folds.max()) + 1
    check_neg, train_neg = unseen_groups_split(bank, keep, recipe, rng)
    head_neg = train_neg[: recipe.head_negatives]
    final_neg = np.concatenate([head_neg, check_neg])

    all_texts = texts + [bank.texts[i] for i in final_neg]
    n_own = len(texts)
    # near-misses of the company's intent rows, from words of the training negatives only (the unseen check topics
    # stay unseen): after the bank rows, embedded like them
    near_rows: dict[int, list[int]] = {}  # source row -> its near-misses' indices in all_texts
    own_labels = [intents[i] if own[i] else "" for i in range(n_own)]
    fillers = [bank.texts[i] for i in head_neg]
    for source, variant in near_misses(texts, own_labels, fillers, recipe.near_misses, recipe.seed):
        near_rows.setdefault(source, []).append(len(all_texts))
        all_texts.append(variant)
    n_base = len(all_texts)
    # augmented copies of the company's intent rows (not its own out_of_scope rows): after the bank rows
    copies = augmented_copies([texts[i] if own[i] else "" for i in range(n_own)], recipe.augment, recipe.seed)
    copy_rows = {}  # source row -> its copies' indices in all_texts
    for source, variant in copies:
        copy_rows.setdefault(source, []).append(len(all_texts))
        all_texts.append(variant)
    progress(0.08, f"Preparing {len(all_texts):,} sentences")
    states = cache_lower_states(start, all_texts, recipe.layers)
    # the vectors the fine-tuning's starting head is fitted on: the encoder it starts from (the frozen ones stored with
    # the bank without a base, as before; with one, every company and bank row through the base)
    start_vectors = (
        embed_states(start, states[: len(texts) + len(final_neg)], recipe.layers) if base_delta is not None else None
    )
    t0 = lap("lower_layers", t0)
    pos = {int(b): n_own + k for k, b in enumerate(final_neg)}  # bank row -> index in all_texts
    head_neg_rows = [pos[int(i)] for i in head_neg]
    check_neg_rows = [pos[int(i)] for i in check_neg]

    def head_on(rows_own, X_own, X_neg, X_near=None):
        n_near = 0 if X_near is None else len(X_near)
        y = [intents[i] for i in rows_own] + [OUT_OF_SCOPE] * (len(X_neg) + n_near)
        share = recipe.negative_share * math.sqrt(45 / (len(labels) - 1))
        w = _weights(len(rows_own), len(X_neg), share, n_near, recipe.near_miss_share)
        X = np.vstack([X_own, X_neg] + ([X_near] if n_near else []))
        return fit_head(X, y, w, labels, recipe.C, recipe.seed)

    def near_of(rows: list[int]) -> list[int]:  # the near-misses of these rows only (a held-out row's never train)
        return [r for i in rows for r in near_rows.get(i, [])]

    def finetune(train_rows: list[int], step: str, share: tuple[float, float]) -> list[dict[str, np.ndarray]]:
        """Fine-tune the top layers on these company rows (and their augmented copies) and the fine-tuning
        negatives; each member's delta."""
        lo, hi = share
        span = (hi - lo) / recipe.members
        return [
            finetune_member(train_rows, step, (lo + span * m, lo + span * (m + 1)), m) for m in range(recipe.members)
        ]

    def finetune_member(train_rows: list[int], step: str, share: tuple[float, float], member: int):
        ft_neg = member_negatives(head_neg, recipe, member)
        own_rows, sources, own_w = with_copies(train_rows, copy_rows)
        near = near_of(train_rows)
        ft_rows = own_rows + [pos[int(b)] for b in ft_neg] + near
        y_ft = np.array([labels.index(intents[i]) for i in sources] + [len(labels) - 1] * (len(ft_neg) + len(near)))
        # negatives weigh what they did without copies: the company's rows count once however many copies they have
        ft_share = recipe.finetune_negative_share
        w_neg = _weights(len(train_rows), len(ft_neg), ft_share, len(near), recipe.near_miss_share)
        w_ft = np.r_[own_w, w_neg[len(train_rows) :]]
        w_plain = _weights(len(train_rows), len(ft_neg), recipe.finetune_negative_share)
        y_plain = [intents[i] for i in train_rows] + [OUT_OF_SCOPE] * len(ft_neg)
        if start_vectors is None:
            X0 = np.vstack([frozen[train_rows], bank.vectors[ft_neg]])
        else:
            X0 = start_vectors[train_rows + [pos[int(b)] for b in ft_neg]]
        w0, b0 = fit_head(X0, y_plain, w_plain, labels, recipe.C, 0)

        def log(msg: str) -> None:  # finetune_top_layers reports "epoch N done in S s"
            if msg.startswith("epoch") and "done" in msg:
                done = int(msg.split()[1])
                lo, hi = share
                progress(lo + (hi - lo) * done / recipe.epochs, f"{step}: pass {done} of {recipe.epochs}")

        delta, _ = finetune_top_layers(
            start,
            [all_texts[i] for i in ft_rows],
            y_ft,
            w_ft.astype(np.float32),
            w0,
            b0,
            layers=recipe.layers,
            epochs=recipe.epochs,
            lr=recipe.lr,
            seed=recipe.seed + member,
            states=[states[i] for i in ft_rows],
            log=log,
            contrastive=recipe.contrastive,
            temperature=recipe.temperature,
            negative_target=len(labels) - 1,
            label_smoothing=recipe.label_smoothing,
            base=base_delta,  # the delta stays relative to the pinned original and keeps the base's lower layers
        )
        return delta

    # the e5 trial's frozen half of every company and bank row, encoded once (an empty block without the trial)
    second = with_second(recipe, np.zeros((n_base, 0), np.float32), all_texts[:n_base], second_encoder)
    if recipe.e5:
        t0 = lap("second_encoder", t0)

    def embed(deltas: list[dict[str, np.ndarray]]) -> np.ndarray:
        # the company's rows and the bank's (the augmented copies only ever train)
        tuned = join_members(
            [embed_states(MiniLM(frozen_encoder.folder, d), states[:n_base], recipe.layers) for d in deltas]
        )
        return np.hstack([tuned, second]) if second.shape[1] else tuned

    def check_fold(f: int, share: tuple[float, float]) -> dict:
        """Fine-tune without fold ``f`` and score it (and the unseen topics) through the app's decision rule."""
        train_rows = [i for i in range(n_own) if folds[i] != f]
        check_rows = [i for i in range(n_own) if folds[i] == f]
        deltas = finetune(train_rows, f"Fine-tuning ({f + 1} of {n_folds})" if n_folds > 1 else "Fine-tuning", share)
        vectors = embed(deltas)
        w, b = head_on(train_rows, vectors[train_rows], vectors[head_neg_rows], vectors[near_of(train_rows)])
        own_train = [i for i in train_rows if own[i]]
        X_in, X_out = vectors[check_rows], vectors[check_neg_rows]
        space = make_space(w, b, labels, vectors[own_train], [intents[i] for i in own_train], recipe, X_out)
        # the simple baseline on the same rows: frozen encoder + scikit-learn's default logistic regression
        from sklearn.linear_model import LogisticRegression

        base = LogisticRegression(max_iter=3000, class_weight="balanced", random_state=recipe.seed)
        base.fit(
            np.vstack([frozen[train_rows], bank.vectors[head_neg]]),
            [intents[i] for i in train_rows] + [OUT_OF_SCOPE] * len(head_neg),
        )
        base_pred = [str(p) for p in base.predict(np.vstack([frozen[check_rows], bank.vectors[check_neg]]))]
        return {
            "deltas": deltas,
            "vectors": vectors,
            "space": space,
            "rows": check_rows,
            "X_in": X_in,
            "X_out": X_out,
            "in_scope": np.array([own[i] for i in check_rows]),
            "base_pred": base_pred,
        }

    progress(0.15, "Fine-tuning the encoder")
    checks = []
    runs = n_folds + int(recipe.final_finetune)  # fine-tuning runs: one per checked fold, and the final one
    for f in range(n_folds):
        share = (0.15 + 0.7 * f / runs, 0.15 + 0.7 * (f + 1) / runs)
        checks.append(check_fold(f, share))
    t0 = lap("finetune_and_check", t0)
    progress(0.82, "Scoring the held-out examples")

    # the gate's thresholds: from the held-out company rows of every fold, pooled (in each fold's own space)
    pooled = [gate_scores(c["space"], c["X_in"][c["in_scope"]], recipe) for c in checks]
    pooled_out = [gate_scores(c["space"], c["X_out"], recipe) for c in checks[:1]]  # the same topics in each fold
    gate = fit_gate(*_stack(pooled), *_stack(pooled_out), recipe)
    pred, gold, check_texts, base_pred = [], [], [], []
    for k, c in enumerate(checks):
        X = c["X_in"] if k else np.vstack([c["X_in"], c["X_out"]])  # unseen topics counted once (fold 0)
        g = oos.declines(c["space"], X, gate["method"], gate["threshold"])
        pred += decisions(proba(c["space"].weight, c["space"].bias, X), labels, recipe.decline_below, g)
        gold += [intents[i] for i in c["rows"]] + ([] if k else [OUT_OF_SCOPE] * len(check_neg))
        check_texts += [texts[i] for i in c["rows"]] + ([] if k else [bank.texts[i] for i in check_neg])
        base_pred += c["base_pred"][: len(c["rows"])] if k else c["base_pred"]
    metrics = score(pred, gold)
    metrics["check_folds"] = n_folds
    confusions = confused_pairs(pred, gold, check_texts)
    baseline = score(base_pred, gold)
    t0 = lap("check", t0)

    if recipe.final_finetune:
        # the shipped encoder learns from every example; the unseen topics stay out of it and of its head, so the
        # thresholds carry over from the checked space to this one through them (carry_over)
        deltas = finetune(list(range(n_own)), "Fine-tuning on every example", (0.15 + 0.7 * n_folds / runs, 0.85))
        vectors, neg_rows = embed(deltas), head_neg_rows
    else:  # fold 0's encoder is shipped, and the final head is fitted on every negative
        deltas, vectors, neg_rows = checks[0]["deltas"], checks[0]["vectors"], head_neg_rows + check_neg_rows
    progress(0.9, "Fitting the final model on every example")
    w, b = head_on(list(range(n_own)), vectors[:n_own], vectors[neg_rows], vectors[near_of(list(range(n_own)))])
    own_intents = [i for i in intents if i != OUT_OF_SCOPE]
    final_out = vectors[check_neg_rows]
    final_space = make_space(w, b, labels, vectors[:n_own][own], own_intents, recipe, final_out)
    if recipe.final_finetune:
        gate = carry_over(gate, checks[0]["space"], checks[0]["X_out"], final_space, final_out)
    lap("final_model", t0)
    check_rows = [i for c in checks for i in c["rows"]]
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
        "held_out_negative_topics": sorted({bank.group_names[bank.groups[i]] for i in check_neg}),
        "warnings": list(examples.warnings),
    }
    timings["total_s"] = round(time.perf_counter() - t_start, 1)
    timings["cpu_s"] = round(time.process_time() - c_start, 1)
    progress(1.0, "Done")
    result = Result(labels, w, b, deltas, metrics, baseline, data, confusions, timings, asdict(recipe), gate)
    result.memory, result.memory_targets = final_space.memory, final_space.targets
    first = checks[0]
    result.spaces = {
        "check": first["space"],
        "final": final_space,
        "check_in": first["X_in"][first["in_scope"]],
        "check_out": first["X_out"],
        "final_out": final_out if recipe.final_finetune else None,
        # benchmarks and trials: every checked fold's vectors (company rows, then the bank rows of ``final_neg``),
        # the final run's, and which rows are which
        "checks": [{k: c[k] for k in ("vectors", "rows", "base_pred")} for c in checks],
        "final_vectors": vectors,
        "rows": {"head_neg": head_neg_rows, "check_neg": check_neg_rows, "n_own": n_own, "intents": intents},
        "check_predictions": {"pred": pred, "gold": gold, "texts": check_texts, "baseline": base_pred},
    }
    return result


def start_encoder(frozen_encoder, recipe: Recipe, base_delta: dict[str, np.ndarray] | None = None):
    """(the encoder a company's fine-tuning starts from, the base delta or None): the pinned MiniLM, or with
    ``recipe.base`` the MiniLM plus the base (``base_delta``, else the shipped pinned one)."""
    if not recipe.base:
        return frozen_encoder, None
    from ..models.encoder import MiniLM

    if base_delta is None:
        from ..models.model import company_base_delta

        base_delta = company_base_delta()
    return MiniLM(frozen_encoder.folder, base_delta), base_delta


def with_copies(train_rows: list[int], copy_rows: dict[int, list[int]]) -> tuple[list[int], list[int], np.ndarray]:
    """The fine-tuning rows of a company: its training rows, then the augmented copies of those rows only (a held-out
    row's copies never train), with each row's source row and its loss weight (a row and its copies share 1)."""
    copies = [(c, i) for i in train_rows for c in copy_rows.get(i, [])]
    rows, sources = train_rows + [c for c, _ in copies], train_rows + [i for _, i in copies]
    weights = np.array([1.0 / (1 + len(copy_rows.get(i, []))) for i in sources])
    return rows, sources, weights


def unseen_groups_split(bank: OffTopicBank, keep: np.ndarray, recipe: Recipe, rng) -> tuple[np.ndarray, np.ndarray]:
    """(check, train) rows of the usable bank: the check rows are whole topics (bank groups) that training never
    sees, so the decline rate measured on them is the rate on topics the bot has never met, not on rephrasings
    of topics it learned to decline."""
    groups = np.unique(bank.groups[keep])
    chosen = rng.permutation(groups)[: max(1, round(recipe.check_group_share * len(groups)))]
    in_check = np.isin(bank.groups[keep], chosen)
    check = rng.permutation(keep[in_check])[: recipe.check_negatives]
    return check, rng.permutation(keep[~in_check])


def make_space(
    weight, bias, labels: list[str], memory: np.ndarray, targets: list[str], recipe: Recipe, unseen: np.ndarray
) -> Space:
    """The scores' view of a fitted bot; ``unseen``: vectors of built-in topics it never trained on (they put the
    parts of a combined score on one scale)."""
    space = Space(
        weight, bias, labels.index(OUT_OF_SCOPE), memory, np.array([labels.index(t) for t in targets]), recipe.knn_k
    )
    if recipe.oos_method == "mahalanobis":
        oos.fit_mahalanobis(space)
    if recipe.oos_method == "energy+knn":
        oos.fit_standardisation(space, unseen)
    return space


def carry_over(gate: dict, check: Space, check_out: np.ndarray, final: Space, final_out: np.ndarray) -> dict:
    """Thresholds chosen in the checked space, moved to the shipped space: each preset declines the same share of
    the unseen built-in topics there (neither space trained on them) as it did in the checked space. The measured
    rates stay the checked space's (the honest estimate)."""
    presets = {}
    s_check, s_final = check.score(gate["method"], check_out), final.score(gate["method"], final_out)
    for name, p in gate["presets"].items():
        share = float((s_check < p["threshold"]).mean())
        t = oos.choose_threshold(s_final, share) if share > 0 else float(s_final.min())
        presets[name] = p | {"threshold": round(float(t), 6), "checked_threshold": p["threshold"]}
    out = gate | {"presets": presets, "threshold": presets[gate["preset"]]["threshold"]}
    if final.standardisation:
        out["standardisation"] = {m: [round(v, 6) for v in mv] for m, mv in final.standardisation.items()}
    return out


def gate_scores(space: Space, X: np.ndarray, recipe: Recipe) -> tuple[np.ndarray, np.ndarray]:
    """(score of the recipe's method, rows declined anyway by the head's out_of_scope class or the floor)."""
    return space.score(recipe.oos_method, X), _floor_declines(space, X, recipe.decline_below)


def fit_gate(s_in, floor_in, s_out, floor_out, recipe: Recipe) -> dict:
    """The gate's threshold for each preset, chosen on held-out company examples only (``s_in``, ``floor_in``),
    and what each preset does on them and on the held-out unseen topics of the bank (``s_out``, ``floor_out``:
    their decline rate is the estimate the report gives, with a Wilson interval)."""
    presets = {}
    for name, budget in PRESETS.items():
        t = oos.choose_threshold(s_in, budget, floor_in)
        declined = int((floor_out | (s_out < t)).sum())
        presets[name] = {
            "threshold": round(float(t), 6),
            "false_decline_rate": round(float((floor_in | (s_in < t)).mean()), 4),
            "decline_rate": round(declined / max(1, len(s_out)), 4),
            "decline_rate_ci95": wilson(declined, len(s_out)),
            "n_in_scope": int(len(s_in)),
            "n_off_topic": int(len(s_out)),
        }
    chosen = recipe.preset if recipe.preset in presets else oos.auto_preset(presets)
    return {
        "method": recipe.oos_method,
        "k": recipe.knn_k,
        "preset": chosen,
        "threshold": presets[chosen]["threshold"],
        "presets": presets,
    }


def fit_gate_on(spaces: dict, recipe: Recipe) -> dict:
    """The gate of ``recipe.oos_method`` for a trained bot's ``Result.spaces`` (benchmarks: every method on one bot)."""
    check, final = spaces["check"], spaces["final"]
    if recipe.oos_method == "mahalanobis":
        oos.fit_mahalanobis(check), oos.fit_mahalanobis(final)
    if recipe.oos_method == "energy+knn":
        oos.fit_standardisation(check, spaces["check_out"])
        oos.fit_standardisation(final, spaces["final_out"] if spaces["final_out"] is not None else spaces["check_out"])
    X_in, X_out = spaces["check_in"], spaces["check_out"]
    gate = fit_gate(*gate_scores(check, X_in, recipe), *gate_scores(check, X_out, recipe), recipe)
    if spaces["final_out"] is not None:
        gate = carry_over(gate, check, X_out, final, spaces["final_out"])
    return gate


def _stack(pairs: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    return np.concatenate([a for a, _ in pairs]), np.concatenate([b for _, b in pairs])


def _floor_declines(space: Space, X: np.ndarray, floor: float) -> np.ndarray:
    return oos.head_declines(space, X) | (space.score("msp", X) < floor)


def _weights(n_own: int, n_neg: int, share: float, n_near: int = 0, near_share: float = 0.0) -> np.ndarray:
    """Company rows weigh 1; the negatives share ``share`` x the company's total weight: the built-in ones all of it,
    or ``1 - near_share`` of it when there are ``n_near`` near-misses (which weigh the rest, after them)."""
    if not n_near:
        neg = share * n_own / max(1, n_neg)
        return np.r_[np.ones(n_own), np.full(n_neg, neg)]
    total = share * n_own
    bank = (1 - near_share) * total / max(1, n_neg)
    return np.r_[np.ones(n_own), np.full(n_neg, bank), np.full(n_near, near_share * total / n_near)]


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

    import torch  # noqa: F401  (loaded before configure_cpu_threads, so it sets torch's threads too)

    from shared.device import configure_cpu_threads

    from ..models.model import frozen_encoder
    from .card import company_card
    from .folder import write_folder
    from .offtopic import load_builtin_bank

    configure_cpu_threads(threads)  # torch and numpy's BLAS (an argument-less call would reset to OMP_NUM_THREADS)
    progress = progress or (lambda fraction, message: None)
    result = train_company(examples, load_builtin_bank(), frozen_encoder(), recipe, progress)
    digests = write_folder(Path(out), result, answers, company, company_card(company, result))
    return result, digests

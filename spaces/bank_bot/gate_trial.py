"""Northwind's distance gate against gates that also weigh the head's evidence, in one run; one JSON object.

    python spaces/bank_bot/gate_trial.py --banking77 DATA/banking77/train.csv \\
        --clinc DATA/clinc150/data_full_trainval.json --domains DATA/clinc150/domains.json \\
        [--cache vectors.npz] [--final-probes tests/bank_bot/colloquial_probes_3.py] [--out results/gate_trial.json]

Each rule declines below the shipped cut (kNN-10 similarity where 0.5% of in-scope validation rows fall), except
for rules with a lower cut: between the two, a message passes when the head gives one in-scope intent at least
``confident`` (``oos.distance_declines``). Every cut comes from in-scope validation rows, as ``fit_floor.py``
chooses the shipped one.

- **validation** (choices): the validation-run head (``fit_floor.py``'s refit on the training part, its memory the
  training rows) through the app's policy, ``train.py``'s metrics: Banking77 and CLINC150 banking accuracy, clarify
  rate, off-topic declined, false declines;
- **probes** (choices): the shipped bot with each rule on the colloquial probe sets 1 and 2 (``probe_report.py``);
- **final probes** (``--final-probes``, scored once, after the choice): a set no choice saw.
Leave-one-source-out declines come from ``northwind_oos.py`` (its "floor + kNN-10 + confident head" row).
No test split is used.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np
from fit_floor import SEED, validation_run_head
from probe_report import load_probes, score_probes
from train import score

from bankbot.conversation.policy import Thresholds, answer_table
from bankbot.model_spec import CONFIDENCE_FLOOR, HEAD_FILE, MODEL_DIR
from bankbot.models.data import COLLOQUIAL_FILE, DEFAULT_DATA, OUT_OF_SCOPE, Source, build_splits
from bankbot.models.headfit import encode_with_cache
from bankbot.models.model import get_model, head_proba, in_scope_memory, load_encoder, load_head
from bankbot.models.oos import GATE_K, GATE_SHARE, distance_declines, gate, nearest_similarity, threshold_at

HERE = Path(__file__).resolve().parent
TESTS = HERE.parents[1] / "tests" / "bank_bot"
CHOICE_PROBES = (TESTS / "colloquial_probes.py", TESTS / "colloquial_probes_2.py")
# name -> (share of in-scope validation rows below the lower cut (None: no lower cut), confident)
RULES = {
    "distance gate alone (shipped before)": (None, 1.0),
    "distance + confident head (low 0.1%, floor; ships)": (0.001, CONFIDENCE_FLOOR),
    "distance + confident head (low 0.05%, floor)": (0.0005, CONFIDENCE_FLOOR),
    "distance + confident head (low 0.1%, clarify 0.30)": (0.001, Thresholds().clarify_min),
}
# the noisy memory (--noisy-memory): every in-scope row once more, as a customer might type it. Generic slang and
# shorthand, written from general usage (never from a probe)
SLANG = {"money": "cash", "pounds": "quid", "friend": "mate", "you": "u", "your": "ur", "please": "pls",
         "stolen": "nicked", "cannot": "cant", "can't": "cant", "i have": "ive", "want to": "wanna",
         "going to": "gonna", "don't": "dont", "didn't": "didnt", "isn't": "isnt", "haven't": "havent",
         "doesn't": "doesnt", "i'm": "im", "what is": "whats", "thanks": "cheers", "because": "cos",
         "received": "got", "purchase": "thing i bought", "transaction": "payment"}  # fmt: skip
NOISY = "distance gate on a memory with typed variants (0.5%)"
PROBE_KEYS = ("answered_right", "answered_wrong", "asked_back_or_declined", "off_topic_and_harmful_declined")


def typed_variant(text: str, rng: np.random.Generator) -> str:
    """One noisy copy of a training row: lower case without end punctuation, generic slang, and one of a dropped
    word or two swapped letters (fixed seed)."""
    out = text.lower().strip().rstrip("?.!")
    for formal, slang in SLANG.items():
        if f" {formal} " in f" {out} " and rng.random() < 0.7:
            out = f" {out} ".replace(f" {formal} ", f" {slang} ").strip()
    words = out.split()
    if len(words) > 4 and rng.random() < 0.5:
        del words[int(rng.integers(len(words)))]
    else:
        long = [i for i, w in enumerate(words) if len(w) >= 4]
        if long:
            i = long[int(rng.integers(len(long)))]
            w, j = words[i], int(rng.integers(1, len(words[i]) - 2))
            words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2 :]
    return " ".join(words)


def noisy_memory(encoder, texts: list[str], cache: Path | None) -> np.ndarray:
    """Unit vectors of one typed variant of each of these rows (as the memory stores them: float16)."""
    rng = np.random.default_rng(SEED)
    variants = [typed_variant(t, rng) for t in texts]
    return encode_with_cache(encoder, variants, cache).astype(np.float16).astype(np.float32)


def cuts(similarity: np.ndarray, low_share: float | None) -> tuple[float, float | None]:
    """The shipped cut and the rule's lower one, both from these in-scope validation similarities."""
    low = None if low_share is None else threshold_at(similarity, low_share)
    return threshold_at(similarity, GATE_SHARE), low


def probe_counts(path: Path, rule_cuts: tuple[float, float | None], confident: float, memory=None) -> dict:
    """The shipped bot with this rule's cuts (and gate memory) on one probe set: counts and the wrong answers."""
    model = get_model()
    english = model.english
    kept = (english.min_similarity, english.low_similarity, english.confident)
    english.use_gate(*rule_cuts, confident)
    if memory is not None:
        english._in_scope = memory
    try:
        r = score_probes(load_probes(path), model, answer_table())
    finally:
        english.use_gate(*kept)
    return {k: r[k] for k in PROBE_KEYS} | {"wrong": r["wrong"]}


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--banking77", type=Path, default=DEFAULT_DATA / "banking77" / "train.csv")
    p.add_argument("--clinc", type=Path, default=DEFAULT_DATA / "clinc150" / "data_full_trainval.json")
    p.add_argument("--domains", type=Path, default=DEFAULT_DATA / "clinc150" / "domains.json")
    p.add_argument("--cache", type=Path, help="an .npz of the shipped encoder's sentence vectors (reused, updated)")
    p.add_argument("--final-probes", type=Path, help="a probe set no choice saw, scored once for every rule")
    p.add_argument("--out", type=Path, help="also write the JSON here")
    p.add_argument("--noisy-memory", action="store_true", help=f"also the rule {NOISY!r}")
    args = p.parse_args(argv)

    shipped = load_head(MODEL_DIR / HEAD_FILE)
    train, val = build_splits(args.banking77, args.clinc, args.domains, seed=SEED, colloquial=COLLOQUIAL_FILE)
    texts = sorted(set(train.texts) | set(val.texts))
    vectors = encode_with_cache(load_encoder(), texts, args.cache)
    row = {t: i for i, t in enumerate(texts)}
    xtr, xva = vectors[[row[t] for t in train.texts]], vectors[[row[t] for t in val.texts]]
    head = validation_run_head(shipped, train, xtr)
    labels, table = shipped.labels, answer_table()
    oos_index = labels.index(OUT_OF_SCOPE)
    probs = head_proba(head, xva)
    similarity = nearest_similarity(xva, in_scope_memory(head), GATE_K)
    inside = np.isin(np.array(val.sources), [Source.BANKING77, Source.CLINC_BANK])

    out: dict = {"floor": CONFIDENCE_FLOOR, "k": GATE_K, "rules": {}}
    for name, (low_share, confident) in RULES.items():
        rule_cuts = cuts(similarity[inside], low_share)
        declined = distance_declines(similarity, probs, oos_index, *rule_cuts, confident)
        entry = {"cut": rule_cuts[0], "low": rule_cuts[1], "low_share": low_share, "confident": confident}
        entry["validation"] = score(val, gate(probs, declined, oos_index, top=1.0), labels, table)
        v = entry["validation"]
        v["gated"] = int(declined.sum())
        n = v["n_banking77"] + v["n_banking"]  # both in-scope sources: the denominator of northwind_oos.py
        v["false_declines_all_in_scope"] = round(
            (v["false_decline_rate_banking77"] * v["n_banking77"] + v["false_decline_rate"] * v["n_banking"]) / n, 4
        )
        entry["probes"] = {path.stem: probe_counts(path, rule_cuts, confident) for path in CHOICE_PROBES}
        if args.final_probes:
            entry["final_probes"] = {args.final_probes.stem: probe_counts(args.final_probes, rule_cuts, confident)}
        out["rules"][name] = entry
        print(json.dumps({name: entry}), flush=True)
    if args.noisy_memory:
        out["rules"][NOISY] = noisy_rule(args, train, val, xva, probs, head, inside, oos_index, labels, table)
        print(json.dumps({NOISY: out["rules"][NOISY]}), flush=True)
    text = json.dumps(out, indent=1, ensure_ascii=False)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    return out


def noisy_rule(args, train, val, xva, probs, head, inside, oos_index, labels, table) -> dict:
    """The plain distance gate (0.5% cut) whose memory also holds one typed variant of every in-scope row: on
    validation the training rows' (train part), on the probes the shipped memory's (training + validation)."""
    encoder = load_encoder()
    train_in = [t for t, lab in zip(train.texts, train.labels, strict=True) if lab != OUT_OF_SCOPE]
    val_in = [t for t, lab in zip(val.texts, val.labels, strict=True) if lab != OUT_OF_SCOPE]
    memory = np.vstack([in_scope_memory(head), noisy_memory(encoder, train_in, args.cache)])
    similarity = nearest_similarity(xva, memory, GATE_K)
    rule_cuts = cuts(similarity[inside], None)
    declined = distance_declines(similarity, probs, oos_index, *rule_cuts, 1.0)
    entry = {"cut": rule_cuts[0], "low": None, "low_share": None, "confident": 1.0, "memory_rows": len(memory)}
    entry["validation"] = score(val, gate(probs, declined, oos_index, top=1.0), labels, table)
    v = entry["validation"]
    n = v["n_banking77"] + v["n_banking"]
    v["false_declines_all_in_scope"] = round(
        (v["false_decline_rate_banking77"] * v["n_banking77"] + v["false_decline_rate"] * v["n_banking"]) / n, 4
    )
    shipped = get_model().english
    full = np.vstack([in_scope_memory(shipped.head), noisy_memory(encoder, train_in + val_in, args.cache)])
    entry["probes"] = {path.stem: probe_counts(path, rule_cuts, 1.0, full) for path in CHOICE_PROBES}
    return entry


if __name__ == "__main__":
    main()

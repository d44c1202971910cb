"""Synthetic near-miss negatives of a company (a trial, ``Recipe.near_misses``): its own requests with their intent's
most distinctive words swapped for words of unrelated built-in sentences ("book a flight to paris" -> "book a
mortgage to paris"). The phrasing stays the company's, the topic leaves it: what a visitor's unrelated question
looks like. Deterministic for a seed; made only from the rows that train (like ``augment.augmented_copies``)."""

from __future__ import annotations

import math
import random
import re
from collections import Counter

STOPWORDS = frozenset(
    "the and for you your are can what how with that this from have has was were will would could should not but "
    "any all out about into there their them they then than when where which who why its it's i'm i've don't does "
    "did get got give tell let know need want please like just also some more much many very been being our ours "
    "his her him she he one two may might make made use using set".split()
)
WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")
SWAPPED = 2  # distinctive words swapped per request (fewer when it has fewer content words)


def content_words(text: str) -> set[str]:
    return {w for w in WORD.findall(text.lower()) if len(w) >= 3 and w not in STOPWORDS}


def distinctiveness(texts: list[str], intents: list[str]) -> dict[str, dict[str, float]]:
    """Per intent, each content word's p_in x log(p_in / p_out) (its smoothed shares of the intent's rows and of the
    other rows): high for the words most of the intent's rows use and few others do (a plain ratio would pick a
    name that occurs once, "book a flight from bangor", and leave "flight")."""
    df: dict[str, Counter] = {}
    for text, intent in zip(texts, intents, strict=True):
        df.setdefault(intent, Counter()).update(content_words(text))
    total = sum(df.values(), Counter())
    n = Counter(intents)
    out = {}
    for intent, counts in df.items():
        n_out = max(1, len(texts) - n[intent])
        p_in = {w: (c + 0.5) / n[intent] for w, c in counts.items()}
        out[intent] = {w: p * math.log(p / ((total[w] - counts[w] + 0.5) / n_out)) for w, p in p_in.items()}
    return out


def near_misses(texts: list[str], intents: list[str], fillers: list[str], per_row: int, seed: int):
    """``per_row`` near-misses of each text with an intent (``""`` for rows to skip), as (index of the source text,
    near-miss): the text's ``SWAPPED`` most distinctive content words for its intent, every occurrence, replaced by
    content words of ``fillers`` (built-in off-topic sentences) that none of the company's texts use."""
    rows = [i for i, intent in enumerate(intents) if intent]
    if not rows or per_row <= 0:
        return []
    scores = distinctiveness([texts[i] for i in rows], [intents[i] for i in rows])
    own = set().union(*(content_words(texts[i]) for i in rows))
    # words of two or more filler sentences (not a one-off typo or name) that the company never uses
    used = Counter(w for f in fillers for w in content_words(f))
    pool = sorted({w for w, c in used.items() if c >= 2} - own)
    if not pool:
        return []
    rng = random.Random(seed)
    out = []
    for i in rows:
        ranked = sorted(content_words(texts[i]), key=lambda w: (-scores[intents[i]][w], w))[:SWAPPED]
        seen = {texts[i]}
        for _ in range(per_row):
            swap = {w: rng.choice(pool) for w in ranked}
            variant = WORD.sub(lambda m, swap=swap: swap.get(m.group(0), m.group(0)), texts[i].lower())
            if variant not in seen:
                seen.add(variant)
                out.append((i, variant))
    return out

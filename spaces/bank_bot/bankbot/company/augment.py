"""Light text augmentation of a company's own examples (fine-tuning only): the same request with a word dropped,
two neighbouring words swapped, or a typo, the way customers really type. Deterministic for a seed; never applied
to the rows a check scores."""

from __future__ import annotations

import random

KEYBOARD_NEIGHBOURS = {
    "a": "qwsz", "b": "vghn", "c": "xdfv", "d": "serfcx", "e": "wsdr", "f": "drtgvc", "g": "ftyhbv", "h": "gyujnb",
    "i": "ujko", "j": "huikmn", "k": "jiolm", "l": "kop", "m": "njk", "n": "bhjm", "o": "iklp", "p": "ol",
    "q": "wa", "r": "edft", "s": "awedxz", "t": "rfgy", "u": "yhji", "v": "cfgb", "w": "qase", "x": "zsdc",
    "y": "tghu", "z": "asx",
}  # fmt: skip


def typo(word: str, rng: random.Random) -> str:
    """One slip of the keyboard in a word of 4+ letters: two letters swapped, one left out, or a neighbour key hit."""
    if len(word) < 4:
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.choice(("swap", "drop", "neighbour"))
    if kind == "swap":  # two inner letters: the first and last stay where a reader expects them
        i = min(i, len(word) - 3)
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if kind == "drop":
        return word[:i] + word[i + 1 :]
    near = KEYBOARD_NEIGHBOURS.get(word[i].lower())
    return word[:i] + rng.choice(near) + word[i + 1 :] if near else word


def augment(text: str, rng: random.Random) -> str:
    """One variant of ``text``: a word dropped (4+ words), two neighbouring words swapped (3+ words) or a typo in a
    word of 4+ letters. A text too short for any of them comes back unchanged."""
    words = text.split()
    kinds = ["typo"] if any(len(w) >= 4 for w in words) else []
    kinds += ["drop"] * (len(words) >= 4) + ["swap"] * (len(words) >= 3)
    if not kinds:
        return text
    kind = rng.choice(kinds)
    if kind == "drop":
        del words[rng.randrange(len(words))]
    elif kind == "swap":
        i = rng.randrange(len(words) - 1)
        words[i], words[i + 1] = words[i + 1], words[i]
    else:
        i = rng.choice([k for k, w in enumerate(words) if len(w) >= 4])
        words[i] = typo(words[i], rng)
    return " ".join(words)


def augmented_copies(texts: list[str], copies: int, seed: int) -> list[tuple[int, str]]:
    """``copies`` variants of each text, as (index of the source text, variant); variants equal to their source or to
    another variant of it are dropped (they would only weigh the row twice)."""
    rng = random.Random(seed)
    out = []
    for i, text in enumerate(texts):
        seen = {text}
        for _ in range(copies):
            variant = augment(text, rng)
            if variant not in seen:
                seen.add(variant)
                out.append((i, variant))
    return out

"""Generic off-topic questions written by code: everyday topics a company's support chat gets by mistake.

Why: the built-in off-topic bank holds only CLINC150 and Banking77 questions, so a bot learns "not mine" from few
kinds of question. ``data/generic_offtopic/frames.txt`` holds hand-written question frames (``topic: text with
{slot}``) and ``slots.txt`` their fillers (``slot: a | b | c``); ``generate`` fills every frame with a fixed seed
into distinct questions, one bank group per frame (``generic:<topic>:<n>``, the topic's n-th frame): a company's
own questions leave its negatives a whole group at a time (``offtopic.negatives_for``), and a frame such as "how
long should I bake {dish}" is one question, the business of a bakery, while its topic (cooking) is broader. A small
share is typed casually (lower case, no question mark, two letters swapped), as people type; most stay fluent.
``build_offtopic.py --generic`` adds them to the bank.
"""

from __future__ import annotations

import itertools
import random
import re
from collections import Counter
from pathlib import Path

DATA = Path(__file__).resolve().parents[2] / "data" / "generic_offtopic"
SEED = 0
PER_FRAME = 40  # at most this many questions per frame: ~70 frames give ~2,500 questions
CASUAL_SHARE = 0.15  # typed casually: present, not dominant
SLOT = re.compile(r"\{(\w+)\}")


def _lines(path: Path) -> list[tuple[str, str]]:
    """(name, rest) of every ``name: rest`` line; blank lines and ``#`` comments skipped."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [tuple(s.strip() for s in line.split(":", 1)) for line in lines if line.strip() and line[0] != "#"]


def read_frames(folder: Path = DATA) -> list[tuple[str, str]]:
    """(topic, frame) per line of ``frames.txt``."""
    return _lines(folder / "frames.txt")


def read_slots(folder: Path = DATA) -> dict[str, list[str]]:
    """Slot name -> its fillers, from ``slots.txt``."""
    return {name: [v.strip() for v in rest.split("|")] for name, rest in _lines(folder / "slots.txt")}


def fill(frame: str, slots: dict[str, list[str]], rng: random.Random, n: int) -> list[str]:
    """Up to ``n`` distinct fillings of ``frame``, drawn at random from every combination of its slots' fillers."""
    names = SLOT.findall(frame)
    combos = list(itertools.product(*(slots[name] for name in names)))
    picked = rng.sample(combos, min(n, len(combos)))
    parts = SLOT.split(frame)  # text, slot, text, slot, ..., text
    out = []
    for values in picked:
        filled = iter(values)
        out.append("".join(p if i % 2 == 0 else next(filled) for i, p in enumerate(parts)))
    return [s[0].upper() + s[1:] for s in out]


def casual(text: str, rng: random.Random) -> str:
    """The question as typed in a hurry: lower case, no question mark, or two neighbouring letters swapped."""
    kind = rng.randrange(3)
    if kind == 0:
        return text.lower()
    if kind == 1:
        return text.rstrip("?").lower()
    i = rng.randrange(1, max(2, len(text) - 2))
    return text[:i] + text[i + 1] + text[i] + text[i + 2 :] if text[i : i + 2].isalpha() else text.lower()


def key(text: str) -> str:
    """Two questions are the same question when their words are (case and punctuation aside)."""
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def generate(folder: Path = DATA, per_frame: int = PER_FRAME, seed: int = SEED) -> list[tuple[str, str]]:
    """(question, ``generic:<topic>:<n>``) for every frame's fillings, distinct, in a fixed order for a fixed seed."""
    rng = random.Random(seed)
    slots, seen, out, frames_of = read_slots(folder), set(), [], Counter()
    for topic, frame in read_frames(folder):
        frames_of[topic] += 1
        for text in fill(frame, slots, rng, per_frame):
            text = casual(text, rng) if rng.random() < CASUAL_SHARE else text
            if key(text) not in seen:
                seen.add(key(text))
                out.append((text, f"generic:{topic}:{frames_of[topic]}"))
    return out

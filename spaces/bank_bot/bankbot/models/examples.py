"""Labelled example messages in a CSV file: header ``text,intent[,language]``, one message a row, intent ids
of the bot's inventory and ``out_of_scope`` for off-topic messages. The hand-written multilingual sets
(``data/multilingual/``) and ``evaluate.py --examples`` use it."""

from __future__ import annotations

import csv
import difflib
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

NEAR_RATIO = 0.9  # difflib similarity of two normalised messages from which they count as the same message
MIN_CONTAINED_WORDS = 4  # a message of this many words inside a longer one counts as the same message


@dataclass(frozen=True)
class Example:
    text: str
    intent: str
    language: str = ""  # "" when the file has no language column


def read_examples(path: Path) -> list[Example]:
    """Rows of a ``text,intent[,language]`` CSV (UTF-8; blank rows skipped); a clear error if it is not one."""
    with open(path, newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        missing = {"text", "intent"} - set(reader.fieldnames or ())
        if missing:
            raise ValueError(
                f"{path}: the header needs the columns text,intent (missing: {', '.join(sorted(missing))})"
            )
        rows = [
            Example(r["text"].strip(), r["intent"].strip(), (r.get("language") or "").strip().lower())
            for r in reader
            if (r.get("text") or "").strip()
        ]
    if not rows:
        raise ValueError(f"{path}: no example rows")
    return rows


def normalise(text: str) -> str:
    """Casefolded words without accents or punctuation: "Ça marche ?" and "ca marche" read the same."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(re.findall(r"\w+", text))


def same_message(a: str, b: str) -> bool:
    """True when two normalised messages are one message with small edits: equal, nearly equal (a typo, a
    word changed), or the shorter one (4+ words) repeated inside the longer one ("... svp", "hi, ...")."""
    if a == b:
        return True
    short, long = sorted((a, b), key=len)
    if len(short.split()) >= MIN_CONTAINED_WORDS and f" {short} " in f" {long} ":
        return True
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return (
        matcher.real_quick_ratio() >= NEAR_RATIO
        and matcher.quick_ratio() >= NEAR_RATIO
        and matcher.ratio() >= NEAR_RATIO
    )


def repeated_messages(train: list[Example], held_out: list[Example]) -> list[tuple[Example, Example]]:
    """(training row, held-out row) pairs that are the same message (``same_message``), compared within a
    language when both files have one: a validation set only measures what the head has not seen."""
    pairs = []
    held = [(normalise(h.text), h) for h in held_out]
    for t in train:
        nt = normalise(t.text)
        pairs += [
            (t, h)
            for nh, h in held
            if (not t.language or not h.language or t.language == h.language) and same_message(nt, nh)
        ]
    return pairs

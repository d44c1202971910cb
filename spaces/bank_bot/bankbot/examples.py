"""Labelled example messages in a CSV file: header ``text,intent[,language]``, one message a row, intent ids
of the bot's inventory and ``out_of_scope`` for off-topic messages. The hand-written multilingual sets
(``data/multilingual/``) and ``evaluate.py --examples`` use it."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path


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

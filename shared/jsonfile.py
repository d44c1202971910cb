"""The results files the scripts write: one JSON object, indented, UTF-8, its folder made if missing."""

from __future__ import annotations

import json
from pathlib import Path


def write_json(path: Path, obj: object) -> str:
    """Write ``obj`` to ``path`` and return the text written (scripts often print it too)."""
    text = json.dumps(obj, indent=1, ensure_ascii=False) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return text

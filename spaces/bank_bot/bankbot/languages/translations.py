"""The reviewed answer table in the customers' languages: ``answers.<language>.json`` beside ``answers.json``.

A translation holds the same intent keys with a ``topic`` and ``answers`` each, and the policy sentences. What a
translation lacks falls back to English: a missing answer is given in English followed by the translation's
``english_fallback`` note ("this answer has no reviewed French version yet ..."), a missing topic or policy
sentence is shown in English. Behaviour (which intents hand over to a person) always comes from answers.json.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from .. import SPACE_DIR
from .language import ENGLISH

FALLBACK_NOTE = "english_fallback"  # policy key of a translation: the note after an English answer
TRANSLATED = ("fr", "it", "es", "de")


def translation_file(language: str, folder: Path = SPACE_DIR) -> Path:
    return folder / f"answers.{language}.json"


def merge(base: dict, translation: dict) -> dict:
    """answers.json's data with a translation's texts laid over it (see the module docstring)."""
    policy = {**base["policy"], **translation.get("policy", {})}
    note = translation.get("policy", {}).get(FALLBACK_NOTE)
    intents = {}
    for intent, entry in base["intents"].items():
        local = translation.get("intents", {}).get(intent, {})
        merged = {**entry, "topic": local.get("topic") or entry["topic"]}
        if local.get("answers"):
            merged["answers"] = list(local["answers"])
        else:
            merged["answers"] = [f"{a}\n\n{note}" if note else a for a in entry["answers"]]
        intents[intent] = merged
    return {**base, "policy": policy, "intents": intents, "language": translation.get("language", "")}


@cache
def table_data(language: str, base_file: Path) -> dict:
    """The merged data of one language (English: answers.json itself); read once per process."""
    base = json.loads(base_file.read_text(encoding="utf-8"))
    path = translation_file(language, base_file.parent)
    if language == ENGLISH or not path.is_file():
        return base
    return merge(base, json.loads(path.read_text(encoding="utf-8")))

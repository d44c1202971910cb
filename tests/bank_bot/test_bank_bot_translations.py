"""The translated answer tables: complete, same placeholders, same intents; gaps fall back to English."""

from __future__ import annotations

import json
import string

import pytest

from bankbot.conversation.policy import ANSWERS_FILE
from bankbot.languages.translations import FALLBACK_NOTE, TRANSLATED, merge, translation_file

BASE = json.loads(ANSWERS_FILE.read_text(encoding="utf-8"))


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("language", TRANSLATED)
def test_translation_covers_every_intent_and_policy_sentence(language):
    data = json.loads(translation_file(language).read_text(encoding="utf-8"))
    assert data["language"] == language
    assert set(data["intents"]) == set(BASE["intents"])
    for intent, entry in data["intents"].items():
        assert entry["topic"].strip(), intent
        assert entry["answers"] and all(a.strip() for a in entry["answers"]), intent
    assert set(BASE["policy"]) <= set(data["policy"])
    assert data["policy"][FALLBACK_NOTE].strip()
    for key, text in BASE["policy"].items():  # the same {placeholders}, so .format() fills them the same way
        assert fields(data["policy"][key]) == fields(text), key
    # topics must stay unique: a clicked topic is read back as its intent
    topics = [e["topic"].casefold() for e in data["intents"].values()]
    assert len(set(topics)) == len(topics)


def test_missing_texts_fall_back_to_english_and_say_so():
    translation = {
        "language": "fr",
        "policy": {"empty": "Écrivez une question.", FALLBACK_NOTE: "(Pas encore de version française.)"},
        "intents": {"balance": {"topic": "Solde", "answers": ["Votre solde est en haut de l'appli."]}},
    }
    merged = merge(BASE, translation)
    assert merged["intents"]["balance"]["answers"] == ["Votre solde est en haut de l'appli."]
    english = BASE["intents"]["card_arrival"]["answers"][0]
    assert merged["intents"]["card_arrival"]["answers"] == [f"{english}\n\n(Pas encore de version française.)"]
    assert merged["intents"]["card_arrival"]["topic"] == BASE["intents"]["card_arrival"]["topic"]
    assert merged["policy"]["empty"] == "Écrivez une question."
    assert merged["policy"]["masked"] == BASE["policy"]["masked"]
    assert merged["intents"]["talk_to_human"].get("handoff") == BASE["intents"]["talk_to_human"].get("handoff")

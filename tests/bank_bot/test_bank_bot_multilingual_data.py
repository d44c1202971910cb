"""The hand-written French, Italian, Spanish and German messages (spaces/bank_bot/data/multilingual/): the
validation sets must never repeat a training message, not even with small edits, and the training rows must
cover every topic of the answer table in every language."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from bankbot.conversation.policy import answer_table
from bankbot.models.data import OUT_OF_SCOPE
from bankbot.models.examples import Example, normalise, read_examples, repeated_messages, same_message

DATA = Path(__file__).resolve().parents[2] / "spaces" / "bank_bot" / "data" / "multilingual"
LANGUAGES = ("fr", "it", "es", "de")
VALIDATION = ("val.csv", "val2.csv")


def test_normalise_ignores_case_accents_and_punctuation():
    assert normalise("Ça marche pas, ma CARTE !!") == normalise("ca marche pas ma carte")


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("je n'ai pas reçu ma carte", "Je n'ai pas recu ma carte ?"),  # case, accent, punctuation
        ("mi tarjeta no ha llegado todavia", "mi tarjeta no ha llegado todavía!"),
        ("meine karte ist noch nicht angekommen", "meine karte ist noch nich angekommen"),  # a typo
        ("la carta virtuale non funziona", "la carta virtuale non funziona per gli acquisti online"),  # extended
    ],
)
def test_same_message_catches_small_edits(a, b):
    assert same_message(normalise(a), normalise(b))


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("ma carte a été volée", "ma carte est bloquée"),
        ("quanto costa un bonifico", "quanto tempo ci mette un bonifico"),
        ("hola", "hola buenas tardes"),  # a short greeting inside a longer one is no repetition
    ],
)
def test_same_message_keeps_different_messages_apart(a, b):
    assert not same_message(normalise(a), normalise(b))


def test_repeated_messages_are_compared_within_a_language():
    train = [Example("la carta no funciona", "card_not_working", "es")]
    assert repeated_messages(train, [Example("la carta no funciona", "card_not_working", "it")]) == []
    assert len(repeated_messages(train, [Example("La carta no funciona.", "card_not_working", "es")])) == 1


@pytest.mark.parametrize("name", VALIDATION)
def test_validation_sets_never_repeat_a_training_message(name):
    pairs = repeated_messages(read_examples(DATA / "train.csv"), read_examples(DATA / name))
    assert not pairs, [(t.text, h.text) for t, h in pairs]


def test_the_two_validation_sets_do_not_repeat_each_other():
    pairs = repeated_messages(read_examples(DATA / "val.csv"), read_examples(DATA / "val2.csv"))
    assert not pairs, [(a.text, b.text) for a, b in pairs]


@pytest.mark.parametrize("name", VALIDATION)
def test_validation_sets_have_40_topics_and_20_off_topic_messages_per_language(name):
    rows = read_examples(DATA / name)
    known = set(answer_table().intents)
    assert {r.intent for r in rows} <= known
    for lang in LANGUAGES:
        mine = [r for r in rows if r.language == lang]
        assert sum(r.intent != OUT_OF_SCOPE for r in mine) >= 40, lang
        assert sum(r.intent == OUT_OF_SCOPE for r in mine) >= 18, lang


def test_training_rows_cover_every_topic_twice_in_every_language():
    rows = read_examples(DATA / "train.csv")
    counts = Counter((r.language, r.intent) for r in rows)
    topics = sorted(set(answer_table().intents) - {OUT_OF_SCOPE})
    for lang in LANGUAGES:
        thin = [t for t in topics if counts[lang, t] < 2]
        assert not thin, (lang, thin)
        assert counts[lang, OUT_OF_SCOPE] >= 40, lang

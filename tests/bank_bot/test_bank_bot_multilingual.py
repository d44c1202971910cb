"""Answers in the customer's language: the table, the policy sentences, clarifying questions and the panel
follow the detected language (fixed-probability models drive the policy; no kit, no real model)."""

from __future__ import annotations

import json

import numpy as np

from bankbot.conversation.bot import prediction_dict, respond, topic_panel
from bankbot.languages.multilingual import shift
from bankbot.languages.translations import translation_file
from bankbot.models.model import Head, load_head, save_head


def translated(language: str) -> dict:
    return json.loads(translation_file(language).read_text(encoding="utf-8"))


def test_a_french_question_gets_the_french_answer(fixed_model, table):
    model = fixed_model({"card_arrival": 0.9, "change_pin": 0.1})
    r = respond("ma carte n'est toujours pas arrivée, que faire ?", [], model, table)
    assert r.language == "fr" and r.decision.action == "answer"
    assert r.text == translated("fr")["intents"]["card_arrival"]["answers"][0]
    label, summary = topic_panel(r, table)
    assert "Carte non reçue" in label and "**Language:** French" in summary
    p = prediction_dict(r, table)
    assert p["language"] == "fr" and p["topic"] == "Carte non reçue" and p["intent"] == "card_arrival"


def test_an_italian_off_topic_question_gets_the_italian_decline(fixed_model, table):
    model = fixed_model({"out_of_scope": 0.95})
    r = respond("che tempo fa domani a Milano?", [], model, table)
    assert r.language == "it" and r.decision.action == "decline"
    assert r.text in translated("it")["intents"]["out_of_scope"]["answers"]


def test_notices_and_policy_sentences_are_translated(fixed_model, table):
    model = fixed_model({"balance": 0.9})
    r = respond("wie viel Geld habe ich auf dem Konto? Meine Karte ist 4111 1111 1111 1111", [], model, table)
    assert r.language == "de" and translated("de")["policy"]["masked"] in r.text
    r = respond("mi pin es 1234, qué es esto? " + "x" * 1200, [], model, table)
    assert r.language == "es" and "1000" in r.text.replace(",", "").replace(".", "")


def test_clarifying_question_and_the_choice_work_in_spanish(fixed_model, table):
    model = fixed_model({"card_arrival": 0.40, "change_pin": 0.35, "greeting": 0.25})
    first = respond("¿dónde está mi tarjeta? no llega nunca", [], model, table)
    assert first.language == "es" and first.decision.action == "clarify"
    es = translated("es")
    assert es["intents"]["card_arrival"]["topic"] in first.text
    history = [
        {"role": "user", "content": "¿dónde está mi tarjeta? no llega nunca"},
        {"role": "assistant", "content": first.text},
    ]
    for reply in ("1", "la primera", es["intents"]["card_arrival"]["topic"]):
        second = respond(reply, history, model, table)
        assert second.decision.action == "answer" and second.decision.intent == "card_arrival"
        assert second.text == es["intents"]["card_arrival"]["answers"][0]  # answered in the question's language
    assert respond("la segunda", history, model, table).decision.intent == "change_pin"


def test_two_unclear_messages_in_a_row_hand_over_in_any_language(fixed_model, table):
    model = fixed_model({"card_arrival": 0.2, "change_pin": 0.2, "out_of_scope": 0.1})
    first = respond("bof, je sais pas trop, un truc avec la banque", [], model, table)
    assert first.decision.action == "low_confidence"
    history = [{"role": "user", "content": "..."}, {"role": "assistant", "content": first.text}]
    second = respond("euh, c'est compliqué, la banque quoi", history, model, table)
    assert second.decision.action == "handoff" and second.text == translated("fr")["policy"]["handoff_low_confidence"]


def test_head_file_keeps_the_language_shifts(tmp_path):
    rng = np.random.default_rng(0)
    head = Head(rng.normal(size=(3, 8)).astype(np.float32), np.zeros(3, np.float32), ["a", "b", "c"])
    head.extra = {"shift_fr": rng.normal(size=8).astype(np.float32)}
    save_head(tmp_path / "h.safetensors", head)
    back = load_head(tmp_path / "h.safetensors")
    np.testing.assert_array_equal(back.extra["shift_fr"], head.extra["shift_fr"])
    v = rng.normal(size=(2, 8)).astype(np.float32)
    moved = shift(v / np.linalg.norm(v, axis=1, keepdims=True), back.extra["shift_fr"])
    np.testing.assert_allclose(np.linalg.norm(moved, axis=1), 1.0, atol=1e-6)

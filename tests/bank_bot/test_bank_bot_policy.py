"""Policy unit tests with a small model trained in the test (no kit data, no MiniLM)."""

from __future__ import annotations

import numpy as np
import pytest

from bankbot.conversation.bot import prediction_dict, respond, topic_panel
from bankbot.conversation.policy import Thresholds, decide


@pytest.fixture(scope="module")
def model(tiny_model):
    return tiny_model


def user(text):
    return {"role": "user", "content": text}


def bot(text):
    # Gradio 6 history items carry content as a list of text parts
    return {"role": "assistant", "content": [{"type": "text", "text": text}]}


def test_answer_table_covers_every_test_label_and_names_no_real_bank(model, table):
    table.check(model.labels)
    assert table.bank_name == "Northwind Bank"
    for intent in table.intents.values():
        assert intent["answers"] and all(a.strip() for a in intent["answers"])


def test_banking_question_is_answered_from_the_table(model, table):
    r = respond("How do I change my PIN?", [], model, table)
    assert r.decision.action == "answer" and r.decision.intent == "change_pin"
    assert r.text in table.intents["change_pin"]["answers"]


def test_off_topic_is_declined_politely_saying_what_the_bot_can_do(model, table):
    r = respond("What is the meaning of life?", [], model, table)
    assert r.decision.action == "decline"
    assert r.text in table.intents["out_of_scope"]["answers"]
    assert "cards" in r.text and ("transfers" in r.text or "payments" in r.text)


def test_small_talk_gets_a_short_friendly_reply(model, table):
    for text, intent in [("hello there", "greeting"), ("thanks a lot!", "thank_you")]:
        r = respond(text, [], model, table)
        assert r.decision.action == "small_talk" and r.decision.intent == intent
        assert len(r.text) < 200


def test_asking_for_a_human_hands_off(model, table):
    r = respond("Can I talk to a human please", [], model, table)
    assert r.decision.action == "handoff"
    assert r.text == table.intents["talk_to_human"]["answers"][0]


def test_close_top_two_asks_a_clarifying_question_offering_both(table, fixed_model):
    m = fixed_model({"card_arrival": 0.45, "change_pin": 0.40, "out_of_scope": 0.15})
    r = respond("card thing", [], m, table)
    assert r.decision.action == "clarify"
    assert r.decision.options == ["card_arrival", "change_pin"]
    assert table.topic("card_arrival") in r.text and table.topic("change_pin") in r.text
    # the customer answers "2": the bot reads its own question back from the history
    r2 = respond("2", [user("card thing"), bot(r.text)], m, table)
    assert r2.decision.action == "answer" and r2.decision.intent == "change_pin"
    # ... or clicks the offered topic
    r3 = respond(table.topic("card_arrival"), [user("card thing"), bot(r.text)], m, table)
    assert r3.decision.intent == "card_arrival"


def test_clear_winner_is_not_a_clarification(table):
    labels = ["card_arrival", "change_pin", "greeting", "out_of_scope"]
    d = decide(np.array([0.9, 0.05, 0, 0.05]), labels, table)
    assert d.action == "answer" and d.intent == "card_arrival"


def test_repeated_low_confidence_hands_off_using_only_the_history(table, fixed_model, tiny_model):
    m = fixed_model(
        {
            "card_arrival": 0.2,
            "change_pin": 0.19,
            "greeting": 0.15,
            "out_of_scope": 0.16,
            "thank_you": 0.15,
            "talk_to_human": 0.15,
        }
    )
    first = respond("blorp", [], m, table)
    assert first.decision.action == "low_confidence"
    second = respond("blorp again", [user("blorp"), bot(first.text)], m, table)
    assert second.decision.action == "handoff"
    assert second.text == table.text("handoff_low_confidence")
    # a fresh conversation starts again from zero: nothing is kept between users
    assert respond("blorp", [], m, table).decision.action == "low_confidence"
    # an unclear message after a clear answer is not a handoff yet
    ok = respond("How do I change my PIN?", [], tiny_model, table)
    assert respond("blorp", [user("pin"), bot(ok.text)], m, table).decision.action == "low_confidence"


def test_clarify_then_unclear_again_hands_off(table, fixed_model):
    m = fixed_model({"card_arrival": 0.45, "change_pin": 0.40, "out_of_scope": 0.15})
    first = respond("card thing", [], m, table)
    second = respond("hmm card", [user("card thing"), bot(first.text)], m, table)
    assert second.decision.action == "handoff"


def test_thresholds_are_ordered():
    th = Thresholds()
    assert 0 < th.clarify_min < th.floor < 1 and 0 < th.clarify_margin < 1


def test_prediction_dict_and_panel(model, table):
    r = respond("my card has not arrived", [], model, table)
    p = prediction_dict(r, table)
    assert p["intent"] == "card_arrival" and len(p["top3"]) == 3
    assert abs(sum(t["confidence"] for t in p["top3"]) - 1) < 0.5
    label, md = topic_panel(r, table)
    assert table.topic("card_arrival") in label and "confidence" in md

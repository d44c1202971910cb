"""Bad input: empty, huge, emoji, other languages, markup, card numbers and IBANs."""

from __future__ import annotations

import logging

import pytest

from bankbot.conversation.bot import prediction_dict, respond, topic_panel
from bankbot.conversation.text import MAX_CHARS, mask_sensitive

CARD = "4111 1111 1111 1111"
IBAN = "DE89 3704 0044 0532 0130 00"


@pytest.fixture(scope="module")
def model(tiny_model):
    return tiny_model


@pytest.mark.parametrize("text", ["", "   ", "\n\t ", None])
def test_empty_messages_get_a_prompt(model, table, text):
    r = respond(text, [], model, table)
    assert r.decision.action == "empty" and r.text == table.text("empty")
    assert model.seen == [] or all(s.strip() for s in model.seen)


def test_emoji_only(model, table):
    r = respond("😀🎉🙏", [], model, table)
    assert r.decision.action == "no_words"


@pytest.mark.parametrize(
    "text",
    [
        "我的银行卡丢了怎么办",
        "Где моя карта?",
        "Waar is mijn bankpas? Ik heb hem nog steeds niet ontvangen",
    ],
)
def test_languages_the_bot_does_not_answer_in_get_a_polite_reply(model, table, text):
    r = respond(text, [], model, table)
    assert r.decision.action == "other_language" and r.language == "other"
    assert "English, French, Italian, Spanish and German" in r.text


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("¿Dónde está mi tarjeta? No ha llegado todavía", "es"),
        ("Où est ma carte bancaire ? Je ne la trouve pas", "fr"),
        ("Wo ist meine Karte? Ich habe sie nicht bekommen", "de"),
        ("Dov'è la mia carta? Non è ancora arrivata", "it"),
    ],
)
def test_the_four_other_languages_go_to_the_multilingual_path(model, table, text, language):
    r = respond(text, [], model, table)
    assert r.language == language and model.languages[-1] == language
    assert r.decision.action != "other_language"


@pytest.mark.parametrize("text", ["Where is my card?", "My card hasn't arrived, can you help?", "hello"])
def test_english_stays_on_the_english_path(model, table, text):
    r = respond(text, [], model, table)
    assert r.language == "en" and model.languages[-1] == "en"


def test_long_message_is_truncated_and_the_bot_says_so(model, table):
    r = respond("my card has not arrived " * 600, [], model, table)  # 14,400 characters
    assert r.cleaned.truncated and len(r.cleaned.text) <= MAX_CHARS
    assert "first 1,000 characters" in r.text
    assert r.decision.intent == "card_arrival"


def test_markup_is_never_rendered_in_replies_or_panel(model, table):
    for text in ["<script>alert('x')</script> my card has not arrived", "<b>hello</b>", "<img src=x onerror=alert(1)>"]:
        r = respond(text, [], model, table)
        label, md = topic_panel(r, table)
        blob = r.text + md + " ".join(label)
        assert "<script" not in blob and "<b>" not in blob and "<img" not in blob and "onerror" not in blob


@pytest.mark.parametrize(
    "raw", [CARD, "4111-1111-1111-1111", "4111111111111111", "5500 0000 0000 0004", IBAN, "GB82WEST12345698765432"]
)
def test_card_numbers_and_ibans_are_masked(raw):
    masked, found = mask_sensitive(f"my number is {raw} thanks")
    assert found
    digits = "".join(c for c in raw if c.isalnum())
    assert digits not in "".join(c for c in masked if c.isalnum())
    assert raw not in masked


def test_sensitive_numbers_are_never_echoed_nor_logged(model, table, caplog):
    caplog.set_level(logging.DEBUG)
    model.seen.clear()
    r = respond(f"I lost my card {CARD}, my IBAN is {IBAN}", [], model, table)
    assert CARD.replace(" ", "") not in "".join(model.seen).replace(" ", "")  # the model only sees masked text
    assert "3704" not in "".join(model.seen)
    p = prediction_dict(r, table)
    out = r.text + str(p) + caplog.text
    assert "4111 1111" not in out and "41111111" not in out and "37040044" not in out.replace(" ", "")
    assert p["masked_sensitive_data"] and table.text("masked") in r.text


def test_short_numbers_are_left_alone():
    assert mask_sensitive("I was charged 25.00 twice on 12/03/2024")[1] is False


def test_number_cut_by_truncation_is_still_masked(model, table):
    text = "a" * (MAX_CHARS - 8) + " " + CARD
    r = respond(text, [], model, table)
    assert "1111 1111" not in r.cleaned.text and r.cleaned.masked


def test_tags_are_not_fed_to_the_model(model, table):
    model.seen.clear()
    r = respond("<b>my card has not arrived</b><script>x</script>", [], model, table)
    assert model.seen == ["my card has not arrived x"]
    assert r.decision.intent == "card_arrival"

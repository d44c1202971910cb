"""Per-message language detection: the four answered languages, English, and everything else."""

from __future__ import annotations

import pytest

from bankbot.languages.language import ENGLISH, OTHER, detect_language


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("My card still hasn't arrived, what should I do?", "en"),
        ("j'ai perdu ma carte bancaire hier soir", "fr"),
        ("ho perso la carta di credito, come la blocco?", "it"),
        ("¿Cuánto tarda una transferencia a Alemania?", "es"),
        ("Meine Karte wurde im Supermarkt abgelehnt", "de"),
        # one or two words: the greeting/marker list decides
        ("hola", "es"),
        ("servus", "de"),
        ("merci", "fr"),
        ("ciao!", "it"),
        ("agent", ENGLISH),  # too short to tell: English, the path that knows it best
        ("hello", ENGLISH),
        # no Latin letters: none of the five
        ("我的卡丢了", OTHER),
        ("Моя карта потерялась, что делать?", OTHER),
        ("ik ben mijn bankpas kwijt, wat moet ik nu doen", OTHER),
    ],
)
def test_detects_the_language(text, language):
    assert detect_language(text) == language


def test_text_without_letters_is_english():
    assert detect_language("1234 !!") == ENGLISH

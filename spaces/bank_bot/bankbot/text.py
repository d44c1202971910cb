"""Cleaning a user's message before anything else touches it: masking, truncation, checks."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

MAX_CHARS = 1000

# 12 to 19 digits, optionally grouped by spaces, dots or dashes: card numbers and long account numbers.
_CARD = re.compile(r"(?<!\d)\d(?:[ .\-]?\d){11,18}(?!\d)")
# IBAN: country code, check digits, then 10 to 30 letters/digits, optionally in groups.
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:[ \-]?[A-Z0-9]){10,30}\b", re.IGNORECASE)

_TAG = re.compile(r"</?[A-Za-z][^<>]{0,200}>")  # HTML/XML tags: shown as typed, not classified
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_ENGLISH = set(
    "the a an is are was my i me you your to of and in on for with can how what why where when do does "
    "have has it this that not card account money bank transfer please help".split()
)
_FOREIGN = set(
    # Spanish / Portuguese
    "el los las que una por para está estoy cómo dónde qué cuál tarjeta cuenta quiero puedo hola gracias "
    "dinero banco mí mis não meu minha onde cartão conta olá obrigado você "
    # French
    "le les des du et est je mon mes ne pas pour avec sur qui comment où carte compte bonjour merci "
    "votre vous suis ai "
    # German
    "der das und ist ich mein meine nicht wie wo ein eine mit für auf zu karte konto hallo danke bitte "
    "habe kann meiner meinen "
    # Italian
    "il gli della di che è non mio mia come dove sono carta conto ciao grazie "
    # Dutch
    "het een ik mijn niet hoe waar met voor kaart rekening dank".split()
)


@dataclass(frozen=True)
class CleanText:
    text: str  # masked, truncated, whitespace-normalised: the only form the rest of the code sees
    masked: bool  # a card number / IBAN was hidden
    truncated: bool  # the message was longer than MAX_CHARS
    has_words: bool  # contains at least one letter or digit
    other_language: bool  # looks like it is not English


def mask_sensitive(text: str) -> tuple[str, bool]:
    """Hide card numbers and IBANs, keeping only the last four characters."""

    def card(m: re.Match) -> str:
        digits = re.sub(r"\D", "", m.group(0))
        return f"[card number ending {digits[-4:]}]"

    def iban(m: re.Match) -> str:
        raw = re.sub(r"[ \-]", "", m.group(0))
        return f"[IBAN ending {raw[-4:]}]" if any(c.isdigit() for c in raw[4:]) else m.group(0)

    masked = _CARD.sub(card, text)
    masked = _IBAN.sub(iban, masked)
    return masked, masked != text


def looks_foreign(text: str) -> bool:
    """A light heuristic: mostly non-Latin letters, or more foreign than English function words."""
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return False
    non_latin = sum(1 for c in letters if not unicodedata.name(c, "").startswith("LATIN"))
    if non_latin / len(letters) > 0.5:
        return True
    words = [w.lower() for w in _WORD.findall(text)]
    foreign = sum(w in _FOREIGN for w in words)
    english = sum(w in _ENGLISH for w in words)
    return foreign >= 2 and foreign > english


def clean(message: object) -> CleanText:
    """Mask first (before truncating, so a number cut in half is still hidden), then the rest."""
    raw = message if isinstance(message, str) else ("" if message is None else str(message))
    raw = raw.replace("\x00", "")
    masked_text, masked = mask_sensitive(raw)
    truncated = len(masked_text) > MAX_CHARS
    if truncated:
        masked_text = masked_text[:MAX_CHARS]
        masked_text, again = mask_sensitive(masked_text)
        masked = masked or again
    text = " ".join(_TAG.sub(" ", masked_text).split())
    has_words = any(c.isalnum() for c in text)
    return CleanText(text, masked, truncated, has_words, has_words and looks_foreign(text))

"""Cleaning a user's message before anything else touches it: masking, truncation, checks."""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_CHARS = 1000

# 12 to 19 digits, optionally grouped by spaces, dots or dashes: card numbers and long account numbers.
_CARD = re.compile(r"(?<!\d)\d(?:[ .\-]?\d){11,18}(?!\d)")
# IBAN: country code, check digits, then 10 to 30 letters/digits, optionally in groups.
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:[ \-]?[A-Z0-9]){10,30}\b", re.IGNORECASE)

_TAG = re.compile(r"</?[A-Za-z][^<>]{0,200}>")  # HTML/XML tags: shown as typed, not classified


@dataclass(frozen=True)
class CleanText:
    text: str  # masked, truncated, whitespace-normalised: the only form the rest of the code sees
    masked: bool  # a card number / IBAN was hidden
    truncated: bool  # the message was longer than MAX_CHARS
    has_words: bool  # contains at least one letter or digit


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
    return CleanText(text, masked, truncated, has_words)

"""Which language a customer wrote in, per message: English, French, Italian, Spanish, German or other.

A character n-gram naive Bayes model (py3langid: langid.py's 97-language model, shipped in the package,
BSD) ranks the languages; the four we answer in and English are then compared among themselves. One- or
two-word messages carry too little text for n-grams ("hola", "servus", "agent"), so a short word list of
greetings and markers decides those, and a short message with no clear winner counts as English (the
English path still understands it best).
"""

from __future__ import annotations

import math
import re
import threading
import unicodedata
from functools import lru_cache

ENGLISH = "en"
ANSWERED = ("en", "fr", "it", "es", "de")  # languages with a reviewed answer table
OTHER = "other"
NAMES = {"en": "English", "fr": "French", "it": "Italian", "es": "Spanish", "de": "German", OTHER: "not supported"}

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
# Words that settle a short message on their own (greetings, thanks, yes/no, frequent function words whose
# spelling is specific to one of the five languages).
_MARKERS = {
    "en": "hi hello hey thanks thank bye goodbye yes no please the my is are what how why card".split(),
    "fr": "bonjour bonsoir salut merci oui non svp mon ma mes est je suis ça c'est pourquoi où carte".split(),
    "it": "ciao salve buongiorno buonasera grazie sì si no mio mia sono sto perché dove carta il della".split(),
    "es": "hola buenas buenos gracias sí no mi mis estoy tengo por qué cómo dónde tarjeta el los".split(),
    "de": "hallo servus moin tschüss danke ja nein bitte mein meine ist ich bin warum wo karte der das".split(),
}
_MARKER_LANGS: dict[str, set[str]] = {}
for _lang, _words in _MARKERS.items():
    for _w in _words:
        _MARKER_LANGS.setdefault(_w, set()).add(_lang)

MIN_OTHER_PROB = 0.9  # another language must be this sure (over all 97) before we call it "other"
SHORT_WORDS = 2  # messages of at most this many words: markers decide, else English when unsure
SHORT_MIN_SHARE = 0.6  # a short message's non-English winner needs this share of the five languages


@lru_cache(maxsize=1)
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


_lock = threading.Lock()  # the identifier is plain Python state; keep one caller in it at a time


def _ranked(text: str) -> list[tuple[str, float]]:
    with _lock:
        return _identifier().rank(text)


def detect_language(text: str) -> str:
    """'en', 'fr', 'it', 'es', 'de', or 'other' for a cleaned message."""
    words = [w.casefold() for w in _WORD.findall(text)]
    if not words:
        return ENGLISH
    letters = [ch for ch in text if ch.isalpha()]
    if sum(not unicodedata.name(ch, "").startswith("LATIN") for ch in letters) > len(letters) / 2:
        return OTHER  # the five answered languages are written in Latin script
    ranked = _ranked(text)
    probs = dict(ranked)
    top, top_p = ranked[0]
    if top not in ANSWERED and top_p >= MIN_OTHER_PROB and len(words) > SHORT_WORDS:
        return OTHER
    five = {lang: probs.get(lang, 0.0) for lang in ANSWERED}
    total = sum(five.values()) or 1.0
    votes = dict.fromkeys(ANSWERED, 0)
    for w in words:
        for lang in _MARKER_LANGS.get(w, ()):
            votes[lang] += 1
    if len(words) <= SHORT_WORDS:  # too little text for n-grams: a marker word decides, else a clear winner
        top_votes = max(votes.values())
        marked = [lang for lang, v in votes.items() if v == top_votes]
        if top_votes and len(marked) == 1:
            return marked[0]
        best = max(five, key=five.get)
        return best if five[best] / total >= SHORT_MIN_SHARE else ENGLISH
    # longer messages: the n-gram model decides, the marker words are a gentle vote
    score = {lang: math.log(five[lang] / total + 1e-9) + 1.5 * votes[lang] for lang in ANSWERED}
    return max(score, key=score.get)


def warm_up() -> None:
    """Load the model now (it decompresses ~4 MB of tables) rather than on the first message."""
    _identifier()

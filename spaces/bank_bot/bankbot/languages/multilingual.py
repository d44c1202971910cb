"""One model, two paths: English through the fine-tuned MiniLM and its head; French, Italian, Spanish and German
through multilingual-e5-small (``e5_encoder``) and a head of its own. Both heads predict the same labels, and
the same policy turns their probabilities into an answer.

Why two paths (measured, MODEL_CARD.md "Languages"): the frozen e5 with a head trained on the same English data
reaches ~91% on Banking77 where the MiniLM path reaches 93.8%, so one multilingual model would make English
worse; and e5 (12 layers) costs ~1.5-2x MiniLM (6 layers) per message.

Each language's e5 sentence vectors sit around a mean of their own. Moving a message by (English mean - its
language's mean) before the head lets the boundaries learnt mostly from English fit the other languages better
(language-mean centring); ``train_multilingual.py`` measures the shifts and stores them in the head file.
"""

from __future__ import annotations

import numpy as np

from .language import ENGLISH

SHIFT_PREFIX = "shift_"  # head-file tensors: shift_<language> = English mean - that language's mean


class MultilingualModel:
    """``predict_proba(texts, language)``: English (the default) through ``english``, any other language through
    ``other`` (both ``bankbot.models.model.IntentModel``: an encoder and a head; ``other``'s encoder is e5). Test
    stand-ins only need ``labels`` and ``predict_proba(texts, language=...)``."""

    def __init__(self, english, other) -> None:
        if list(other.labels) != list(english.labels):
            raise ValueError("the multilingual head and the English head must predict the same labels")
        self.english, self.other = english, other
        self.labels = list(english.labels)
        self.info = dict(english.info)
        extra = other.head.extra
        self.shifts = {k.removeprefix(SHIFT_PREFIX): v for k, v in extra.items() if k.startswith(SHIFT_PREFIX)}

    def predict_proba(self, texts: list[str], language: str = ENGLISH) -> np.ndarray:
        if language == ENGLISH:
            return self.english.predict_proba(texts)
        return self.other.proba_from_vectors(shift(self.other.encoder.encode(texts), self.shifts.get(language)))

    def floor(self, language: str) -> float | None:
        """The confidence floor of a language's path: the e5 head carries its own (train_multilingual.py fits it:
        the head is less sure in other languages than MiniLM's in English); None: the policy's default."""
        return None if language == ENGLISH else self.other.head.info.get("floor")

    def warm_up(self) -> None:
        self.predict_proba(["warm up: my card has not arrived yet"])
        self.predict_proba(["préchauffage : ma carte n'est pas arrivée"], language="fr")


def shift(vectors: np.ndarray, by: np.ndarray | None) -> np.ndarray:
    """Move unit vectors by a language's shift and renormalise (None: unchanged)."""
    if by is None:
        return vectors
    moved = vectors + by
    return (moved / np.maximum(np.linalg.norm(moved, axis=1, keepdims=True), 1e-12)).astype(np.float32)

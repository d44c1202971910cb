"""Fixtures for the bank_bot tests: a small model trained here, and a fixed-probability model."""

from __future__ import annotations

import numpy as np
import pytest

TRAIN = {
    "card_arrival": [
        "my card has not arrived yet",
        "when will my new card arrive",
        "still waiting for my card in the post",
        "card not delivered",
        "where is my card it never came",
    ],
    "change_pin": [
        "how do i change my pin",
        "i want a new pin number",
        "change pin code",
        "can i reset my pin",
        "update my card pin",
    ],
    "greeting": ["hello", "hi there", "good morning", "hey", "hello bot"],
    "thank_you": ["thanks", "thank you so much", "thanks a lot", "cheers thank you", "many thanks"],
    "talk_to_human": [
        "i want to talk to a human",
        "let me speak to a real person",
        "connect me to an agent",
        "human please",
        "speak to customer service staff",
    ],
    "out_of_scope": [
        "what is the meaning of life",
        "how do i cook pasta",
        "what is the weather tomorrow",
        "play some music",
        "tell me a joke about cats",
        "book a flight to paris",
    ],
}


class TinyModel:
    """A TF-IDF + logistic regression stand-in with the IntentModel interface."""

    def __init__(self) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        texts = [t for v in TRAIN.values() for t in v]
        y = [k for k, v in TRAIN.items() for _ in v]
        self.vec = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4)).fit(texts)
        self.clf = LogisticRegression(C=100, max_iter=2000).fit(self.vec.transform(texts), y)
        self.labels = list(self.clf.classes_)
        self.seen: list[str] = []
        self.languages: list[str] = []  # the language path each message was sent to

    def predict_proba(self, texts, language="en"):
        self.seen.extend(texts)
        self.languages.extend([language] * len(texts))
        return self.clf.predict_proba(self.vec.transform(texts))


class FixedModel:
    """Returns the same probabilities for every message (to drive the thresholds exactly)."""

    def __init__(self, probs: dict[str, float]) -> None:
        self.labels = list(TRAIN)
        self.p = np.array([probs.get(lab, 0.0) for lab in self.labels])

    def predict_proba(self, texts, language="en"):
        return np.tile(self.p, (len(texts), 1))


@pytest.fixture(scope="module")
def tiny_model():
    return TinyModel()


@pytest.fixture
def fixed_model():
    return FixedModel


@pytest.fixture(scope="module")
def table():
    from bankbot.conversation.policy import AnswerTable

    return AnswerTable.load()

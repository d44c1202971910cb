"""The colloquial normaliser (bankbot.models.colloquial): slang, shorthand and misspellings in plain words before
Northwind's English encoder, words with a banking sense left alone, and the model path that applies it. No data kit,
no encoder (a stand-in records what it was given)."""

from __future__ import annotations

import numpy as np
import pytest

from bankbot.models.colloquial import WORDS, normalise_colloquial


@pytest.mark.parametrize(
    ("typed", "plain"),
    [
        ("somebody nicked my purse at the gig", "somebody stole my purse at the gig"),
        ("a lad pinched my bag", "a lad stole my bag"),
        ("my phone got nicked", "my phone got stolen"),
        ("wallet was swiped from my coat", "wallet was stolen from my coat"),
        ("sent 50 quid to my mate", "sent 50 pounds to my friend"),
        ("lent him a tenner", "lent him 10 pounds"),
        ("it aint arrived and i cant log in", "it isn't arrived and i can't log in"),
        ("u sent it to ur sister pls check thx", "you sent it to your sister please check thanks"),
        ("i wanna cancel it cos its wrong", "i want to cancel it because its wrong"),
        ("never recieved it, accidently paid twice", "never received it, accidentally paid twice"),
        ("the cashpoint kept my card", "the atm kept my card"),
        ("the cash machine ate my card", "the atm swallowed my card"),
        ("my card got eaten", "my card got swallowed"),
    ],
)
def test_slang_shorthand_and_misspellings_become_plain_words(typed, plain):
    assert normalise_colloquial(typed) == plain


@pytest.mark.parametrize(
    "kept",
    [
        "I swiped my card twice at the till",  # to swipe a card is to use it
        "Which ATM can I use?",
        "Why do you need my ID?",
        "Its PIN is blocked",
        "I am ill and cannot get to the branch",
        "How do I top up by bank transfer?",
    ],
)
def test_a_message_without_slang_comes_back_as_it_was(kept):
    """Case and wording unchanged (the encoder is uncased, and a vector cache keys on the text)."""
    assert normalise_colloquial(kept) == kept


def test_only_the_changed_words_lose_their_case_and_punctuation_stays():
    assert normalise_colloquial("Hi, U still owe me 20 Quid!") == "Hi, you still owe me 20 pounds!"


def test_the_normaliser_is_deterministic_and_settles_after_one_pass():
    text = "someone nicked my card n i cant recieve money thru the app, wanna freeze it pls"
    once = normalise_colloquial(text)
    assert normalise_colloquial(once) == once == normalise_colloquial(text)


def test_no_plain_word_is_itself_rewritten():
    """A replacement never holds a word the table would rewrite again (one pass is the whole rewrite)."""
    plain_words = {w for v in WORDS.values() for w in v.split()}
    assert not plain_words & set(WORDS)


class RecordingEncoder:
    """A stand-in encoder: remembers the texts it was given, returns one fixed unit vector each."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def encode(self, texts: list[str]) -> np.ndarray:
        self.seen += texts
        return np.tile(np.array([[1.0, 0.0, 0.0]], np.float32), (len(texts), 1))


def tiny_model():
    from bankbot.models.model import Head, IntentModel

    labels = ["card_arrival", "lost_or_stolen_card", "out_of_scope"]
    head = Head(np.eye(3, dtype=np.float32) * 5, np.zeros(3, np.float32), labels, {}, None)
    return IntentModel(encoder=RecordingEncoder(), head=head)


def test_the_model_encodes_the_normalised_text_only_when_asked():
    model = tiny_model()
    model.predict_proba(["someone nicked my card"])
    model.prepare = normalise_colloquial
    model.predict_proba(["someone nicked my card"])
    assert model.encoder.seen == ["someone nicked my card", "someone stole my card"]


def test_the_batch_path_encodes_what_respond_encodes():
    from bankbot.conversation.bot import respond_many
    from bankbot.conversation.policy import answer_table

    model = tiny_model()
    model.prepare = normalise_colloquial
    respond_many(["my card got nicked on the bus"], model, answer_table())
    assert model.encoder.seen == ["my card got stolen on the bus"]


def test_the_shipped_english_path_reads_messages_as_typed():
    """The normaliser is a trial (lever_trial.py; README "Colloquial levers"): it did not ship, so the shipped
    English path encodes what the customer typed."""
    from bankbot.models.model import get_model

    english = get_model().english
    assert english.prepare is None and english.intent_offsets is None

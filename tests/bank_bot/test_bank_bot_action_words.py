"""Closing is not freezing: an answer about one account action to a message that names only the other becomes a
question between the two, in every language; agreeing or unnamed actions are answered as before."""

from __future__ import annotations

import numpy as np
import pytest

from bankbot.conversation.action_words import CLOSE, FREEZE, contradicted, named_action
from bankbot.conversation.bot import respond
from bankbot.conversation.policy import Action


class SureItIsFreezing:
    """A model that reads every message as freezing the account (0.9) in every language."""

    labels = [FREEZE, CLOSE, "balance", "out_of_scope"]

    def predict_proba(self, texts, language="en"):
        return np.tile([0.9, 0.1, 0.0, 0.0], (len(texts), 1))


@pytest.mark.parametrize(
    ("message", "action"),
    [
        ("je veux fermer mon compte définitivement", CLOSE),
        ("wanna shut my account down for good", CLOSE),
        ("vorrei chiudere il conto", CLOSE),
        ("quiero darme de baja y cerrar la cuenta", CLOSE),
        ("ich möchte mein Konto kündigen", CLOSE),
        ("konto aufloesen bitte", CLOSE),
        ("je veux geler ma carte", FREEZE),
        ("come blocco temporaneamente la carta?", FREEZE),
        ("puedo congelar la cuenta un tiempo?", FREEZE),
        ("bitte sperren Sie meine Karte", FREEZE),
        ("my account is blocked, can I close it?", None),  # both: the model decides
        ("how do I change my PIN", None),
    ],
)
def test_the_verbs_name_the_action(message, action):
    assert named_action(message) == action


def test_only_a_contradiction_of_an_account_action_counts():
    assert contradicted("je veux fermer mon compte", FREEZE) == CLOSE
    assert contradicted("je veux fermer mon compte", CLOSE) is None
    assert contradicted("je veux fermer mon compte", "balance") is None
    assert contradicted("freeze my card for now", CLOSE) == FREEZE


@pytest.mark.parametrize("message", ["je veux fermer mon compte définitivement", "I want to shut my account"])
def test_a_close_request_read_as_freezing_is_asked_back_not_answered(table, message):
    model = SureItIsFreezing()
    r = respond(message, [], model, table)
    assert r.decision.action == Action.CLARIFY and r.decision.options == [CLOSE, FREEZE]
    history = [{"role": "user", "content": message}, {"role": "assistant", "content": r.text}]
    follow = respond("1", history, model, table)
    assert follow.decision.action == Action.ANSWER and follow.decision.intent == CLOSE


def test_a_freeze_request_read_as_freezing_is_answered(table):
    d = respond("please freeze my account", [], SureItIsFreezing(), table).decision
    assert d.action == Action.ANSWER and d.intent == FREEZE

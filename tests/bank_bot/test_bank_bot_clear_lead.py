"""The clear-lead rule of policy.decide (margin_trial.py) with hand-made probabilities: below the floor, the top
in-scope intent is answered only with a wide lead over the second one and over out_of_scope, after the distance gate
and the harm cues. No model, no kit."""

from __future__ import annotations

import numpy as np
import pytest

from bankbot.company.folder import company_thresholds
from bankbot.conversation.bot import path_thresholds, respond
from bankbot.conversation.policy import Action, Thresholds, clear_lead, decide
from bankbot.conversation.safety import Harm
from bankbot.models.oos import gate

LABELS = ["card_arrival", "change_pin", "greeting", "out_of_scope", "talk_to_human", "thank_you"]
OOS = LABELS.index("out_of_scope")
LEAD = Thresholds(lead_min=0.35, lead_ratio=3.0)  # a hand-picked rule for the tests, not the shipped values


def probs(**p: float) -> np.ndarray:
    """Probabilities over LABELS; the rest of the mass spread evenly over the labels not named."""
    rest = [lab for lab in LABELS if lab not in p]
    left = (1.0 - sum(p.values())) / len(rest)
    return np.array([p.get(lab, left) for lab in LABELS])


def test_a_clear_lead_below_the_floor_is_answered(table):
    p = probs(card_arrival=0.42, change_pin=0.10, out_of_scope=0.30)
    d = decide(p, LABELS, table, th=LEAD)
    assert d.action == Action.ANSWER and d.intent == "card_arrival"
    assert d.reply in table.intents["card_arrival"]["answers"]


def test_without_the_rule_the_same_message_is_not_answered(table):
    p = probs(card_arrival=0.42, change_pin=0.10, out_of_scope=0.30)
    off = Thresholds(lead_min=None, lead_ratio=None)
    assert not decide(p, LABELS, table, th=off).action.answers


def test_a_narrow_lead_is_not_answered(table):
    p = probs(card_arrival=0.42, change_pin=0.20, out_of_scope=0.30)  # 0.42 < 3 x 0.20
    d = decide(p, LABELS, table, th=LEAD)
    assert not d.action.answers and d.action in (Action.CLARIFY, Action.LOW_CONFIDENCE)


def test_a_top_intent_below_lead_min_is_not_answered(table):
    p = probs(card_arrival=0.33, change_pin=0.05, out_of_scope=0.30)
    assert not decide(p, LABELS, table, th=LEAD).action.answers


def test_the_lead_must_also_beat_out_of_scope():
    p = probs(card_arrival=0.40, change_pin=0.05, out_of_scope=0.45)
    assert not clear_lead(p, LABELS, LABELS.index("card_arrival"), LEAD)
    p = probs(card_arrival=0.40, change_pin=0.05, out_of_scope=0.39)
    assert clear_lead(p, LABELS, LABELS.index("card_arrival"), LEAD)


def test_an_out_of_scope_top_is_still_declined(table):
    p = probs(card_arrival=0.40, change_pin=0.05, out_of_scope=0.45)
    assert decide(p, LABELS, table, th=LEAD).action == Action.DECLINE


def test_a_message_the_distance_gate_declined_is_declined(table):
    p = probs(card_arrival=0.45, change_pin=0.05, out_of_scope=0.30)
    gated = gate(p[None, :], np.array([True]), OOS, top=1.0)[0]
    assert decide(gated, LABELS, table, th=LEAD).action == Action.DECLINE


def test_the_floor_still_answers_with_the_rule_off(table):
    p = probs(card_arrival=0.55, change_pin=0.30, out_of_scope=0.10)
    assert decide(p, LABELS, table, th=Thresholds(lead_min=None, lead_ratio=None)).intent == "card_arrival"


class _LeadModel:
    """Fixed probabilities with a clear lead for card_arrival, and the rule on (as a bot's own thresholds)."""

    labels = LABELS
    thresholds = LEAD

    def predict_proba(self, texts, language="en"):
        return np.tile(probs(card_arrival=0.42, change_pin=0.10, out_of_scope=0.30), (len(texts), 1))


def test_harm_cues_come_before_a_clear_lead(table):
    r = respond("tell me the balance on my sister's savings account", [], _LeadModel(), table)
    assert r.decision.action == Action.DECLINE and r.decision.harm == Harm.OTHERS_DATA


def test_a_clear_lead_answers_through_respond(table):
    r = respond("card not here yet", [], _LeadModel(), table)
    assert r.decision.action == Action.ANSWER and r.decision.intent == "card_arrival"


class _TwoPaths:
    """Northwind's shape: English takes the policy's defaults, another language its own floor."""

    labels = LABELS

    def floor(self, language):
        return None if language == "en" else 0.4


@pytest.mark.parametrize("language", ["fr", "de"])
def test_other_languages_and_company_bots_never_use_the_rule(language):
    th = path_thresholds(_TwoPaths(), language)
    assert th.floor == pytest.approx(0.4) and th.lead_min is None and th.lead_ratio is None
    company = company_thresholds({"decline_below": 0.3})
    assert company.lead_min is None and company.lead_ratio is None


def test_english_takes_the_policy_defaults():
    assert path_thresholds(_TwoPaths(), "en") == Thresholds()


class _English:
    labels = LABELS
    thresholds = LEAD


class _Northwind(_TwoPaths):
    english = _English()


def test_the_english_path_may_bring_its_own_thresholds_and_other_languages_keep_theirs():
    assert path_thresholds(_Northwind(), "en") == LEAD
    assert path_thresholds(_Northwind(), "es").lead_min is None

"""Which labelled off-topic intents ask the same question as a company's own intent (label level).

Why: an off-topic source is "not this company's business" only row by row. Banking77's ``exchange_rate`` rows ("What
is the exchange rate for EUR?") are off-topic for a kitchen company but in scope for a company that answers CLINC150's
travel ``exchange_rate`` ("dollar to pesos exchange rate"). Scoring such rows as "must decline" counts right answers
as failures, and keeping them in the built-in off-topic bank teaches the bot to decline its own business.

The table was decided from the intent names and a few random rows of each intent (CLINC150 ``train``, Banking77
``train.csv``), never from which rows a bot answered. It is conservative and symmetric: a pair is listed only when
the two intents ask the same question; an intent that merely shares a word or a topic is rejected (``REJECTED``, with
the reason). Labels are ``source:intent`` as in the bank's groups (``clinc:weather``, ``banking77:card_arrival``).

Same name, same question: a company intent named exactly like a labelled intent (``exchange_rate``, ``pay_bill``)
asks that intent's question, in every source that has it. This is the only rule that reaches a real user's company,
and only where its intent names are those labels; questions without labels (CLINC150's out-of-scope queries, the
hand-written probes) cannot be matched at label level and stay as they are.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

SOURCES = ("clinc", "banking77")

# (label, label): the same question; read both ways
SAME_QUESTION: tuple[tuple[str, str], ...] = (
    # "What is the exchange rate for EUR?" / "dollar to pesos exchange rate": both ask for a rate
    ("banking77:exchange_rate", "clinc:exchange_rate"),
)

# candidates looked at and rejected: (label, label, why they are not the same question)
REJECTED: tuple[tuple[str, str, str], ...] = (
    ("banking77:exchange_via_app", "clinc:exchange_rate", "how to make an exchange in the bank's app, not a rate"),
    ("banking77:exchange_charge", "clinc:exchange_rate", "the bank's fee for exchanging, not a rate"),
    ("banking77:fiat_currency_support", "clinc:exchange_rate", "which currencies the account holds"),
    ("banking77:supported_cards_and_currencies", "clinc:exchange_rate", "which cards and currencies the bank takes"),
    ("banking77:card_payment_wrong_exchange_rate", "clinc:exchange_rate", "a complaint about a charged card payment"),
    (
        "banking77:wrong_exchange_rate_for_cash_withdrawal",
        "clinc:exchange_rate",
        "a complaint about a charged withdrawal",
    ),
    ("banking77:visa_or_mastercard", "clinc:international_visa", "a card brand against a travel visa"),
    ("banking77:lost_or_stolen_phone", "clinc:find_phone", "securing the bank account after a theft, not locating"),
    ("banking77:card_arrival", "clinc:order_status", "where the bank's card is, not a shop's order"),
    ("banking77:card_delivery_estimate", "clinc:order_status", "when the bank's card comes, not a shop's order"),
    ("banking77:receiving_money", "clinc:direct_deposit", "receiving payments (mostly in other currencies)"),
    ("banking77:transfer_into_account", "clinc:direct_deposit", "moving money in, not setting up payroll deposit"),
    ("clinc:international_fees", "clinc:exchange_rate", "card fees abroad, not a rate"),
    ("clinc:order_checks", "clinc:order", "cheques from the bank, not a shopping order"),
    ("clinc:meeting_schedule", "clinc:calendar", "CLINC150 keeps them apart: work meetings, not the calendar"),
    ("clinc:schedule_meeting", "clinc:calendar_update", "CLINC150 keeps them apart: booking a meeting room"),
    ("clinc:current_location", "clinc:share_location", "where am I, not send my location to someone"),
    ("clinc:routing", "clinc:direct_deposit", "a bank's routing number, not payroll deposit"),
    ("clinc:uber", "clinc:car_rental", "a ride now, not a rental"),
)


def name_of(intent: str) -> str:
    """A company's intent name or a label's intent part, normalised: ``Exchange rate`` -> ``exchange_rate``."""
    return re.sub(r"[^a-z0-9]+", "_", intent.split(":")[-1].lower()).strip("_")


def same_question_labels(company_intents: Iterable[str]) -> set[str]:
    """Every label (``source:intent``) that asks one of these company intents' questions: the intents' own names in
    every labelled source, and their ``SAME_QUESTION`` partners."""
    names = {name_of(i) for i in company_intents} - {"", "oos", "out_of_scope"}  # no question of its own
    labels = {f"{s}:{n}" for s in SOURCES for n in names}
    for a, b in SAME_QUESTION:
        if name_of(a) in names or name_of(b) in names:
            labels |= {a, b}
    return labels


def split_overlap(
    sources: dict[str, list[str]], labels: dict[str, dict[str, set[str]]], intents: list[str]
) -> tuple[dict[str, list[str]], dict[str, dict[str, int]]]:
    """(sources without the rows that ask one of the company's ``intents``, {source: {label: n removed}}). A row is
    removed when any label it carries asks a company intent; unlabelled sources (CLINC oos, the probes) keep all."""
    same = same_question_labels(intents)
    kept, removed = {}, {}
    for s, texts in sources.items():
        lab = labels.get(s, {})
        kept[s] = [t for t in texts if not (lab.get(t, set()) & same)]
        counts: dict[str, int] = {}
        for t in texts:
            for g in sorted(lab.get(t, set()) & same):
                counts[g] = counts.get(g, 0) + 1
        removed[s] = counts
    return kept, removed

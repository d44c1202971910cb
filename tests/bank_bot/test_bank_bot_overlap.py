"""Same question, not off-topic (bankbot/company/overlap.py): the label-level overlap table, the bank rule that keeps
a company's own questions out of its negatives, and the filter of the scored off-topic rows (oos_benchmark.py). Small
synthetic data only (no data kit, no encoder)."""

from __future__ import annotations

import numpy as np
import pytest

from bankbot.company.offtopic import OffTopicBank, negatives_for
from bankbot.company.overlap import (
    REJECTED,
    SAME_QUESTION,
    name_of,
    same_question_labels,
    split_overlap,
)


def test_a_company_intent_asks_its_own_label_in_every_source_and_its_listed_partners():
    assert same_question_labels(["Exchange rate"]) == {"clinc:exchange_rate", "banking77:exchange_rate"}
    assert same_question_labels(["book_flight"]) == {"clinc:book_flight", "banking77:book_flight"}
    assert same_question_labels(["out_of_scope", "oos"]) == set()  # declining is no question of its own
    assert "banking77:exchange_rate" in same_question_labels(["book_flight", "exchange_rate"])
    assert "banking77:exchange_rate" not in same_question_labels(["book_flight", "weather"])


@pytest.mark.parametrize("a, b", SAME_QUESTION)
def test_every_same_question_pair_reads_both_ways(a, b):
    assert a in same_question_labels([name_of(b)]) and b in same_question_labels([name_of(a)])


@pytest.mark.parametrize("a, b, why", REJECTED)
def test_rejected_candidates_stay_off_topic_both_ways(a, b, why):
    assert why and name_of(a) != name_of(b)
    assert a not in same_question_labels([name_of(b)]) and b not in same_question_labels([name_of(a)])


def _bank_far_from(company: np.ndarray) -> OffTopicBank:
    """Two groups orthogonal to the company's vectors: the similarity rules keep both."""
    far = np.zeros((4, company.shape[1]), np.float32)
    far[:, -1] = 1.0
    return OffTopicBank(far, np.array([0, 0, 1, 1]), ["banking77:exchange_rate", "clinc:weather"], list("abcd"))


def test_the_bank_loses_the_groups_that_ask_a_company_intent_whatever_their_vectors():
    company = np.eye(8, dtype=np.float32)[:4]
    bank = _bank_far_from(company)
    intents = ["exchange_rate", "exchange_rate", "book_flight", "book_flight"]
    keep, dropped = negatives_for(bank, company, intents)
    assert list(keep) == [2, 3] and dropped == ["banking77:exchange_rate"]
    keep, dropped = negatives_for(bank, company, intents, by_label=False)  # the similarity rules alone
    assert list(keep) == [0, 1, 2, 3] and dropped == []
    keep, _ = negatives_for(bank, company, ["refund"] * 2 + ["book_flight"] * 2)
    assert list(keep) == [0, 1, 2, 3]  # another company's business stays a negative


def test_the_benchmark_scores_no_row_that_asks_a_company_question():
    sources = {
        "clinc_oos": ["what is love", "who won the cup"],
        "clinc_domains": ["is it raining", "dollar to yen", "set an alarm"],
        "banking77": ["what is the rate for eur", "my card never came", "rate and card both"],
    }
    labels = {
        "clinc_domains": {"is it raining": {"clinc:weather"}, "dollar to yen": {"clinc:exchange_rate"}},
        "banking77": {
            "what is the rate for eur": {"banking77:exchange_rate"},
            "my card never came": {"banking77:card_arrival"},
            "rate and card both": {"banking77:card_arrival", "banking77:exchange_rate"},
        },
    }
    kept, removed = split_overlap(sources, labels, ["exchange_rate", "book_flight"])
    assert kept["clinc_oos"] == sources["clinc_oos"]  # no labels: nothing removed at label level
    assert kept["clinc_domains"] == ["is it raining", "set an alarm"]
    assert kept["banking77"] == ["my card never came"]
    assert removed == {
        "clinc_oos": {},
        "clinc_domains": {"clinc:exchange_rate": 1},
        "banking77": {"banking77:exchange_rate": 2},
    }
    kept, removed = split_overlap(sources, labels, ["weather_at_sea"])
    assert kept == sources and all(not v for v in removed.values())

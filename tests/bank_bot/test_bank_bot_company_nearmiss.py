"""The synthetic near-miss trial of a company bot (``Recipe.near_misses``, 0 = off): the company's own requests with
their intent's most distinctive words swapped for words of built-in off-topic sentences, labelled out_of_scope in
fine-tuning and in the head. No data kit: tiny rows, and the example company on a small slice of the built-in bank."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from bankbot.company import recipe as recipe_module
from bankbot.company.nearmiss import content_words, near_misses
from bankbot.company.recipe import Recipe, _weights

TEXTS = [
    "book a flight to paris",
    "book me a flight to rome tomorrow",
    "i want to book a flight",
    "what is the weather in oslo",
    "will it rain tomorrow, what weather",
    "weather forecast for the weekend please",
]
INTENTS = ["book_flight"] * 3 + ["weather"] * 3
FILLERS = ["my mortgage payment is late", "the mortgage rate went up", "which football team won", "football scores"]


def test_off_by_default_and_zero_makes_none():
    assert Recipe().near_misses == 0
    assert near_misses(TEXTS, INTENTS, FILLERS, 0, seed=0) == []


def test_the_intents_distinctive_words_are_swapped_for_filler_words_the_company_never_uses():
    out = near_misses(TEXTS, INTENTS, FILLERS, 2, seed=0)
    assert out == near_misses(TEXTS, INTENTS, FILLERS, 2, seed=0)  # seeded
    assert {i for i, _ in out} == set(range(6)) and len(out) <= 12
    pool = {"mortgage", "football"}  # filler words in two or more fillers ("payment", "scores": in one)
    own = set().union(*(content_words(t) for t in TEXTS))
    for i, variant in out:
        assert variant != TEXTS[i]
        assert content_words(variant) - own <= pool and content_words(variant) & pool
        topic = "flight" if INTENTS[i] == "book_flight" else "weather"  # in every row of its intent, no other
        assert topic not in variant.split()


def test_rows_marked_empty_make_no_near_misses():
    out = near_misses(TEXTS, ["book_flight"] * 3 + [""] * 3, FILLERS, 1, seed=1)
    assert out and {i for i, _ in out} <= {0, 1, 2}


def test_near_misses_take_their_share_of_the_negatives_weight_and_none_change_nothing():
    plain = _weights(10, 4, 0.5)
    assert np.array_equal(_weights(10, 4, 0.5, 0, 0.3), plain)  # off: today's weights, bit for bit
    w = _weights(10, 4, 0.5, 6, 0.3)
    assert len(w) == 20 and np.all(w[:10] == 1.0)
    assert w[10:].sum() == pytest.approx(plain[10:].sum())  # the negatives weigh what they did
    assert w[14:].sum() == pytest.approx(0.3 * 0.5 * 10) and np.allclose(w[14:], w[14])


@pytest.fixture(scope="module")
def trained():
    """The example company with and without near-misses, and with the share changed while they are off (plumbing: one
    layer, one pass, a small bank); every near-miss made, and the texts each fine-tuning run saw."""
    from bankbot.company.data import EXAMPLE_CSV, read_examples
    from bankbot.company.offtopic import load_builtin_bank
    from bankbot.company.recipe import train_company
    from bankbot.models import finetune
    from bankbot.models.model import frozen_encoder

    examples = read_examples(EXAMPLE_CSV.read_bytes())
    bank = load_builtin_bank()
    bank = bank.subset(np.random.RandomState(0).permutation(len(bank))[:800])
    small = Recipe(layers=1, epochs=1, finetune_negatives=100, head_negatives=300, check_negatives=100)
    made, seen = [], []
    real_near, real_finetune = recipe_module.near_misses, finetune.finetune_top_layers

    def spy_near(*args, **kwargs):
        made.extend(real_near(*args, **kwargs))
        return made

    def spy_finetune(encoder, texts, *args, **kwargs):
        seen.append(list(texts))
        return real_finetune(encoder, texts, *args, **kwargs)

    mp = pytest.MonkeyPatch()
    try:
        today = train_company(examples, bank, frozen_encoder(), small)
        share_only = train_company(examples, bank, frozen_encoder(), replace(small, near_miss_share=0.8))
        mp.setattr(recipe_module, "near_misses", spy_near)
        mp.setattr(finetune, "finetune_top_layers", spy_finetune)
        near = train_company(examples, bank, frozen_encoder(), replace(small, near_misses=1))
    finally:
        mp.undo()
    return examples, today, share_only, near, made, seen


@pytest.mark.slow
def test_zero_near_misses_is_todays_bot_whatever_the_share(trained):
    _, today, share_only, *_ = trained
    assert np.array_equal(today.weight, share_only.weight) and np.array_equal(today.bias, share_only.bias)
    assert all(np.array_equal(today.delta[n], share_only.delta[n]) for n in today.delta)
    assert today.metrics == share_only.metrics and today.oos["threshold"] == share_only.oos["threshold"]


@pytest.mark.slow
def test_a_held_out_rows_near_misses_never_train_the_checked_bot_and_all_train_the_final_one(trained):
    examples, today, _, near, made, seen = trained
    assert made and len(seen) == near.metrics["check_folds"] + 1  # each checked fold, then the final run
    held = set(near.spaces["checks"][0]["rows"])
    texts_of = {}
    for i, variant in made:
        texts_of.setdefault(i in held, set()).add(variant)
    assert not texts_of[True] & set(seen[0]) and texts_of[False] <= set(seen[0])
    assert texts_of[True] | texts_of[False] <= set(seen[-1])
    assert near.metrics["n_in_scope"] == today.metrics["n_in_scope"]  # the check scores the same company rows
    assert not np.array_equal(near.weight, today.weight) and near.recipe["near_misses"] == 1

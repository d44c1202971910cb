"""The gate and head variants of company_gate_trials.py on small synthetic spaces (no data kit, no encoder): the
vote and prototype heads, the blend that names the intent, the gate's own budget, and that its "today" variant is
the gate the recipe ships."""

from __future__ import annotations

import importlib.util
import types

import numpy as np
import pytest
from bank_bot_helpers import unit64 as unit

from bankbot.models import oos
from harness import SPACES


def _script():
    spec = importlib.util.spec_from_file_location(
        "bank_bot_company_gate_trials", SPACES / "bank_bot" / "company_gate_trials.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


trials = _script()


@pytest.fixture
def memory():
    """Three intents around the first three axes, 4 examples each."""
    rng = np.random.default_rng(0)
    rows = [unit(np.eye(6)[c] + 0.1 * rng.normal(size=(4, 6))) for c in range(3)]
    return np.vstack(rows), np.repeat(np.arange(3), 4)


def test_the_vote_follows_the_nearest_examples_and_sums_to_one(memory):
    mem, targets = memory
    X = unit(np.array([[1.0, 0.05, 0, 0, 0, 0], [0.1, 0, 1.0, 0, 0, 0]]))
    P = trials.vote_probs(mem, targets, X, 3, k=5)
    assert np.allclose(P.sum(axis=1), 1.0)
    assert list(P.argmax(axis=1)) == [0, 2]
    one = trials.vote_probs(mem, targets, mem[5:6], 3, k=1)  # an example itself, one neighbour: its own intent
    assert one.tolist() == [[0.0, 1.0, 0.0]]


def test_prototypes_pick_the_closest_intent_centre(memory):
    mem, targets = memory
    X = unit(np.array([[0.2, 1.0, 0.1, 0, 0, 0], [0, 0, 0, 1.0, 0, 0]]))
    P = trials.prototype_probs(mem, targets, X, 3)
    assert np.allclose(P.sum(axis=1), 1.0)
    assert P[0].argmax() == 1
    assert P[1].max() < P[0].max()  # far from every centre: less sure than near one


def test_the_blend_names_an_intent_never_out_of_scope_and_skips_its_column():
    # labels: intent 0, out_of_scope (index 1), intent 2 (as labels.index maps them)
    P = np.array([[0.2, 0.7, 0.1], [0.1, 0.3, 0.6]])
    Q = np.array([[0.0, 1.0], [1.0, 0.0]])  # over the two intents, in label order without out_of_scope
    assert trials.blended_intents(P, 1, Q, 0.0).tolist() == [0, 2]  # the head alone: its best intent
    assert trials.blended_intents(P, 1, Q, 1.0).tolist() == [2, 0]  # the other opinion alone, mapped past index 1
    # row 0: the head 2/3 for intent 0, the vote all on 2; row 1: the head 6/7 for intent 2, the vote all on 0
    assert trials.blended_intents(P, 1, Q, 0.3).tolist() == [2, 2]


def test_the_gates_own_budget_ignores_rows_the_head_declines_anyway():
    scores = np.arange(100, dtype=float)
    anyway = np.zeros(100, bool)
    anyway[[0, 1, 2, 50]] = True
    t = trials.own_budget_threshold(scores, anyway, 0.05)
    answered = scores[~anyway]
    assert (answered < t).sum() == int(0.05 * len(answered))  # 4 of the 96 answered rows
    shared = oos.choose_threshold(scores, 0.05, anyway)
    assert (scores < shared).sum() < (scores < t).sum()  # sharing the budget with the head declines fewer


def test_todays_variant_is_the_gate_the_recipe_ships():
    """variant_gate("energy", "shared") == recipe.fit_gate + carry_over on the same spaces."""
    from bankbot.company.recipe import Recipe, carry_over, fit_gate, gate_scores

    rng = np.random.default_rng(3)
    weight = np.vstack([np.eye(8)[:3] * 8, np.zeros((1, 8))])
    bias = np.array([0.0, 0.0, 0.0, 1.5])
    mem = unit(np.eye(8)[np.repeat(np.arange(3), 5)] + 0.2 * rng.normal(size=(15, 8)))
    check = oos.Space(weight, bias, 3, mem, np.repeat(np.arange(3), 5), k=3)
    final = oos.Space(weight * 1.3, bias, 3, mem, np.repeat(np.arange(3), 5), k=3)
    X_in = unit(np.eye(8)[rng.integers(0, 3, 60)] + 0.5 * rng.normal(size=(60, 8)))
    X_out, final_out = unit(rng.normal(size=(200, 8))), unit(rng.normal(size=(200, 8)))
    result = types.SimpleNamespace(
        spaces={"check": check, "final": final, "check_in": X_in, "check_out": X_out, "final_out": final_out}
    )
    recipe = Recipe()
    preset, threshold, score = trials.variant_gate(result, "energy", "shared", recipe)
    gate = fit_gate(*gate_scores(check, X_in, recipe), *gate_scores(check, X_out, recipe), recipe)
    shipped = carry_over(gate, check, X_out, final, final_out)
    assert preset == shipped["preset"]
    assert threshold == pytest.approx(shipped["threshold"], abs=1e-5)
    assert np.allclose(score(final_out), final.score("energy", final_out))

"""Out-of-scope scores, the threshold choice and the gate (bankbot.models.oos): small synthetic spaces, no data
kit, no encoder."""

from __future__ import annotations

import numpy as np
import pytest

from bankbot.models import oos


def unit(v):
    v = np.asarray(v, np.float64)
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


@pytest.fixture
def space():
    """Two intents around the first two axes, out_of_scope as the third label; memory = 5 examples each."""
    rng = np.random.default_rng(0)
    a = unit(np.eye(8)[0] + 0.1 * rng.normal(size=(5, 8)))
    b = unit(np.eye(8)[1] + 0.1 * rng.normal(size=(5, 8)))
    weight = np.stack([np.eye(8)[0] * 10, np.eye(8)[1] * 10, np.zeros(8)])
    bias = np.array([0.0, 0.0, 2.0])
    return oos.Space(weight, bias, 2, np.vstack([a, b]), np.array([0] * 5 + [1] * 5), k=3)


def test_every_score_ranks_a_question_near_an_intent_above_one_far_from_all(space):
    oos.fit_mahalanobis(space)
    near = unit(np.eye(8)[0] + 0.05 * np.eye(8)[2])[None]
    far = unit(np.eye(8)[5] + np.eye(8)[6])[None]
    for method, score in oos.scores(space, np.vstack([near, far])).items():
        assert score[0] > score[1], method


def test_knn_is_the_mean_similarity_of_the_k_nearest_examples(space):
    x = unit(np.eye(8)[0])[None]
    sims = np.sort(space.memory @ x[0])[::-1]
    assert oos.knn(space, x)[0] == pytest.approx(sims[:3].mean(), abs=1e-9)
    space.k = 1
    assert oos.knn(space, x)[0] == pytest.approx(sims[0], abs=1e-9)


def test_energy_and_max_logit_leave_the_out_of_scope_logit_out(space):
    x = unit(np.eye(8)[0])[None]
    z = space.logits(x)[0]
    assert oos.max_logit(space, x)[0] == pytest.approx(z[0])
    assert oos.energy(space, x)[0] == pytest.approx(np.log(np.exp(z[0]) + np.exp(z[1])))
    assert oos.msp(space, x)[0] == pytest.approx(np.exp(z[0]) / np.exp(z).sum())


def test_threshold_declines_at_most_the_budget_of_held_out_in_scope_rows():
    scores = np.linspace(0.0, 1.0, 101)  # 101 held-out in-scope scores
    for budget in (0.0, 0.02, 0.04, 0.08):
        t = oos.choose_threshold(scores, budget)
        declined = (scores < t).sum()
        assert declined == int(np.floor(budget * 101)), budget
    # rows the head declines anyway use up the same budget
    already = np.zeros(101, bool)
    already[-3:] = True  # 3 rows already declined
    t = oos.choose_threshold(scores, 0.08, already)  # budget 8 -> 5 more
    assert (scores < t).sum() == 5
    assert oos.choose_threshold(scores, 0.02, np.ones(101, bool)) == scores.min()  # budget spent: decline no more
    with pytest.raises(ValueError):
        oos.choose_threshold(np.array([]), 0.05)


def test_the_presets_order_from_answering_more_to_declining_more():
    rng = np.random.default_rng(1)
    scores = rng.normal(size=200)
    t = [oos.choose_threshold(scores, oos.PRESETS[p]) for p in ("answers more", "balanced", "declines more")]
    assert t[0] < t[1] < t[2]
    assert oos.DEFAULT_PRESET in oos.PRESETS


def test_the_gate_declines_far_questions_and_the_heads_own_out_of_scope_class(space):
    X = np.vstack([unit(np.eye(8)[0])[None], unit(np.eye(8)[5])[None], unit(np.eye(8)[1])[None]])
    threshold = 0.5  # kNN similarity: the first and third are ~1.0, the second ~0.0
    declined = oos.declines(space, X, "knn", threshold)
    assert declined.tolist() == [False, True, False]
    space.bias = np.array([0.0, 0.0, 20.0])  # now the head's out_of_scope class wins everywhere
    assert oos.declines(space, X, "knn", threshold).all()


def test_gate_puts_out_of_scope_on_top_and_keeps_the_other_topics_in_order():
    p = np.array([[0.7, 0.2, 0.1], [0.5, 0.3, 0.2]])
    out = oos.gate(p, np.array([True, False]), oos_index=2)
    assert out[0].argmax() == 2 and out[0, 0] > out[0, 1]
    assert np.allclose(out.sum(axis=1), 1.0) and np.allclose(out[1], p[1])
    one_hot = oos.gate(np.array([[1.0, 0.0, 0.0]]), np.array([True]), 2)
    assert one_hot[0].argmax() == 2


def test_wilson_interval_is_wide_for_few_rows_and_narrow_for_many():
    lo, hi = oos.wilson(15, 16)
    assert lo < 0.75 and hi > 0.98 and hi - lo > 0.2
    lo2, hi2 = oos.wilson(950, 1000)
    assert hi2 - lo2 < 0.03 and lo2 < 0.95 < hi2
    assert oos.wilson(0, 0) == (0.0, 1.0)


def test_company_folds_are_even_and_never_take_the_only_rows_of_an_intent():
    from bankbot.company.recipe import stratified_folds

    intents = ["a"] * 10 + ["b"] * 7 + ["c"] * 2
    folds = stratified_folds(intents, 5, seed=0)
    assert (folds[-2:] == -1).all()  # "c" has 2 rows: both always train
    sizes = np.bincount(folds[folds >= 0], minlength=5)
    assert sizes.sum() == 17 and sizes.max() - sizes.min() <= 1
    for intent in ("a", "b"):  # every fold keeps training rows of every intent
        rows = np.array(intents) == intent
        assert all((folds[rows] != f).any() for f in range(5))


def test_gate_presets_are_fitted_on_company_rows_and_measured_on_unseen_topics():
    from bankbot.company.recipe import Recipe, fit_gate

    rng = np.random.default_rng(0)
    s_in, s_out = rng.normal(0.8, 0.05, 200), rng.normal(0.5, 0.1, 300)
    floor_in, floor_out = np.zeros(200, bool), np.zeros(300, bool)
    floor_in[:2] = True  # two company rows the head declines anyway
    gate = fit_gate(s_in, floor_in, s_out, floor_out, Recipe())
    p = gate["presets"]
    assert list(p) == list(oos.PRESETS) and gate["preset"] == oos.DEFAULT_PRESET
    assert gate["threshold"] == p[oos.DEFAULT_PRESET]["threshold"]
    for name, budget in oos.PRESETS.items():
        assert p[name]["false_decline_rate"] <= budget + 1e-9  # never more than the preset allows on its rows
        lo, hi = p[name]["decline_rate_ci95"]
        assert lo <= p[name]["decline_rate"] <= hi and p[name]["n_off_topic"] == 300
    assert p["answers more"]["decline_rate"] <= p["balanced"]["decline_rate"] <= p["declines more"]["decline_rate"]
    assert p["declines more"]["decline_rate"] > 0.9  # the far-away scores are declined
    # the off-topic scores never move a threshold: thresholds come from the company's rows only
    other = fit_gate(s_in, floor_in, s_out - 1.0, floor_out, Recipe())
    assert all(other["presets"][n]["threshold"] == p[n]["threshold"] for n in p)


def test_a_company_head_with_a_gate_declines_what_is_far_from_its_examples(space):
    from bankbot.models.model import Head, Memory, head_proba

    labels = ["a", "b", "out_of_scope"]
    info = {"oos": {"method": "knn", "k": 3, "preset": "balanced", "threshold": 0.5}}
    memory = Memory(space.memory, space.targets, k=3, weight=0.0)
    X = np.vstack([unit(np.eye(8)[0])[None], unit(np.eye(8)[5] + 0.2 * np.eye(8)[0])[None]])
    bias = np.zeros(3)  # the head's own out_of_scope class never wins here
    plain = head_proba(Head(space.weight, bias, labels, {}, memory), X)
    gated = head_proba(Head(space.weight, bias, labels, info, memory), X)
    assert plain.argmax(axis=1).tolist() == [0, 0]  # the softmax alone answers the far question with "a"
    assert gated.argmax(axis=1).tolist() == [0, 2] and np.allclose(gated[0], plain[0])

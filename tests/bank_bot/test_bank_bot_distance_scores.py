"""The out-of-scope scores of bankbot.models.distance_scores on small hand-made vectors."""

from __future__ import annotations

import numpy as np
import pytest

from bankbot.models.distance_scores import (
    MahalanobisScorer,
    gate,
    max_logit,
    nearest_similarity,
    neg_energy,
    threshold_at,
)


def unit(x):
    x = np.asarray(x, np.float32)
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


def test_nearest_similarity_is_the_cosine_to_the_closest_rows():
    bank = unit([[1, 0, 0], [0, 1, 0], [0.8, 0.6, 0]])
    q = unit([[1, 0, 0], [0, 0, 1]])
    assert nearest_similarity(q, bank, k=1) == pytest.approx([1.0, 0.0], abs=1e-6)
    assert nearest_similarity(q, bank, k=2) == pytest.approx([0.9, 0.0], abs=1e-6)
    assert nearest_similarity(q, bank, k=2, chunk=1) == pytest.approx(nearest_similarity(q, bank, k=2))


def test_mahalanobis_matches_the_formula_and_ranks_a_far_point_lowest():
    rng = np.random.default_rng(0)
    a = rng.normal([0, 0], [1.0, 0.1], size=(200, 2))
    b = rng.normal([5, 5], [1.0, 0.1], size=(200, 2))
    x, y = np.vstack([a, b]), np.array([0] * 200 + [1] * 200)
    scorer = MahalanobisScorer(x, y, shrinkage=0.0)
    q = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0]])
    s = scorer.score(q)
    # off the narrow axis (y) is much further than along the wide one (x), though both are 1 away
    assert s[0] > s[2] > s[1]
    d = q[:, None, :] - scorer.means[None]
    brute = -np.einsum("nci,ij,ncj->nc", d, scorer.precision, d).min(axis=1)
    assert s == pytest.approx(brute, rel=1e-4, abs=1e-4)


def test_max_logit_and_energy_ignore_the_out_of_scope_column():
    logits = np.array([[2.0, 1.0, 9.0], [0.0, 0.0, -1.0]])
    in_scope = np.array([True, True, False])
    assert max_logit(logits, in_scope) == pytest.approx([2.0, 0.0])
    assert neg_energy(logits, in_scope) == pytest.approx(np.log(np.exp([[2, 1], [0, 0]]).sum(axis=1)))
    assert (neg_energy(logits, in_scope) >= max_logit(logits, in_scope)).all()


def test_the_cut_declines_the_stated_share_of_in_scope_rows():
    scores = np.arange(1000, dtype=float)
    assert threshold_at(scores, 0.0) == float("-inf")
    cut = threshold_at(scores, 0.01)
    assert (scores < cut).mean() == pytest.approx(0.01, abs=0.002)


def test_gate_sends_low_rows_to_out_of_scope_and_keeps_the_rest():
    probs = np.array([[0.7, 0.2, 0.1], [0.6, 0.3, 0.1]])
    out = gate(probs, np.array([0.1, 0.9]), 0.5, oos_index=2)
    assert out[0].tolist() == [0.0, 0.0, 1.0] and out[1].tolist() == probs[1].tolist()
    per_row = gate(probs, np.array([0.1, 0.9]), np.array([0.0, 1.0]), oos_index=2)
    assert per_row[0].tolist() == probs[0].tolist() and per_row[1].tolist() == [0.0, 0.0, 1.0]
    assert probs[0].tolist() == [0.7, 0.2, 0.1]  # the input is not changed


def test_the_model_gate_declines_what_is_far_from_every_in_scope_sentence():
    from bankbot.models.model import Head, IntentModel, Memory

    labels = ["card_arrival", "change_pin", "out_of_scope"]
    memory = Memory(unit([[1, 0, 0], [0.9, 0.1, 0], [0, 1, 0], [0, 0, 1]]), np.array([0, 0, 1, 2]), k=2, weight=0.0)
    head = Head(np.eye(3, dtype=np.float32) * 5, np.zeros(3, np.float32), labels, {}, memory)
    model = IntentModel(encoder=None, head=head)
    near, far = unit([[1, 0.05, 0]]), unit([[0.1, 0.1, 1]])  # far sits on the out_of_scope row only
    before = model.proba_from_vectors(np.vstack([near, far]))
    model.use_gate(0.5)
    after = model.proba_from_vectors(np.vstack([near, far]))
    assert after[0].tolist() == before[0].tolist()
    assert after[1].tolist() == [0.0, 0.0, 1.0]
    model.use_gate(0.0)
    assert model.proba_from_vectors(far).tolist() == before[1:].tolist()

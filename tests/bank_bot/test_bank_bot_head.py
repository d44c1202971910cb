"""The head file: linear layer + labels + neighbour memory, one safetensors file."""

from __future__ import annotations

import numpy as np
import pytest
from bank_bot_helpers import unit

from bankbot.models.model import Head, Memory, head_proba, load_head, save_head, softmax


@pytest.fixture
def head() -> Head:
    rng = np.random.default_rng(0)
    labels = ["a", "b", "c"]
    centres = unit(rng.standard_normal((3, 384)))
    vectors = unit(np.repeat(centres, 20, axis=0) + 0.05 * rng.standard_normal((60, 384)))
    targets = np.repeat(np.arange(3), 20)
    memory = Memory(vectors, targets, k=5, temperature=0.05, weight=0.4)
    # a head that knows nothing: uniform probabilities, so everything comes from the neighbours
    return Head(np.zeros((3, 384), np.float32), np.zeros(3, np.float32), labels, {"name": "t"}, memory)


def test_neighbour_vote_is_mixed_in_with_its_weight(head):
    query = head.memory.vectors[[0, 25, 59]]
    p = head_proba(head, query)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, atol=1e-6)  # float32: a few ulps, not bit for bit
    assert list(p.argmax(axis=1)) == [0, 1, 2]
    np.testing.assert_allclose(p.max(axis=1), 0.6 * (1 / 3) + 0.4, atol=1e-6)  # unanimous neighbours
    head.memory.weight = 0.0
    np.testing.assert_allclose(head_proba(head, query), softmax(np.zeros((3, 3))), atol=1e-6)


def test_head_round_trips_through_safetensors(head, tmp_path):
    save_head(tmp_path / "h.safetensors", head)
    back = load_head(tmp_path / "h.safetensors")
    assert back.labels == head.labels and back.info["knn"] == {"k": 5, "temperature": 0.05, "weight": 0.4}
    np.testing.assert_allclose(back.memory.vectors, head.memory.vectors, atol=1e-3)  # stored as float16
    query = head.memory.vectors[[3, 30]]
    np.testing.assert_allclose(head_proba(back, query), head_proba(head, query), atol=1e-3)


def test_memory_with_unknown_labels_is_refused(head, tmp_path):
    head.memory.targets = head.memory.targets + 5
    save_head(tmp_path / "h.safetensors", head)
    with pytest.raises(ValueError, match="memory"):
        load_head(tmp_path / "h.safetensors")


def test_head_without_memory_is_the_plain_linear_head(head, tmp_path):
    head.memory = None
    save_head(tmp_path / "h.safetensors", head)
    back = load_head(tmp_path / "h.safetensors")
    assert back.memory is None
    v = unit(np.ones((1, 384)))
    np.testing.assert_allclose(head_proba(back, v), softmax(v @ head.weight.T + head.bias), atol=1e-6)

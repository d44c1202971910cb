"""The e5 trial of a company bot (``Recipe.e5``, off by default): the head, the gate and the kNN memory see the
fine-tuned MiniLM vector followed by a second, frozen encoder's vector. A tiny stand-in plays e5 (no data kit, no e5
file); oos_benchmark.py's variant rows run beside today's recipe."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from bankbot.company.recipe import Recipe, with_second
from harness import SPACES


class StandIn:
    """A frozen 'second encoder': a unit vector per text from its letters (deterministic), and the texts it saw."""

    dim = 8

    def __init__(self) -> None:
        self.seen: list[str] = []

    def encode(self, texts: list[str]) -> np.ndarray:
        self.seen += list(texts)
        v = np.zeros((len(texts), self.dim), np.float32)
        for i, t in enumerate(texts):
            for j, ch in enumerate(t.lower()):
                v[i, (ord(ch) + j) % self.dim] += 1.0
            v[i] += 1e-3
        return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_e5_is_off_by_default_and_then_the_features_are_minilms_alone():
    assert Recipe().e5 is False
    tuned = np.eye(3, 4, dtype=np.float32)
    second = StandIn()
    assert with_second(Recipe(), tuned, ["a", "b", "c"], second) is tuned
    assert second.seen == []  # the second encoder is never asked


def test_with_e5_the_features_are_minilm_then_the_second_encoder_in_row_order():
    tuned = np.eye(3, 4, dtype=np.float32)
    texts = ["pay my bill", "gas leak", "moving home"]
    X = with_second(Recipe(e5=True), tuned, texts, StandIn())
    assert X.shape == (3, 4 + StandIn.dim) and X.dtype == np.float32
    assert np.array_equal(X[:, :4], tuned)
    assert np.allclose(X[:, 4:], StandIn().encode(texts))
    assert np.allclose(np.linalg.norm(X[:, 4:], axis=1), 1.0)  # each half keeps its own unit length


@pytest.mark.slow
def test_a_company_bot_trains_on_both_encoders_and_gates_in_the_joint_space():
    """train_company with the trial on (plumbing: one layer, one pass, a small bank): the head and the kNN memory are
    as wide as both encoders, the second encoder saw every company and bank row once, and the held-out check ran."""
    from bankbot.company.data import EXAMPLE_CSV, read_examples
    from bankbot.company.offtopic import load_builtin_bank
    from bankbot.company.recipe import train_company
    from bankbot.models.model import frozen_encoder

    examples = read_examples(EXAMPLE_CSV.read_bytes())
    bank = load_builtin_bank()
    bank = bank.subset(np.random.RandomState(0).permutation(len(bank))[:800])
    recipe = Recipe(e5=True, layers=1, epochs=1, finetune_negatives=100, head_negatives=300, check_negatives=100)
    second = StandIn()
    result = train_company(examples, bank, frozen_encoder(), recipe, second_encoder=second)
    width = 384 + StandIn.dim
    assert result.weight.shape == (len(examples.labels) + 1, width)
    assert result.memory.shape[1] == width and result.spaces["final"].memory.shape[1] == width
    assert set(examples.texts) <= set(second.seen) and len(second.seen) == result.spaces["rows"]["n_own"] + len(
        result.data["builtin_negative_rows"]
    )
    assert result.metrics["n_in_scope"] == len(examples.texts) and result.recipe["e5"] is True
    assert "second_encoder" in result.timings


@pytest.fixture
def bench(monkeypatch):
    """oos_benchmark.py as a module (it imports company_benchmark.py, and the e5 cache reader train_multilingual.py,
    from its own folder)."""
    monkeypatch.syspath_prepend(str(SPACES / "bank_bot"))
    spec = importlib.util.spec_from_file_location("bank_bot_oos_benchmark", SPACES / "bank_bot" / "oos_benchmark.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_benchmarks_variant_runs_beside_todays_recipe_with_the_same_methods(bench):
    plan = bench.recipes(None, None, {"e5": True}, previous=False)
    assert list(plan) == ["this recipe", "this recipe + e5"]
    (today, methods), (trial, trial_methods) = plan["this recipe"], plan["this recipe + e5"]
    assert trial == Recipe(e5=True) and today == Recipe() and trial_methods == methods
    assert list(bench.recipes(None)) == ["previous recipe", "this recipe"]  # without a variant: as before
    assert bench.variant_name({"e5": True, "layers": 4}) == "this recipe + e5, layers=4"


def test_the_cached_encoder_encodes_each_sentence_once_across_calls(bench, tmp_path):
    second = StandIn()
    cached = bench.CachedEncoder(second, tmp_path / "e5.npz")
    a = cached.encode(["gas leak", "pay my bill"])
    b = cached.encode(["pay my bill", "moving home", "gas leak"])
    assert sorted(second.seen) == ["gas leak", "moving home", "pay my bill"]
    assert np.allclose(b[[2, 0]], a) and np.allclose(b[1], StandIn().encode(["moving home"])[0])

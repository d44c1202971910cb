"""The few-shot pieces of a company bot's recipe: augmented copies of its examples, the pair batches and the
supervised contrastive loss of its fine-tuning."""

from __future__ import annotations

import random

import numpy as np
import pytest

from bankbot.company.augment import augment, augmented_copies, typo
from bankbot.models.finetune import pair_batches


def test_a_typo_changes_one_inner_letter_of_a_long_word_and_leaves_short_words():
    rng = random.Random(0)
    for _ in range(200):
        t = typo("balance", rng)
        assert t[0] == "b" and t[-1] == "e" and abs(len(t) - 7) <= 1
    assert typo("bill", random.Random(1)) != "bill" or typo("bill", random.Random(2)) != "bill"
    assert typo("pay", rng) == "pay"


def test_augment_makes_one_small_edit_and_is_deterministic():
    text = "how do I give my gas meter reading"
    variants = [augment(text, random.Random(s)) for s in range(50)]
    assert variants == [augment(text, random.Random(s)) for s in range(50)]
    assert len(set(variants)) > 5
    words = text.split()
    for v in variants:
        vw = v.split()
        # a dropped word, two neighbours swapped (same words), or one word with a typo
        if len(vw) != len(words):
            assert len(vw) == len(words) - 1 and all(w in words for w in vw)
        else:
            assert sorted(vw) == sorted(words) or sum(a != b for a, b in zip(vw, words, strict=True)) == 1
    assert augment("hi", random.Random(0)) == "hi"  # too short for any edit


def test_augmented_copies_name_their_source_and_never_repeat_it():
    texts = ["where is my new boiler engineer", "ok", "I want to send you a meter reading"]
    copies = augmented_copies(texts, 3, seed=0)
    assert {i for i, _ in copies} <= {0, 2}  # "ok" has no variant
    for i, v in copies:
        assert v != texts[i]
    assert len({(i, v) for i, v in copies}) == len(copies)
    assert augmented_copies(texts, 0, seed=0) == []
    assert copies == augmented_copies(texts, 3, seed=0)


def test_pair_batches_hold_every_own_row_once_in_same_intent_pairs_and_fill_with_negatives():
    targets = np.array([0] * 5 + [1] * 4 + [2] * 1 + [9] * 30)  # 9: the built-in negatives
    batches = pair_batches(targets, 9, 8, random.Random(0))
    own = [i for b in batches for i in b if targets[i] != 9]
    assert sorted(own) == list(range(10))  # each own row exactly once per pass
    for b in batches:
        assert len(b) <= 8
        first = [i for i in b if targets[i] != 9]
        assert len(first) <= 4 and all(targets[i] == 9 for i in b[len(first) :])  # pairs first, then negatives
        for k in range(0, len(first) - 1, 2):  # a pair is two rows of one intent (a lone row closes a target)
            a, c = first[k], first[k + 1]
            assert targets[a] == targets[c] or targets[a] in (0, 2) or targets[c] in (0, 2)
    negatives = [i for b in batches for i in b if targets[i] == 9]
    assert len(negatives) == len(set(negatives))  # 30 negatives are enough: none drawn twice in a pass


def test_pair_batches_without_negatives_are_pairs_only():
    batches = pair_batches(np.array([0, 0, 1, 1, 2, 2]), None, 4, random.Random(1))
    assert sorted(i for b in batches for i in b) == list(range(6))
    assert all(len(b) <= 4 for b in batches)


def test_supcon_loss_is_low_when_an_intents_rows_are_close_and_ignores_negatives():
    torch = pytest.importorskip("torch")
    from bankbot.models.finetune import supcon_loss

    def unit(rows):
        x = torch.tensor(rows, dtype=torch.float32)
        return x / x.norm(dim=1, keepdim=True)

    y = torch.tensor([0, 0, 1, 1, 9, 9])
    together = unit([[1, 0, 0], [1, 0.05, 0], [0, 1, 0], [0.05, 1, 0], [0, 0, 1], [0, 0.05, 1]])
    apart = unit([[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 0.05, 0], [1, 0, 0.05], [0, 0.05, 1]])
    assert float(supcon_loss(together, y, 9)) < float(supcon_loss(apart, y, 9)) - 1.0
    # negatives are no pairs: two identical negatives and no own pair give 0
    only_negatives = supcon_loss(unit([[1, 0, 0], [1, 0, 0], [0, 1, 0]]), torch.tensor([9, 9, 0]), 9)
    assert float(only_negatives) == 0.0
    # without a negative label the same rows are a pair
    assert float(supcon_loss(unit([[1, 0, 0], [1, 0, 0], [0, 1, 0]]), torch.tensor([9, 9, 0]), None)) > 0.0


def test_contrastive_fine_tuning_pulls_an_intents_examples_together():
    """Top layer of the shipped MiniLM, pairs + contrastive loss only (no head step: lr 0 for the head's start at
    zero would still move it; the intent loss is kept but its head is zero): same-intent cosines rise against
    cross-intent ones."""
    pytest.importorskip("torch")
    from bankbot.models.encoder import MiniLM
    from bankbot.models.finetune import cache_lower_states, embed_states, finetune_top_layers
    from bankbot.models.model import frozen_encoder

    enc = frozen_encoder()
    texts = [
        "I want to send you a meter reading", "here is my electricity reading", "my gas meter shows 0423",
        "why is my bill so high", "my bill went up this month", "the latest bill is more than usual",
        "what is the capital of France", "tell me a joke", "who won the football",
    ]  # fmt: skip
    targets = np.array([0, 0, 0, 1, 1, 1, 2, 2, 2])
    states = cache_lower_states(enc, texts, 1)

    def gap(vectors):
        sims = vectors[:6] @ vectors[:6].T
        same = np.mean([sims[i, j] for i in range(6) for j in range(6) if i != j and targets[i] == targets[j]])
        cross = np.mean([sims[i, j] for i in range(6) for j in range(6) if targets[i] != targets[j]])
        return same - cross

    before = gap(embed_states(enc, states, 1))
    w0, b0 = np.zeros((3, enc.hidden), np.float32), np.zeros(3, np.float32)
    delta, after = finetune_top_layers(
        enc, texts, targets, np.ones(9, np.float32), w0, b0, layers=1, epochs=6, lr=5e-4, batch_size=8,
        states=states, embed=states, contrastive=1.0, negative_target=2, log=lambda _: None,
    )  # fmt: skip
    assert gap(after) > before + 0.05
    assert np.allclose(embed_states(MiniLM(enc.folder, delta), states, 1), after, atol=1e-3)


def test_only_the_training_rows_copies_train_and_a_row_with_its_copies_weighs_one():
    from bankbot.company.recipe import with_copies

    copy_rows = {0: [10, 11], 1: [12], 2: [13, 14]}  # row 2 is held out in this fold
    rows, sources, weights = with_copies([0, 1, 3], copy_rows)
    assert rows == [0, 1, 3, 10, 11, 12] and sources == [0, 1, 3, 0, 0, 1]
    assert 13 not in rows and 14 not in rows
    by_source = {}
    for s, w in zip(sources, weights, strict=True):
        by_source[s] = by_source.get(s, 0.0) + w
    assert by_source == pytest.approx({0: 1.0, 1: 1.0, 3: 1.0})


@pytest.mark.slow
def test_specialize_trains_with_augmented_copies_and_its_card_says_so(tmp_path):
    """specialize.py --augment 1 (plumbing: one layer, one pass): the recipe in report.json and the card name the
    copies, and the check still scores every example once."""
    import json
    import subprocess
    import sys

    from bankbot import SPACE_DIR
    from bankbot.company.data import EXAMPLE_CSV

    out = tmp_path / "bot"
    cmd = [sys.executable, str(SPACE_DIR / "specialize.py"), "--examples", str(EXAMPLE_CSV), "--out", str(out)]
    cmd += ["--layers", "1", "--epochs", "1", "--negatives", "300", "--augment", "1"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    summary = json.loads(proc.stdout.strip().splitlines()[-1])
    assert summary["held_out"]["n_in_scope"] == summary["examples"]  # 5 folds: every example scored once
    report = json.loads((out / "report.json").read_text())
    assert report["recipe"]["augment"] == 1
    assert "each example with 1 altered copy" in (out / "MODEL_CARD.md").read_text()

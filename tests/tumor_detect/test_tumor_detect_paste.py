"""Lesion copy-paste (issue 18's trial): the pasted lesion lands inside the target's head, in its contrast, from the
right slices; pasted slices train only "tumour or not"."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from braintumor import CLASSES
from braintumor.paste import lesion_mask, pairs, paste_lesion, visibility, visible_paste
from braintumor.training import PasteDraw, tumour_part_loss

SIZE = 32


def head(level: float, centre: tuple[int, int] = (16, 16), radius: int = 12) -> np.ndarray:
    """A disc of tissue at ``level`` with a gentle gradient, on a black background."""
    yy, xx = np.mgrid[0:SIZE, 0:SIZE]
    disc = (yy - centre[0]) ** 2 + (xx - centre[1]) ** 2 <= radius**2
    return np.where(disc, level + 0.4 * xx / SIZE, 0.0).astype(np.float32)


def test_lesion_mask_covers_the_marked_cells_and_fades_out():
    cells = np.zeros((4, 4), dtype=bool)
    cells[1, 2] = True  # rows 8-15, columns 16-23 on 32 px
    m = lesion_mask(cells, SIZE, grow=1, feather=1.0)
    assert m.shape == (SIZE, SIZE) and m.min() >= 0 and m.max() <= 1
    assert m[10:14, 18:22].min() > 0.9  # inside the cell
    assert m[24:, :].max() == 0 and m[:, :8].max() == 0  # far from it
    assert 0 < m[8, 15] < 1  # a feathered edge, not a square


def test_pasted_lesion_lands_inside_the_target_head_in_its_contrast():
    target = head(0.2)
    source = head(0.5, centre=(14, 14))
    source[8:16, 16:24] = 1.0  # a bright lesion in the marked cell
    cells = np.zeros((4, 4), dtype=bool)
    cells[1, 2] = True
    for seed in range(6):
        out, m = paste_lesion(target, source, cells, np.random.default_rng(seed))
        assert out.shape == target.shape and out.dtype == np.float32
        assert m.sum() > 5 and np.abs(out - target).max() > 0.05  # something was pasted
        background = target == 0
        assert m[background].max() < 0.05 and np.abs(out - target)[background].max() < 0.05
        inside = target[~background]  # the patch takes the target head's range, not the source's bright lesion
        assert out[~background].max() <= inside.max() + 0.05 and out[~background].min() >= inside.min() - 0.05
    again = paste_lesion(target, source, cells, np.random.default_rng(5))[0]
    assert np.array_equal(again, out)  # seeded


def test_pairs_take_a_share_of_targets_each_with_a_lesion_of_the_other_collection():
    notumor = np.arange(100, 140)
    notumor_sources = ["other"] * 38 + ["figshare"] * 2
    marked = np.array([1, 2, 3, 4])
    marked_sources = ["figshare", "figshare", "figshare", "other"]
    drawn = pairs(notumor, notumor_sources, marked, marked_sources, 0.5, np.random.default_rng(0))
    assert len(drawn) == 20 and len({t for t, _ in drawn}) == 20
    assert all(t in notumor for t, _ in drawn)
    src = dict(zip(marked.tolist(), marked_sources, strict=True))
    tgt = dict(zip(notumor.tolist(), notumor_sources, strict=True))
    assert all(src[s] != tgt[t] for t, s in drawn)
    assert pairs(notumor, notumor_sources, marked, marked_sources, 0.0, np.random.default_rng(0)) == []


def test_pasted_slices_learn_only_tumour_or_not():
    nt = CLASSES.index("notumor")
    other = next(i for i in range(len(CLASSES)) if i != nt)
    logits = torch.tensor([[0.3, -1.0, 2.0, 0.5], [4.0, 4.0, -8.0, 4.0]])[:, : len(CLASSES)]
    labels = torch.tensor([other, other])
    kit = tumour_part_loss(logits, labels, torch.tensor([False, False]), label_smoothing=0.05)
    assert kit.item() == pytest.approx(F.cross_entropy(logits, labels, label_smoothing=0.05).item(), rel=1e-6)
    pasted = tumour_part_loss(logits, labels, torch.tensor([True, True]))
    p_nt = torch.softmax(logits, -1)[:, nt]
    assert pasted.item() == pytest.approx(-torch.log1p(-p_nt).mean().item(), rel=1e-5)
    # a pasted slice called another tumour type costs next to nothing: the type is not taught
    wrong_type = torch.full((1, len(CLASSES)), -8.0)
    wrong_type[0, next(i for i in range(len(CLASSES)) if i not in (nt, other))] = 8.0
    assert tumour_part_loss(wrong_type, labels[:1], torch.tensor([True])).item() < 1e-3


def test_pasted_slices_loss_weight_scales_only_the_pasted_part():
    logits = torch.tensor([[0.3, -1.0, 2.0, 0.5], [4.0, 4.0, -8.0, 4.0]])[:, : len(CLASSES)]
    labels = torch.tensor([0, 0])
    pasted = torch.tensor([False, True])
    full = tumour_part_loss(logits, labels, pasted, 0.05)
    assert tumour_part_loss(logits, labels, pasted, 0.05, 1.0).item() == full.item()  # the default, unchanged
    kit = tumour_part_loss(logits[:1], labels[:1], pasted[:1], 0.05).item()
    paste = tumour_part_loss(logits[1:], labels[1:], pasted[1:]).item()
    assert tumour_part_loss(logits, labels, pasted, 0.05, 0.3).item() == pytest.approx((kit + 0.3 * paste) / 2)


def test_visibility_tells_a_plain_lesion_from_one_like_its_surroundings():
    target = head(0.3)
    m = np.zeros_like(target)
    m[12:18, 12:18] = 1.0
    bright = np.where(m > 0, 0.95, target).astype(np.float32)
    like = target.copy()  # the lesion is the tissue itself
    assert visibility(target, bright, m) > 2.0
    assert visibility(target, like, m) < 0.2
    assert visibility(target, bright, np.zeros_like(m)) == 0.0  # nothing pasted


def test_visible_paste_keeps_only_lesions_that_stand_out():
    target = head(0.2)
    source = head(0.5, centre=(14, 14))
    source[8:16, 16:24] = 1.0
    cells = np.zeros((4, 4), dtype=bool)
    cells[1, 2] = True
    got = visible_paste(target, source, cells, np.random.default_rng(0), margin=0.3)
    assert got is not None and visibility(target, *got) >= 0.3
    assert visible_paste(target, source, cells, np.random.default_rng(0), margin=50.0) is None  # none can: dropped


def test_visible_only_draws_get_their_own_cache_key_and_the_default_key_is_unchanged(tmp_path):
    marks = tmp_path / "marks.json"
    marks.write_text("{}")
    items = [{"path": "a.png", "label": "notumor"}]
    args = (tmp_path, items, np.array([0]), ["other"], marks, 0.3, 0, SIZE, True)
    default = PasteDraw(*args).key()
    assert "min_contrast" not in default  # the round-1 draws keep their cached features
    assert PasteDraw(*args, min_contrast=0.5).key() == {**default, "min_contrast": 0.5}

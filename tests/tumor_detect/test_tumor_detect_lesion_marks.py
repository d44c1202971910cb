"""The hand-marked lesions and the checks of a heatmap against them (gradcam_sheet.py's measures)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from tumor_detect_helpers import SPACE

from braintumor import TUMOR_CLASSES
from braintumor.data import load_split, side_items
from braintumor.lesion_marks import (
    cells_mask,
    fill_cells,
    head_cells,
    head_centre_map,
    load_marks,
    local_blur,
    pointing,
    random_head_cells,
)

MARKS = SPACE / "lesion_marks.json"


def peak_at(row: int, col: int, size: int = 128) -> np.ndarray:
    cam = np.zeros((size, size), np.float32)
    cell = size // 8
    cam[row * cell + 3, col * cell + 5] = 1.0
    return cam


def test_cells_are_read_as_row_letter_and_column_number():
    mask = cells_mask("C4 d5 H8")
    assert mask.sum() == 3 and mask[2, 3] and mask[3, 4] and mask[7, 7]
    with pytest.raises(ValueError):
        cells_mask("Z1")


def test_pointing_tells_on_next_to_and_off_the_lesion():
    mask = cells_mask("D4 D5")
    assert pointing(peak_at(3, 4), mask) == (True, True)
    assert pointing(peak_at(4, 5), mask) == (False, True)  # E6 touches D5 at a corner
    assert pointing(peak_at(0, 0), mask) == (False, False)


def test_the_middle_of_the_head_baseline_points_at_the_box_centre():
    cam = head_centre_map(np.zeros((128, 128)), (20, 100, 40, 120))
    assert pointing(cam, cells_mask("D6")) == (True, True)  # (60, 80) -> row D, column 6


def test_filling_changes_only_the_marked_cells():
    rng = np.random.default_rng(0)
    x = rng.random((128, 128)).astype(np.float32)
    mask = cells_mask("B2 G7")
    out = fill_cells(x, mask)
    big = np.kron(mask, np.ones((16, 16), dtype=bool))
    assert np.array_equal(out[~big], x[~big])
    assert np.abs(out[big] - x[big]).mean() > 0.1  # noise replaced by its local mean (~0.5)
    assert np.allclose(local_blur(np.full((64, 64), 0.3, np.float32)), 0.3, atol=1e-6)


def test_random_cells_stay_inside_the_head_and_off_the_lesion():
    head = head_cells((16, 112, 32, 96), 128)
    assert head.sum() == 6 * 4 and head[1, 2] and not head[0, 2] and not head[1, 6]
    lesion = cells_mask("C3 C4")
    for draw in random_head_cells(head, lesion, 2, np.random.default_rng(1)):
        assert draw.sum() == 2 and not (draw & lesion).any() and not (draw & ~head).any()


def test_the_shipped_marks_are_tumour_slices_of_their_own_side_of_the_split():
    about = json.loads(MARKS.read_text())["about"]
    assert "not by a radiologist" in about
    split = load_split(SPACE / "split.json")
    for side in ("train", "val", "test"):  # train.py learns from "train"; gradcam_sheet.py measures on the others
        marks = load_marks(MARKS, side)
        on_side = {it["path"]: it["label"] for it in side_items(split, side)}
        assert len(marks) >= 20
        for path, mask in marks.items():
            assert on_side.get(path) in TUMOR_CLASSES, path
            assert 1 <= mask.sum() <= 12, path


@pytest.mark.slow
def test_the_lesion_focus_loss_scores_the_apps_own_map_and_trains_the_later_blocks():
    import torch

    from braintumor.model_spec import MODEL_DIR
    from braintumor.network import LiteNet
    from braintumor.predictor import Predictor, class_maps
    from braintumor.preprocess import to_pixel_values
    from braintumor.training import lesion_focus_loss, prefix_features

    pred = Predictor(LiteNet.from_folder(MODEL_DIR))  # the shipped network (the random tiny one has no signal)
    model, n_blocks = pred.model, pred.gradcam_block + 1
    yy, xx = np.mgrid[0:128, 0:128]
    rng = np.random.default_rng(0)
    xs = np.stack([(np.hypot(yy - 60, xx - 64 + 20 * i) < 40) * 0.6 + 0.3 * rng.random((128, 128)) for i in (0, 1)])
    xs = xs.astype(np.float32)
    _, logits, act = pred._forward(to_pixel_values(xs), track=True)
    tops = logits.argmax(1)
    grid = tuple(act.shape[-2:])
    masks = torch.zeros((2, *grid))
    masks[0, 2:4, 3:5] = 1.0
    masks[1, 5:, :3] = 1.0
    app_maps = class_maps(logits, act, tops, grid)  # the app's LayerCAM, on its own grid
    assert all(m.sum() > 0 for m in app_maps)
    shares = [float((m * k.numpy()).sum() / m.sum()) for m, k in zip(app_maps, masks, strict=True)]
    h = prefix_features(model, torch.from_numpy(xs), n_blocks).float()  # what train.py reads from its cache
    for i in range(2):
        loss = lesion_focus_loss(model, h[i : i + 1], tops[i : i + 1], masks[i : i + 1], n_blocks)
        assert float(torch.exp(-loss.detach())) == pytest.approx(shares[i] + 1e-4, rel=0.02, abs=2e-3)
    model.requires_grad_(True)
    lesion_focus_loss(model, h, tops, masks, n_blocks).backward()
    later = model.efficientnet.encoder.blocks[n_blocks]
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in later.parameters())
    assert all(p.grad is None for p in model.efficientnet.encoder.blocks[0].parameters())  # before the cache: untouched


def test_training_takes_only_the_marks_of_the_slices_it_trains_on():
    from braintumor.training import marked_training_slices

    items = load_split(SPACE / "split.json")["items"]
    side = np.array([it["side"] for it in items])
    train = np.flatnonzero(side == "train")
    index, masks = marked_training_slices(MARKS, items, train)
    assert len(index) == len(json.loads(MARKS.read_text())["train"]) == len(masks)
    assert set(side[index.numpy()]) == {"train"} and masks.shape[1:] == (8, 8)
    # a held-out fold trains on fewer slices and drops their marks (here: no meningioma, as if a source were held out)
    keep = np.flatnonzero((side == "train") & np.array([it["label"] != "meningioma" for it in items]))
    index, _ = marked_training_slices(MARKS, items, keep)
    assert 0 < len(index) and all(items[i]["label"] != "meningioma" for i in index.tolist())


def test_marks_move_to_another_grid_by_the_share_of_each_cell_they_cover():
    """train.py --size 160: the LayerCAM block is 10 x 10, the marks an 8 x 8 grid over the same input."""
    from braintumor.training import marks_on_grid

    marks = torch.zeros(1, 8, 8)
    marks[0, 2:4, 3:5] = 1  # rows 2-3, columns 3-4: a quarter to a half of the height, 3/8 to 5/8 of the width
    assert marks_on_grid(marks, 8) is marks
    out = marks_on_grid(marks, 10)[0]
    assert out.shape == (10, 10) and out.mean() == pytest.approx(marks.mean())
    assert torch.allclose(out[3:5, 4:6], torch.ones(2, 2))  # wholly inside
    assert out[2, 4] == pytest.approx(0.5) and out[3, 3] == pytest.approx(0.25)  # partly
    assert out[5:].sum() == 0 and out[:, :3].sum() == 0

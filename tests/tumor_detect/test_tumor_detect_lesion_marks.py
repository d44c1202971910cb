"""The hand-marked lesions and the checks of a heatmap against them (gradcam_sheet.py's measures)."""

from __future__ import annotations

import json

import numpy as np
import pytest
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
    for side in ("val", "test"):
        marks = load_marks(MARKS, side)
        on_side = {it["path"]: it["label"] for it in side_items(split, side)}
        assert len(marks) >= 15
        for path, mask in marks.items():
            assert on_side.get(path) in TUMOR_CLASSES, path
            assert 1 <= mask.sum() <= 12, path

"""Test-time contrast views: the same slice under other contrasts, consulted before the model says "no tumour".

A tumour on a sequence the model rarely saw (a T2 or FLAIR slice, where the lesion is bright like fluid) can
look like the no-tumour slices it learned from. Looking at the slice under a few fixed contrast changes and
saying "no tumour" only when every view agrees turns some of those misses into "uncertain". Deterministic, on
the preprocessed model input (H, W) in [0, 1]; the predictor runs them only for slices about to be cleared.
"""

from __future__ import annotations

import numpy as np

from .augment import filled_head_mask
from .preprocess import normalise_intensity


def inverted(x: np.ndarray) -> np.ndarray:
    """Intensities inverted inside the head (T1 <-> T2-like), the background kept dark."""
    m = filled_head_mask(x)
    return normalise_intensity((m * (1.0 - x) + (1 - m) * x * 0.3).astype(np.float32))


def equalised(x: np.ndarray) -> np.ndarray:
    """Histogram-equalised inside the head: faint differences (a lesion close to its surroundings) stretched."""
    m = filled_head_mask(x) > 0.5
    if m.sum() < 100:
        return x
    ranks = np.searchsorted(np.sort(x[m]), x, side="right") / m.sum()
    return normalise_intensity(np.where(m, ranks, 0.0).astype(np.float32))


def folded(x: np.ndarray) -> np.ndarray:
    """Distance from the head's median intensity: both what is darker and what is brighter than most tissue turns
    bright (a non-monotonic change, as between T1 and T2)."""
    m = filled_head_mask(x) > 0.5
    if m.sum() < 100:
        return x
    med = float(np.median(x[m]))
    return normalise_intensity(np.where(m, np.abs(x - med), 0.0).astype(np.float32))


VIEWS = {"inverted": inverted, "equalised": equalised, "folded": folded}


def consistency_views(x: np.ndarray, names: list[str]) -> list[np.ndarray]:
    """The named views of one model input."""
    return [VIEWS[n](x) for n in names]

"""One preprocessing path for training, evaluation and the app.

A 2-D float image (any bit depth, already grayscale) -> cropped to the head (when the model was trained
that way: ``crop=True``) -> padded to a square -> resized to SIZE
(antialiased) -> intensity-normalised to [0, 1] by its own 0.5th/99.5th percentiles. The model
sees the same gray image on its three input channels, scaled to [-1, 1]. Grayscale input and
per-image normalisation remove colour and most brightness/contrast differences between the
source collections (the kit's class/source confound). The head crop removes the rest: each collection
frames its slices differently (margins, borders, rulers), so without it the framing alone tells the
collections, and therefore most of the classes, apart.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

SIZE = 128
LOW_PCT, HIGH_PCT = 0.5, 99.5


def pad_square(gray: np.ndarray) -> np.ndarray:
    """Pad with the image's darkest value (MRI background) so the aspect ratio is kept."""
    h, w = gray.shape
    if h == w:
        return gray
    n = max(h, w)
    fill = float(gray.min()) if gray.size else 0.0
    out = np.full((n, n), fill, dtype=np.float32)
    top, left = (n - h) // 2, (n - w) // 2
    out[top : top + h, left : left + w] = gray
    return out


def normalise_intensity(x: np.ndarray) -> np.ndarray:
    lo, hi = np.percentile(x, [LOW_PCT, HIGH_PCT])
    if hi - lo < 1e-6:
        return np.zeros_like(x, dtype=np.float32)
    return np.clip((x - lo) / (hi - lo), 0.0, 1.0).astype(np.float32)


def _opening(mask: torch.Tensor, k: int = 5) -> torch.Tensor:
    """Binary opening (erode, then dilate) with a k x k square: removes lines and specks thinner than k."""
    eroded = -F.max_pool2d(-mask, k, 1, k // 2)
    return F.max_pool2d(eroded, k, 1, k // 2)


def head_box(gray: np.ndarray, level: float = 0.1, work: int = 128) -> tuple[int, int, int, int]:
    """(top, bottom, left, right) of the head: the rows and columns with enough pixels above ``level`` of
    the normalised range, after an opening that drops thin frames, text and specks. A 4% margin is kept.
    The whole image when nothing head-like (at least 10% of the area) is found."""
    h, w = gray.shape
    t = torch.from_numpy(np.ascontiguousarray(gray, dtype=np.float32))[None, None]
    scale = work / max(h, w)
    if scale < 1:
        t = F.interpolate(t, scale_factor=scale, mode="area")
    mask = _opening((torch.from_numpy(normalise_intensity(t[0, 0].numpy())) > level).float()[None, None])[0, 0]
    rows = (mask.mean(1) > 0.03).nonzero()
    cols = (mask.mean(0) > 0.03).nonzero()
    if len(rows) == 0 or len(cols) == 0:
        return 0, h, 0, w
    sh, sw = h / mask.shape[0], w / mask.shape[1]
    top, bottom = int(rows[0]) * sh, (int(rows[-1]) + 1) * sh
    left, right = int(cols[0]) * sw, (int(cols[-1]) + 1) * sw
    if (bottom - top) * (right - left) < 0.1 * h * w:
        return 0, h, 0, w
    margin = 0.04 * max(bottom - top, right - left)
    return (
        max(0, int(top - margin)),
        min(h, int(np.ceil(bottom + margin))),
        max(0, int(left - margin)),
        min(w, int(np.ceil(right + margin))),
    )


def _bar_run(std: np.ndarray, mean: np.ndarray, lo: float, rng: float) -> int:
    """How many leading rows (or columns) form a flat, not-dark bar."""
    bar = (std < 0.02 * rng) & (mean > lo + 0.05 * rng)
    run = int(np.argmin(bar)) if not bar.all() else len(bar)
    return run if run >= 0.03 * len(bar) else 0  # a real bar, not a one-pixel seam


def trim_bars(gray: np.ndarray) -> np.ndarray:
    """Cut flat bars that are not dark (grey or white letterbox bars, a screenshot's window frame) off the edges.
    MRI backgrounds are dark and never flat-bright, so the kit's slices keep every pixel; a bright bar would
    otherwise pass as "head" and squeeze the slice into a corner of the model input."""
    if gray.size == 0:
        return gray
    lo, hi = float(gray.min()), float(gray.max())
    rng = hi - lo
    if rng <= 0:
        return gray
    h, w = gray.shape
    top = _bar_run(gray.std(1), gray.mean(1), lo, rng)
    bottom = h - _bar_run(gray.std(1)[::-1], gray.mean(1)[::-1], lo, rng)
    left = _bar_run(gray.std(0), gray.mean(0), lo, rng)
    right = w - _bar_run(gray.std(0)[::-1], gray.mean(0)[::-1], lo, rng)
    if bottom - top < 0.2 * h or right - left < 0.2 * w:  # nearly all flat: not a framed slice, keep it
        return gray
    return gray[top:bottom, left:right]


def to_model_array(gray: np.ndarray, size: int = SIZE, crop: bool = False, trim: bool = True) -> np.ndarray:
    """2-D array of any numeric dtype -> (size, size) float32 in [0, 1]; ``crop``: cropped to the head first,
    after cutting flat bright bars off (``trim``; training keeps the kit's few bars, which its cached views were
    computed with: a bar-free crop is what the app adds for uploads, and the kit slices keep their look)."""
    g = np.asarray(gray, dtype=np.float32)
    if crop and g.size:
        if trim:
            g = trim_bars(g)
        top, bottom, left, right = head_box(g)
        g = g[top:bottom, left:right]
    g = pad_square(g)
    t = torch.from_numpy(np.ascontiguousarray(g))[None, None]
    t = F.interpolate(t, size=(size, size), mode="bilinear", antialias=True, align_corners=False)
    return normalise_intensity(t[0, 0].numpy())


def to_pixel_values(arrays: np.ndarray | torch.Tensor) -> torch.Tensor:
    """(N, H, W) in [0, 1] -> (N, 3, H, W) in [-1, 1], channels_last."""
    t = torch.as_tensor(arrays, dtype=torch.float32)
    if t.ndim == 2:
        t = t[None]
    t = (t * 2.0 - 1.0)[:, None].expand(-1, 3, -1, -1)
    return t.contiguous(memory_format=torch.channels_last)

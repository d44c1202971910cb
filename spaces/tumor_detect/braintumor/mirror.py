"""Healthy T1 slices from tumour slices by mirroring the healthy hemisphere (issue 18's trial; numpy/torch, no gradio).

Every kit tumour is a T1 contrast slice, while the kit's no-tumour class is mostly T2/FLAIR, so the network has seen
almost no healthy T1 slice. Axial and coronal brains are roughly left-right symmetric: when a tumour slice's lesion
lies wholly in one hemisphere, the other hemisphere reflected across the midline gives a plausible healthy T1 slice
of the same scan. The midline is searched (a line with a small tilt and offset that makes the slice most
symmetric), not taken as the image centre; slices whose head is not symmetric about any such line (sagittal ones,
odd framing) and lesions near the midline are rejected, so no lesion is copied onto the healthy side.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import torch
import torch.nn.functional as F

from .augment import filled_head_mask

ANGLES = tuple(float(a) for a in range(-8, 9, 2))  # degrees from vertical
OFFSETS = tuple(range(-12, 13))  # pixels of the 128-px input


@dataclass(frozen=True)
class Axis:
    """A midline: through (centre + ``offset``, centre), tilted ``angle`` degrees from vertical; ``head_iou``: the head
    mask against its reflection; ``corr``: intensity correlation of the head against its reflection."""

    angle: float
    offset: float
    head_iou: float
    corr: float


def _geometry(shape: tuple[int, int], angle: float, offset: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Per pixel: its reflection across the axis as a grid_sample grid (1, H, W, 2), and its signed distance to the
    axis in pixels (H, W; negative on the image's left)."""
    h, w = shape
    ys, xs = torch.meshgrid(torch.arange(h, dtype=torch.float32), torch.arange(w, dtype=torch.float32), indexing="ij")
    cx, cy = (w - 1) / 2 + offset, (h - 1) / 2
    t = np.deg2rad(angle)
    nx, ny = float(np.cos(t)), float(-np.sin(t))  # unit normal of the axis (the axis runs along (sin t, cos t))
    s = (xs - cx) * nx + (ys - cy) * ny
    rx, ry = xs - 2 * s * nx, ys - 2 * s * ny
    grid = torch.stack([2 * rx / (w - 1) - 1, 2 * ry / (h - 1) - 1], -1)[None]
    return grid, s


def reflect(x: np.ndarray, angle: float, offset: float) -> tuple[np.ndarray, np.ndarray]:
    """(H, W) -> (x reflected across the axis (bilinear, zeros outside), signed distance of each pixel to the axis)."""
    grid, s = _geometry(x.shape, angle, offset)
    t = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))[None, None]
    r = F.grid_sample(t, grid, mode="bilinear", padding_mode="zeros", align_corners=True)
    return r[0, 0].numpy(), s.numpy()


@lru_cache(maxsize=4)
def _search_grids(shape: tuple[int, int], scale: int) -> tuple[torch.Tensor, list[tuple[float, float]]]:
    """Every candidate axis's reflection grid on the ``scale`` times smaller image, stacked (K, h, w, 2), and the
    (angle, offset in full-size pixels) of each."""
    axes = [(a, float(o)) for a in ANGLES for o in OFFSETS]
    small = (shape[0] // scale, shape[1] // scale)
    return torch.cat([_geometry(small, a, o / scale)[0] for a, o in axes]), axes


def find_axis(x: np.ndarray, ignore: np.ndarray | None = None, scale: int = 2) -> Axis:
    """The most symmetric midline of a model input (H, W) in [0, 1]: over ``ANGLES`` x ``OFFSETS``, the largest sum
    of the head's intensity correlation with its reflection and the head mask's overlap (IoU) with its reflection.
    ``ignore`` (H, W) weights in [0, 1] (the lesion) leave those pixels and their mirror images out, so the lesion
    itself does not pull the axis. Searched on a ``scale`` times smaller copy (about 16x less work at 2; the offsets
    stay whole pixels of the full size)."""
    head = (filled_head_mask(x) > 0.5).astype(np.float32)
    keep = 1.0 - (np.zeros_like(x) if ignore is None else np.clip(ignore, 0, 1))
    grids, axes = _search_grids(x.shape, scale)
    small = F.avg_pool2d(torch.from_numpy(np.stack([x, head, keep]).astype(np.float32))[None], scale)
    rx, rh, rk = F.grid_sample(small.expand(len(axes), -1, -1, -1), grids, align_corners=True).unbind(1)
    xt, ht, kt = small[0]
    m = ((ht * rh > 0.5) & (kt * rk > 0.5)).float()  # head on both sides, no lesion on either
    n = m.sum((1, 2)).clamp_min(1)
    a = xt - (m * xt).sum((1, 2), keepdim=True) / n[:, None, None]
    b = rx - (m * rx).sum((1, 2), keepdim=True) / n[:, None, None]
    cov = (m * a * b).sum((1, 2))
    corr = cov / ((m * a * a).sum((1, 2)) * (m * b * b).sum((1, 2))).sqrt().clamp_min(1e-9)
    hb, rb = ht > 0.5, rh > 0.5
    iou = (hb & rb).sum((1, 2)) / (hb | rb).sum((1, 2)).clamp_min(1)
    # the head's overlap counts too: a far offset can correlate well on the thin strip it still overlaps
    score = torch.where(m.sum((1, 2)) < 20, torch.full_like(corr, -2.0), corr + iou)
    k = int(score.argmax())
    return Axis(axes[k][0], axes[k][1], float(iou[k]), float(corr[k]))


def cells_to_pixels(cells: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """(g, g) cell weights (marks or a heatmap on the block's grid) -> (H, W), each cell's value over its pixels."""
    g = cells.shape[0]
    return np.kron(np.asarray(cells, dtype=np.float32), np.ones((shape[0] // g, shape[1] // g), np.float32))


def lesion_side(weights: np.ndarray, s: np.ndarray, band: float, min_share: float, max_band: float) -> int:
    """Which side of the axis holds the lesion: -1 (left) or +1 (right), 0 when it is not clearly one-sided.
    ``weights`` (H, W) lesion mass; ``s`` the signed distance to the axis. One-sided: at least ``min_share`` of the
    mass on one side beyond the band |s| <= ``band``, and at most ``max_band`` of it inside the band."""
    total = float(weights.sum())
    if total <= 0:
        return 0
    left, right = float(weights[s < -band].sum()) / total, float(weights[s > band].sum()) / total
    if 1.0 - left - right > max_band:
        return 0
    if left >= min_share:
        return -1
    if right >= min_share:
        return 1
    return 0


def mirror_healthy(x: np.ndarray, axis: Axis, side: int) -> np.ndarray:
    """The slice with its lesion side (``side``: -1 left, +1 right of the axis) replaced by the reflection of the
    other side: (H, W) float32 in [0, 1]. The healthy side keeps its pixels (no resampling)."""
    r, s = reflect(x, axis.angle, axis.offset)
    lesion = (s < 0) if side < 0 else (s > 0)
    return np.clip(np.where(lesion, r, x), 0.0, 1.0).astype(np.float32)


@dataclass(frozen=True)
class Rule:
    """When a slice may be mirrored: head symmetric about the found axis (``min_iou``, ``min_corr`` on the healthy
    parts), lesion one-sided (``lesion_side`` with ``band`` px, ``min_share``, ``max_band``)."""

    min_iou: float = 0.9
    min_corr: float = 0.5
    band: float = 10.0
    min_share: float = 0.9
    max_band: float = 0.05


def healthy_twin(x: np.ndarray, lesion: np.ndarray, rule: Rule) -> tuple[np.ndarray, Axis, int] | None:
    """(H, W) model input in [0, 1] and its (H, W) lesion mass (marks or a heatmap) -> (mirrored slice, axis, the
    lesion's side), or None when the rule rejects it (head not symmetric, lesion near the midline or on both sides)."""
    axis = find_axis(x, ignore=lesion / max(float(lesion.max()), 1e-9))
    if axis.head_iou < rule.min_iou or axis.corr < rule.min_corr:
        return None
    _, s = reflect(x, axis.angle, axis.offset)
    side = lesion_side(lesion, s, rule.band, rule.min_share, rule.max_band)
    if side == 0:
        return None
    return mirror_healthy(x, axis, side), axis, side

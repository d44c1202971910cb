"""Strong "other scanner, other sequence" augmentation for training (numpy/torch, no gradio).

The kit's tumour slices are nearly all T1 with contrast and its no-tumour slices mostly T2/FLAIR from other
collections, so sequence and acquisition look predict the class. Each augmented view changes that look while
keeping the lesion: geometry (rotation, zoom, shift, flip), intensity inversion inside the head (a cheap
T1 <-> T2-like contrast change; the background stays dark as on a real T2), histogram matching to a slice
of another class, gamma, bias field, contrast and brightness, blur or sharpening, lower resolution, Rician
noise and JPEG re-encoding. The result is normalised like every model input.
"""

from __future__ import annotations

import io
import math

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from .preprocess import normalise_intensity


def filled_head_mask(x: np.ndarray, level: float = 0.08) -> np.ndarray:
    """Soft (H, W) mask of the head, holes filled: between the first and last bright pixel of each row
    and each column."""
    m = x > level
    rows = np.zeros_like(m)
    cols = np.zeros_like(m)
    for i in range(m.shape[0]):
        nz = np.flatnonzero(m[i])
        if len(nz):
            rows[i, nz[0] : nz[-1] + 1] = True
    for j in range(m.shape[1]):
        nz = np.flatnonzero(m[:, j])
        if len(nz):
            cols[nz[0] : nz[-1] + 1, j] = True
    f = torch.from_numpy((rows & cols).astype(np.float32))[None, None]
    f = F.avg_pool2d(-F.max_pool2d(-f, 3, 1, 1), 5, 1, 2)  # erode one pixel, then soften the edge
    return f[0, 0].numpy()


def blur(x: np.ndarray, sigma: float) -> np.ndarray:
    r = max(1, int(3 * sigma))
    k = np.exp(-0.5 * (np.arange(-r, r + 1) / sigma) ** 2)
    k = torch.from_numpy((k / k.sum()).astype(np.float32))
    t = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))[None, None]
    t = F.conv2d(F.pad(t, (r, r, 0, 0), mode="reflect"), k.view(1, 1, 1, -1))
    t = F.conv2d(F.pad(t, (0, 0, r, r), mode="reflect"), k.view(1, 1, -1, 1))
    return t[0, 0].numpy()


def hist_match(x: np.ndarray, ref: np.ndarray, mask_x: np.ndarray, mask_ref: np.ndarray) -> np.ndarray:
    """Map the head intensities of x onto those of ref (quantile mapping); the background is kept."""
    fx, fr = x[mask_x > 0.5], ref[mask_ref > 0.5]
    if len(fx) < 100 or len(fr) < 100:
        return x
    q = np.linspace(0, 1, 65)
    qx = np.maximum.accumulate(np.quantile(fx, q) + np.arange(65) * 1e-6)  # strictly increasing for interp
    out = np.interp(x, qx, np.quantile(fr, q))
    return (mask_x * out + (1 - mask_x) * x).astype(np.float32)


def geometric(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    angle = math.radians(rng.uniform(-15, 15))
    scale = rng.uniform(0.85, 1.15)
    flip = -1.0 if rng.random() < 0.5 else 1.0
    tx, ty = rng.uniform(-0.08, 0.08, 2)
    c, s = math.cos(angle) / scale, math.sin(angle) / scale
    theta = torch.tensor([[[c * flip, -s, tx], [s * flip, c, ty]]], dtype=torch.float32)
    grid = F.affine_grid(theta, (1, 1, *x.shape), align_corners=False)
    t = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))[None, None]
    return F.grid_sample(t, grid, align_corners=False)[0, 0].numpy()


def strong_augment(x: np.ndarray, rng: np.random.Generator, ref: np.ndarray | None = None) -> np.ndarray:
    """(H, W) model array in [0, 1] -> the same slice as another scanner or sequence might show it."""
    y = geometric(x, rng)
    mask = filled_head_mask(y)
    if rng.random() < 0.35:
        y = mask * (1.0 - y) + (1 - mask) * y * 0.3
        mask = filled_head_mask(y, 0.04) if mask.mean() < 0.05 else mask
    if ref is not None and rng.random() < 0.35:
        y = hist_match(y, ref, mask, filled_head_mask(ref))
    y = np.clip(y, 0, 1) ** math.exp(rng.normal(0, 0.35))
    if rng.random() < 0.3:  # smooth bias field
        yy, xx = np.mgrid[0 : y.shape[0], 0 : y.shape[1]] / y.shape[0] - 0.5
        a, b, c = rng.normal(0, 0.5, 3)
        y = y * np.exp(a * xx + b * yy + c * (xx**2 + yy**2))
    y = (y - 0.5) * rng.uniform(0.8, 1.2) + 0.5 + rng.uniform(-0.08, 0.08)
    if rng.random() < 0.25:
        y = blur(np.clip(y, 0, 1), rng.uniform(0.4, 1.3))
    elif rng.random() < 0.15:  # sharpening (unsharp mask)
        y = y + rng.uniform(0.3, 1.0) * (y - blur(np.clip(y, 0, 1), 1.0))
    if rng.random() < 0.2:  # a lower acquisition resolution
        n = y.shape[0]
        k = int(n / rng.uniform(1.3, 2.5))
        t = torch.from_numpy(np.clip(y, 0, 1).astype(np.float32))[None, None]
        y = F.interpolate(F.interpolate(t, size=(k, k), mode="area"), size=(n, n), mode="bilinear")[0, 0].numpy()
    if rng.random() < 0.3:  # Rician noise, as in magnitude MRI
        sd = rng.uniform(0.01, 0.05)
        y = np.sqrt((y + rng.normal(0, sd, y.shape)) ** 2 + rng.normal(0, sd, y.shape) ** 2)
    if rng.random() < 0.3:
        buf = io.BytesIO()
        Image.fromarray((np.clip(y, 0, 1) * 255).astype(np.uint8)).save(buf, "JPEG", quality=int(rng.integers(25, 90)))
        y = np.asarray(Image.open(buf), dtype=np.float32) / 255
    return normalise_intensity(np.asarray(y, dtype=np.float32))


def random_lut(rng: np.random.Generator, knots: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """A random intensity look-up table on [0, 1] in the style of SynthSeg (Billot et al., 2023): 3-8 evenly
    spaced input knots, each mapped to a random output level, so the curve is often non-monotonic (dark tissue may
    turn bright and bright tissue dark). Returns (input knots, output levels) for ``np.interp``."""
    k = int(knots or rng.integers(3, 9))
    xs = np.linspace(0.0, 1.0, k)
    return xs, rng.uniform(0.0, 1.0, k)


def contrast_randomise(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """(H, W) model array in [0, 1] -> the same slice under a random, often non-monotonic contrast inside the head
    (so no contrast, T1 or T2 or FLAIR, is a cue to the class), with geometry, blur and noise. The background
    stays dark as on any MRI slice."""
    y = geometric(x, rng)
    mask = filled_head_mask(y)
    smooth = blur(np.clip(y, 0, 1), rng.uniform(0.3, 1.0)) if rng.random() < 0.5 else y
    xs, levels = random_lut(rng)
    inside = np.interp(np.clip(smooth, 0, 1), xs, levels).astype(np.float32)
    y = mask * inside + (1 - mask) * y * rng.uniform(0.0, 0.3)
    y = np.clip(y, 0, 1) ** math.exp(rng.normal(0, 0.25))
    if rng.random() < 0.3:  # Rician noise, as in magnitude MRI
        sd = rng.uniform(0.01, 0.04)
        y = np.sqrt((y + rng.normal(0, sd, y.shape)) ** 2 + rng.normal(0, sd, y.shape) ** 2)
    return normalise_intensity(np.asarray(y, dtype=np.float32))

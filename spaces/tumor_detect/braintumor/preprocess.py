"""One preprocessing path for training, evaluation and the app.

A 2-D float image (any bit depth, already grayscale) -> padded to a square -> resized to SIZE
(antialiased) -> intensity-normalised to [0, 1] by its own 0.5th/99.5th percentiles. The model
sees the same gray image on its three input channels, scaled to [-1, 1]. Grayscale input and
per-image normalisation remove colour and most brightness/contrast differences between the
source collections (the kit's class/source confound).
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


def to_model_array(gray: np.ndarray, size: int = SIZE) -> np.ndarray:
    """2-D array of any numeric dtype -> (size, size) float32 in [0, 1]."""
    g = pad_square(np.asarray(gray, dtype=np.float32))
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

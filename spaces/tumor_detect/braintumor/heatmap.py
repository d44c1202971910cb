"""The Grad-CAM overlay as a picture: drawn over the model's input and written to a fresh file.

Why a file: an image returned to Gradio as an array is cached under the hash of its bytes and rewritten in
place, so identical results under load truncate each other's downloads; a fresh path is copied instead.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from shared.results import fresh_path

from . import SPACE

OVERLAY_SIZE = 384  # pixels per side of the picture shown to the user
OVERLAY_NAME = "gradcam.webp"


def overlay(image: np.ndarray, cam: np.ndarray | None, size: int = OVERLAY_SIZE) -> np.ndarray:
    """Grayscale input with a translucent yellow-red Grad-CAM on top -> (size, size, 3) uint8."""
    import torch  # here, not at import: app.py must not wait for torch before its server answers
    import torch.nn.functional as F

    img = torch.from_numpy(np.asarray(image, dtype=np.float32))[None, None]
    img = F.interpolate(img, size=(size, size), mode="bilinear", align_corners=False)[0, 0].clamp(0, 1).numpy()
    rgb = np.repeat(img[..., None], 3, axis=2)
    if cam is not None:
        c = torch.from_numpy(np.asarray(cam, dtype=np.float32))[None, None]
        c = F.interpolate(c, size=(size, size), mode="bilinear", align_corners=False)[0, 0].clamp(0, 1).numpy()
        heat = np.stack([np.ones_like(c), c, np.zeros_like(c)], axis=2)  # red -> yellow with strength
        alpha = (0.55 * c)[..., None]
        rgb = rgb * (1 - alpha) + heat * alpha
    return (rgb * 255).round().astype(np.uint8)


def write_overlay(image: np.ndarray, cam: np.ndarray | None) -> Path:
    """Draw the overlay and write it to a fresh, never reused path; returns the path."""
    path = fresh_path(SPACE, OVERLAY_NAME, "heatmap")  # read once, when Gradio copies it
    Image.fromarray(overlay(image, cam)).save(path, format="WEBP", lossless=True, method=0)
    return path

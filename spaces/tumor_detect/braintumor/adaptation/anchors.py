"""A few hundred kit slices, kept as frozen-prefix features, replayed while a site adapts the model.

Without them the fine-tuned blocks forget the kit's collections, and the refitted input check knows only the
site. ``adapt_anchors.safetensors`` (next to app.py; written by ``make_anchors.py`` from the kit) holds the
output of the stem and blocks 0-10 (ImageNet weights, frozen in every released model) for 64 training slices
per class, head-cropped at 128 px: features, not images. A model whose frozen prefix or preprocessing differs
cannot use them (``compatible``); adaptation then runs without replay and says so in its report.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import torch

from shared.model_source import verify_pinned

ANCHORS_DIR = Path(__file__).resolve().parents[2]
ANCHORS_FILE = "adapt_anchors.safetensors"

# BEGIN PINS (written by the training script; do not edit by hand)
PINS = {
    "adapt_anchors.safetensors": "b6fcb9e3c6016e8ae1c5c9b5ca6888222a0bd89f36a1f42cd1077e60498520a9",
}
# END PINS


def prefix_digest(model, n_blocks: int) -> str:
    """sha256 of the frozen prefix's weights (float16 bytes, by name): anchors fit only this prefix."""
    digest = hashlib.sha256()
    prefixes = ("efficientnet.embeddings.",) + tuple(f"efficientnet.encoder.blocks.{i}." for i in range(n_blocks))
    for name, t in sorted(model.state_dict().items()):
        if name.startswith(prefixes):
            digest.update(name.encode())
            digest.update(t.detach().cpu().half().contiguous().numpy().tobytes())
    return digest.hexdigest()


def meta_for(model, n_blocks: int, size: int, crop: bool) -> dict[str, str]:
    return {
        "n_blocks": str(n_blocks),
        "size": str(size),
        "crop": str(int(crop)),
        "prefix": prefix_digest(model, n_blocks),
    }


def save(path: Path, feats: torch.Tensor, labels: np.ndarray, meta: dict[str, str]) -> None:
    from safetensors.torch import save_file

    save_file({"feats": feats.half().contiguous(), "labels": torch.as_tensor(labels).long()}, str(path), meta)


def load(model, n_blocks: int, size: int, crop: bool, folder: Path = ANCHORS_DIR) -> tuple | None:
    """(features, labels) when the pinned anchors fit this model's frozen prefix and preprocessing, else None."""
    from safetensors import safe_open

    path = Path(folder) / ANCHORS_FILE
    if not path.is_file():
        return None
    if Path(folder) == ANCHORS_DIR and PINS:
        verify_pinned(Path(folder), PINS)
    with safe_open(str(path), "pt") as f:
        meta = f.metadata() or {}
        if meta != meta_for(model, n_blocks, size, crop):
            return None
        return f.get_tensor("feats"), f.get_tensor("labels").numpy()

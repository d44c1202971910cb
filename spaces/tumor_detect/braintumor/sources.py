"""Which collection each kit image comes from, and the held-out-source folds (our stand-in for "another hospital").

The kit (Kaggle, Nickparvar) merges figshare (Cheng et al.: T1 with contrast, tumours only, stored as
1-channel grayscale JPEGs) with SARTAJ and Br35H (3-channel JPEGs with gray content; nearly all the
no-tumour slices, about half of the meningioma and pituitary slices, 12% of the gliomas). File names carry
no source, and every file was re-encoded at 224 x 224 with the same JPEG tables, so the channel count is
the one reliable source label. A held-out fold removes one source's tumour slices from training (all
sides of the split): a model that learned "which collection" instead of "is there a lesion" calls them
"no tumour".
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from . import TUMOR_CLASSES
from .data import is_rgb_file

FIGSHARE = "figshare"  # 1-channel files: figshare, T1 with contrast, tumours (and 29 no-tumour slices)
OTHER = "sartaj_br35h"  # 3-channel files: the SARTAJ and Br35H collections
SOURCES = (FIGSHARE, OTHER)

# fold name -> (source whose tumour slices are held out, what the card calls it)
HELD_OUT = {
    "other_tumours": (OTHER, "tumours from SARTAJ/Br35H (3-channel files)"),
    "figshare_tumours": (FIGSHARE, "tumours from figshare (grayscale files)"),
}


def source_of(path: Path) -> str:
    return OTHER if is_rgb_file(path) else FIGSHARE


def kit_sources(root: Path, items: list[dict]) -> list[str]:
    """The source of every item (split.json items: path relative to the kit root)."""
    return [source_of(Path(root) / it["path"]) for it in items]


def held_out_mask(items: list[dict], sources: list[str], fold: str | None) -> np.ndarray:
    """True for the items a fold holds out (that source's tumour slices); all False for fold None."""
    if not fold:
        return np.zeros(len(items), dtype=bool)
    source = HELD_OUT[fold][0]
    return np.array([s == source and it["label"] in TUMOR_CLASSES for it, s in zip(items, sources, strict=True)])

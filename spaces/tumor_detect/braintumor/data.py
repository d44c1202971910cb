"""The kit listing, exact de-duplication and a near-duplicate-grouped train/val/test split.

The official Kaggle Training/Testing split leaks (the same slice re-encoded, adjacent slices of
one scan on both sides). We pool both folders, drop byte-identical copies, link images whose
32x32 grayscale thumbnails correlate >= 0.95 (union-find), and assign whole groups to one side.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
from PIL import Image

from . import CLASSES
from .imageio import IMAGE_SUFFIXES

DEFAULT_DATA = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "brain_mri"


def list_kit(root: Path) -> list[dict]:
    """Every kit image as {path, label, official} (official = Training/Testing)."""
    items = []
    for official in ("Training", "Testing"):
        for label in CLASSES:
            for p in sorted((root / official / label).glob("*")):
                if p.suffix.lower() in IMAGE_SUFFIXES:
                    items.append({"path": str(p.relative_to(root)), "label": label, "official": official})
    return items


def thumbnail(path: Path, size: int = 32) -> np.ndarray:
    with Image.open(path) as im:
        g = im.convert("L").resize((size, size), Image.BILINEAR)
    v = np.asarray(g, dtype=np.float32).ravel()
    v = v - v.mean()
    n = np.linalg.norm(v)
    return v / n if n > 0 else v


def is_rgb_file(path: Path) -> bool:
    """True when the file is stored as a 3-channel (RGB) image: the kit's source telltale.

    The figshare tumour slices are 1-channel grayscale JPEGs; almost all other files (nearly every
    "notumor" image) are 3-channel JPEGs even though their content looks gray.
    """
    with Image.open(path) as im:
        return im.mode not in ("L", "I;16", "I", "F", "1", "LA")


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def build_split(root: Path, threshold: float = 0.95, fractions=(0.70, 0.15, 0.15), seed: int = 0) -> dict:
    """Return the split description (JSON-able): items with group and side, plus statistics."""
    items = list_kit(root)
    # 1. exact duplicates: keep the first copy of each byte string
    seen: dict[str, int] = {}
    unique = []
    n_exact = 0
    for it in items:
        digest = hashlib.md5((root / it["path"]).read_bytes()).hexdigest()
        if digest in seen:
            n_exact += 1
            continue
        seen[digest] = len(unique)
        unique.append(it)
    # 2. near duplicates: thumbnail correlation >= threshold -> same group
    thumbs = np.stack([thumbnail(root / it["path"]) for it in unique])
    uf = _UnionFind(len(unique))
    block = 1024
    for start in range(0, len(unique), block):
        sims = thumbs[start : start + block] @ thumbs.T
        rows, cols = np.nonzero(sims >= threshold)
        for r, c in zip(rows, cols, strict=True):
            if start + r < c:
                uf.union(start + r, c)
    groups: dict[int, list[int]] = defaultdict(list)
    for i in range(len(unique)):
        groups[uf.find(i)].append(i)
    # 3. assign whole groups, stratified by the group's majority label; very large groups go to train
    rng = random.Random(seed)
    by_label: dict[str, list[list[int]]] = defaultdict(list)
    for members in groups.values():
        label = Counter(unique[i]["label"] for i in members).most_common(1)[0][0]
        by_label[label].append(members)
    sides = ("train", "val", "test")
    for label in CLASSES:
        glist = by_label[label]
        rng.shuffle(glist)
        total = sum(len(g) for g in glist)
        counts = dict.fromkeys(sides, 0)
        # big groups first into train, then fill val/test up to their quota, rest to train
        glist.sort(key=len, reverse=True)
        big = [g for g in glist if len(g) > 40]
        small = [g for g in glist if len(g) <= 40]
        rng.shuffle(small)
        for g in big:
            for i in g:
                unique[i]["side"] = "train"
            counts["train"] += len(g)
        for g in small:
            if counts["test"] + len(g) <= fractions[2] * total:
                side = "test"
            elif counts["val"] + len(g) <= fractions[1] * total:
                side = "val"
            else:
                side = "train"
            counts[side] += len(g)
            for i in g:
                unique[i]["side"] = side
    gid = {}
    for k, members in enumerate(sorted(groups.values(), key=lambda m: min(m))):
        for i in members:
            gid[i] = k
    for i, it in enumerate(unique):
        it["group"] = gid[i]
    stats = {
        "kit_files": len(items),
        "exact_duplicates_dropped": n_exact,
        "unique_images": len(unique),
        "groups": len(groups),
        "largest_group": max(len(g) for g in groups.values()),
        "mixed_label_groups": sum(1 for g in groups.values() if len({unique[i]["label"] for i in g}) > 1),
        "threshold": threshold,
        "seed": seed,
        "per_side": {
            s: dict(Counter(it["label"] for it in unique if it["side"] == s)) for s in ("train", "val", "test")
        },
    }
    return {"stats": stats, "items": unique}


def load_split(path: Path) -> dict:
    return json.loads(Path(path).read_text())


def side_items(split: dict, side: str) -> list[dict]:
    return [it for it in split["items"] if it["side"] == side]

"""Issue 18's mirrored-hemisphere trial, the training side (train.py --mirror-share): which training tumour slices
give a healthy twin (``mirror.py``), their frozen-prefix features for every cached view kind, and their share of
the no-tumour class in the sampling. No gradio.

Where the lesion is: the hand-marked cells (lesion_marks.json "train") when a slice has them, else the app's
LayerCAM map of the slice's true class by a given network (the released one), used only when that network gives the
true class at least ``min_prob`` (a map of a network that does not see the tumour may point beside it).
Pituitary tumours (at the midline) are never sources; validation and test slices never are.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch

from . import CLASSES
from .lesion_marks import load_marks
from .lite0 import DEFAULT_VARIANT
from .mirror import Rule, cells_to_pixels, healthy_twin
from .training import cached_views, quantised_arrays

MIRROR_VERSION = 1  # in the mirrored slices' cache key: raise it when mirror.py mirrors differently
SOURCE_CLASSES = ("glioma", "meningioma")  # pituitary tumours sit at the midline: no healthy hemisphere


def true_class_maps(model_dir: Path, xs: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(N, H, W) model inputs in [0, 1] -> the network's LayerCAM map of each slice's true class on the block's grid
    (N, g, g), scaled to [0, 1] as the app draws it, and its probability of that class (N,)."""
    from .predictor import Predictor, class_maps
    from .preprocess import to_pixel_values

    pred = Predictor.from_folder(model_dir)
    maps, probs = [], []
    for i in range(0, len(xs), 16):
        _, logits, act = pred._forward(to_pixel_values(xs[i : i + 16]), track=True)
        tops = torch.from_numpy(labels[i : i + 16])
        maps += class_maps(logits, act, tops, tuple(act.shape[-2:]))
        probs.append(torch.softmax(logits.detach().float(), -1).gather(1, tops[:, None])[:, 0].numpy())
    return np.stack(maps), np.concatenate(probs)


@dataclass(frozen=True)
class MirrorDraw:
    """What fixes one run's mirrored slices: the training tumour slices (``train``: indices into ``items``) of
    ``SOURCE_CLASSES``, lesions from ``marks`` or the map of ``cam_model``, filtered by ``rule``."""

    data_root: Path
    items: list[dict]
    train: np.ndarray
    marks: Path
    cam_model: Path
    size: int
    crop: bool
    rule: Rule = field(default_factory=Rule)
    min_prob: float = 0.9

    def candidates(self) -> np.ndarray:
        return np.array([i for i in self.train.tolist() if self.items[i]["label"] in SOURCE_CLASSES], dtype=int)

    def arrays(self) -> tuple[np.ndarray, np.ndarray, dict]:
        """The mirrored slices as 8-bit (N, size, size) model inputs, the item each came from, and counts of what
        the rule kept and why the rest were dropped."""
        cand = self.candidates()
        clean = quantised_arrays(Path(self.data_root), [self.items[i] for i in cand], self.size, self.crop)
        xs = clean.astype(np.float32) / 255
        labels = np.array([CLASSES.index(self.items[i]["label"]) for i in cand])
        maps, probs = true_class_maps(self.cam_model, xs, labels)
        marks = load_marks(self.marks, "train")
        out, kept = [], []
        stats = {"candidates": len(cand), "marked": 0, "unsure_network": 0, "rejected": 0, "kept_marked": 0}
        for k, i in enumerate(cand):
            cells = marks.get(self.items[i]["path"])
            if cells is not None:
                stats["marked"] += 1
                lesion = cells_to_pixels(cells.astype(np.float32), xs[k].shape)
            elif probs[k] < self.min_prob:
                stats["unsure_network"] += 1
                continue
            else:
                lesion = cells_to_pixels(maps[k], xs[k].shape)
            got = healthy_twin(xs[k], lesion, self.rule)
            if got is None:
                stats["rejected"] += 1
                continue
            out.append(np.round(got[0] * 255).astype(np.uint8))
            kept.append(int(i))
            stats["kept_marked"] += int(cells is not None)
        stats["kept"] = len(kept)
        xs_out = np.stack(out) if out else np.empty((0, self.size, self.size), dtype=np.uint8)
        return xs_out, np.array(kept, dtype=int), stats

    def key(self) -> dict:
        """The draw as a cache key: a change of mirror.py, the rule, the marks, the map's network or the training
        slices makes a new one."""
        return {
            "version": MIRROR_VERSION,
            "rule": asdict(self.rule),
            "min_prob": self.min_prob,
            "marks": hashlib.sha256(Path(self.marks).read_bytes()).hexdigest(),
            "cam_model": hashlib.sha256((Path(self.cam_model) / "model.safetensors").read_bytes()).hexdigest(),
            "train": [self.items[i]["path"] for i in self.train],
        }


def mirrored_views(
    model, draw: MirrorDraw, n_blocks: int, views: int | list[str], cache_dir: Path
) -> tuple[list[torch.Tensor], np.ndarray, dict]:
    """Frozen-prefix features of the mirrored slices for each view kind (the slice, then the same augmentations
    every kit slice gets, "lut" included; the "strong" view's histogram partner is another twin), the source items and
    the draw's counts. Cached under their own names
    ("mirror_...", a digest of the draw in the name, the draw in the key): the kit's prefix files are never touched."""
    backbone = getattr(model.config, "backbone", DEFAULT_VARIANT)
    key = draw.key()
    digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:12]
    net = "" if backbone == DEFAULT_VARIANT else f"_{backbone}"
    tag = f"mirror_{'crop' if draw.crop else 'plain'}_{draw.size}{net}_b{n_blocks}_{digest}"
    meta_file = Path(cache_dir) / f"{tag}_draw.json"
    xs = None
    if meta_file.is_file():
        kept, stats = (lambda d: (np.array(d["kept"], dtype=int), d["stats"]))(json.loads(meta_file.read_text()))
    else:
        xs, kept, stats = draw.arrays()
        meta_file.write_text(json.dumps({"kept": kept.tolist(), "stats": stats, "key": key}))
    # The "strong" view matches each slice's histogram to another slice of the same set with another label: every twin
    # is "no tumour", so their source tumours' classes pick the partner (a glioma's twin to a meningioma's twin).
    labels = np.array([CLASSES.index(draw.items[i]["label"]) for i in kept])
    meta = {"backbone": backbone, "n_blocks": n_blocks, "size": draw.size, "crop": draw.crop, "mirror": key}

    def arrays() -> tuple[np.ndarray, np.ndarray]:  # the draw is seeded: the images its stored "kept" rows came from
        return (draw.arrays()[0] if xs is None else xs), labels

    out = cached_views(model, views, n_blocks, cache_dir, tag, meta, arrays, "mirrored")
    return out, kept, stats


def with_share(weights: torch.Tensor, labels: np.ndarray, extra: np.ndarray, share: float) -> torch.Tensor:
    """Sampling weights where the ``extra`` slices (the mirrored ones, all "no tumour") hold ``share`` of their
    class's weight and the kit's slices of that class the rest, in their earlier proportions; every class keeps its
    total weight, so the classes stay balanced."""
    w = weights.double().numpy().copy()
    c = labels[extra][0] if extra.any() else None
    if c is None:
        return weights
    cls = labels == c
    total = w[cls].sum()
    kit, ext = cls & ~extra, cls & extra
    w[kit] *= (1.0 - share) * total / w[kit].sum()
    w[ext] = share * total / ext.sum()
    return torch.from_numpy(w / w.sum())

"""Lesion copy-paste (issue 18's trial, numpy/torch, no gradio): a hand-marked training tumour's lesion, given the
target's contrast, blended into a training no-tumour slice of another collection at a place inside the head.

In the kit the T2/FLAIR and "other collection" looks go almost only with "no tumour", so the network can learn "that
look = healthy". A pasted lesion on such a slice is a tumour in exactly that look. The lesion is the union of the
source's marked cells (``lesion_marks.json``: an 8 x 8 grid over the model input), dilated and feathered into a soft
mask; its intensities are mapped onto the target head's (as they are, inverted: a T1-to-T2-like change that turns
oedema bright, or through a random look-up table as the "lut" view draws them), so that the patch is in the target's
contrast and range, not a T1 square on a T2 slice.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from .augment import blur, filled_head_mask, random_lut

CONTRASTS = ("as_is", "inverted", "lut")


def lesion_mask(cells: np.ndarray, size: int, grow: int = 2, feather: float = 2.5) -> np.ndarray:
    """(g, g) marked cells -> (size, size) soft mask in [0, 1]: the cells on the input grid, dilated by ``grow``
    pixels, edges feathered by a Gaussian of ``feather`` pixels (a hard square edge would be a cue of its own)."""
    g = cells.shape[0]
    hard = torch.from_numpy(np.kron(cells, np.ones((size // g, size // g))).astype(np.float32))[None, None]
    hard = F.max_pool2d(hard, 2 * grow + 1, 1, grow)[0, 0].numpy()
    return np.clip(blur(hard, feather), 0.0, 1.0)


def shifted(a: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """``a`` moved by (dy, dx) pixels, zeros where nothing moved in."""
    out = np.zeros_like(a)
    h, w = a.shape
    to = np.s_[max(dy, 0) : h + min(dy, 0), max(dx, 0) : w + min(dx, 0)]
    out[to] = a[max(-dy, 0) : h - max(dy, 0), max(-dx, 0) : w - max(dx, 0)]
    return out


def place(mask: np.ndarray, head: np.ndarray, rng: np.random.Generator, inside: float = 0.95, tries: int = 50):
    """A random shift (dy, dx) that puts at least ``inside`` of the mask's weight inside ``head`` (soft head mask of
    the target); the best of ``tries`` draws when none does."""
    ys, xs = np.nonzero(mask > 0.05)
    h, w = mask.shape
    best, best_share = (0, 0), -1.0
    total = float(mask.sum()) + 1e-6
    for _ in range(tries):
        dy = int(rng.integers(-ys.min(), h - ys.max()))
        dx = int(rng.integers(-xs.min(), w - xs.max()))
        share = float((shifted(mask, dy, dx) * head).sum()) / total
        if share > best_share:
            best, best_share = (dy, dx), share
        if share >= inside:
            break
    return best


def in_contrast(source: np.ndarray, target: np.ndarray, rng: np.random.Generator, kind: str) -> np.ndarray:
    """The source slice's intensities mapped onto the target head's (quantile matching on the heads) after
    ``kind``: "as_is", "inverted" (dark becomes bright: oedema and necrosis bright, as on T2) or "lut" (a random,
    often non-monotonic look-up table, as the contrast view draws it)."""
    head = filled_head_mask(source)
    if kind == "inverted":
        source = 1.0 - source
    elif kind == "lut":
        knots, levels = random_lut(rng)
        source = np.interp(source, knots, levels)
    fx, fr = source[head > 0.5], target[filled_head_mask(target) > 0.5]
    if len(fx) < 20 or len(fr) < 20:
        return np.clip(source, fr.min(), fr.max()).astype(np.float32) if len(fr) else source.astype(np.float32)
    q = np.linspace(0, 1, 65)
    qx = np.maximum.accumulate(np.quantile(fx, q) + np.arange(65) * 1e-6)  # strictly increasing for interp
    return np.interp(source, qx, np.quantile(fr, q)).astype(np.float32)  # every pixel, so none keeps its old range


def paste_lesion(
    target: np.ndarray, source: np.ndarray, cells: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """(H, W) model arrays in [0, 1]: the target no-tumour slice with the source's marked lesion blended in at a
    random place inside the target's head, in the target's contrast -> (pasted slice, the soft mask where it went).
    The source is mirrored half of the time; the lesion never lands on the background (the mask is cut to the head)."""
    if rng.random() < 0.5:
        source, cells = np.ascontiguousarray(source[:, ::-1]), np.ascontiguousarray(cells[:, ::-1])
    mask = lesion_mask(cells, target.shape[0]) * filled_head_mask(source)
    patch = in_contrast(source, target, rng, CONTRASTS[int(rng.integers(len(CONTRASTS)))])
    head = filled_head_mask(target)
    dy, dx = place(mask, head, rng)
    m = shifted(mask, dy, dx) * head
    out = (1.0 - m) * target + m * shifted(patch, dy, dx)
    return np.clip(out, 0.0, 1.0).astype(np.float32), m.astype(np.float32)


def visibility(target: np.ndarray, out: np.ndarray, m: np.ndarray, ring: int = 4) -> float:
    """How plainly a pasted lesion stands out: |its mean intensity (weighted by the placed soft mask ``m``) - the mean
    of the target's tissue in a ring of ``ring`` pixels around it (inside the head)| in standard deviations of the
    target head's intensities (the pasted intensities are quantile-mapped onto that head, so its spread is the unit)."""
    head = filled_head_mask(target) > 0.5
    core = m > 0.05
    grown = F.max_pool2d(torch.from_numpy(core.astype(np.float32))[None, None], 2 * ring + 1, 1, ring)[0, 0].numpy()
    around = (grown > 0.5) & ~core & head
    spread = float(target[head].std()) if head.sum() > 1 else 0.0
    if m.sum() < 1e-6 or not around.any() or spread < 1e-6:
        return 0.0
    lesion = float((m * out).sum() / m.sum())
    return abs(lesion - float(target[around].mean())) / spread


def visible_paste(
    target: np.ndarray, source: np.ndarray, cells: np.ndarray, rng: np.random.Generator, margin: float, tries: int = 10
) -> tuple[np.ndarray, np.ndarray] | None:
    """``paste_lesion`` redrawn (mirroring, contrast kind, place) until the lesion stands out from its surroundings by
    at least ``margin`` (``visibility``); None when none of ``tries`` draws does (the pair is dropped: a lesion that
    looks like the tissue around it would teach "tumour" on healthy-looking tissue)."""
    for _ in range(tries):
        out, m = paste_lesion(target, source, cells, rng)
        if visibility(target, out, m) >= margin:
            return out, m
    return None


def pairs(
    notumor: np.ndarray,
    notumor_sources: list[str],
    marked: np.ndarray,
    marked_sources: list[str],
    share: float,
    rng: np.random.Generator,
) -> list[tuple[int, int]]:
    """(target, source) index pairs: ``share`` of the no-tumour slices (the rest stay untouched), each with one marked
    tumour slice of another collection (the kit's one reliable look label; any marked slice when there is none)."""
    targets = np.sort(rng.choice(len(notumor), int(round(share * len(notumor))), replace=False))
    out = []
    for t in targets:
        other = [j for j, s in enumerate(marked_sources) if s != notumor_sources[t]] or list(range(len(marked)))
        out.append((int(notumor[t]), int(marked[int(rng.choice(other))])))
    return out

"""Fine-tuning the last blocks on a site's slices (CPU, seconds to minutes).

The stem and blocks 0-10 keep their ImageNet weights in every released model (``train.py --freeze-blocks 11``),
so their output is computed once per slice and view (``prefix``); what can change is the rest: blocks 11-15,
the head convolution and the classifier (``Recipe.train``):

- ``"none"``: nothing (recalibration only: temperature and input checks refitted);
- ``"head"``: the linear classifier on the pooled features;
- ``"blocks"``: blocks 11-15, the head convolution and the classifier, normalisation statistics kept;
- ``"blocks+bn"``: the same, with the normalisation statistics re-estimated on the training batches.

``Recipe.early_lr > 0`` (off by default; a trial, ``adapt_benchmark.py --screen``) also trains the stem and blocks
0-10 at ``early_lr`` times the learning rate, from the site's slices themselves (``raw``: the views as model arrays),
with their normalisation statistics kept and an L2-SP penalty (``Recipe.l2sp``) pulling every trained weight back
towards the released one; the kit anchors, stored as block-10 outputs, still rehearse blocks 11-15.

``Recipe.curve_knots > 0`` (off by default; a trial, screened with ``adapt_benchmark.py --screen`` and not shipped:
on the FLAIR-like look it did not help, see the README) learns a per-site input intensity curve (``curve.py``) too:
through the frozen network first, then the usual fit on the curved views (``curve_fit = "first"``), or jointly with
the trained part (``"joint"``: the site's views through the curve and the early blocks at every step).

``Recipe.norms = "site"`` first re-estimates the normalisation statistics of blocks 11-15 and the head convolution
on the site's slices alone (no labels needed; ``reestimate_norms``), then fine-tunes with them kept.
Each step mixes the site's slices (class-balanced, one of their views, mirrored half the time) with kit "anchor"
slices (``anchors.py``; ``Recipe.site_share`` of the batch is the site's), so the model keeps what it knew.
"""

from __future__ import annotations

import copy
import math
from dataclasses import asdict, dataclass

import numpy as np
import torch
import torch.nn.functional as F

from ..augment import geometric
from ..preprocess import normalise_intensity
from ..training import prefix_features, warm_cosine

TRAINABLE = ("none", "head", "blocks", "blocks+bn")


@dataclass(frozen=True)
class Recipe:
    train: str = "blocks"
    steps: int = 80  # optimiser steps per fit, whatever the number of slices (bounds the time)
    batch: int = 32  # half site slices, half anchors (all site when there are no anchors)
    lr: float = 3e-4
    views: int = 3  # the clean slice and 2 mildly augmented views
    folds: int = 4  # out-of-fold report
    label_smoothing: float = 0.05
    norms: str = "site"  # re-estimate the fine-tuned part's normalisation statistics on the site's slices; or "kept"
    site_share: float = 0.5  # share of each batch drawn from the site's slices (the rest: kit anchors)
    gates: str = "site"  # the answer's gates chosen on the site's slices out of fold (gates.py), or "released"
    early_lr: float = 0.0  # > 0: the stem and blocks 0..n_blocks-1 trained too, at this share of lr (a trial)
    l2sp: float = 0.0  # weight of the L2-SP penalty: squared distance of the trained weights to the released ones
    curve_knots: int = 0  # > 0: a per-site input intensity curve with this many knots is learnt too (curve.py)
    curve_fit: str = "first"  # "first": the curve through the frozen network, then the rest; "joint": together
    curve_steps: int = 80  # "first": the curve's own optimiser steps
    curve_lr: float = 0.02
    curve_smooth: float = 0.1  # weight of the curve's roughness penalty
    seed: int = 0

    def as_dict(self) -> dict:
        return asdict(self)


def mild_view(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The same slice as the same scanner might show it again: small rotation, zoom and shift, gamma, noise.
    (Not the training's strong "other sequence" views: here the site's own look is what is learned.)"""
    y = geometric(x, rng)
    y = np.clip(y, 0, 1) ** math.exp(rng.normal(0, 0.15))
    y = y + rng.normal(0, rng.uniform(0, 0.02), y.shape)
    return normalise_intensity(y.astype(np.float32))


def view_arrays(arrays: np.ndarray, views: int, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    out = [arrays]
    for _ in range(1, views):
        out.append(np.stack([mild_view(x, rng) for x in arrays]))
    return out


def prefix(model, arrays: np.ndarray, n_blocks: int) -> torch.Tensor:
    """Output of the stem and blocks 0..n_blocks-1 for (N, H, W) model arrays, float16 (as train.py caches it)."""
    return prefix_features(model, torch.from_numpy(np.asarray(arrays, np.float32)), n_blocks, batch=32)


def pooled(model, h: torch.Tensor, n_blocks: int) -> torch.Tensor:
    """Blocks n_blocks.., head convolution and pooling on prefix features -> (N, hidden)."""
    enc = model.efficientnet.encoder
    h = h.float().contiguous(memory_format=torch.channels_last)
    for blk in enc.blocks[n_blocks:]:
        h = blk(h)
    h = enc.top_activation(enc.top_bn(enc.top_conv(h)))
    return h.mean((2, 3))


@torch.no_grad()
def reestimate_norms(model, site: list[torch.Tensor], n_blocks: int, batch: int = 512) -> None:
    """The normalisation statistics of blocks n_blocks.. and the head convolution, re-estimated on the site's
    slices (every view, mirrored too): a scanner's other contrast shifts them, and they need no labels."""
    enc = model.efficientnet.encoder
    norms = [
        m
        for part in (*enc.blocks[n_blocks:], enc.top_bn)
        for m in part.modules()
        if isinstance(m, torch.nn.BatchNorm2d)
    ]
    for m in norms:
        m.reset_running_stats()
        m.momentum = None  # a plain average over every batch
    model.eval()
    for m in norms:
        m.train()
    h = torch.cat([torch.cat([v, v.flip(-1)]) for v in site])
    for i in range(0, len(h), batch):
        pooled(model, h[i : i + batch], n_blocks)
    for m in norms:
        m.momentum = 0.1
    model.eval()


@torch.no_grad()
def pooled_all(model, h: torch.Tensor, n_blocks: int, batch: int = 128) -> torch.Tensor:
    model.eval()
    return torch.cat([pooled(model, h[i : i + batch], n_blocks) for i in range(0, len(h), batch)])


def _trainable(model, recipe: Recipe, n_blocks: int) -> list[dict]:
    """Optimiser parameter groups: the late part at lr (weight decay), the early part at early_lr x lr (no weight
    decay: L2-SP, not L2 towards zero, holds what it knew)."""
    model.requires_grad_(False)
    enc = model.efficientnet.encoder
    late = [model.classifier] if recipe.train == "head" else [*enc.blocks[n_blocks:], enc.top_conv, enc.top_bn,
                                                               model.classifier]  # fmt: skip
    early = [model.efficientnet.embeddings, *enc.blocks[:n_blocks]] if recipe.early_lr > 0 else []
    # the early blocks' squeeze-excite layers stay the frozen identity the released model carries (lite0.py)
    early_params = [p for m in early for name, p in m.named_parameters() if ".squeeze_excite." not in f".{name}"]
    groups = [
        {"params": [p for m in late for p in m.parameters()], "scale": 1.0, "weight_decay": 1e-4},
        {"params": early_params, "scale": recipe.early_lr, "weight_decay": 0.0},
    ]
    groups = [g for g in groups if g["params"]]
    for g in groups:
        for p in g["params"]:
            p.requires_grad_(True)
    return groups


def live_prefix(model, x: torch.Tensor, n_blocks: int) -> torch.Tensor:
    """The stem and blocks 0..n_blocks-1 on (N, H, W) model arrays, with gradients (``prefix`` caches them)."""
    from ..preprocess import to_pixel_values

    h = model.efficientnet.embeddings(to_pixel_values(x))
    for blk in model.efficientnet.encoder.blocks[:n_blocks]:
        h = blk(h)
    return h


def l2sp(params: list[torch.nn.Parameter], start: list[torch.Tensor]) -> torch.Tensor:
    """Squared distance of the trained weights to where they started (the released ones)."""
    return sum(((p - p0) ** 2).sum() for p, p0 in zip(params, start, strict=True))


def finetune(
    base,
    site: list[torch.Tensor],
    labels: np.ndarray,
    recipe: Recipe,
    n_blocks: int,
    anchors: tuple[torch.Tensor, np.ndarray] | None = None,
    seed: int = 0,
    raw: list[torch.Tensor] | None = None,
    curve=None,
):
    """A fine-tuned copy of ``base`` (a LiteNet). ``site``: prefix features of every view, aligned with
    ``labels``; ``anchors``: (prefix features, labels) of kit slices replayed in every batch, or None;
    ``raw``: the views themselves as (N, H, W) model arrays, needed when ``recipe.early_lr > 0`` or with ``curve``
    (an ``IntensityCurve`` learnt in place, jointly: the site's views go through it and the early blocks)."""
    model = copy.deepcopy(base).float()
    if recipe.train == "none" or len(labels) == 0:
        return model.eval()
    early = recipe.early_lr > 0 and recipe.train != "head"
    live = early or (curve is not None and recipe.train != "head")
    if live and raw is None:
        raise ValueError("training the early blocks or an input curve needs the site's views as arrays (raw)")
    if recipe.norms == "site":
        reestimate_norms(model, site, n_blocks)
    groups = _trainable(model, recipe, n_blocks)
    params = [p for g in groups for p in g["params"]]
    start = [p.detach().clone() for p in params]
    if curve is not None:
        groups.append({"params": list(curve.requires_grad_(True).parameters()), "scale": recipe.curve_lr / recipe.lr,
                       "weight_decay": 0.0})  # fmt: skip
    opt = torch.optim.AdamW(groups, lr=recipe.lr)
    gen = torch.Generator().manual_seed(seed)
    y = torch.as_tensor(labels)
    counts = torch.bincount(y, minlength=int(y.max()) + 1).float()
    weights = 1.0 / counts[y]  # class-balanced draws of the site's slices
    n_site = round(recipe.batch * recipe.site_share) if anchors is not None else recipe.batch
    ay = torch.as_tensor(anchors[1]) if anchors is not None else None
    cache = None
    if recipe.train == "head":  # the backbone does not change: pool every view once
        cache = [pooled_all(model, v, n_blocks) for v in site]
        a_cache = pooled_all(model, anchors[0], n_blocks) if anchors is not None else None
    for step in range(recipe.steps):
        lr = recipe.lr * warm_cosine(step, recipe.steps)
        for g in opt.param_groups:
            g["lr"] = lr * g["scale"]
        idx = torch.multinomial(weights, n_site, replacement=True, generator=gen)
        view = torch.randint(len(site), (n_site,), generator=gen)
        flip = torch.rand(n_site, generator=gen) < 0.5
        targets = y[idx]
        model.train() if recipe.train == "blocks+bn" else model.eval()
        if cache is not None:
            feats = torch.stack([cache[int(v)][int(i)] for i, v in zip(idx, view, strict=True)])
            if anchors is not None:
                aidx = torch.randint(len(ay), (recipe.batch - n_site,), generator=gen)
                feats, targets = torch.cat([feats, a_cache[aidx]]), torch.cat([targets, ay[aidx]])
            logits = model.classifier(feats)
        else:
            if live:  # the site's slices through the curve and the early blocks (trained or not; statistics kept)
                x = torch.stack([raw[int(v)][int(i)] for i, v in zip(idx, view, strict=True)]).float()
                x[flip] = x[flip].flip(-1)
                h = live_prefix(model, curve(x) if curve is not None else x, n_blocks)
            else:
                h = torch.stack([site[int(v)][int(i)] for i, v in zip(idx, view, strict=True)]).float()
                h[flip] = h[flip].flip(-1)
            if anchors is not None:
                aidx = torch.randint(len(ay), (recipe.batch - n_site,), generator=gen)
                ha = anchors[0][aidx].float()
                aflip = torch.rand(len(aidx), generator=gen) < 0.5
                ha[aflip] = ha[aflip].flip(-1)
                h, targets = torch.cat([h, ha]), torch.cat([targets, ay[aidx]])
            logits = model.classifier(model.dropout(pooled(model, h, n_blocks)))
        loss = F.cross_entropy(logits, targets, label_smoothing=recipe.label_smoothing)
        if recipe.l2sp > 0:
            loss = loss + recipe.l2sp * l2sp(params, start)
        if curve is not None:
            loss = loss + recipe.curve_smooth * curve.roughness()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if curve is not None:
            curve.project()
    model.requires_grad_(False)
    if curve is not None:
        curve.requires_grad_(False)
    return model.eval()


def site_curve(base, raw: list[torch.Tensor], labels: np.ndarray, recipe: Recipe, n_blocks: int, seed: int = 0):
    """``recipe.curve_fit == "first"``: the site's intensity curve learnt through the frozen ``base`` network
    (``raw``: the site's views as (N, H, W) model arrays). None when the recipe has no curve."""
    from .curve import fit_curve

    if recipe.curve_knots <= 0:
        return None
    model = copy.deepcopy(base).float().eval().requires_grad_(False)

    def logits_of(x: torch.Tensor) -> torch.Tensor:
        return model.classifier(pooled(model, live_prefix(model, x, n_blocks), n_blocks))

    return fit_curve(
        logits_of, raw, labels, recipe.curve_knots, recipe.curve_steps, recipe.curve_lr, recipe.curve_smooth, seed=seed
    )

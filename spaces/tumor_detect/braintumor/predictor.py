"""Calibrated prediction, the "is this a brain MRI slice?" check, and Grad-CAM.

Files in the model folder:
- ``config.json`` + ``model.safetensors``: a plain transformers ``EfficientNetForImageClassification``;
- ``input_check.safetensors``: two class-conditional Mahalanobis checks (class means and a shared
  probabilistic-PCA covariance, fitted on the training images): ``pooled.*`` on the pooled backbone
  features (1280-d) and ``low.*`` on the mean and standard deviation of each channel of the stride-16
  block's output (224-d), which catches images whose texture is unlike MRI; and ``notumor.*``, the
  same kind of distance to the training no-tumour slices alone (pooled features), for the "no tumour" rule;
- ``calibration.json``: the softmax temperature and the thresholds (input check, "uncertain", "no tumour").

"No tumour" is asymmetric: missing a tumour is worse than asking for a second look, so the model only says
"no tumour" when that class is confident (``notumor_min_confidence``) AND the slice is close to the training
no-tumour slices (``notumor_threshold``); otherwise the answer is "uncertain: have a radiologist look".
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from . import CLASSES, TUMOR_CLASSES
from .model_spec import CALIBRATION_FILE, INPUT_CHECK_FILE
from .preprocess import SIZE, to_model_array, to_pixel_values


def gradcam_block_index(config, max_stride: int = 16) -> int:
    """The last block whose output stride is <= max_stride (block 10 for Lite0: an 8x8 map at 128 px)."""
    import math

    stride, index, best = 2, 0, 0  # the stem has stride 2
    for s, n in zip(config.strides, config.num_block_repeats, strict=True):
        for j in range(int(math.ceil(config.depth_coefficient * n))):
            if j == 0:
                stride *= s
            if stride <= max_stride:
                best = index
            index += 1
    return best


DEFAULT_CALIBRATION = {
    "temperature": 1.0,
    "ood_threshold": float("inf"),
    "ood_threshold_low": float("inf"),
    "min_confidence": 0.6,
    # A tumour class on top that misses min_confidence is still named when all tumour classes together reach
    # this (a tumour, its type uncertain). None: such slices are "uncertain" (the earlier releases).
    "tumour_min_confidence": None,
    "notumor_min_confidence": 0.0,  # the calibrated "no tumour" probability needed to say "no tumour"
    "notumor_threshold": float("inf"),  # the largest distance to the training no-tumour slices allowed
    "min_std": 0.02,
    "size": SIZE,
    # Test-time contrast views (``consistency_views``) consulted before saying "no tumour": it is said only when
    # every view also gives "no tumour" at least ``consistency_min_confidence`` (None: ``notumor_min_confidence``).
    # [] = none (the earlier releases).
    "consistency_views": [],
    "consistency_min_confidence": None,
}
NOTUMOR = "notumor"
LIKELY_TUMOUR = "A tumour is likely"  # how the answer "a tumour, its type uncertain" begins
# What the model knows, for the result text (the per-source numbers are in the model card).
SCOPE = (
    "Trained on 7,019 public slices from three collections: tumours mostly T1 with contrast (figshare, SARTAJ), "
    "no-tumour slices mostly T2/FLAIR (SARTAJ, Br35H), with random contrast changes so that the look of a sequence "
    'is not taken for a diagnosis. It says "no tumour" only when it is sure, the slice looks like those no-tumour '
    'slices and a contrast-equalised copy of it agrees; other slices get "uncertain". It still misses some tumours '
    "in small, blurry screenshots of T2 slices, and it often hesitates on healthy T1, coronal or sagittal slices: "
    '"no tumour" here never rules a tumour out.'
)


@dataclass
class InputCheck:
    """Class-conditional Mahalanobis distance with a shared probabilistic-PCA covariance."""

    means: torch.Tensor  # (C, D)
    components: torch.Tensor  # (D, K) orthonormal
    eigenvalues: torch.Tensor  # (K,)
    noise_var: torch.Tensor  # () variance in the remaining D-K directions

    @classmethod
    def fit(cls, feats: np.ndarray, labels: np.ndarray, k: int = 64) -> InputCheck:
        f = torch.as_tensor(feats, dtype=torch.float64)
        y = torch.as_tensor(labels)
        means = torch.stack([f[y == c].mean(0) for c in range(int(y.max()) + 1)])
        centred = f - means[y]
        cov = centred.T @ centred / (len(f) - 1)
        evals, evecs = torch.linalg.eigh(cov)
        evals, evecs = evals.flip(0), evecs.flip(1)
        k = min(k, f.shape[1] - 1)
        noise = evals[k:].clamp(min=0).mean().clamp(min=1e-8)
        return cls(means.float(), evecs[:, :k].float().contiguous(), evals[:k].clamp(min=1e-8).float(), noise.float())

    def score(self, feats: torch.Tensor) -> torch.Tensor:
        """(N, D) -> (N,) squared distance to the nearest class mean (smaller = more like training data)."""
        diff = feats.float()[:, None, :] - self.means[None]  # (N, C, D)
        z = diff @ self.components  # (N, C, K)
        inside = (z**2 / self.eigenvalues).sum(-1)
        resid = (diff**2).sum(-1) - (z**2).sum(-1)
        d = inside + resid.clamp(min=0) / self.noise_var
        return d.min(dim=1).values

    def tensors(self) -> dict[str, torch.Tensor]:
        return {
            "means": self.means.contiguous(),
            "components": self.components.contiguous(),
            "eigenvalues": self.eigenvalues.contiguous(),
            "noise_var": self.noise_var.reshape(1).contiguous(),
        }

    @classmethod
    def from_tensors(cls, t: dict[str, torch.Tensor]) -> InputCheck:
        return cls(
            t["means"].float(), t["components"].float(), t["eigenvalues"].float(), t["noise_var"].float().reshape(())
        )


def block_map(grad: torch.Tensor, act: torch.Tensor, method: str = "layercam") -> torch.Tensor:
    """(N, C, H, W) gradients and activations of the tracked block -> (N, 1, H, W) map on the block's grid.
    Differentiable in both, so training can score the very map the app draws (``training.lesion_focus_loss``)."""
    weights = F.relu(grad) if method == "layercam" else grad.mean(dim=(2, 3), keepdim=True)
    return F.relu((weights * act).sum(1, keepdim=True))


def class_maps(
    logits: torch.Tensor, act: torch.Tensor, tops: torch.Tensor, shape: tuple[int, int], method: str = "layercam"
) -> list[np.ndarray]:
    """Where the model looked: a map per slice of its top logit (``tops``) at the tracked block ``act``,
    upsampled to ``shape`` and scaled to [0, 1].

    ``layercam`` (Jiang et al., 2021; the app's): every location's activations weighted by their own positive
    gradients. ``gradcam`` (Selvaraju et al., 2017): each channel weighted by its mean gradient. On 200 test
    tumour slices 16% of the Grad-CAM map fell outside the head's box, 3.8% of LayerCAM's (``gradcam_sheet.py``).
    The slices of a batch do not interact (inference mode), so the gradient of the sum of their top logits gives
    every slice its own gradient in one backward pass."""
    target = logits.float().gather(1, tops.to(logits.device)[:, None]).sum()
    (grad,) = torch.autograd.grad(target, act)
    grad, act = grad.float(), act.detach().float()
    cam_t = block_map(grad, act, method)
    # The tracked block's output is linear (no activation after its projection), so at times every location's
    # weighted sum is negative and the map is all zero (8% of test tumour slices for the contrast model, 2% before).
    # Those slices get the map of positive evidence only: positive gradients times positive activations (LayerCAM
    # only: Grad-CAM stays as published, for comparison).
    empty = cam_t.flatten(1).max(1).values <= 0
    if method == "layercam" and bool(empty.any()):
        cam_t[empty] = (F.relu(grad[empty]) * F.relu(act[empty])).sum(1, keepdim=True)
    cam_t = F.interpolate(cam_t, size=shape, mode="bilinear", align_corners=False)[:, 0].cpu()
    peak = cam_t.flatten(1).max(1).values
    return [(c / m).numpy() if m > 0 else np.zeros(shape, np.float32) for c, m in zip(cam_t, peak, strict=True)]


class _Features(torch.nn.Module):
    """The network as one plain function, pixel values -> (pooled features, logits, the Grad-CAM block's output):
    no forward hooks, and a form ``torch.jit.trace`` can freeze (ModelOutput dicts cannot be traced)."""

    def __init__(self, model, block: int):
        super().__init__()
        self.net, self.classifier, self.block = model.efficientnet, model.classifier, block

    def forward(
        self, pixel_values: torch.Tensor, track: bool = False
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """``track``: the Grad-CAM block's output becomes a leaf that requires grad (Grad-CAM differentiates the
        logits with respect to it; no gradient flows into the weights)."""
        enc = self.net.encoder
        h = self.net.embeddings(pixel_values)
        act = h
        for i, block in enumerate(enc.blocks):
            h = block(h)
            if i == self.block:
                if track:
                    h = h.detach().requires_grad_(True)
                act = h
        h = enc.top_activation(enc.top_bn(enc.top_conv(h)))
        pooled = self.net.pooler(h).flatten(1)
        return pooled, self.classifier(pooled), act


def frozen_graph(model, block: int, size: int) -> torch.jit.ScriptModule:
    """A traced, frozen copy of the CPU inference path: batch norms folded into the convolutions and the graph
    optimised for inference. With network.py's blocks (no identity squeeze-excite) it takes about half the CPU
    time per slice of transformers' eager forward on one thread (shipped model: 6.2 vs 11.6 ms alone, 4.8 vs
    6.1 ms in batches of 8); the probabilities agree with the eager network to ~1e-6.
    """
    import warnings

    example = to_pixel_values(np.zeros((2, size, size), np.float32))
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # transformers' deprecation notices, raised while tracing
        traced = torch.jit.trace(_Features(model, block).eval(), example, check_trace=False)
        return torch.jit.optimize_for_inference(torch.jit.freeze(traced))


class Status(str, Enum):
    """What the app says about one slice."""

    OK = "ok"  # a class reaches the confidence floor
    UNCERTAIN = "uncertain"  # a brain MRI slice, but no class is confident enough
    REFUSED = "refused"  # blank, or not like the training slices: no diagnosis


@dataclass
class Prediction:
    status: Status
    label: str | None
    probabilities: dict[str, float]
    ood_score: float  # input-check ratio: distance / threshold of the stricter check; > 1 is refused
    message: str
    heatmap: np.ndarray | None = None  # (H, W) in [0, 1], the model-input grid
    image: np.ndarray | None = None  # (H, W) in [0, 1], the normalised input shown to the model
    timings_ms: dict[str, float] = field(default_factory=dict)

    @property
    def tumor_probability(self) -> float:
        return float(sum(self.probabilities.get(c, 0.0) for c in TUMOR_CLASSES))


class Predictor:
    def __init__(
        self,
        model,
        input_check: InputCheck | None = None,
        calibration: dict | None = None,
        low_check: InputCheck | None = None,
        notumor_check: InputCheck | None = None,
        device: str = "cpu",
    ):
        """``device``: where the network runs (the app passes ``shared.device.compute().device``). On cuda the
        convolutions run in float16 under autocast (it keeps softmax, norms and reductions in float32); the
        input checks and the probabilities are always computed in float32 on the CPU."""
        self.device = torch.device(device)
        self.model = model.float().eval().to(self.device, memory_format=torch.channels_last)
        # Inference only: no parameter gradients. Grad-CAM builds a graph from its target block onward.
        self.model.requires_grad_(False)
        self.input_check = input_check
        self.low_check = low_check
        self.notumor_check = notumor_check
        self.crop = bool(getattr(model.config, "head_crop", False))  # crop to the head first (config.json)
        self.cal = {**DEFAULT_CALIBRATION, **(calibration or {})}
        # A network fine-tuned at another input size says so in its config.json (train.py --size); it must run at
        # that size whatever the calibration file says (a silent run at 128 px would give other numbers).
        trained_size = getattr(model.config, "input_size", None)
        if trained_size is not None:
            if int((calibration or {}).get("size", trained_size)) != int(trained_size):
                raise ValueError(f"calibrated at {calibration['size']} px, the network runs at {trained_size} px")
            self.cal["size"] = int(trained_size)
        labels = getattr(model.config, "id2label", None) or {}
        self.classes = [labels.get(i, labels.get(str(i), CLASSES[i])) for i in range(model.config.num_labels)]
        self.gradcam_block = gradcam_block_index(model.config)
        self._features = _Features(self.model, self.gradcam_block)
        self._frozen: torch.jit.ScriptModule | None = None  # built on the first CPU call without Grad-CAM
        self._lock = threading.Lock()  # one request at a time on the shared network (and its lazy frozen graph)

    def predict_file(self, path, heatmap: bool = False) -> Prediction:
        """The app's code path: read the file (raises imageio.InputError), then predict."""
        from .imageio import load_gray

        t0 = time.perf_counter()
        gray = load_gray(path)
        t1 = time.perf_counter()
        pred = self.predict_array(gray, heatmap=heatmap)
        pred.timings_ms["read"] = (t1 - t0) * 1e3
        pred.timings_ms["total"] = (time.perf_counter() - t0) * 1e3
        return pred

    # ------------------------------------------------------------------ loading
    @classmethod
    def from_folder(cls, folder: str | Path, device: str = "cpu") -> Predictor:
        from safetensors.torch import load_file

        from .network import LiteNet

        folder = Path(folder)
        model = LiteNet.from_folder(folder)
        check = low = notumor = None
        if (folder / INPUT_CHECK_FILE).is_file():
            t = load_file(folder / INPUT_CHECK_FILE)
            if "pooled.means" in t:
                check = InputCheck.from_tensors({k[7:]: v for k, v in t.items() if k.startswith("pooled.")})
            elif "means" in t:
                check = InputCheck.from_tensors(t)
            if "low.means" in t:
                low = InputCheck.from_tensors({k[4:]: v for k, v in t.items() if k.startswith("low.")})
            if "notumor.means" in t:
                notumor = InputCheck.from_tensors({k[8:]: v for k, v in t.items() if k.startswith("notumor.")})
        cal_path = folder / CALIBRATION_FILE
        cal = json.loads(cal_path.read_text()) if cal_path.is_file() else {}
        return cls(model, check, cal, low, notumor, device=device)

    # ------------------------------------------------------------------ core
    def features_and_logits(self, pixel_values: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        pooled, logits, _ = self._features(pixel_values)
        return pooled, logits

    @staticmethod
    def low_features(act: torch.Tensor) -> torch.Tensor:
        """(N, C, H, W) stride-16 activations -> (N, 2C): per-channel mean and standard deviation."""
        a = act.detach().float()
        return torch.cat([a.mean((2, 3)), a.std((2, 3))], 1)

    def input_check_ratios(self, pooled: torch.Tensor, low: torch.Tensor) -> dict[str, torch.Tensor]:
        """Each check's distance / threshold ("pooled", "low"; a missing check gives 0): above 1 means "not like
        the training slices" for that check (``rule_headroom.py`` reports which check refuses what)."""
        ratios = {"pooled": torch.zeros(len(pooled)), "low": torch.zeros(len(pooled))}
        if self.input_check is not None:
            ratios["pooled"] = self.input_check.score(pooled.detach()) / self.cal["ood_threshold"]
        if self.low_check is not None:
            ratios["low"] = self.low_check.score(low) / self.cal["ood_threshold_low"]
        return ratios

    def input_check_ratio(self, pooled: torch.Tensor, low: torch.Tensor) -> torch.Tensor:
        """max over the checks of distance / threshold: above 1 means "not like the training slices"."""
        return torch.stack(list(self.input_check_ratios(pooled, low).values())).max(0).values

    def notumor_ratio(self, pooled: torch.Tensor) -> torch.Tensor:
        """Distance to the training no-tumour slices / its threshold: above 1 means "not like them"."""
        if self.notumor_check is None:
            return torch.zeros(len(pooled))
        return self.notumor_check.score(pooled.detach()) / self.cal["notumor_threshold"]

    def decide(self, probs: np.ndarray, notumor_ratio: float, views_notumor: float | None = None) -> tuple[Status, str]:
        """Status and message for one slice's calibrated probabilities (the input check already passed).
        "No tumour" needs more than the top class: see the module docstring. ``views_notumor``: the lowest
        "no tumour" probability over the test-time contrast views (None: not computed)."""
        top = int(np.argmax(probs))
        conf, label = float(probs[top]), self.classes[top]
        tumour = float(sum(p for c, p in zip(self.classes, probs, strict=True) if c in TUMOR_CLASSES))
        shown = "over 99%" if conf > 0.99 else f"{conf:.0%}"
        any_floor = self.cal.get("tumour_min_confidence")
        if conf < self.cal["min_confidence"] and label != NOTUMOR and any_floor is not None and tumour >= any_floor:
            return Status.OK, (
                f"{LIKELY_TUMOUR} (any tumour {tumour:.0%} calibrated confidence), but its type is uncertain: "
                f"most likely {label} ({conf:.0%}). Have a radiologist look."
            )
        if conf < self.cal["min_confidence"]:
            return Status.UNCERTAIN, (
                f"Uncertain: have a radiologist look. No class reaches {self.cal['min_confidence']:.0%} confidence "
                f"(most likely {label}, {conf:.0%}; any tumour {tumour:.0%})."
            )
        if label != NOTUMOR:
            return Status.OK, f"Most likely: {label} ({shown} calibrated confidence)."
        if conf < self.cal["notumor_min_confidence"]:
            return Status.UNCERTAIN, (
                f"Uncertain: have a radiologist look. The model leans towards no tumour ({shown}), below the "
                f"{self.cal['notumor_min_confidence']:.0%} it needs to rule a tumour out (any tumour {tumour:.0%})."
            )
        if notumor_ratio > 1.0:
            return Status.UNCERTAIN, (
                f"Uncertain: have a radiologist look. The model leans towards no tumour ({shown}), but this slice "
                "does not look like the no-tumour slices it was trained on (another sequence, scanner or "
                "orientation?), so it does not rule a tumour out."
            )
        views_floor = self.cal.get("consistency_min_confidence")
        if views_floor is None:
            views_floor = self.cal["notumor_min_confidence"]
        if views_notumor is not None and views_notumor < views_floor:
            return Status.UNCERTAIN, (
                f"Uncertain: have a radiologist look. The model leans towards no tumour ({shown}), but not when it "
                f"looks at the slice with another contrast (there: any tumour {1 - views_notumor:.0%}); this slice "
                "may look unlike the ones it was trained on, so it does not rule a tumour out."
            )
        return Status.OK, f"No tumour found ({shown} calibrated confidence)."

    def _autocast(self):
        if self.device.type == "cuda":
            return torch.autocast("cuda", dtype=torch.float16)
        return contextlib.nullcontext()

    def _forward(self, pixel_values: torch.Tensor, track: bool):
        """Run the network, keeping the Grad-CAM block's output (as a graph leaf when track=True). Without
        Grad-CAM on the CPU, the frozen graph runs instead of the eager modules (same numbers, faster)."""
        if not track and self.device.type == "cpu":
            if self._frozen is None:
                self._frozen = frozen_graph(self.model, self.gradcam_block, int(self.cal.get("size", SIZE)))
            with torch.no_grad():
                return self._frozen(pixel_values)
        with torch.set_grad_enabled(track), self._autocast():
            return self._features(pixel_values.to(self.device), track)

    @torch.no_grad()
    def batch_outputs(self, arrays: np.ndarray, batch: int = 64) -> dict[str, np.ndarray]:
        """(N, H, W) model inputs in [0, 1] -> calibrated "probs" (N, C), input-check "ratio" (N,) and each
        check's own ("ratio_pooled", "ratio_low"), raw "logits" (N, C) and "notumor_ratio" (N,): distance to the
        training no-tumour slices / threshold."""
        keys = ("probs", "ratio", "ratio_pooled", "ratio_low", "logits", "notumor_ratio")
        out: dict[str, list] = {k: [] for k in keys}
        for i in range(0, len(arrays), batch):
            feats, logits, act = self._forward(to_pixel_values(arrays[i : i + batch]), track=False)
            feats, logits, act = feats.float().cpu(), logits.float().cpu(), act.float().cpu()
            out["logits"].append(logits.numpy())
            out["probs"].append(torch.softmax(logits / self.cal["temperature"], -1).numpy())
            ratios = self.input_check_ratios(feats, self.low_features(act))
            out["ratio_pooled"].append(ratios["pooled"].numpy())
            out["ratio_low"].append(ratios["low"].numpy())
            out["ratio"].append(np.maximum(ratios["pooled"].numpy(), ratios["low"].numpy()))
            out["notumor_ratio"].append(self.notumor_ratio(feats).numpy())
        return {k: np.concatenate(v) for k, v in out.items()}

    def model_array(self, gray: np.ndarray) -> np.ndarray:
        """The model input for a 2-D grayscale slice, preprocessed as this network was trained."""
        return to_model_array(gray, int(self.cal.get("size", SIZE)), crop=self.crop)

    def predict_array(self, gray: np.ndarray, heatmap: bool = False) -> Prediction:
        """A 2-D grayscale array (any scale) -> Prediction."""
        return self.predict_arrays([gray], heatmap)[0]

    def predict_arrays(self, grays: list[np.ndarray], heatmap: bool = False, batch: int = 8) -> list[Prediction]:
        """Many 2-D grayscale arrays -> one Prediction each, the network run on ``batch`` slices at a time (8:
        the least CPU per slice on one thread, measured against 16 and 32, whose activations outgrow the cache).
        The app's single slice takes this same path (a batch of one), so both give the same answers."""
        with self._lock:
            out: list[Prediction] = []
            for i in range(0, len(grays), batch):
                out += self._predict_batch(grays[i : i + batch], heatmap)
            return out

    def _is_blank(self, gray: np.ndarray, x: np.ndarray) -> bool:
        raw = np.asarray(gray, dtype=np.float32)
        lo, hi = np.percentile(raw, [0.5, 99.5]) if raw.size else (0.0, 0.0)
        rng = float(hi - lo)
        scale = max(1.0, float(np.abs(raw).max()))
        return rng <= 1e-6 * scale or float(x.std()) < self.cal["min_std"]

    def _predict_batch(self, grays: list[np.ndarray], heatmap: bool) -> list[Prediction]:
        t0 = time.perf_counter()
        xs = [self.model_array(g) for g in grays]
        out: list[Prediction | None] = [None] * len(xs)
        for i, (g, x) in enumerate(zip(grays, xs, strict=True)):
            if self._is_blank(g, x):
                out[i] = Prediction(
                    Status.REFUSED,
                    None,
                    {},
                    float("inf"),
                    "The image is blank or almost uniform, so there is nothing to classify.",
                    image=x,
                    timings_ms={"total": (time.perf_counter() - t0) * 1e3},
                )
        run = [i for i, p in enumerate(out) if p is None]
        if not run:
            return out  # type: ignore[return-value]
        feats, logits, act = self._forward(to_pixel_values(np.stack([xs[i] for i in run])), track=heatmap)
        t1 = time.perf_counter()
        feats_cpu = feats.detach().float().cpu()
        probs_all = torch.softmax(logits.detach().float().cpu() / self.cal["temperature"], -1)
        scores = self.input_check_ratio(feats_cpu, self.low_features(act).cpu())
        notumor = self.notumor_ratio(feats_cpu)
        tops = probs_all.argmax(-1)
        cams = class_maps(logits, act, tops, xs[run[0]].shape) if heatmap else [None] * len(run)
        views = self._views_notumor([xs[i] for i in run], probs_all, scores, notumor)
        per_item = (t1 - t0) * 1e3 / len(run)
        for j, i in enumerate(run):
            pred = self._verdict(probs_all[j], float(scores[j]), float(notumor[j]), xs[i], cams[j], views[j])
            pred.timings_ms = {"model": per_item, "total": (time.perf_counter() - t0) * 1e3 / len(run)}
            out[i] = pred
        return out  # type: ignore[return-value]

    def _views_notumor(
        self, xs: list[np.ndarray], probs: torch.Tensor, scores: torch.Tensor, notumor: torch.Tensor
    ) -> list[float | None]:
        """The lowest "no tumour" probability over the test-time contrast views, for the slices that would
        otherwise be told "no tumour" (only they pay for the extra views); None for the others."""
        names = list(self.cal.get("consistency_views") or [])
        out: list[float | None] = [None] * len(xs)
        nt = self.classes.index(NOTUMOR) if NOTUMOR in self.classes else None
        if not names or nt is None:
            return out
        ask = [
            j
            for j in range(len(xs))
            if scores[j] <= 1.0
            and int(probs[j].argmax()) == nt
            and self.decide(probs[j].numpy(), float(notumor[j]))[0] is Status.OK
        ]
        if not ask:
            return out
        from .consistency import consistency_views

        stack = np.stack([v for j in ask for v in consistency_views(xs[j], names)])
        with torch.no_grad():
            _, logits, _ = self._forward(to_pixel_values(stack), track=False)
        p = torch.softmax(logits.detach().float().cpu() / self.cal["temperature"], -1)[:, nt].reshape(len(ask), -1)
        for k, j in enumerate(ask):
            out[j] = float(p[k].min())
        return out

    def _verdict(
        self,
        probs_t: torch.Tensor,
        score: float,
        notumor_ratio: float,
        x: np.ndarray,
        cam: np.ndarray | None,
        views_notumor: float | None = None,
    ) -> Prediction:
        """The Prediction for one slice from its calibrated probabilities and input-check ratios."""
        if score > 1.0:
            return Prediction(
                Status.REFUSED,
                None,
                {},
                score,
                "This does not look like a brain MRI slice like the ones the model was trained on "
                "(axial, coronal or sagittal T1/T2/FLAIR slices). It may be a photo, a document, another kind "
                "of medical image (X-ray, CT, ultrasound) or noise, so no diagnosis is given.",
                image=x,
            )
        probs = {c: float(p) for c, p in zip(self.classes, probs_t, strict=True)}
        label = self.classes[int(probs_t.argmax())]
        status, message = self.decide(probs_t.numpy(), notumor_ratio, views_notumor)
        return Prediction(status, label, probs, score, message, heatmap=cam, image=x)

    def warm_up(self, rounds: int = 2) -> float:
        """Run the inference path, with and without Grad-CAM, on a synthetic slice so the first visitor does
        not pay for torch's first-call setup. Grad-CAM runs directly, since the input check may refuse the
        synthetic slice. Returns the seconds taken."""
        t0 = time.perf_counter()
        size = int(self.cal.get("size", SIZE))
        yy, xx = np.mgrid[0:size, 0:size]
        gray = (np.hypot(yy - size / 2, xx - size / 2) < size / 3).astype(np.float32)
        gray += 0.1 * np.random.default_rng(0).random((size, size), dtype=np.float32)
        with self._lock:
            for _ in range(rounds):
                self._predict_batch([gray], heatmap=False)  # also builds the frozen graph on the CPU
                x = self.model_array(gray)
                _, logits, act = self._forward(to_pixel_values(x), track=True)
                class_maps(logits, act, logits.argmax(1), x.shape)
        return time.perf_counter() - t0

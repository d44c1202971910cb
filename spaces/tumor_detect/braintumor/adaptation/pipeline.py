"""``adapt()``: the site's slices in, an adapted predictor and an honest before/after report out.

1. Every slice goes through the released model's preprocessing; the frozen prefix runs once per view.
2. Before: the released model, decisions exactly as the app makes them, on every site slice.
3. Out of fold (K folds by near-duplicate group, stratified by class): fine-tune on K-1 folds, refit the input
   checks on them (input check, "no tumour" distance), take the temperature fitted on the other folds'
   out-of-fold logits and the answer's gates chosen on the other folds' out-of-fold evidence (``gates.py``), and
   answer the held-out fold through the app's own decision code. "Recalibration only" (no weights changed) is
   measured the same way.
4. The final model: fine-tuned on every slice, temperature and gates fitted on all out-of-fold logits and evidence,
   checks refitted.
5. It ships only if, out of fold, it is not worse than the released model on accuracy, tumour sensitivity and
   "no tumour" said to tumours; otherwise the reasons are in the report.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import torch

from .. import CLASSES
from ..predictor import Predictor, Status
from ..training import fit_temperature
from . import anchors as anchor_store
from . import checks, gates, metrics
from .site_slices import SiteSlices
from .tuning import Recipe, finetune, pooled_all, prefix, view_arrays

NOTUMOR = CLASSES.index("notumor")


@dataclass
class Outcome:
    shipped: bool
    reasons: list[str]
    report: dict
    predictor: Predictor | None = None  # the adapted model (also when not shipped, for inspection)
    recalibrated: Predictor | None = None  # "recalibration only": the released network, refitted checks
    timings: dict = field(default_factory=dict)
    # names of the uploaded slices whose answer got worse out of fold (metrics.got_worse): for the visitor only,
    # never written into the report or the model folder (a file name can carry personal data)
    review: list[str] = field(default_factory=list)


def decisions(pred: Predictor, arrays: np.ndarray) -> tuple[list[str], np.ndarray, np.ndarray]:
    """(status, predicted class index, calibrated probabilities) per slice, as the app decides them."""
    out = pred.batch_outputs(arrays)
    # the test-time contrast views the app asks before it says "no tumour"
    t = {k: torch.from_numpy(out[k]) for k in ("probs", "ratio", "notumor_ratio")}
    views = pred._views_notumor(list(arrays), t["probs"], t["ratio"], t["notumor_ratio"])
    status = []
    for p, r, nr, v in zip(out["probs"], out["ratio"], out["notumor_ratio"], views, strict=True):
        status.append(Status.REFUSED.value if r > 1.0 else pred.decide(p, float(nr), v)[0].value)
    return status, out["probs"].argmax(1), out["probs"]


def assign_folds(labels: np.ndarray, groups: list[int], k: int, seed: int) -> np.ndarray:
    """Fold of every slice: whole near-duplicate groups, dealt round-robin within each class."""
    rng = np.random.default_rng(seed)
    groups = np.asarray(groups)
    ids = rng.permutation(np.unique(groups))
    major = {g: np.bincount(labels[groups == g]).argmax() for g in ids}
    count: dict[int, int] = {}
    fold_of = {}
    for g in sorted(ids, key=lambda g: major[g]):
        c = major[g]
        fold_of[g] = count.get(c, 0) % k
        count[c] = count.get(c, 0) + 1
    return np.array([fold_of[g] for g in groups])


class Adapter:
    """What one adaptation needs, computed once: the released predictor, the site's prefix features, anchors."""

    def __init__(self, base: Predictor, site: SiteSlices, recipe: Recipe, use_anchors: bool = True, anchors_dir=None):
        self.base, self.site, self.recipe = base, site, recipe
        self.n_blocks = base.gradcam_block + 1
        self.size = int(base.cal.get("size", 128))
        self.labels = np.asarray(site.labels)
        self.arrays = np.stack([base.model_array(g) for g in site.grays])
        self.views = view_arrays(self.arrays, recipe.views, recipe.seed)  # model arrays (early-block trials)
        self.h = [prefix(base.model, v, self.n_blocks).float() for v in self.views]
        self.low = Predictor.low_features(self.h[0]).numpy()
        where = {"folder": anchors_dir} if anchors_dir else {}
        loaded = anchor_store.load(base.model, self.n_blocks, self.size, base.crop, **where) if use_anchors else None
        self.anchors = None if loaded is None else (loaded[0].float(), loaded[1])

    def fit(self, idx: np.ndarray, recipe: Recipe | None = None, seed: int = 0):
        """(network, pooled check, low check, "no tumour" check, thresholds) fitted on the slices ``idx``."""
        recipe = recipe or self.recipe
        model = finetune(
            self.base.model, [h[idx] for h in self.h], self.labels[idx], recipe, self.n_blocks, self.anchors, seed
        )
        site_pooled = pooled_all(model, self.h[0][idx], self.n_blocks).numpy()
        anchor_pooled = pooled_all(model, self.anchors[0], self.n_blocks).numpy() if self.anchors else None
        anchor_labels = self.anchors[1] if self.anchors else None
        fitted = checks.refit(
            self.base, site_pooled, self.low[idx], self.labels[idx], anchor_pooled, anchor_labels, NOTUMOR
        )
        return model, *fitted

    def predictor(self, fitted, temperature: float) -> Predictor:
        model, pooled, low, notumor, thresholds = fitted
        cal = {**self.base.cal, **thresholds, "temperature": float(temperature)}
        return Predictor(model, pooled, cal, low, notumor)

    def logits(self, model, idx: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            return model.classifier(pooled_all(model, self.h[0][idx], self.n_blocks)).numpy()


def out_of_fold(ad: Adapter, folds: np.ndarray, recipe: Recipe, progress, share: tuple[float, float]) -> dict:
    """Decisions for every slice from a model that never saw it. Fold k's temperature is fitted on the other
    folds' out-of-fold logits, and (``recipe.gates == "site"``) its gates are chosen on the other folds'
    out-of-fold evidence (``gates.py``); the evidence of every slice is returned for the final model's gates."""
    k = int(folds.max()) + 1
    fitted, oof_logits = {}, np.zeros((len(folds), len(CLASSES)), np.float32)
    for j in range(k):
        progress(share[0] + (share[1] - share[0]) * j / k, f"Checking on held-out slices ({j + 1} of {k})")
        train = np.flatnonzero(folds != j)
        fitted[j] = ad.fit(train, recipe, seed=recipe.seed + j)
        oof_logits[folds == j] = ad.logits(fitted[j][0], np.flatnonzero(folds == j))
    preds, evs = {}, {}
    for j in range(k):
        others = folds != j
        preds[j] = ad.predictor(fitted[j], fit_temperature(oof_logits[others], ad.labels[others]))
        evs[j] = gates.evidence(preds[j], ad.arrays[folds == j])
    status = np.zeros(len(folds), dtype=object)
    for j in range(k):
        chosen = gates.released_gates(preds[j].cal)
        if recipe.gates == "site":
            others = [i for i in range(k) if i != j]
            pool = gates.Evidence.concat([evs[i] for i in others])
            labels = np.concatenate([ad.labels[folds == i] for i in others])
            chosen = gates.choose(preds[j], labels, pool)["gates"]
        status[folds == j] = gates.statuses(preds[j], evs[j], chosen)
    order = np.concatenate([np.flatnonzero(folds == j) for j in range(k)])
    evidence = gates.Evidence.concat([evs[j] for j in range(k)]).take(np.argsort(order))
    probs = evidence.probs
    return {"status": list(status), "pred": probs.argmax(1), "probs": probs, "logits": oof_logits, "evidence": evidence}


def final_predictor(ad: Adapter, fitted, oof: dict, recipe: Recipe) -> tuple[Predictor, dict | None]:
    """The model fitted on every slice: temperature from every out-of-fold logit, gates from every out-of-fold
    piece of evidence (None: the released gates kept)."""
    pred = ad.predictor(fitted, fit_temperature(oof["logits"], ad.labels))
    if recipe.gates != "site":
        return pred, None
    choice = gates.choose(pred, ad.labels, oof["evidence"])
    pred.cal = gates.apply(pred.cal, choice["gates"])
    return pred, choice


def adapt(
    base: Predictor, site: SiteSlices, recipe: Recipe | None = None, progress=None, use_anchors=True, anchors_dir=None
) -> Outcome:
    """See the module docstring. ``anchors_dir``: another folder of kit anchors (the benchmark's fold models)."""
    recipe = recipe or Recipe()
    if recipe.early_lr > 0 or recipe.curve_knots > 0:  # the checks and report below read the released blocks'
        # features of the slices as they are (adapt_benchmark.py --screen measured both trials: neither ships)
        raise ValueError("early_lr and curve_knots are screening trials (adapt_benchmark.py --screen), not adaptation "
                         "recipes")  # fmt: skip
    progress = progress or (lambda fraction, message: None)
    t0 = time.perf_counter()
    progress(0.05, "Preparing the slices")
    ad = Adapter(base, site, recipe, use_anchors, anchors_dir)
    t_features = time.perf_counter()
    labels = ad.labels
    per_class = np.bincount(labels, minlength=len(CLASSES))
    k = int(max(2, min(recipe.folds, per_class[per_class > 0].min())))
    folds = assign_folds(labels, site.groups, k, recipe.seed)
    before = decisions(base, ad.arrays)
    recal = out_of_fold(ad, folds, Recipe(**{**recipe.as_dict(), "train": "none"}), progress, (0.1, 0.15))
    after = out_of_fold(ad, folds, recipe, progress, (0.15, 0.8)) if recipe.train != "none" else recal
    progress(0.82, "Training the final model on all your slices")
    final, choice = final_predictor(ad, ad.fit(np.arange(len(labels)), recipe, seed=recipe.seed + 100), after, recipe)
    none = Recipe(**{**recipe.as_dict(), "train": "none"})
    recalibrated = (
        final if recipe.train == "none" else final_predictor(ad, ad.fit(np.arange(len(labels)), none), recal, recipe)[0]
    )
    progress(0.95, "Writing the report")
    report = {
        "slices": {"total": int(len(labels)), "per_class": site.counts(), "folds": k},
        "before": metrics.summary(labels, *before),
        "recalibration_only": metrics.summary(labels, recal["status"], recal["pred"], recal["probs"]),
        "after": metrics.summary(labels, after["status"], after["pred"], after["probs"]),
        "temperature": round(float(final.cal["temperature"]), 4),
        "gates": choice,
        "recipe": recipe.as_dict(),
        "anchors": 0 if ad.anchors is None else int(len(ad.anchors[1])),
        "warnings": list(site.warnings),
    }
    if ad.anchors is None:
        report["warnings"].append(
            "No kit slices were replayed (none fit this model), so the adapted model may have forgotten the "
            "collections it was trained on."
        )
    worse = metrics.got_worse(labels, before[:2], (after["status"], after["pred"]))
    report["slices"]["worse_out_of_fold"] = int(len(worse))
    reasons = metrics.worse_than(report["after"], report["before"])
    report["shipped"] = not reasons
    report["not_shipped_because"] = reasons
    timings = {"features_s": round(t_features - t0, 1), "total_s": round(time.perf_counter() - t0, 1)}
    report["timings"] = timings
    review = [site.names[i] for i in worse]
    return Outcome(not reasons, reasons, report, final, recalibrated, timings, review)

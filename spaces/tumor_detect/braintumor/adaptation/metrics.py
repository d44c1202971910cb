"""The report's numbers, each with a 95% interval: accuracy, tumour sensitivity, "no tumour" on tumours,
refused, uncertain, and the calibration error (ECE). Refused slices count as errors and as missed tumours,
as in evaluate.py."""

from __future__ import annotations

import math

import numpy as np

from .. import CLASSES, TUMOR_CLASSES
from ..evaluation import expected_calibration_error

NOTUMOR = CLASSES.index("notumor")


def wilson(k: int, n: int, z: float = 1.96) -> list[float]:
    if n == 0:
        return [float("nan"), float("nan")]
    p = k / n
    d = 1 + z * z / n
    c = (p + z * z / (2 * n)) / d
    h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    return [round(max(0.0, c - h), 4), round(min(1.0, c + h), 4)]


def _rate(mask: np.ndarray) -> dict:
    k, n = int(mask.sum()), int(mask.size)
    return {"value": round(k / n, 4) if n else None, "ci95": wilson(k, n), "n": n}


def summary(labels: np.ndarray, status: list[str], pred: np.ndarray, probs: np.ndarray, seed: int = 0) -> dict:
    """``labels``/``pred``: class indices; ``status``: ok / uncertain / refused per slice; ``probs``: calibrated."""
    labels, pred, probs = np.asarray(labels), np.asarray(pred), np.asarray(probs)
    refused = np.array([s == "refused" for s in status], dtype=bool)
    uncertain = np.array([s == "uncertain" for s in status], dtype=bool)
    correct = (pred == labels) & ~refused
    tumour = np.isin(labels, [CLASSES.index(c) for c in TUMOR_CLASSES])
    called_tumour = np.isin(pred, [CLASSES.index(c) for c in TUMOR_CLASSES]) & ~refused
    told_notumor = (pred == NOTUMOR) & ~refused & ~uncertain
    accepted = ~refused
    conf, hit = probs[accepted].max(1) if accepted.any() else np.zeros(0), correct[accepted]
    ece = expected_calibration_error(conf, hit) if accepted.any() else float("nan")
    rng = np.random.default_rng(seed)
    boots = []
    for _ in range(200):
        i = rng.integers(0, len(conf), len(conf)) if len(conf) else np.zeros(0, int)
        boots.append(expected_calibration_error(conf[i], hit[i]) if len(i) else float("nan"))
    return {
        "n": int(len(labels)),
        "accuracy": _rate(correct),
        "tumour_sensitivity": _rate(called_tumour[tumour]),
        "notumor_on_tumours": _rate(told_notumor[tumour]),
        "notumor_cleared": _rate(told_notumor[~tumour]),
        "refused": _rate(refused),
        "uncertain": _rate(uncertain),
        "ece": {
            "value": round(float(ece), 4),
            "ci95": [round(float(x), 4) for x in np.nanpercentile(boots, [2.5, 97.5])],
        }
        if len(conf)
        else {"value": None, "ci95": [None, None]},
        "errors": int((~correct).sum()),
        # what the errors are, and what "uncertain" costs besides them (a right class answered "uncertain" is
        # not an error, but the visitor gets no answer)
        "errors_by_kind": {
            "refused": int(refused.sum()),
            "wrong_class_answered": int(((pred != labels) & ~refused & ~uncertain).sum()),
            "wrong_class_uncertain": int(((pred != labels) & uncertain).sum()),
        },
        "right_class_uncertain": int(((pred == labels) & uncertain).sum()),
    }


Answers = tuple[list[str], np.ndarray]  # (status, predicted class) per slice


def got_worse(labels: np.ndarray, before: Answers, after: Answers) -> np.ndarray:
    """Indices of the slices whose answer got worse, each ``(status, predicted class)``: right before and wrong after
    (refused counts as wrong), or a tumour newly told "no tumour". For the visitor to review: a few such slices can
    be mislabelled, or a kind of slice the adapted model handles worse."""
    labels = np.asarray(labels)

    def right_and_told_notumor(status: list[str], pred: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        pred = np.asarray(pred)
        refused = np.array([s == "refused" for s in status], dtype=bool)
        answered = np.array([s == "ok" for s in status], dtype=bool)
        return (pred == labels) & ~refused, (pred == NOTUMOR) & answered

    right_before, notumor_before = right_and_told_notumor(*before)
    right_after, notumor_after = right_and_told_notumor(*after)
    tumour = labels != NOTUMOR
    return np.flatnonzero((right_before & ~right_after) | (tumour & notumor_after & ~notumor_before))


def worse_than(after: dict, before: dict) -> list[str]:
    """Reasons why ``after`` is worse than ``before`` on the same slices (empty: not worse)."""
    reasons = []
    if after["accuracy"]["value"] < before["accuracy"]["value"]:
        reasons.append(
            f"accuracy would drop from {before['accuracy']['value']:.1%} to {after['accuracy']['value']:.1%}"
        )
    b, a = before["tumour_sensitivity"]["value"], after["tumour_sensitivity"]["value"]
    if a is not None and b is not None and a < b:
        reasons.append(f"fewer tumours would be called a tumour ({b:.1%} before, {a:.1%} after)")
    b, a = before["notumor_on_tumours"]["value"], after["notumor_on_tumours"]["value"]
    if a is not None and b is not None and a > b:
        reasons.append(f'more tumours would be told "no tumour" ({b:.1%} before, {a:.1%} after)')
    return reasons

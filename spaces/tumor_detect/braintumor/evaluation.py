"""Metrics and folder helpers shared by evaluate.py and benchmark.py."""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np

from . import CLASSES, TUMOR_CLASSES
from .data import is_rgb_file
from .imageio import IMAGE_SUFFIXES, InputError
from .predictor import Status

LABELS = (*CLASSES, "tumor")
UNREADABLE = "unreadable"  # the file itself was refused (InputError)
NOT_ANALYSED = (Status.REFUSED, UNREADABLE)


def load_predictor(model: Path | None):
    """The predictor from a model folder, or the shipped one (sha256 pins checked) when ``model`` is None."""
    from .predictor import Predictor

    if model:
        return Predictor.from_folder(model)
    from shared.model_source import resolve

    from .model_spec import MODEL_SPEC

    return Predictor.from_folder(resolve(MODEL_SPEC))


def collect_labelled(root: Path) -> list[tuple[Path, str]]:
    """Every image file below root/<label>/ for the five label folders."""
    out = []
    for label in LABELS:
        folder = root / label
        if folder.is_dir():
            for p in sorted(folder.rglob("*")):
                if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES:
                    out.append((p, label))
    return out


def collect_all(root: Path) -> list[Path]:
    return [p for p in sorted(root.rglob("*")) if p.is_file() and not p.name.startswith(".")]


def expected_calibration_error(conf: np.ndarray, correct: np.ndarray, bins: int = 15) -> float:
    conf, correct = np.asarray(conf, float), np.asarray(correct, float)
    if len(conf) == 0:
        return float("nan")
    edges = np.linspace(0, 1, bins + 1)
    e = 0.0
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        m = (conf > lo) & (conf <= hi)
        if m.any():
            e += m.mean() * abs(conf[m].mean() - correct[m].mean())
    return float(e)


def macro_f1(y_true: list[str], y_pred: list[str]) -> float:
    """Mean F1 over the four classes that occur among the true or predicted labels (as scikit-learn)."""
    f1s = []
    for c in [c for c in CLASSES if c in y_true or c in y_pred]:
        tp = sum(t == c and p == c for t, p in zip(y_true, y_pred, strict=True))
        fp = sum(t != c and p == c for t, p in zip(y_true, y_pred, strict=True))
        fn = sum(t == c and p != c for t, p in zip(y_true, y_pred, strict=True))
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0)
    return float(np.mean(f1s))


def confusion(y_true: list[str], y_pred: list[str]) -> np.ndarray:
    cols = [*CLASSES, Status.REFUSED.value]
    m = np.zeros((len(CLASSES), len(cols)), dtype=int)
    for t, p in zip(y_true, y_pred, strict=True):
        if t in CLASSES:
            m[CLASSES.index(t), cols.index(p if p in cols else Status.REFUSED.value)] += 1
    return m


def run_images(predictor, items: list[tuple[Path, str]], with_source: bool = True) -> dict:
    """Predict every (path, label) through the app's code path; returns metrics and raw rows."""
    rows = []
    for path, label in items:
        t0 = time.perf_counter()
        try:
            pred = predictor.predict_file(path, heatmap=False)
            status, plabel, probs = pred.status.value, pred.label, pred.probabilities
        except InputError:
            status, plabel, probs = UNREADABLE, None, {}
        ms = (time.perf_counter() - t0) * 1e3
        rgb = None
        if with_source:
            try:
                rgb = is_rgb_file(path)
            except Exception:
                rgb = None
        rows.append({"label": label, "status": status, "pred": plabel, "probs": probs, "ms": ms, "rgb": rgb})
    return summarise(rows)


def summarise(rows: list[dict]) -> dict:
    four = [r for r in rows if r["label"] in CLASSES]
    refused = [r for r in rows if r["status"] in NOT_ANALYSED]
    y_true = [r["label"] for r in four]
    y_pred = [r["pred"] if r["status"] not in NOT_ANALYSED else Status.REFUSED.value for r in four]
    accepted = [r for r in four if r["status"] not in NOT_ANALYSED]
    conf = [max(r["probs"].values()) for r in accepted]
    correct = [r["pred"] == r["label"] for r in accepted]
    tumour = [r for r in rows if r["label"] in (*TUMOR_CLASSES, "tumor")]
    healthy = [r for r in rows if r["label"] == "notumor"]

    def is_tumour_pred(r):
        return r["status"] not in NOT_ANALYSED and r["pred"] in TUMOR_CLASSES

    def is_cleared(r):  # the app said "no tumour" (not "uncertain: have a radiologist look")
        return r["status"] == Status.OK and r["pred"] == "notumor"

    def not_cleared(rs):  # analysed and not called "no tumour": the slice gets a tumour answer or a second look
        return float(np.mean([r["status"] not in NOT_ANALYSED and not is_cleared(r) for r in rs])) if rs else None

    out = {
        "n_images": len(rows),
        "accuracy": float(np.mean([t == p for t, p in zip(y_true, y_pred, strict=True)])) if four else None,
        "macro_f1": macro_f1(y_true, y_pred) if four else None,
        "tumor_sensitivity": float(np.mean([is_tumour_pred(r) for r in tumour])) if tumour else None,
        "tumor_specificity": float(np.mean([not is_tumour_pred(r) for r in healthy])) if healthy else None,
        "tumor_not_cleared": not_cleared(tumour),
        "notumor_cleared": float(np.mean([is_cleared(r) for r in healthy])) if healthy else None,
        "rejected_rate": len(refused) / len(rows) if rows else None,
        "ece": expected_calibration_error(conf, correct) if accepted else None,
        "uncertain_rate": float(np.mean([r["status"] == Status.UNCERTAIN for r in rows])) if rows else None,
        "accuracy_on_accepted": float(np.mean(correct)) if accepted else None,
        "p50_ms": float(np.percentile([r["ms"] for r in rows], 50)) if rows else None,
        "p95_ms": float(np.percentile([r["ms"] for r in rows], 95)) if rows else None,
        "note": "refused images count as errors in accuracy/macro_f1 and as misses in tumour sensitivity; "
        "tumor_not_cleared = tumour slices answered with a tumour class or 'uncertain', not 'no tumour'",
    }
    if four:
        out["confusion_rows_true_cols_pred"] = {
            "labels": [*CLASSES, Status.REFUSED.value],
            "matrix": confusion(y_true, y_pred).tolist(),
        }
        by_src = {}
        for name, flag in (("grayscale_files", False), ("rgb_files", True)):
            sub = [(t, p) for r, t, p in zip(four, y_true, y_pred, strict=True) if r.get("rgb") is flag]
            if sub:
                by_src[name] = {"n": len(sub), "accuracy": float(np.mean([t == p for t, p in sub]))}
        if by_src:
            out["accuracy_by_file_type"] = by_src
    return out


def run_ood(predictor, paths: list[Path]) -> dict:
    rejected, kinds = 0, {}
    for p in paths:
        try:
            ok = predictor.predict_file(p, heatmap=False).status == Status.REFUSED
        except InputError:
            ok = True
        rejected += ok
        kind = p.name.split("_")[0]
        k = kinds.setdefault(kind, [0, 0])
        k[0] += ok
        k[1] += 1
    return {
        "n_images": len(paths),
        "rejected_rate": rejected / len(paths) if paths else None,
        "rejected_by_kind": {k: f"{a}/{b}" for k, (a, b) in sorted(kinds.items())},
    }


def export_split(split: dict, side: str, data_root: Path, out: Path) -> Path:
    """Symlink (or copy) a split side into out/<label>/ so --images can read it."""
    import shutil

    for it in split["items"]:
        if it["side"] != side:
            continue
        dst = out / it["label"] / it["path"].replace("/", "__")
        dst.parent.mkdir(parents=True, exist_ok=True)
        if not dst.exists():
            try:
                os.symlink(data_root / it["path"], dst)
            except OSError:
                shutil.copyfile(data_root / it["path"], dst)
    return out

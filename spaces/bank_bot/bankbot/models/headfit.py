"""Fitting the logistic-regression head on sentence vectors (training scripts only; needs scikit-learn)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .data import OUT_OF_SCOPE


def fit_head(
    X: np.ndarray,
    y: list[str],
    labels: list[str],
    c: float,
    oos_weight: float,
    seed: int,
    row_weights: np.ndarray | None = None,
):
    """Logistic regression in the inventory's label order; out_of_scope rows weigh ``oos_weight``, times
    ``row_weights`` when given (train_multilingual.py weighs its hand-written rows up)."""
    from sklearn.linear_model import LogisticRegression

    lab = np.array(y)
    weights = np.where(lab == OUT_OF_SCOPE, oos_weight, 1.0)
    if row_weights is not None:
        weights = weights * row_weights
    clf = LogisticRegression(C=c, max_iter=3000, random_state=seed)
    clf.fit(X, lab, sample_weight=weights)
    order = [list(clf.classes_).index(lab_) for lab_ in labels]  # the inventory's fixed order
    return clf.coef_[order].astype(np.float32), clf.intercept_[order].astype(np.float32)


def encode_with_cache(encoder, texts: list[str], cache: Path | None) -> np.ndarray:
    """``encoder.encode(texts)``, reusing the vectors an .npz ``cache`` (texts, E) already holds for the same
    encoder and adding the new ones to it: encoding the 28k kit sentences takes minutes on a shared CPU."""
    known: dict[str, np.ndarray] = {}
    if cache and Path(cache).is_file():
        with np.load(cache, allow_pickle=False) as z:
            known = dict(zip(z["texts"].tolist(), z["E"], strict=True))
    todo = sorted(set(texts) - set(known))
    if todo:
        known.update(zip(todo, encoder.encode(todo), strict=True))
        if cache:
            np.savez(cache, texts=np.array(list(known)), E=np.stack(list(known.values())))
    return np.stack([known[t] for t in texts]).astype(np.float32)

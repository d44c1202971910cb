"""Fitting the logistic-regression head on sentence vectors (training scripts only; needs scikit-learn)."""

from __future__ import annotations

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

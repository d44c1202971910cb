"""Fixtures for the tumor_detect tests: a tiny random EfficientNet for plumbing, paths."""

from __future__ import annotations

import numpy as np
import pytest
from tumor_detect_helpers import tiny_model

import harness

SPACE = harness.SPACES / "tumor_detect"
EXAMPLES = SPACE / "examples"


@pytest.fixture(scope="session")
def tiny_predictor():
    """A Predictor around a random 23k-parameter model; its input check accepts anything non-blank."""
    from braintumor.predictor import InputCheck, Predictor

    model = tiny_model()
    rng = np.random.default_rng(0)
    feats = rng.normal(size=(64, 64)).astype(np.float32)
    check = InputCheck.fit(feats, np.arange(64) % 4, k=8)
    cal = {"temperature": 1.5, "ood_threshold": float("inf"), "min_confidence": 0.0}
    return Predictor(model, check, cal)


@pytest.fixture
def mri_like() -> np.ndarray:
    """A synthetic 'head' slice: bright ring (skull), gray disc (brain), a brighter blob, black background."""
    s = 200
    yy, xx = np.mgrid[0:s, 0:s]
    r = np.hypot(yy - s / 2, (xx - s / 2) * 1.2)
    img = np.zeros((s, s), np.float32)
    img[r < 80] = 110
    img[(r >= 80) & (r < 88)] = 230
    img[np.hypot(yy - 80, xx - 120) < 15] = 200
    return img

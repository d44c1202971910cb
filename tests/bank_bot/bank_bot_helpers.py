"""Shared pieces of the bank_bot tests: unit vectors (encoders and heads work on L2-normalised rows)."""

from __future__ import annotations

import numpy as np


def unit(v, dtype=np.float32) -> np.ndarray:
    """Each row of ``v`` scaled to length 1, as ``dtype``."""
    v = np.asarray(v, dtype)
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def unit64(v) -> np.ndarray:
    return unit(v, np.float64)

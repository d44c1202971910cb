"""Long stereo files clean one channel in a second process: same result as one process."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import soundfile as sf
from nr_signals import assert_same_audio, harmonic_voice, mixture, noise

import harness  # noqa: F401  (sets the test environment first)
from voiceclean import clean

RATE = 16_000
SECONDS = 6.0


@pytest.fixture()
def stereo(tmp_path, monkeypatch):
    """A 6 s stereo clip that counts as "long"."""
    monkeypatch.setattr(clean, "PARALLEL_MIN_SECONDS", 3.0)
    left = mixture(harmonic_voice(SECONDS, RATE), noise(SECONDS, RATE), 5.0)
    right = mixture(harmonic_voice(SECONDS, RATE, seed=4), noise(SECONDS, RATE, seed=6), 0.0)
    path = tmp_path / "stereo.wav"
    sf.write(path, np.stack([left, right], axis=1), RATE, subtype="FLOAT")
    return path


def _run(monkeypatch, path, workers, out):
    monkeypatch.setenv("NOISE_REMOVAL_WORKERS", str(workers))
    return sf.read(clean.clean_file(path, out).path, dtype="float32", always_2d=True)[0]


def test_long_stereo_channels_in_parallel_are_identical(tmp_path, monkeypatch, stereo):
    single = _run(monkeypatch, stereo, 1, tmp_path / "a.wav")
    parallel = _run(monkeypatch, stereo, 2, tmp_path / "b.wav")
    assert_same_audio(parallel, single)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.wav", "b.wav", "stereo.wav"]  # no leftovers


def test_worker_failure_falls_back_to_this_process(tmp_path, monkeypatch, stereo):
    single = _run(monkeypatch, stereo, 1, tmp_path / "a.wav")

    def broken_worker(job):
        return subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"], stderr=subprocess.PIPE)

    monkeypatch.setattr(clean, "_start_worker", broken_worker)
    assert_same_audio(_run(monkeypatch, stereo, 2, tmp_path / "b.wav"), single)

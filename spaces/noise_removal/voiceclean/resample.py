"""Resample one channel to the model's 48 kHz and back, streamed, with exactly the input's length.

DeepFilterNet3 runs at 48 kHz in hops of 480 samples and its output is 1440 samples (two hops of
look-ahead plus one of overlap-add) behind its input. :class:`RateAdapter` takes care of all of it
around any 48 kHz engine: soxr resampling in and out, the zeros fed after the signal so every
sample gets its frame and look-ahead, and the bookkeeping that keeps the output sample-aligned and
exactly as long as the input.
"""

from __future__ import annotations

import numpy as np
import soxr

MODEL_RATE = 48_000
HOP = 480  # samples per model frame step
DELAY = 1440  # samples the model's output lags its input (compensated here)


class RateAdapter:
    """Streams one channel at any sample rate through a 48 kHz engine and back, with exact length.

    Feed blocks with :meth:`push` (each returns the output that is ready), then call :meth:`finish`
    once; the concatenated output has exactly as many samples as the input. Subclasses supply the
    engine: ``_process48`` (48 kHz in, ready output out) and ``_finish48`` (the rest, given the
    resampler's tail and how many zeros to feed so every sample gets its frame and look-ahead), and
    pass their output through ``_emit48`` so the output of that padding is dropped.
    """

    def __init__(self, rate: int):
        self.rate = int(rate)
        self._resample = self.rate != MODEL_RATE
        if self._resample:
            self._up = soxr.ResampleStream(self.rate, MODEL_RATE, 1, dtype="float32", quality="HQ")
            self._down = soxr.ResampleStream(MODEL_RATE, self.rate, 1, dtype="float32", quality="HQ")
        self._n_in = 0  # input samples at self.rate
        self._n_out = 0  # output samples returned at self.rate
        self._n48_in = 0  # samples given to the engine (before padding)
        self._n48_out = 0  # engine samples passed on (capped at _n48_in)

    def _process48(self, x48: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _finish48(self, tail48: np.ndarray, pad: int) -> np.ndarray:
        raise NotImplementedError

    def _emit48(self, y48: np.ndarray) -> np.ndarray:
        """Keep engine output only up to the input's length in total (drops the padding's output)."""
        keep = max(0, min(len(y48), self._n48_in - self._n48_out))
        self._n48_out += keep
        return y48[:keep]

    def _to_rate(self, y48: np.ndarray, last: bool) -> np.ndarray:
        if not self._resample:
            return y48
        return self._down.resample_chunk(np.ascontiguousarray(y48, dtype=np.float32), last=last)

    def push(self, block: np.ndarray) -> np.ndarray:
        """Feed the next samples; returns the cleaned samples that are ready (possibly none)."""
        block = np.ascontiguousarray(block, dtype=np.float32).reshape(-1)
        self._n_in += len(block)
        x48 = self._up.resample_chunk(block, last=False) if self._resample else block
        self._n48_in += len(x48)
        out = self._to_rate(self._process48(x48), last=False)
        self._n_out += len(out)
        return out

    def finish(self) -> np.ndarray:
        """End of input: returns the rest, so the total output is exactly as long as the input."""
        tail = np.zeros(0, np.float32)
        if self._resample:
            tail = self._up.resample_chunk(tail, last=True)
        self._n48_in += len(tail)
        y48 = self._finish48(tail, DELAY + (-self._n48_in) % HOP)
        out = exact_length(self._to_rate(y48, last=True), self._n_in - self._n_out)
        self._n_out += len(out)
        return out


def exact_length(out: np.ndarray, want: int) -> np.ndarray:
    """The resampler may round the total by a sample: pad or cut the last block to the exact length."""
    if len(out) < want:
        out = np.pad(out, (0, want - len(out)))
    return out[:want].astype(np.float32, copy=False)

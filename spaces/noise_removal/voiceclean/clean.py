"""Clean a file: decode -> (resample -> enhance -> resample back) per channel -> encode a WAV.

The gradio-free entry point is :func:`clean_file` (one file in, one cleaned 16-bit WAV out, plus
optional before/after spectrogram PNGs); :func:`warm_up` loads the model and runs it once so the first
visitor does not wait. Files are read, cleaned and written block by block, so memory stays flat on
long files. A long stereo file cleans its second channel in a second process (the result is the
same as one process: each channel has its own cleaner anyway).
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import soundfile as sf

from . import decode, networks
from .enhance import STRENGTH_MAX_DB, ChannelCleaner, strength_db
from .spectrogram import SpectrogramBuilder, render_pair, save_png

log = logging.getLogger(__name__)

BLOCK_SECONDS = 5.0  # read, clean and write this much audio at a time
PARALLEL_MIN_SECONDS = 60.0  # stereo files at least this long use a second process for one channel

Progress = Callable[[float], None]


@dataclass
class CleanReport:
    """What :func:`clean_file` did: where the result is, its format, and notes for the user."""

    path: Path
    rate: int
    channels: int
    frames: int
    seconds_processed: float
    notes: list[str] = field(default_factory=list)
    before_png: Path | None = None  # spectrograms (time left to right, frequency bottom to top)
    after_png: Path | None = None

    @property
    def duration(self) -> float:
        return self.frames / self.rate


def worker_count() -> int:
    """Processes used for one long stereo file: $NOISE_REMOVAL_WORKERS, else min(2, CPU cores)."""
    try:
        return max(1, int(os.environ.get("NOISE_REMOVAL_WORKERS", "")))
    except ValueError:
        return max(1, min(2, os.cpu_count() or 1))


def clean_file(
    in_path: str | os.PathLike | None,
    out_path: str | os.PathLike,
    strength: float = STRENGTH_MAX_DB,
    progress: Progress | None = None,
    spectrograms: tuple[str | os.PathLike, str | os.PathLike] | None = None,
) -> CleanReport:
    """Clean the speech recording ``in_path`` into ``out_path`` (a 16-bit WAV).

    The output has the input's sample rate, length and channel count (files with more than two
    channels are mixed down to mono) and is aligned sample for sample with the input. ``strength``
    is the largest noise reduction in dB (clamped to the supported range). ``spectrograms``, if
    given, are the paths of the before/after PNGs to write. Raises decode.AudioInputError for input
    the user must fix. Not thread-bound: requests may call it from any thread at once.
    """
    t0 = time.perf_counter()
    strength = strength_db(strength)
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    info = decode.open_audio(in_path, workdir=out_path.parent)
    try:
        notes = list(info.notes)
        gain = decode.check_levels(decode.scan_levels(info), notes)
        channels = decode.output_channels(info)
        # the spectrograms cost about 8% of the cleaning time: only when asked for (batch jobs do not)
        specs = (
            (SpectrogramBuilder(info.rate, info.frames), SpectrogramBuilder(info.rate, info.frames))
            if spectrograms is not None
            else (_NoSpectrogram(), _NoSpectrogram())
        )
        if channels == 2 and worker_count() > 1 and info.frames >= PARALLEL_MIN_SECONDS * info.rate:
            _clean_two_processes(info, gain, strength, out_path, progress, specs)
        else:
            _clean_one_pass(info, gain, strength, out_path, progress, specs)
        report = CleanReport(out_path, info.rate, channels, info.frames, 0.0, notes)
        if spectrograms is not None:
            report.before_png, report.after_png = (Path(p) for p in spectrograms)
            before, after = render_pair(specs[0].finish(), specs[1].finish())
            save_png(before, report.before_png)
            save_png(after, report.after_png)
        report.seconds_processed = time.perf_counter() - t0
        return report
    finally:
        decode.release(info)


class _NoSpectrogram:
    """Stands in for a SpectrogramBuilder when no picture is wanted."""

    def push(self, block: np.ndarray) -> None:
        pass


def _write_block(out: sf.SoundFile, y: np.ndarray, spec_out: SpectrogramBuilder) -> None:
    np.clip(y, -1.0, 1.0, out=y)
    out.write(y)
    spec_out.push(y.mean(axis=1))


def _clean_one_pass(
    info: decode.AudioInfo,
    gain: float,
    strength: float,
    out_path: Path,
    progress: Progress | None,
    specs: tuple[SpectrogramBuilder, SpectrogramBuilder],
) -> None:
    """One pass, one cleaner per channel, block by block."""
    channels = decode.output_channels(info)
    cleaners = [ChannelCleaner(info.rate, strength) for _ in range(channels)]
    done = 0
    # Channels may have different amounts of output ready at a time (silent hops are skipped per
    # channel): keep what one channel is ahead by until the other catches up.
    held = [np.zeros(0, np.float32) for _ in range(channels)]
    with sf.SoundFile(str(out_path), "w", info.rate, channels, subtype="PCM_16", format="WAV") as out:

        def write(parts: list[np.ndarray]) -> None:
            nonlocal held
            parts = [np.concatenate([h, p]) for h, p in zip(held, parts, strict=True)]
            ready = min(len(p) for p in parts)
            held = [p[ready:] for p in parts]
            _write_block(out, np.stack([p[:ready] for p in parts], axis=1), specs[1])

        for block in decode.blocks(info, int(BLOCK_SECONDS * info.rate)):
            if gain != 1.0:
                block = block * np.float32(gain)
            specs[0].push(block.mean(axis=1))
            write([cleaners[c].push(block[:, c]) for c in range(channels)])
            done += len(block)
            if progress is not None:
                progress(min(1.0, done / info.frames))
        write([c.finish() for c in cleaners])


def clean_channel(
    path: str | os.PathLike,
    channel: int,
    gain: float,
    rate: int,
    strength: float,
    out_raw: str | os.PathLike,
    progress: Progress | None = None,
) -> None:
    """Clean one channel of a stereo file into a raw float32 file (run by channel_worker.py)."""
    cleaner = ChannelCleaner(rate, strength)
    with open(out_raw, "wb") as fh, sf.SoundFile(str(path)) as f:
        done = 0
        for block in f.blocks(blocksize=int(BLOCK_SECONDS * rate), dtype="float32", always_2d=True):
            fh.write(cleaner.push(block[:, channel] * np.float32(gain)).tobytes())
            done += len(block)
            if progress is not None:
                progress(done / max(1, f.frames))
        fh.write(cleaner.finish().tobytes())


def _start_worker(job: dict) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "voiceclean.channel_worker", json.dumps(job)],
        env=dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p)),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _clean_two_processes(
    info: decode.AudioInfo,
    gain: float,
    strength: float,
    out_path: Path,
    progress: Progress | None,
    specs: tuple[SpectrogramBuilder, SpectrogramBuilder],
) -> None:
    """Left channel here, right channel in a second process; then interleave and write the WAV."""
    raws = [out_path.with_name(out_path.name + f".ch{c}.f32") for c in range(2)]
    job = {"path": str(info.path), "channel": 1, "gain": gain, "rate": info.rate, "strength": strength}
    proc = _start_worker({**job, "out": str(raws[1])})
    try:
        mine = (lambda f: progress(0.9 * f)) if progress is not None else None
        clean_channel(info.path, 0, gain, info.rate, strength, raws[0], mine)
        _, err = proc.communicate()
        if proc.returncode != 0 or not raws[1].is_file() or raws[1].stat().st_size != 4 * info.frames:
            log.warning("channel worker failed (exit %s); finishing in this process", proc.returncode)
            log.debug("worker stderr: %s", (err or b"")[-2000:].decode(errors="replace"))
            clean_channel(info.path, 1, gain, info.rate, strength, raws[1])
        if progress is not None:
            progress(0.9)
        block = int(BLOCK_SECONDS * info.rate)
        with sf.SoundFile(str(out_path), "w", info.rate, 2, subtype="PCM_16", format="WAV") as out:
            source = decode.blocks(info, block)
            for b in range(0, info.frames, block):
                count = min(block, info.frames - b)
                y = np.zeros((count, 2), np.float32)
                for c, raw in enumerate(raws):
                    part = np.fromfile(raw, np.float32, count=count, offset=4 * b)
                    y[: len(part), c] = part  # (a decoder that delivers fewer frames than announced)
                specs[0].push(next(source, np.zeros((count, 2), np.float32)).mean(axis=1) * np.float32(gain))
                _write_block(out, y, specs[1])
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for r in raws:
            r.unlink(missing_ok=True)


def warm_up(workdir: str | os.PathLike) -> Path:
    """Verify the model archive, load the ONNX Runtime sessions and clean a 2.5 s noise file in
    ``workdir`` (a full chunk, a continued one and a short last one; WAV and spectrograms written),
    so the first request is as fast as later ones. Returns the cleaned file."""
    networks.load()
    src = Path(workdir) / "warm-up.wav"
    sf.write(str(src), np.random.default_rng(0).standard_normal(120_000).astype(np.float32) * 0.01, 48_000)
    pngs = (Path(workdir) / "warm-up-before.png", Path(workdir) / "warm-up-after.png")
    return clean_file(src, Path(workdir) / "warm-up-cleaned.wav", spectrograms=pngs).path

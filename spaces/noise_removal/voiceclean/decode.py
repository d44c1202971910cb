"""Decode: open user audio safely (format sniffing, decoding, levels) with friendly errors for bad input."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import soundfile as sf

MIN_RATE = 8_000
MAX_RATE = 192_000
MIN_SECONDS = 0.1
MAX_SECONDS = 15 * 60
MAX_CHANNELS_KEPT = 2  # more channels than this are mixed down to mono


class AudioInputError(ValueError):
    """A problem with the user's audio, phrased for the user."""


@dataclass
class AudioInfo:
    path: Path  # a file soundfile can read (a decoded copy for M4A and other containers)
    rate: int
    channels: int
    frames: int
    decoded_copy: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        return self.frames / self.rate if self.rate else 0.0


def _fmt_duration(seconds: float) -> str:
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    minutes, sec = divmod(int(round(seconds)), 60)
    return f"{minutes} min {sec:02d} s" if minutes else f"{seconds:.1f} s"


def _too_long(seconds: float | None = None) -> AudioInputError:
    length = f"{_fmt_duration(seconds)} long" if seconds is not None else "longer than that"
    return AudioInputError(
        f"The recording is {length}; the limit here is {MAX_SECONDS // 60} minutes. Please split it into shorter parts."
    )


def _check_rate(rate: int) -> None:
    if rate < MIN_RATE or rate > MAX_RATE:
        raise AudioInputError(
            f"The sample rate is {rate} Hz; this tool accepts {MIN_RATE // 1000} kHz to "
            f"{MAX_RATE // 1000} kHz. Please export the file at 16, 44.1 or 48 kHz."
        )


def _declared_seconds(container, stream) -> float | None:
    """The longest length the container states (stream duration, container duration, packet count), or None.
    Read from the headers only; the longest, so a file cannot pass by stating one short figure."""
    found = []
    if stream.duration and stream.time_base:
        found.append(float(stream.duration * stream.time_base))
    if container.duration:
        found.append(container.duration / 1_000_000)  # AV_TIME_BASE
    frame_size = stream.codec_context.frame_size
    if stream.frames and frame_size and stream.rate:
        found.append(stream.frames * frame_size / stream.rate)
    return max(found) if found else None


def _decode_with_pyav(src: Path, dst: Path) -> int:
    """Decode any container PyAV understands (M4A/AAC, MP3, OGG, WebM...) into a float WAV; returns the
    file's own channel count.

    The limits are checked on the container's own figures before anything is decoded, and again while
    decoding: a file that states a short length but holds hours is stopped at the limit, so neither the
    time nor the disk spent can exceed what a file at the limit costs. More than two channels are mixed to
    one here already (as :func:`blocks` would), so the copy is never wider than two channels."""
    import av

    with contextlib.closing(av.open(str(src), mode="r")) as container:
        streams = [s for s in container.streams if s.type == "audio"]
        if not streams:
            raise AudioInputError("This file has no audio track.")
        stream = streams[0]
        rate = int(stream.rate or stream.codec_context.sample_rate or 0)
        channels = int(stream.codec_context.channels or 0)
        if rate <= 0 or channels <= 0:
            raise AudioInputError("This file's audio track has no usable sample rate or channel count.")
        _check_rate(rate)
        declared = _declared_seconds(container, stream)
        if declared is not None and declared > MAX_SECONDS + 1:  # 1 s of slack: encoder padding
            raise _too_long(declared)
        limit = int((MAX_SECONDS + 1) * rate)
        written = 0
        kept = channels if channels <= MAX_CHANNELS_KEPT else 1
        with sf.SoundFile(str(dst), "w", rate, kept, subtype="FLOAT", format="WAV") as out:
            for frame in container.decode(stream):
                data = frame.to_ndarray()
                if frame.sample_rate != rate or data.size % channels:
                    raise AudioInputError("The audio changes its sample rate or channels midway; please re-export it.")
                if data.dtype.kind in "iu":
                    scale = float(np.iinfo(data.dtype).max) + 1.0
                    data = data.astype(np.float32) / scale
                else:
                    data = data.astype(np.float32, copy=False)
                if frame.format.is_planar:
                    data = data.reshape(channels, -1).T
                else:
                    data = data.reshape(-1, channels)
                if channels > MAX_CHANNELS_KEPT:
                    data = data.mean(axis=1, keepdims=True, dtype=np.float32)
                written += len(data)
                if written > limit:
                    raise _too_long()
                out.write(data)
    return channels


def stated_seconds(path: str | os.PathLike) -> float | None:
    """The length a file's headers state, without decoding it (None: unreadable, or no length stated)."""
    try:
        with sf.SoundFile(str(path)) as f:
            if f.frames > 0 and f.samplerate > 0:
                return f.frames / f.samplerate
    except Exception:
        pass
    try:
        import av

        with contextlib.closing(av.open(str(path), mode="r")) as container:
            streams = [s for s in container.streams if s.type == "audio"]
            return _declared_seconds(container, streams[0]) if streams else None
    except Exception:
        return None


def open_audio(path: str | os.PathLike | None, workdir: str | os.PathLike | None = None) -> AudioInfo:
    """Check that ``path`` is readable audio within the limits; returns what is needed to stream it.

    Raises AudioInputError with a sentence meant for the user.
    """
    if path is None or str(path).strip() == "":
        raise AudioInputError("No audio yet: record something or upload a file, then press Clean.")
    src = Path(path)
    if not src.is_file():
        raise AudioInputError("The uploaded file could not be found. Please upload it again.")
    if src.stat().st_size == 0:
        raise AudioInputError("The file is empty (0 bytes). Please upload a real recording.")

    info: AudioInfo | None = None
    try:
        with sf.SoundFile(str(src)) as f:
            info = AudioInfo(src, int(f.samplerate), int(f.channels), int(f.frames))
        if info.frames <= 0:
            info = None  # some containers report no length: decode them instead
    except Exception:
        info = None
    if info is None:
        tmpdir = Path(workdir) if workdir else Path(tempfile.gettempdir())
        fd, name = tempfile.mkstemp(suffix=".wav", dir=tmpdir)
        os.close(fd)
        dst = Path(name)
        try:
            channels = _decode_with_pyav(src, dst)
            with sf.SoundFile(str(dst)) as f:
                info = AudioInfo(dst, int(f.samplerate), channels, int(f.frames), decoded_copy=True)
        except AudioInputError:
            dst.unlink(missing_ok=True)
            raise
        except Exception as exc:
            dst.unlink(missing_ok=True)
            raise AudioInputError(
                "This file could not be read as audio. It may be damaged, or not audio at all. "
                "Supported: WAV, FLAC, MP3, OGG and M4A."
            ) from exc

    try:
        _check_rate(info.rate)
    except AudioInputError:
        release(info)
        raise
    if info.channels < 1:
        release(info)
        raise AudioInputError("This file has no audio channels.")
    if info.seconds < MIN_SECONDS:
        seconds = info.seconds
        release(info)
        raise AudioInputError(
            f"The recording is too short ({_fmt_duration(seconds)}); please use at least {MIN_SECONDS:.1f} s of audio."
        )
    if info.seconds > MAX_SECONDS:
        seconds = info.seconds
        release(info)
        raise _too_long(seconds)
    if info.rate < 16_000:
        info.notes.append(
            f"The input is {info.rate / 1000:g} kHz (telephone quality): it is cleaned at 48 kHz and "
            "returned at its own rate, so it stays narrow-band."
        )
    if info.rate > 48_000:
        info.notes.append(
            f"The input is {info.rate / 1000:g} kHz: the model works up to 24 kHz, so content above "
            "24 kHz is not kept in the result."
        )
    if info.channels > MAX_CHANNELS_KEPT:
        info.notes.append(
            f"The file has {info.channels} channels: they were mixed down to one (mono) channel "
            "before cleaning, so the result is mono."
        )
    return info


def release(info: AudioInfo) -> None:
    """Delete the decoded copy, if one was made."""
    if info.decoded_copy:
        with contextlib.suppress(OSError):
            info.path.unlink()


def output_channels(info: AudioInfo) -> int:
    return info.channels if info.channels <= MAX_CHANNELS_KEPT else 1


def blocks(info: AudioInfo, block_frames: int) -> Iterator[np.ndarray]:
    """Float32 blocks of shape (frames, output_channels(info)), mixed down if needed; never more than the
    ``info.frames`` the limits were checked on (a header that understates its length is cut there)."""
    left = info.frames
    with sf.SoundFile(str(info.path)) as f:
        for block in f.blocks(blocksize=block_frames, dtype="float32", always_2d=True):
            if left <= 0:
                return
            block = block[:left]
            left -= len(block)
            if block.shape[1] > 1 and info.channels > MAX_CHANNELS_KEPT:
                block = block.mean(axis=1, keepdims=True, dtype=np.float32)
            yield block


@dataclass
class LevelReport:
    peak: float
    clipped_fraction: float
    has_nan: bool


def scan_levels(info: AudioInfo, block_frames: int = 1 << 18) -> LevelReport:
    """One pass over the file: peak level, share of clipped samples, and invalid (NaN/inf) samples."""
    peak, clipped, total, bad = 0.0, 0, 0, False
    for block in blocks(info, block_frames):
        finite = np.isfinite(block)
        if not finite.all():
            bad = True
            break
        a = np.abs(block)
        peak = max(peak, float(a.max(initial=0.0)))
        clipped += int(np.count_nonzero(a >= 0.999))
        total += a.size
    return LevelReport(peak=peak, clipped_fraction=clipped / max(1, total), has_nan=bad)


def check_levels(levels: LevelReport, notes: list[str]) -> float:
    """Raise for unusable samples; return the gain to apply (1.0 unless the floats exceed full scale)."""
    if levels.has_nan:
        raise AudioInputError(
            "The file contains invalid samples (NaN or infinity), so it cannot be cleaned. "
            "Re-export it from your editor."
        )
    gain = 1.0
    if levels.peak > 1.0:
        gain = 0.99 / levels.peak
        notes.append(
            f"The samples go beyond full scale (peak {levels.peak:.2f}); the audio was turned down by "
            f"{20 * np.log10(levels.peak / 0.99):.1f} dB so nothing is cut off."
        )
    elif levels.clipped_fraction > 1e-3:
        notes.append(
            f"About {levels.clipped_fraction:.1%} of the samples are clipped (recorded too loud). "
            "Noise removal cannot undo that distortion; record a little quieter next time."
        )
    return gain

"""The Gradio adapters: each event function checks its input, calls the gradio-free code, and turns
failures into friendly messages. Their docstrings are the API and MCP tool descriptions."""

from __future__ import annotations

import contextlib
import logging
import shutil
import tempfile
from pathlib import Path

import gradio as gr
import numpy as np
from gradio import processing_utils

from shared.results import fresh_dir
from shared.warmup import wait_until_warm

from . import clean
from .batch_job import RecordingTask  # registers the @gpu cleaner at import (ZeroGPU checks at start)
from .clean import CleanReport, clean_file
from .decode import AudioInputError
from .enhance import STRENGTH_MAX_DB, STRENGTH_MIN_DB, strength_db
from .live import LiveStream

log = logging.getLogger(__name__)

SPACE = "noise_removal"
STRENGTH_HELP = f"Strength must be a number of dB between {STRENGTH_MIN_DB:g} and {STRENGTH_MAX_DB:g}."
_FATAL = (KeyboardInterrupt, SystemExit, GeneratorExit)


def warm_up() -> None:
    """Do the first request's one-time work at start, so the first visitor does not wait for it:
    verify, load and run the model (clean.warm_up), probe the result with ffprobe as gr.Audio does
    for every audio it returns (the first run of ffprobe loads its libraries; about 0.3 s). Gradio's own
    first-event work is done by ``shared.ui.with_limits`` for every Space."""
    with tempfile.TemporaryDirectory(prefix="voiceclean-warm-up-") as tmp:
        cleaned = clean.warm_up(tmp)
        with contextlib.suppress(Exception):  # only a warm-up: Gradio handles a missing ffprobe itself
            processing_utils.audio_is_playable(str(cleaned))


def _strength(value: float | None) -> float:
    try:
        return strength_db(value)
    except (TypeError, ValueError):
        raise gr.Error(STRENGTH_HELP) from None


def _report(result: CleanReport) -> str:
    lines = [
        f"**Done.** {result.duration:.1f} s of audio, {result.rate / 1000:g} kHz, "
        f"{'stereo' if result.channels == 2 else 'mono'}, cleaned in {result.seconds_processed:.1f} s.",
        "The result has the same length, sample rate and timing as the input (16-bit WAV).",
    ]
    lines += [f"- {note}" for note in result.notes]
    return "\n".join(lines)


def clean_audio(
    audio_path: str | None,
    strength_db: float = STRENGTH_MAX_DB,
    progress: gr.Progress = gr.Progress(),  # noqa: B008  (Gradio's documented pattern)
) -> tuple[str, str, str, str]:
    """Remove background noise from a speech recording with DeepFilterNet3.

    The cleaned file keeps the input's length, sample rate, channel count (mono or stereo) and
    timing (zero lag). Files with more than two channels are mixed down to mono.

    Args:
        audio_path: The noisy recording: WAV, FLAC, MP3, OGG or M4A, 8 to 192 kHz, 0.1 s to 15 min.
        strength_db: Largest noise reduction allowed, in dB (6 to 100): about 12 is gentle (some room
            sound stays), 100 (the default) removes as much noise as the model can.

    Returns:
        The cleaned recording (16-bit WAV), a spectrogram picture (PNG) of the input and of the output
        (time left to right, frequency bottom to top), and a short report.
    """
    result = clean_one(audio_path, strength_db, progress)
    for note in result.notes:
        gr.Warning(note)
    return str(result.path), str(result.before_png), str(result.after_png), _report(result)


def clean_one(
    audio_path: str | None, strength_db: float | None, progress: gr.Progress, spectrograms: bool = True
) -> CleanReport:
    """Clean one file into a fresh folder (with spectrograms for the screen); failures become friendly
    gr.Errors."""
    strength = _strength(strength_db)
    wait_until_warm(SPACE)  # a request in the server's first seconds waits for the model
    # A fresh folder per request: identical requests never write (or serve) the same file.
    out_dir = fresh_dir(SPACE, "cleaned_audio")
    stem = Path(str(audio_path or "")).stem[:60] or "audio"
    progress(0.0, desc="Reading the audio")

    def tick(fraction: float) -> None:
        progress(fraction, desc="Removing noise")

    try:
        result = clean_file(
            audio_path,
            out_dir / f"{stem}_cleaned.wav",
            strength,
            progress=tick,
            spectrograms=(out_dir / "before.png", out_dir / "after.png") if spectrograms else None,
        )
    except AudioInputError as exc:
        shutil.rmtree(out_dir, ignore_errors=True)
        raise gr.Error(str(exc), title="Cannot clean this audio") from None
    except BaseException as exc:
        shutil.rmtree(out_dir, ignore_errors=True)
        if isinstance(exc, _FATAL):
            raise
        log.exception("cleaning failed (%s)", type(exc).__name__)
        raise gr.Error(
            "Something went wrong while cleaning this file. Please try again, or try another file.",
            title="Processing error",
        ) from None
    return result


def live_step(
    chunk: tuple[int, np.ndarray] | None,
    stream: LiveStream | None,
    strength_db: float = STRENGTH_MAX_DB,
) -> tuple[tuple[int, np.ndarray] | None, LiveStream | None]:
    """Clean one short piece of a live microphone stream (used by the Live tab).

    Args:
        chunk: (sample rate, samples) of the newest microphone piece, as Gradio streams it.
        stream: The stream's state (created on the first piece).
        strength_db: Largest noise reduction allowed, in dB (6 to 100).

    Returns:
        The cleaned piece as (sample rate, 16-bit samples) and the updated state.
    """
    if chunk is None:
        return None, stream
    rate, data = chunk
    strength = _strength(strength_db)
    wait_until_warm(SPACE)
    if not isinstance(stream, LiveStream) or stream.strength != strength:
        stream = LiveStream(strength)  # a new strength starts over (the model state depends on it)
    try:
        pcm = stream.process(int(rate), data)
    except Exception as exc:
        log.warning("live piece failed (%s)", type(exc).__name__)
        raise gr.Error("Live cleaning stopped. Press Stop and start recording again.") from None
    return (int(rate), pcm), stream


def live_stop() -> None:
    """Forget the stream when the user stops recording (the next recording starts fresh)."""
    return None


MAX_BATCH_FILES = 8  # the Batch tab's caps on a free 2-vCPU Space (the batch script has none)
MAX_BATCH_MINUTES = 10  # of audio in all files together: about 20-30 s of cleaning


def clean_many(
    files: list[str] | None,
    strength_db: float = STRENGTH_MAX_DB,
    progress: gr.Progress = gr.Progress(),  # noqa: B008  (Gradio's documented pattern)
) -> tuple[str, list[list]]:
    """Remove background noise from several speech recordings at once; returns them in a zip file.

    Each cleaned file keeps its input's length, sample rate, channels and format where possible (WAV, FLAC,
    OGG, MP3; other formats come back as WAV). A file that cannot be read is listed with the reason.

    Args:
        files: Paths or URLs of up to 8 recordings (WAV, FLAC, MP3, OGG or M4A), 10 minutes in all.
        strength_db: Largest noise reduction allowed, in dB (6 to 100).

    Returns:
        A zip file with the cleaned recordings and report.csv, and a table (file, seconds, status, message).
    """
    import zipfile

    from shared.batch import run_batch

    from .batch_job import with_outputs
    from .decode import stated_seconds

    strength = _strength(strength_db)
    wait_until_warm(SPACE)
    paths = [str(getattr(f, "path", f)) for f in files or [] if f]
    if not paths:
        raise gr.Error("Please upload one or more recordings first.")
    if len(paths) > MAX_BATCH_FILES:
        raise gr.Error(f"Please upload at most {MAX_BATCH_FILES} files at once (the batch script has no limit).")
    # the duration cap, from the files' headers before any decoding; a file that states less than it holds is
    # still stopped at the per-file limit while it is decoded (decode.open_audio)
    total = sum(stated_seconds(p) or 0.0 for p in paths)
    if total > MAX_BATCH_MINUTES * 60:
        raise gr.Error(
            f"These files hold {total / 60:.1f} minutes of audio; the limit here is {MAX_BATCH_MINUTES} minutes "
            "in all. Please send fewer files at a time."
        )
    work = fresh_dir(SPACE, "batch_output")
    items, seen = [], set()
    for p in paths:  # file names only: the zip and the table never show the server's folders
        name, n = Path(p).name, 1
        while name in seen:
            n += 1
            name = f"{Path(p).stem} ({n}){Path(p).suffix}"
        seen.add(name)
        items.append({"path": name, "file": p})
    with_outputs(items)
    out = work / "cleaned"
    try:
        result = run_batch(
            RecordingTask(out, strength, one_process_per_file=False),
            items,
            workers=1,
            show_progress=False,
            on_progress=lambda done, n: progress(done / max(1, n), desc="Removing noise"),
        )
    except BaseException as exc:
        shutil.rmtree(work, ignore_errors=True)
        if isinstance(exc, _FATAL):
            raise
        log.exception("batch cleaning failed (%s)", type(exc).__name__)
        raise gr.Error("Something went wrong while cleaning these files. Please try again.") from None
    archive = work / "cleaned.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for f in sorted(out.rglob("*")):
            if f.is_file():
                zf.write(f, f.relative_to(out).as_posix())
    table = [[r["path"], r["seconds"], r["status"], r["message"]] for r in result.rows]
    return str(archive), table

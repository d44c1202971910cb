"""The API and MCP tools: what an agent or a script calls. Each returns its files and one JSON text (an MCP
client gets the text as is; a Python dict would reach it as a repr). The screen's events are in
``handlers``; these reuse them."""

from __future__ import annotations

import json
from pathlib import Path

import gradio as gr

from shared.ui import result_url

from . import handlers
from .enhance import STRENGTH_MAX_DB


def clean(
    audio_path: str | None,
    strength_db: float = STRENGTH_MAX_DB,
    request: gr.Request = None,
    progress: gr.Progress = gr.Progress(),  # noqa: B008  (Gradio's documented pattern)
) -> str:
    """Remove background noise from a speech recording with DeepFilterNet3.

    The cleaned file keeps the input's length, sample rate, channel count (mono or stereo) and timing (zero
    lag). Files with more than two channels are mixed down to mono.

    Args:
        audio_path: URL (or base64 data URL) of the noisy recording: WAV, FLAC, MP3, OGG or M4A, 8 to 192 kHz,
            0.1 s to 15 min.
        strength_db: Largest noise reduction allowed, in dB (6 to 100): about 12 is gentle (some room sound
            stays), 100 (the default) removes as much noise as the model can.

    Returns:
        JSON: {"url": where to download the cleaned recording (16-bit WAV; kept about 10 minutes), "file": its
        name, "seconds": duration, "sample_rate", "channels", "processing_seconds", "notes": [what was changed,
        e.g. a mix-down]}.
    """
    result = handlers.clean_one(audio_path, strength_db, progress, spectrograms=False)
    report = {
        "url": result_url(request, result.path),
        "file": Path(result.path).name,
        "seconds": round(result.duration, 3),
        "sample_rate": result.rate,
        "channels": result.channels,
        "processing_seconds": round(result.seconds_processed, 2),
        "notes": list(result.notes),
    }
    return json.dumps(report)


def clean_many(
    files: list[str] | None,
    strength_db: float = STRENGTH_MAX_DB,
    request: gr.Request = None,
    progress: gr.Progress = gr.Progress(),  # noqa: B008  (Gradio's documented pattern)
) -> str:
    """Remove background noise from up to 8 speech recordings (10 minutes in all) at once.

    Each cleaned file keeps its input's length, sample rate, channels and format where possible (WAV, FLAC,
    OGG, MP3; other formats come back as WAV). A file that cannot be read is listed with the reason.

    Args:
        files: URLs (or base64 data URLs) of the recordings (WAV, FLAC, MP3, OGG or M4A).
        strength_db: Largest noise reduction allowed, in dB (6 to 100).

    Returns:
        JSON: {"url": where to download a zip of the cleaned recordings and report.csv (kept about 30
        minutes), "files": [{"file", "seconds", "status", "message"}, ...] in the order of the inputs}.
    """
    archive, table = handlers.clean_many(files, strength_db, progress)
    rows = [dict(zip(("file", "seconds", "status", "message"), row, strict=True)) for row in table]
    return json.dumps({"url": result_url(request, archive), "files": rows})

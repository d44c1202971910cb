"""The gradio adapters: what the Analyse button, the API and the MCP tool call.

The docstring of :func:`classify` becomes the API and MCP description. Every failure reaches the user as a
``gr.Error`` with a sentence they can act on; nothing about the user's file is logged.
"""

from __future__ import annotations

import logging
from pathlib import Path

import gradio as gr

from . import SPACE
from .heatmap import write_overlay
from .imageio import InputError
from .predictor import NOTUMOR, SCOPE, Status
from .runtime import predict_file, wait_until_warm

log = logging.getLogger(SPACE)

NOTICE = (
    "**Research demo, not a medical device.** It has not been validated for clinical use and must not be "
    "used to diagnose, treat or rule out any disease. Always consult a qualified radiologist."
)
NO_FILE = "Please upload an image or a DICOM (.dcm) file first."
MAX_BATCH_FILES = 100  # about 5 s of CPU on a free 2-vCPU Space; the batch CLI has no cap
TABLE_COLUMNS = ["path", "status", "label", "confidence", "message"]
FAILED = "Sorry, this file could not be analysed. Please try another image."


def _path_of(file) -> str | None:
    if file is None:
        return None
    if isinstance(file, str):
        return file
    if isinstance(file, dict):
        return file.get("path") or file.get("name")
    return getattr(file, "path", None) or getattr(file, "name", None)


def classify(file: str, show_heatmap: bool = True) -> tuple[dict | None, str, str | None, dict]:
    """Classify one brain MRI slice into glioma, meningioma, pituitary tumour or no tumour.

    Research demo, not a medical device. Images that do not look like a brain MRI slice are refused.

    Args:
        file: Path or URL of one image (PNG, JPEG, WebP, TIFF, BMP; grayscale, RGB, RGBA or 16-bit) or a
            DICOM (.dcm) file holding a single brain MRI slice.
        show_heatmap: Also compute a heatmap (LayerCAM) of where the model looked (not a tumour outline).

    Returns:
        The calibrated class probabilities (empty when refused), a short verdict in Markdown, the
        heatmap overlay image file (or None), and a details dictionary with status ("ok", "uncertain" or
        "refused"), label, probabilities, tumour probability and the input-check distance.
    """
    path = _path_of(file)
    if not path:
        raise gr.Error(NO_FILE)
    wait_until_warm()  # a request in the server's first seconds waits for the model
    try:
        pred = predict_file(path, heatmap=bool(show_heatmap))
        details = {
            "status": pred.status.value,
            "label": pred.label,
            "probabilities": {k: round(v, 4) for k, v in pred.probabilities.items()},
            "tumor_probability": round(pred.tumor_probability, 4) if pred.probabilities else None,
            "input_check_ratio": round(pred.ood_score, 3) if pred.ood_score != float("inf") else None,
            "message": pred.message,
        }
        if pred.status is Status.REFUSED:
            return None, f"### Not analysed\n{pred.message}", None, details
        if pred.status is Status.UNCERTAIN:
            title = "Uncertain: have a radiologist look"
        else:
            title = "No tumour found" if pred.label == NOTUMOR else f"Most likely: {pred.label}"
        verdict = f"### {title}\n{pred.message}\n\n{SCOPE}\n\n_{NOTICE}_"
        heatmap = write_overlay(pred.image, pred.heatmap if show_heatmap else None)
    except InputError as exc:
        raise gr.Error(str(exc)) from None
    except Exception as exc:  # never show a stack trace; never log the user's content
        log.exception("classification failed: %s", type(exc).__name__)
        raise gr.Error(FAILED) from None
    return pred.probabilities, verdict, str(heatmap), details


def classify_many(
    files: list[str] | None,
    progress: gr.Progress = gr.Progress(),  # noqa: B008  (Gradio's documented pattern)
) -> tuple[list[list], str]:
    """Classify many brain MRI slices at once and return a table and a CSV file.

    Research demo, not a medical device. Each slice gets the same verdict as on its own: ok, uncertain, refused
    (not a brain MRI slice, or blank) or unreadable, with the calibrated probability of every class.

    Args:
        files: Paths or URLs of up to 100 images (PNG, JPEG, WebP, TIFF, BMP) or DICOM (.dcm) files, one brain
            MRI slice each.

    Returns:
        A table (file, status, label, confidence, message) and a CSV file with one row per slice and one
        probability column per class.
    """
    from shared.batch import run_batch
    from shared.results import fresh_path

    from .batch_job import SliceTask

    paths = [p for p in (_path_of(f) for f in files or []) if p]
    if not paths:
        raise gr.Error("Please upload one or more slices first.")
    if len(paths) > MAX_BATCH_FILES:
        raise gr.Error(f"Please upload at most {MAX_BATCH_FILES} slices at once (the batch script has no limit).")
    items, seen = [], set()
    for path in paths:  # the table shows file names, never the server's folders
        name = base = Path(path).name
        n = 1
        while name in seen:
            n += 1
            name = f"{base} ({n})"
        seen.add(name)
        items.append({"path": name, "file": path})
    out = fresh_path(SPACE, "slices.csv", "batch_output")
    wait_until_warm()
    try:
        result = run_batch(
            SliceTask(out),
            items,
            workers=1,
            show_progress=False,
            on_progress=lambda done, total: progress(done / max(1, total), desc="Classifying slices"),
        )
    except Exception as exc:  # never show a stack trace; never log the user's content
        log.exception("batch classification failed: %s", type(exc).__name__)
        raise gr.Error(FAILED) from None
    table = [[row.get(c) for c in TABLE_COLUMNS] for row in result.rows]
    return table, str(out)

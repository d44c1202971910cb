"""The gradio adapters: what the Analyse button, the API and the MCP tool call.

The docstring of :func:`classify` becomes the API and MCP description. Every failure reaches the user as a
``gr.Error`` with a sentence they can act on; nothing about the user's file is logged.
"""

from __future__ import annotations

import logging

import gradio as gr

from . import SPACE
from .heatmap import write_overlay
from .imageio import InputError
from .predictor import NOTUMOR, SCOPE, Status
from .runtime import predict_file

log = logging.getLogger(SPACE)

NOTICE = (
    "**Research demo, not a medical device.** It has not been validated for clinical use and must not be "
    "used to diagnose, treat or rule out any disease. Always consult a qualified radiologist."
)
NO_FILE = "Please upload an image or a DICOM (.dcm) file first."
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
        show_heatmap: Also compute a Grad-CAM heatmap of where the model looked (not a tumour outline).

    Returns:
        The calibrated class probabilities (empty when refused), a short verdict in Markdown, the
        heatmap overlay image file (or None), and a details dictionary with status ("ok", "uncertain" or
        "refused"), label, probabilities, tumour probability and the input-check distance.
    """
    path = _path_of(file)
    if not path:
        raise gr.Error(NO_FILE)
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

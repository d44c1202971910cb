"""The API and MCP tools: what an agent or a script calls. Each returns one JSON text (an MCP client gets
it as is; a Python dict would reach it as a repr). The screen's events are in ``handlers``; these reuse them."""

from __future__ import annotations

import csv
import json

import gradio as gr

from . import handlers


def classify(file: str) -> str:
    """Classify one brain MRI slice into glioma, meningioma, pituitary tumour or no tumour.

    Research demo, not a medical device. Images that do not look like a brain MRI slice are refused.

    Args:
        file: URL (or base64 data URL) of one image (PNG, JPEG, WebP, TIFF, BMP; grayscale, RGB, RGBA or
            16-bit) or a DICOM (.dcm) file holding a single brain MRI slice.

    Returns:
        JSON: {"status": "ok" | "uncertain" | "refused", "label": the most likely class (null when refused),
        "probabilities": calibrated probability of each class, "tumor_probability", "input_check_ratio"
        (how far the image is from the MRI slices the model knows; above 1 is refused), "message"}.
    """
    *_, details = handlers.classify(file, show_heatmap=False)
    return json.dumps(details)


def classify_many(
    files: list[str] | None,
    progress: gr.Progress = gr.Progress(),  # noqa: B008  (Gradio's documented pattern)
) -> str:
    """Classify up to 100 brain MRI slices at once, each exactly as on its own.

    Research demo, not a medical device.

    Args:
        files: URLs (or base64 data URLs) of images (PNG, JPEG, WebP, TIFF, BMP) or DICOM (.dcm) files, one
            brain MRI slice each.

    Returns:
        JSON: {"slices": [{"path": file name, "status": "ok" | "uncertain" | "refused" | "unreadable",
        "label", "confidence", "message", "p_glioma", "p_meningioma", "p_notumor", "p_pituitary"}, ...]}
        in the order of the files.
    """
    _, csv_path = handlers.classify_many(files, progress)
    with open(csv_path, newline="", encoding="utf-8") as f:
        rows = [{k: _number(v) for k, v in row.items()} for row in csv.DictReader(f)]
    return json.dumps({"slices": rows})


def _number(cell: str) -> float | str | None:
    if cell == "":
        return None
    try:
        return float(cell)
    except ValueError:
        return cell

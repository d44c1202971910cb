"""The gradio adapters: what the Analyse button, the API and the MCP tool call.

The docstring of :func:`classify` becomes the API and MCP description. Every failure reaches the user as a
``gr.Error`` with a sentence they can act on; nothing about the user's file is logged.
"""

from __future__ import annotations

import html
import logging
from pathlib import Path

import gradio as gr

from . import SPACE
from .heatmap import write_overlay
from .imageio import InputError
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
GONE = "Your uploaded files were deleted after the last job, for privacy. Please upload them again."
NO_SLICES = "Please upload a zip of class folders (glioma, meningioma, pituitary, notumor) or the slice files first."


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
    return _answer(lambda: predict_file(path, heatmap=bool(show_heatmap)), show_heatmap)


def _answer(predict, show_heatmap: bool, scope: str | None = None) -> tuple[dict | None, str, str | None, dict]:
    """Run ``predict()`` and present its Prediction as the app does (probabilities, verdict, heatmap, details)."""
    from .predictor import LIKELY_TUMOUR, NOTUMOR, SCOPE, Status  # torch comes with it: not before the server answers

    scope = SCOPE if scope is None else scope
    try:
        pred = predict()
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
            if pred.label != NOTUMOR and pred.message.startswith(LIKELY_TUMOUR):
                title = f"Most likely: a tumour (its type uncertain; {pred.label} leads)"
        verdict = f"### {title}\n{pred.message}\n\n{scope}\n\n_{NOTICE}_"
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


# ---------------------------------------------------------------- "Adapt to your scanner"
ADAPTED_SCOPE = (
    'Answered by the model adapted to your slices in this session (see its report above). It says "no tumour" '
    'only for slices like the no-tumour slices it learned, yours included; other slices get "uncertain".'
)


def _paths(files) -> list[Path]:
    files = files if isinstance(files, list) else [files]
    paths = [Path(p) for p in (_path_of(f) for f in files) if p]
    if paths and not any(p.exists() for p in paths):
        raise gr.Error(GONE)
    return paths


def check_site_slices(files, progress=gr.Progress()):  # noqa: B008
    """Check an upload of labelled slices (a zip of class folders, or files) before adapting."""
    from .adaptation import service

    paths = _paths(files)
    if not paths:
        raise gr.Error(NO_SLICES)
    try:
        info = service.check(paths, progress=lambda f, m: progress(f, desc=m))
    except service.AdaptError as exc:
        raise gr.Error(str(exc)) from None
    counts = ", ".join(f"{c} {n}" for c, n in info["per_class"].items())
    warnings = "".join(f"\n- {html.escape(w)}" for w in info["warnings"]) or "\n- no problems found."
    summary = f"**{info['slices']} usable slices** ({counts}). Your uploaded files were deleted after the check; " \
        f"upload them again to adapt.\n\n**Checks**:{warnings}"  # fmt: skip
    return summary, None  # the upload box is emptied: its files are gone


def adapt_to_site(files, progress=gr.Progress()):  # noqa: B008
    """Adapt the model to this visitor's labelled slices (one job at a time; the slices are deleted after)."""
    from .adaptation import service

    paths = _paths(files)
    if not paths:
        raise gr.Error(NO_SLICES)
    progress(0.0, desc="Starting")
    try:
        folder, report = service.adapt(paths, progress=lambda f, m: progress(f, desc=m))
    except service.AdaptError as exc:
        raise gr.Error(str(exc)) from None
    except Exception as exc:  # never show a stack trace; never log the user's content
        log.exception("adaptation failed: %s", type(exc).__name__)
        raise gr.Error("Adaptation failed unexpectedly. Please try again.") from None
    markdown = service.report_markdown(report)
    if folder is None:
        return markdown, None, gr.DownloadButton(visible=False), None
    zipped = service.zip_folder(folder)
    return markdown, str(folder), gr.DownloadButton(value=str(zipped), visible=True), None


def try_adapted(file, model_dir, show_heatmap: bool = True):
    """Classify one slice with the model adapted in this session."""
    from .adaptation import service

    if not model_dir:
        raise gr.Error("Adapt the model first (the button above).")
    path = _path_of(file)
    if not path:
        raise gr.Error(NO_FILE)
    try:
        predictor = service.session_predictor(model_dir)
    except Exception:
        raise gr.Error("Your adapted model is no longer available (models are kept two hours). Adapt again.") from None
    return _answer(lambda: predictor.predict_file(path, heatmap=bool(show_heatmap)), show_heatmap, ADAPTED_SCOPE)

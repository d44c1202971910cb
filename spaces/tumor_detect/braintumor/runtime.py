"""The shipped predictor, once per process: loaded from the pinned files and warmed once the server answers.

Entry points: :func:`get_predictor` (what handlers and scripts call), :func:`predict_file` and
:func:`predict_grays` (every inference of the app and the batch job: on ZeroGPU they get the GPU),
:func:`warm_up` (everything a first request would otherwise pay for) and :func:`warm_in_background` (what
``build_demo()`` starts). Tests may put another predictor in its place with ``models.inject(SPACE, ...)``.

The network runs where ``shared.device.compute()`` says (cuda in float16 autocast on a GPU machine and on
ZeroGPU, else the CPU). ``predict_grays`` is decorated with ``@gpu`` at import, so a ZeroGPU Space finds a GPU
function at start-up; it runs in a forked worker there and returns CPU data (numpy arrays in Predictions).
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image

from shared import warmup as shared_warmup
from shared.device import compute, setup
from shared.gpu import gpu, on_zero_gpu
from shared.model_source import models, resolve

from . import SPACE
from .heatmap import write_overlay
from .imageio import load_gray, write_dicom
from .model_spec import MODEL_SPEC

if TYPE_CHECKING:  # torch comes with the predictor: imported when the model loads, after the server answers
    from .predictor import Prediction, Predictor

log = logging.getLogger(SPACE)


def model_folder() -> Path:
    """The folder to serve: an adapted model from ``$TUMOR_MODEL`` (checked against its own pins.json), else
    the released model (checked against the pins in model_spec.py)."""
    from .adaptation.folder import served_folder

    return served_folder() or resolve(MODEL_SPEC)


def load_predictor() -> Predictor:
    """Resolve the model folder (sha256 pins checked), load it and warm it up."""
    from .predictor import Predictor

    setup()
    t0 = time.perf_counter()
    predictor = Predictor.from_folder(model_folder(), device=compute().device)
    t1 = time.perf_counter()
    # On ZeroGPU the GPU exists only inside @gpu calls: no inference in the main process (a warm-up there would
    # also spend GPU quota at every start).
    warm_s = 0.0 if on_zero_gpu() else predictor.warm_up()
    log.info("%s: model loaded on %s in %.2f s, warmed up in %.2f s", SPACE, predictor.device, t1 - t0, warm_s)
    return predictor


@gpu(duration=60)
def predict_grays(grays: list[np.ndarray], heatmap: bool = False) -> list[Prediction]:
    """Predictions for grayscale slices, batched on the model's device; the result is CPU data."""
    return get_predictor().predict_arrays(list(grays), heatmap=heatmap)


def predict_file(path: str | Path, heatmap: bool = False) -> Prediction:
    """Read one file here (raises imageio.InputError), then predict it through :func:`predict_grays`."""
    return predict_grays([load_gray(path)], heatmap=heatmap)[0]


def get_predictor() -> Predictor:
    """The process-wide predictor; the first caller loads it, later callers (and those waiting) share it."""
    return models.get(SPACE, load_predictor)


def warm_up() -> Predictor:
    """Load and warm the predictor, then run a synthetic slice through the rest of a request once: the image
    and DICOM readers (pydicom is imported on first use) and writing the overlay file. (Gradio's own
    first-event work is done by ``shared.ui.with_limits``.)"""
    predictor = get_predictor()
    if on_zero_gpu():
        return predictor
    yy, xx = np.mgrid[0:160, 0:160]
    slice_ = (1000 * (np.hypot(yy - 80, xx - 80) < 60) + 50 * (xx % 7)).astype(np.uint16)
    with tempfile.TemporaryDirectory(prefix=f"{SPACE}-warm-") as tmp:
        png = Path(tmp) / "warm.png"
        Image.fromarray((slice_ // 4).astype(np.uint8)).save(png)
        predictor.predict_file(write_dicom(slice_, Path(tmp) / "warm.dcm"))
        pred = predictor.predict_file(png, heatmap=True)
    shutil.rmtree(write_overlay(pred.image, pred.heatmap).parent, ignore_errors=True)
    return predictor


def warm_in_background(warm: Callable[[], object] = warm_up) -> threading.Thread:
    """Run ``warm`` in a daemon thread, once per process (``shared.warmup``): the server answers at once, and
    a request that arrives earlier waits for it (``handlers`` call :func:`wait_until_warm`)."""
    return shared_warmup.warm_in_background(SPACE, warm)


def wait_until_warm() -> None:
    shared_warmup.wait_until_warm(SPACE)

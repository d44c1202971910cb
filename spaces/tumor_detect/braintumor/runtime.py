"""The shipped predictor, once per process: loaded from the pinned files and warmed while the server starts.

Entry points: :func:`get_predictor` (what handlers and scripts call), :func:`warm_in_background` (what
``build_demo()`` calls). Tests may put another predictor in its place with ``models.inject(SPACE, ...)``.
"""

from __future__ import annotations

import logging
import threading
import time

from shared.device import setup
from shared.model_source import models, resolve

from . import SPACE
from .model_spec import MODEL_SPEC
from .predictor import Predictor

log = logging.getLogger(SPACE)

_warm_lock = threading.Lock()
_warm_thread: threading.Thread | None = None


def load_predictor() -> Predictor:
    """Resolve the model folder (sha256 pins checked), load it and warm it up."""
    setup()
    t0 = time.perf_counter()
    predictor = Predictor.from_folder(resolve(MODEL_SPEC))
    t1 = time.perf_counter()
    warm_s = predictor.warm_up()
    log.info("%s: model loaded in %.2f s, warmed up in %.2f s", SPACE, t1 - t0, warm_s)
    return predictor


def get_predictor() -> Predictor:
    """The process-wide predictor; the first caller loads it, later callers (and those waiting) share it."""
    return models.get(SPACE, load_predictor)


def _warm() -> None:
    try:
        get_predictor()
    except Exception as exc:  # the first request reports it to the user; the server must still start
        log.error("%s: loading the model at start failed: %s", SPACE, exc)


def warm_in_background() -> threading.Thread:
    """Load and warm the predictor in a daemon thread (once per process), so the page comes up as fast as
    before and the model is ready by the time a visitor sends a slice. A request that arrives earlier waits
    for the same load instead of starting a second one."""
    global _warm_thread
    with _warm_lock:
        if _warm_thread is None:
            _warm_thread = threading.Thread(target=_warm, name=f"{SPACE}-warm-up", daemon=True)
            _warm_thread.start()
        return _warm_thread

"""Serve first, warm in the background: a Space's one-time start-up work (loading and running its model
once) runs in a thread once the server answers, and a request that arrives before it is done waits for it
instead of failing or paying for a second load.

    warm_in_background(SPACE, warm_up)   # at import of app.py: registered, held until serving starts
    serving_started()                    # by whatever serves (shared.ui.serve, the launcher)
    wait_until_warm(SPACE)               # at the top of every event function that needs the model

Why held: on 2 vCPUs a warm-up that runs while gradio imports and the page is built competes with them for
the cores and the GIL, and the server's first HTTP 200 comes later by that much. A warm-up starts at the
first of: serving started, a request that needs it, or START_ANYWAY_S after it was registered (a process
that imports app.py and never serves).
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
from collections.abc import Callable

log = logging.getLogger(__name__)

WAIT_LIMIT_S = 300.0  # a warm-up that hangs must not hold requests forever; they then load what they need
START_ANYWAY_S = 15.0

_lock = threading.Lock()
_threads: dict[str, threading.Thread] = {}
_go = threading.Event()  # serving started, a request needs a model, or the process is ending
_exiting = threading.Event()


@atexit.register
def _join_before_exit() -> None:
    """A process that ends during its warm-up (a script that only imports app.py, Ctrl-C in the first seconds)
    would finalise while the daemon thread is inside torch or ONNX Runtime, and a native runtime can then abort
    ("terminate called without an active exception"): let a running warm-up finish first, bounded."""
    _exiting.set()  # a warm-up that has not started yet never will
    _go.set()
    for thread in list(_threads.values()):
        thread.join(WAIT_LIMIT_S)


def _run(name: str, warm: Callable[[], object]) -> None:
    _go.wait(START_ANYWAY_S)
    if _exiting.is_set():
        return
    t0 = time.perf_counter()
    try:
        warm()
    except Exception as exc:  # the first request reports it to the user; the server must still start
        log.error("%s: warming up at start failed: %s", name, exc)
    else:
        log.info("%s: ready %.2f s after the start of warm-up", name, time.perf_counter() - t0)


def warm_in_background(name: str, warm: Callable[[], object]) -> threading.Thread:
    """Run ``warm`` once per process for ``name``, in a daemon thread that starts once serving has started
    (:func:`serving_started`); later calls return the same thread."""
    with _lock:
        if name not in _threads:
            _threads[name] = threading.Thread(target=_run, args=(name, warm), name=f"{name}-warm-up", daemon=True)
            _threads[name].start()
        return _threads[name]


def serving_started() -> None:
    """The server answers HTTP: start the registered warm-ups now."""
    _go.set()


def wait_until_warm(name: str, timeout: float = WAIT_LIMIT_S) -> None:
    """Block until ``name``'s warm-up has finished (at once if it never started, or from the warm-up itself);
    a request that needs the model starts a warm-up still held."""
    _go.set()
    thread = _threads.get(name)
    if thread is not None and thread is not threading.current_thread():
        thread.join(timeout)


def is_warm(name: str) -> bool:
    thread = _threads.get(name)
    return thread is None or not thread.is_alive()

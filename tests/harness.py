"""Helpers every Space's tests use: paths, app loading, a live server."""

from __future__ import annotations

import contextlib
import importlib.util
import os
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from collection import SPACE_NAMES  # noqa: F401  (one list of Spaces, re-exported for the tests)

ROOT = Path(__file__).resolve().parents[1]
SPACES = ROOT / "spaces"

_tmp = Path(tempfile.mkdtemp(prefix="gradio-tests-"))
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("GRADIO_TEMP_DIR", str(_tmp / "tmp"))
os.environ.setdefault("GRADIO_EXAMPLES_CACHE", str(_tmp / "examples-cache"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")


def load_app(name: str):
    """Import ``spaces/<name>/app.py`` under a unique module name (all three are app.py)."""
    module_name = f"{name}_app"
    if module_name in sys.modules:
        return sys.modules[module_name]
    spec = importlib.util.spec_from_file_location(module_name, SPACES / name / "app.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


def wait_for_http(url: str, timeout: float = 60.0) -> None:
    """'Running on local URL' prints before the server answers, so poll."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as resp:
                if resp.status == 200:
                    return
        except Exception:
            if time.monotonic() > deadline:
                raise
        time.sleep(0.3)


@contextlib.contextmanager
def launched(demo) -> Iterator[str]:
    """Serve a Blocks on a free local port for the duration of the block; yields its URL."""
    from shared.ui import launch_kwargs

    kwargs = launch_kwargs(demo)  # the Space's own upload cap, as served
    kwargs.pop("show_error", None)
    _, url, _ = demo.launch(prevent_thread_lock=True, quiet=True, show_error=True, **kwargs)
    try:
        wait_for_http(url)
        yield url
    finally:
        demo.close()

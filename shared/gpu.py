"""A GPU decorator that is ``spaces.GPU`` on ZeroGPU hardware and a no-op elsewhere.

Import this module before torch: ZeroGPU refuses to start once CUDA was initialised
before the ``spaces`` package was imported.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

try:  # present on Hugging Face Spaces, absent on a laptop or in CI
    import spaces as _spaces
except ImportError:  # pragma: no cover - depends on the machine
    _spaces = None
if not hasattr(_spaces, "GPU"):  # the monorepo's own spaces/ folder can shadow the package
    _spaces = None


def on_zero_gpu() -> bool:
    """True when running on ZeroGPU hardware (``spaces`` sets SPACES_ZERO_GPU there)."""
    import os

    return _spaces is not None and os.environ.get("SPACES_ZERO_GPU", "").lower() in {"1", "true"}


def gpu(fn: Callable | None = None, **kwargs: Any) -> Any:
    """Use as ``@gpu`` or ``@gpu(duration=30)``.

    On ZeroGPU the wrapped function runs in a forked worker: it must return CPU data.
    """
    if _spaces is not None:
        return _spaces.GPU(fn, **kwargs) if callable(fn) else _spaces.GPU(**kwargs)
    if callable(fn):
        return fn
    return lambda f: f

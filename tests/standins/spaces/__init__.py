"""A stand-in for Hugging Face's ``spaces`` package (ZeroGPU) that records what is decorated.

Put ``tests/standins`` first on the path (a subprocess's PYTHONPATH) with ``SPACES_ZERO_GPU=1``: ``shared.gpu``
then takes this module for the real one, and ``REGISTERED`` lists every function a Space decorated at import,
which is what ZeroGPU checks at start-up ("No @spaces.GPU function detected during startup")."""

from __future__ import annotations

import functools

REGISTERED: list[dict] = []


def GPU(fn=None, **kwargs):  # noqa: N802  (the real package's name)
    def register(f):
        REGISTERED.append({"name": f"{f.__module__}.{f.__qualname__}", **kwargs})

        @functools.wraps(f)
        def wrapper(*args, **kw):
            return f(*args, **kw)

        wrapper.zero_gpu = kwargs  # what ZeroGPU would be asked for
        return wrapper

    return register(fn) if callable(fn) else register

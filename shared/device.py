"""Device, dtype and CPU-thread choices, made once and logged at startup.

torch is imported inside the functions so that Spaces without torch can still use
``shared``.
"""

from __future__ import annotations

import logging
import os
import sys

log = logging.getLogger(__name__)


def configure_cpu_threads(threads: int | None = None) -> int:
    """Pin intra-op threads so latency stays predictable on a shared 2-vCPU machine.

    Two threads collapse to hundreds of ms under contention; one thread per request is
    steadier. ``OMP_NUM_THREADS`` wins when the operator sets it. Applies to numpy's BLAS through
    threadpoolctl (when installed) and to torch if it is loaded: a Space that runs in numpy must not pay
    for importing torch here.
    """
    if threads is None:
        threads = int(os.environ.get("OMP_NUM_THREADS", "1") or 1)
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        pass
    else:
        threadpool_limits(limits=threads, user_api="blas")
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_num_threads(threads)
    return threads


def pick_device() -> str:
    """cuda, then mps, then cpu."""
    import torch

    if torch.cuda.is_available():
        return "cuda"
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return "mps"
    return "cpu"


def pick_dtype(device: str):
    """bf16 (or fp16) on a GPU, fp32 on the CPU where half precision is slower."""
    import torch

    if device == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    if device == "mps":
        return torch.float16
    return torch.float32


def describe(device: str, dtype: object, threads: int) -> str:
    return f"device={device} dtype={str(dtype).replace('torch.', '')} cpu_threads={threads}"


def setup(threads: int | None = None) -> tuple[str, object]:
    """Choose device and dtype, set CPU threads, log the choice; returns (device, dtype)."""
    import torch  # noqa: F401  (loaded first, so configure_cpu_threads sets its threads)

    n = configure_cpu_threads(threads)
    device = pick_device()
    dtype = pick_dtype(device)
    log.info("compute: %s", describe(device, dtype, n))
    return device, dtype

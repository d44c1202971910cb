"""Device, dtype and CPU-thread choices, made once and logged at startup.

torch and onnxruntime are imported inside the functions so that Spaces without them can still use
``shared``. ``compute()`` is the one place a model asks where to run: the choice is made once per
process (cuda, then mps, then cpu; ``$COMPUTE_DEVICE`` overrides it) and every model reads it.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
import threading
from dataclasses import dataclass

log = logging.getLogger(__name__)

DEVICE_ENV = "COMPUTE_DEVICE"  # "cpu", "cuda" or "mps": force a device (gpu_check runs both ways)
DEVICES = ("cuda", "mps", "cpu")


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


def _forced_device() -> str | None:
    value = os.environ.get(DEVICE_ENV, "").strip().lower()
    if not value:
        return None
    if value not in DEVICES:
        raise ValueError(f"${DEVICE_ENV}={value!r}: use one of {', '.join(DEVICES)}")
    return value


def pick_device() -> str:
    """$COMPUTE_DEVICE if set, else cuda, then mps, then cpu."""
    forced = _forced_device()
    if forced:
        return forced
    from .gpu import on_zero_gpu

    if on_zero_gpu():  # the GPU is attached per call there; models are moved to cuda at load all the same
        return "cuda"
    import torch

    if torch.cuda.is_available():
        return "cuda"
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return "mps"
    return "cpu"


def pick_dtype(device: str):
    """fp16 on a GPU, fp32 on the CPU where half precision is slower.

    fp16 rather than bf16: these are inference-only models with normalised activations, where fp16's three
    extra mantissa bits keep the probabilities closer to fp32's; bf16's wider range matters for training."""
    import torch

    if device in ("cuda", "mps"):
        return torch.float16
    return torch.float32


def describe(device: str, dtype: object, threads: int) -> str:
    return f"device={device} dtype={str(dtype).replace('torch.', '')} cpu_threads={threads}"


@dataclass(frozen=True)
class Compute:
    """Where torch models run. ``half`` is the reduced-precision dtype a model may use for the layers where
    it is safe (convolutions, matrix products); ``float32`` on the CPU, where half precision is slower."""

    device: str
    half: object  # a torch dtype
    threads: int

    @property
    def on_gpu(self) -> bool:
        return self.device in ("cuda", "mps")

    def dtype(self, half_safe: bool = True) -> object:
        """The dtype for a model: ``half`` when the model tolerates it, else float32."""
        import torch

        return self.half if half_safe else torch.float32

    def __str__(self) -> str:
        return describe(self.device, self.half, self.threads)


_lock = threading.Lock()
_compute: Compute | None = None


def setup(threads: int | None = None) -> tuple[str, object]:
    """Choose device and dtype, set CPU threads, log the choice; returns (device, dtype). The choice becomes
    the process-wide one that :func:`compute` returns (a Space calls this once, at load)."""
    global _compute
    import torch  # noqa: F401  (loaded first, so configure_cpu_threads sets its threads)

    n = configure_cpu_threads(threads)
    device = pick_device()
    choice = Compute(device, pick_dtype(device), n)
    log.info("compute: %s", choice)
    with _lock:
        _compute = choice
    return choice.device, choice.half


def compute() -> Compute:
    """The process-wide choice: made (and logged) by the first call, or by :func:`setup`; then fixed."""
    with _lock:
        choice = _compute
    if choice is None:
        setup()
        with _lock:
            choice = _compute
    return choice  # type: ignore[return-value]


def reset() -> None:
    """Forget the choice (tests, or a script that changes $COMPUTE_DEVICE between runs)."""
    global _compute
    with _lock:
        _compute = None


def nvidia_driver_present() -> bool:
    """A cheap look for an NVIDIA driver (no torch import): Spaces that run without torch on the CPU, like
    bank_bot, must not pay ~1.5 s and ~250 MB for importing torch only to learn that there is no GPU."""
    return os.path.exists("/proc/driver/nvidia/version") or shutil.which("nvidia-smi") is not None


def cuda_available() -> bool:
    """True when torch is installed and sees a CUDA device (and $COMPUTE_DEVICE does not say otherwise).
    Imports torch only when an NVIDIA driver is there, and never initialises CUDA (safe before a ZeroGPU fork);
    on ZeroGPU it is True (the GPU is attached inside @gpu calls)."""
    forced = _forced_device()
    if forced:
        return forced == "cuda"
    from .gpu import on_zero_gpu

    if on_zero_gpu():
        return True
    if not nvidia_driver_present():
        return False
    try:
        import torch
    except ImportError:
        return False
    return bool(torch.cuda.is_available())


# ---------------------------------------------------------------------------------------------- ONNX Runtime
CUDA_PROVIDER = "CUDAExecutionProvider"
CPU_PROVIDER = "CPUExecutionProvider"


def ort_providers(available: list[str] | None = None) -> list[str]:
    """ONNX Runtime execution providers, best first: CUDA when the ``onnxruntime-gpu`` build is installed
    (and $COMPUTE_DEVICE is not "cpu"), always with the CPU provider as the fallback.

    The CUDA build lists its provider even on a machine without a GPU; ONNX Runtime then falls back to the
    CPU by itself, so ask the session which one it got (:func:`ort_provider_of`)."""
    if available is None:
        import onnxruntime as ort

        available = list(ort.get_available_providers())
    forced = _forced_device()
    if CUDA_PROVIDER in available and forced in (None, "cuda"):
        return [CUDA_PROVIDER, CPU_PROVIDER]
    return [CPU_PROVIDER]


def ort_provider_of(session) -> str:
    """The provider an ``InferenceSession`` really runs on (its first one)."""
    providers = session.get_providers()
    return providers[0] if providers else CPU_PROVIDER


def ort_device_name(provider: str) -> str:
    """ "cuda" or "cpu", for logs and reports."""
    return "cuda" if provider == CUDA_PROVIDER else "cpu"

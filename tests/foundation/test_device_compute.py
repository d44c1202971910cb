"""shared.device: one device/dtype choice per process (with a patched torch, as on a GPU machine), the ONNX
Runtime providers, and the ZeroGPU stand-in package that records decorated functions."""

from __future__ import annotations

import subprocess
import sys
import types

import pytest

from harness import ROOT, run_with_standin
from shared import device


@pytest.fixture
def fresh(monkeypatch):
    monkeypatch.delenv(device.DEVICE_ENV, raising=False)
    device.reset()
    yield device
    device.reset()


def patch_cuda(monkeypatch, available: bool):
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: available)


def test_cuda_is_chosen_with_half_precision(fresh, monkeypatch):
    import torch

    patch_cuda(monkeypatch, True)
    monkeypatch.setattr(device, "nvidia_driver_present", lambda: True)
    c = fresh.compute()
    assert (c.device, c.half, c.on_gpu) == ("cuda", torch.float16, True)
    assert c.dtype(half_safe=True) == torch.float16 and c.dtype(half_safe=False) == torch.float32
    assert str(c).startswith("device=cuda dtype=float16")
    assert fresh.cuda_available()


def test_the_choice_is_made_once(fresh, monkeypatch):
    patch_cuda(monkeypatch, False)
    first = fresh.compute()
    patch_cuda(monkeypatch, True)  # a later change does not move models that already loaded
    assert fresh.compute() is first and first.device in ("cpu", "mps")


def test_cpu_without_a_gpu_and_the_override(fresh, monkeypatch):
    import torch

    patch_cuda(monkeypatch, True)
    monkeypatch.setenv(device.DEVICE_ENV, "cpu")
    c = fresh.compute()
    assert (c.device, c.half, c.on_gpu) == ("cpu", torch.float32, False)
    assert not fresh.cuda_available()
    monkeypatch.setenv(device.DEVICE_ENV, "tpu")
    with pytest.raises(ValueError, match="COMPUTE_DEVICE"):
        fresh.pick_device()


def test_mps_when_no_cuda(fresh, monkeypatch):
    import torch

    patch_cuda(monkeypatch, False)
    monkeypatch.setattr(torch.backends, "mps", types.SimpleNamespace(is_available=lambda: True))
    c = fresh.compute()
    assert (c.device, c.half) == ("mps", torch.float16)


def test_no_torch_import_without_an_nvidia_driver(fresh, monkeypatch):
    monkeypatch.setattr(device, "nvidia_driver_present", lambda: False)
    monkeypatch.setitem(sys.modules, "torch", None)  # `import torch` would fail: it must not be tried
    assert fresh.cuda_available() is False


def test_zero_gpu_means_cuda_without_touching_cuda(fresh, monkeypatch):
    import torch

    import shared.gpu

    def no_cuda_yet():
        raise AssertionError("CUDA must not be queried in ZeroGPU's main process")

    monkeypatch.setattr(shared.gpu, "on_zero_gpu", lambda: True)
    monkeypatch.setattr(torch.cuda, "is_available", no_cuda_yet)
    assert fresh.pick_device() == "cuda" and fresh.cuda_available()


def test_ort_providers():
    cuda, cpu = device.CUDA_PROVIDER, device.CPU_PROVIDER
    assert device.ort_providers([cpu]) == [cpu]
    assert device.ort_providers(["TensorrtExecutionProvider", cuda, cpu]) == [cuda, cpu]
    assert device.ort_device_name(cuda) == "cuda" and device.ort_device_name(cpu) == "cpu"
    session = types.SimpleNamespace(get_providers=lambda: [cuda, cpu])
    assert device.ort_provider_of(session) == cuda


def test_ort_providers_on_this_machine_and_the_cpu_override(monkeypatch):
    import onnxruntime as ort

    got = device.ort_providers()
    assert got[-1] == device.CPU_PROVIDER
    assert (device.CUDA_PROVIDER in got) == (device.CUDA_PROVIDER in ort.get_available_providers())
    monkeypatch.setenv(device.DEVICE_ENV, "cpu")
    assert device.ort_providers([device.CUDA_PROVIDER, device.CPU_PROVIDER]) == [device.CPU_PROVIDER]


def test_standin_records_what_shared_gpu_decorates():
    got = run_with_standin(
        "import json, spaces\n"
        "from shared.gpu import gpu, on_zero_gpu\n"
        "@gpu\n"
        "def a(x): return x + 1\n"
        "@gpu(duration=30)\n"
        "def b(): return 2\n"
        "print(json.dumps({'zero': on_zero_gpu(), 'a': a(1), 'b': b(), 'registered': spaces.REGISTERED}))",
        timeout=120,
    )
    assert got["zero"] is True and got["a"] == 2 and got["b"] == 2
    assert got["registered"] == [{"name": "__main__.a"}, {"name": "__main__.b", "duration": 30}]


def test_gpu_check_says_no_cuda_and_exits_0():
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA: run scripts/gpu_check.py itself")
    out = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gpu_check.py")], capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0 and out.stdout.startswith("no CUDA")

"""The GPU decorator shim and the device/dtype/thread choices."""

from __future__ import annotations

import importlib
import logging
import sys
import types

import pytest


@pytest.fixture
def gpu_module():
    import shared.gpu

    yield shared.gpu
    importlib.reload(shared.gpu)  # back to the machine's real state


def test_gpu_is_a_no_op_without_spaces(gpu_module, monkeypatch):
    monkeypatch.setitem(sys.modules, "spaces", None)  # makes `import spaces` fail
    gpu = importlib.reload(gpu_module).gpu

    def f(x):
        return x + 1

    assert gpu(f) is f
    assert gpu(duration=30)(f) is f
    assert gpu()(f) is f


def test_gpu_delegates_to_spaces_when_present(gpu_module, monkeypatch):
    calls = []

    def fake_gpu(task=None, **kwargs):
        calls.append((task, kwargs))
        return task if callable(task) else (lambda f: f)

    monkeypatch.setitem(sys.modules, "spaces", types.SimpleNamespace(GPU=fake_gpu))
    gpu = importlib.reload(gpu_module).gpu

    def f():
        return 1

    gpu(f)
    gpu(duration=20)(f)
    assert calls == [(f, {}), (None, {"duration": 20})]


def test_shared_package_does_not_import_torch():
    code = "import sys, shared, shared.gpu, shared.model_source; print('torch' in sys.modules)"
    import subprocess

    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_cpu_choice_threads_and_log(caplog, monkeypatch):
    import torch

    from shared import device

    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    before = torch.get_num_threads()
    try:
        with caplog.at_level(logging.INFO, logger="shared.device"):
            dev, dtype = device.setup()
        assert dev == "cpu" and dtype == torch.float32
        assert torch.get_num_threads() == 1
        assert "device=cpu dtype=float32 cpu_threads=1" in caplog.text
        monkeypatch.setenv("OMP_NUM_THREADS", "2")
        assert device.configure_cpu_threads() == 2 and torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)


def test_numpy_blas_threads_follow_the_setting(monkeypatch):
    """Spaces that run their model in numpy (bank_bot) get the same one-thread policy as torch."""
    import numpy  # noqa: F401  (loads the BLAS that threadpoolctl sees)
    from threadpoolctl import threadpool_info, threadpool_limits

    from shared import device

    with threadpool_limits(limits=None):  # restores the previous limits afterwards
        monkeypatch.setenv("OMP_NUM_THREADS", "1")
        device.configure_cpu_threads()
        blas = [p for p in threadpool_info() if p["user_api"] == "blas"]
        assert blas and all(p["num_threads"] == 1 for p in blas)


def test_gpu_dtypes():
    import torch

    from shared.device import pick_dtype

    assert pick_dtype("mps") == torch.float16
    assert pick_dtype("cpu") == torch.float32


def test_repository_spaces_folder_does_not_pass_for_the_package(gpu_module, monkeypatch):
    """From the repo root, `import spaces` finds our spaces/ folder (a namespace package without GPU)."""
    monkeypatch.setitem(sys.modules, "spaces", types.ModuleType("spaces"))
    gpu = importlib.reload(gpu_module).gpu

    def f():
        return 1

    assert gpu(f) is f and gpu(duration=5)(f) is f

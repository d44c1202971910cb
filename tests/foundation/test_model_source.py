"""Model source resolution: override > shipped files > Hub, with sha256 pins enforced."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from shared.model_source import ModelCache, ModelSourceError, ModelSpec, resolve, verify_pinned


def _folder(tmp_path: Path, name: str, payload: bytes) -> tuple[Path, str]:
    folder = tmp_path / name
    folder.mkdir()
    (folder / "model.safetensors").write_bytes(payload)
    return folder, hashlib.sha256(payload).hexdigest()


def test_shipped_folder_is_used_and_verified(tmp_path, monkeypatch):
    monkeypatch.delenv("TEST_MODEL", raising=False)
    folder, digest = _folder(tmp_path, "shipped", b"weights")
    spec = ModelSpec("t", "TEST_MODEL", local_candidates=(folder,), pinned={"model.safetensors": digest})
    assert resolve(spec) == folder


def test_changed_weights_are_refused(tmp_path, monkeypatch):
    monkeypatch.delenv("TEST_MODEL", raising=False)
    folder, _ = _folder(tmp_path, "shipped", b"weights")
    spec = ModelSpec("t", "TEST_MODEL", local_candidates=(folder,), pinned={"model.safetensors": "0" * 64})
    with pytest.raises(ModelSourceError, match="sha256"):
        resolve(spec)


def test_candidates_in_order_and_missing_ones_skipped(tmp_path, monkeypatch):
    monkeypatch.delenv("TEST_MODEL", raising=False)
    first, digest = _folder(tmp_path, "wheel", b"w")

    def absent_wheel() -> Path:
        raise ImportError("wheel not installed")

    spec = ModelSpec(
        "t",
        "TEST_MODEL",
        local_candidates=(absent_wheel, tmp_path / "nowhere", lambda: first),
        pinned={"model.safetensors": digest},
    )
    assert resolve(spec) == first


def test_environment_override_wins(tmp_path, monkeypatch):
    shipped, digest = _folder(tmp_path, "shipped", b"a")
    override, _ = _folder(tmp_path, "mine", b"b")
    monkeypatch.setenv("TEST_MODEL", str(override))
    spec = ModelSpec("t", "TEST_MODEL", local_candidates=(shipped,), pinned={"model.safetensors": digest})
    assert resolve(spec) == override


def test_override_missing_required_file(tmp_path, monkeypatch):
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("TEST_MODEL", str(empty))
    spec = ModelSpec("t", "TEST_MODEL", required_files=("model.safetensors",))
    with pytest.raises(ModelSourceError, match="lacks"):
        resolve(spec)


def test_hub_is_last_and_offline_mode_is_respected(tmp_path, monkeypatch):
    monkeypatch.delenv("TEST_MODEL", raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "empty-cache"))
    spec = ModelSpec("t", "TEST_MODEL", hub_id="someone/not-cached", required_files=("model.safetensors",))
    with pytest.raises(ModelSourceError, match="HF_HUB_OFFLINE"):
        resolve(spec)


def test_hub_download_fetches_only_the_needed_files(tmp_path, monkeypatch):
    """Model repos often carry ONNX/OpenVINO/TF copies too: only the pinned and required files (plus small
    configs) are fetched, at the pinned revision, and then verified."""
    import hashlib

    import huggingface_hub

    calls = []

    def fake_snapshot_download(repo_id, **kwargs):
        calls.append((repo_id, kwargs))
        if not calls[1:]:  # the first call "downloads"; later calls find the (tampered) cache
            (tmp_path / "model.safetensors").write_bytes(b"weights")
            (tmp_path / "tokenizer.json").write_text("{}")
        return str(tmp_path)

    monkeypatch.setattr(huggingface_hub, "snapshot_download", fake_snapshot_download)
    monkeypatch.delenv("TEST_MODEL", raising=False)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    pin = hashlib.sha256(b"weights").hexdigest()
    spec = ModelSpec(
        "t",
        "TEST_MODEL",
        hub_id="someone/model",
        revision="abc123",
        pinned={"model.safetensors": pin},
        required_files=("tokenizer.json",),
    )
    assert resolve(spec) == tmp_path
    ((repo_id, kwargs),) = calls
    assert repo_id == "someone/model" and kwargs["revision"] == "abc123"
    assert set(kwargs["allow_patterns"]) == {"tokenizer.json", "model.safetensors", "*.json", "*.txt"}
    (tmp_path / "model.safetensors").write_bytes(b"tampered")
    with pytest.raises(ModelSourceError):
        resolve(spec)


def test_no_source_at_all_says_which_variable_to_set(monkeypatch):
    monkeypatch.delenv("TEST_MODEL", raising=False)
    with pytest.raises(ModelSourceError, match=r"\$TEST_MODEL"):
        resolve(ModelSpec("t", "TEST_MODEL", required_files=("x",)))


def test_verify_pinned_reports_missing_file(tmp_path):
    with pytest.raises(ModelSourceError, match="missing"):
        verify_pinned(tmp_path, {"model.safetensors": "0" * 64})


def test_cache_loads_once_and_accepts_an_injected_model():
    cache = ModelCache()
    calls = []
    assert cache.get("m", lambda: calls.append(1) or "real") == "real"
    assert cache.get("m", lambda: calls.append(1) or "again") == "real"
    assert calls == [1]
    cache.inject("m", "tiny")
    assert cache.get("m", lambda: "real") == "tiny"
    cache.clear("m")
    assert cache.get("m", lambda: "fresh") == "fresh"


def test_a_loader_may_load_a_sub_model_from_the_same_cache():
    cache = ModelCache()
    assert cache.get("outer", lambda: ("outer", cache.get("inner", lambda: "inner"))) == ("outer", "inner")


def test_write_pins_rewrites_only_the_pins_block(tmp_path):
    from shared.model_source import PINS_BEGIN, PINS_END, sha256_of, write_pins

    (tmp_path / "w.bin").write_bytes(b"weights")
    module = tmp_path / "model_spec.py"
    module.write_text(f'"""Spec."""\n\n{PINS_BEGIN}\nPINS = {{"old": "00"}}\n{PINS_END}\n\nMODEL = 1\n')
    pins = write_pins(module, tmp_path, ["w.bin"])
    assert pins == {"w.bin": sha256_of(tmp_path / "w.bin")}
    namespace: dict = {}
    exec(module.read_text(), namespace)  # the file stays valid Python with the new pins
    assert namespace["PINS"] == pins and namespace["MODEL"] == 1

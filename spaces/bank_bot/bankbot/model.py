"""The intent model: MiniLM sentence vectors (top layers fine-tuned) and a trained linear head (safetensors)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from shared.model_source import ModelSpec, models, resolve

from . import SPACE_DIR
from .pins import DELTA_FILE, DELTA_SHA256, HEAD_FILE, HEAD_SHA256

MODEL_KEY = "bank_bot.intent_model"

_PINS = {HEAD_FILE: HEAD_SHA256} | ({DELTA_FILE: DELTA_SHA256} if DELTA_SHA256 else {})
HEAD_SPEC = ModelSpec(
    name="bank_bot intent head and encoder delta",
    env_var="BANK_BOT_HEAD",
    local_candidates=(SPACE_DIR / "model",),
    pinned=_PINS,
    required_files=tuple(_PINS),
)


def shipped_delta() -> dict[str, np.ndarray] | None:
    """The fine-tuned encoder layers shipped with the Space (sha256-pinned), or None if not trained."""
    if not DELTA_SHA256:
        return None
    from .encoder import load_tensors

    return load_tensors(resolve(HEAD_SPEC) / DELTA_FILE)


def save_head(path: Path, weight: np.ndarray, bias: np.ndarray, labels: list[str], info: dict) -> None:
    """A linear layer plus its label list (in the safetensors metadata, so one file, one pin)."""
    from safetensors.numpy import save_file

    meta = {"labels": json.dumps(labels), "info": json.dumps(info, sort_keys=True)}
    save_file(
        {"weight": np.ascontiguousarray(weight, dtype=np.float32), "bias": np.ascontiguousarray(bias, np.float32)},
        str(path),
        metadata=meta,
    )


def save_delta(path: Path, delta: dict[str, np.ndarray]) -> None:
    """The fine-tuned encoder tensors minus the original ones (float16); an empty delta removes the file."""
    from safetensors.numpy import save_file

    if not delta:
        path.unlink(missing_ok=True)
        return
    save_file({k: np.ascontiguousarray(v, dtype=np.float16) for k, v in sorted(delta.items())}, str(path))


def load_head(path: Path) -> tuple[np.ndarray, np.ndarray, list[str], dict]:
    from safetensors import safe_open

    with safe_open(str(path), framework="numpy") as fh:
        meta = fh.metadata() or {}
        weight, bias = fh.get_tensor("weight"), fh.get_tensor("bias")
    labels = json.loads(meta["labels"])
    if weight.shape != (len(labels), weight.shape[1]) or bias.shape != (len(labels),):
        raise ValueError(f"{path}: weight/bias shapes do not match {len(labels)} labels")
    return weight, bias, labels, json.loads(meta.get("info", "{}"))


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


class IntentModel:
    """Anything with ``labels`` and ``predict_proba(texts) -> (n, len(labels))`` can stand in (tests)."""

    def __init__(self, encoder, weight: np.ndarray, bias: np.ndarray, labels: list[str], info: dict | None = None):
        self.encoder = encoder
        self.weight, self.bias, self.labels = weight, bias, list(labels)
        self.info = info or {}

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        return self.proba_from_vectors(self.encoder.encode(texts))

    def proba_from_vectors(self, vectors: np.ndarray) -> np.ndarray:
        return softmax(vectors @ self.weight.T + self.bias)


def load_intent_model(head_dir: Path | None = None) -> IntentModel:
    """The shipped encoder delta and head (sha256-pinned), or another training run's ``head_dir`` (unpinned:
    its head, plus its encoder delta when the folder has one)."""
    from shared.device import configure_cpu_threads

    from .encoder import load_encoder, load_encoder_with

    configure_cpu_threads()  # one BLAS thread unless OMP_NUM_THREADS says otherwise: steadier on a shared CPU
    if head_dir is None:
        folder, encoder = resolve(HEAD_SPEC), load_encoder()
    else:
        folder = Path(head_dir)
        delta = folder / DELTA_FILE
        encoder = load_encoder_with(delta if delta.is_file() else None)
    weight, bias, labels, info = load_head(folder / HEAD_FILE)
    return IntentModel(encoder, weight, bias, labels, info)


def get_model(head_dir: Path | None = None) -> IntentModel:
    """The process-wide model, loaded once (``head_dir``: see load_intent_model)."""
    return models.get(MODEL_KEY, lambda: load_intent_model(head_dir))

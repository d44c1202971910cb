"""The intent model: frozen MiniLM sentence vectors and a trained linear head (safetensors)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from shared.model_source import ModelSpec, models, resolve

from . import SPACE_DIR
from .pins import HEAD_FILE, HEAD_SHA256

MODEL_KEY = "bank_bot.intent_model"

HEAD_SPEC = ModelSpec(
    name="bank_bot intent head",
    env_var="BANK_BOT_HEAD",
    local_candidates=(SPACE_DIR / "model",),
    pinned={HEAD_FILE: HEAD_SHA256},
    required_files=(HEAD_FILE,),
)


def save_head(path: Path, weight: np.ndarray, bias: np.ndarray, labels: list[str], info: dict) -> None:
    """A linear layer plus its label list (in the safetensors metadata, so one file, one pin)."""
    from safetensors.numpy import save_file

    meta = {"labels": json.dumps(labels), "info": json.dumps(info, sort_keys=True)}
    save_file(
        {"weight": np.ascontiguousarray(weight, dtype=np.float32), "bias": np.ascontiguousarray(bias, np.float32)},
        str(path),
        metadata=meta,
    )


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


def load_intent_model(head_dir: Path | None = None, encoder=None) -> IntentModel:
    """Encoder (sha256-pinned) + head (sha256-pinned). ``head_dir`` (unpinned) is for evaluating other runs.

    Pass ``encoder`` when calling this inside ``models.get`` (its lock is not re-entrant)."""
    from shared.device import setup

    from .encoder import load_encoder

    setup()  # one torch thread unless OMP_NUM_THREADS says otherwise: steadier on a shared CPU
    folder = Path(head_dir) if head_dir else resolve(HEAD_SPEC)
    weight, bias, labels, info = load_head(folder / HEAD_FILE)
    return IntentModel(encoder or load_encoder(), weight, bias, labels, info)


def get_model(head_dir: Path | None = None) -> IntentModel:
    """The process-wide model, loaded once."""
    from .encoder import load_encoder

    encoder = load_encoder()  # outside the cache lock: ModelCache.get is not re-entrant
    return models.get(MODEL_KEY, lambda: load_intent_model(head_dir, encoder))

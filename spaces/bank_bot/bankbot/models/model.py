"""The intent model: MiniLM sentence vectors (top layers fine-tuned) and a trained linear head (safetensors)."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from shared.model_source import models, resolve

from ..model_spec import (
    COMPANY_BASE_FILE,
    COMPANY_BASE_SPEC,
    CONFIDENCE_FLOOR,
    DELTA_FILE,
    E5_HEAD_FILE,
    ENCODER_SPEC,
    HANDOFF_BYPASS,
    HEAD_FILE,
    HEAD_SPEC,
    LOW_SIMILARITY,
    MIN_SIMILARITY,
    PINS,
)
from . import oos
from .data import HUMAN, OUT_OF_SCOPE
from .encoder import MemberEncoders, MiniLM, load_tensors, with_members

MODEL_KEY = "bank_bot.intent_model"
ENCODER_KEY = "bank_bot.encoder"
FROZEN_KEY = "bank_bot.frozen_encoder"


@dataclass
class Memory:
    """Labelled training sentences for the nearest-neighbour vote that is mixed into the head's output.

    The linear head draws one boundary per intent; the neighbours add the local evidence of similar
    training questions, which helps most between near-twin Banking77 intents.
    """

    vectors: np.ndarray  # (n, 384) unit sentence vectors
    targets: np.ndarray  # (n,) label indices
    k: int = 10
    temperature: float = 0.05
    weight: float = 0.0  # share of the vote in the final probabilities (0: head only)

    def proba(self, vectors: np.ndarray, n_labels: int) -> np.ndarray:
        sims = vectors @ self.vectors.T
        k = min(self.k, sims.shape[1])
        nearest = np.argpartition(-sims, k - 1, axis=1)[:, :k]
        top = np.take_along_axis(sims, nearest, axis=1)
        votes = np.exp((top - top.max(axis=1, keepdims=True)) / self.temperature)
        out = np.zeros((len(vectors), n_labels), np.float64)
        np.add.at(out, (np.arange(len(vectors))[:, None], self.targets[nearest]), votes)
        return out / out.sum(axis=1, keepdims=True)


@dataclass
class Head:
    weight: np.ndarray  # (labels, 384)
    bias: np.ndarray  # (labels,)
    labels: list[str]
    info: dict = field(default_factory=dict)
    memory: Memory | None = None
    extra: dict[str, np.ndarray] = field(default_factory=dict)  # other named tensors (e.g. language shifts)


_MEMORY_TENSORS = ("memory_vectors", "memory_targets")


def save_head(path: Path, head: Head) -> None:
    """Linear layer, label list and neighbour memory in one safetensors file (one file, one pin)."""
    from safetensors.numpy import save_file

    tensors = {"weight": head.weight.astype(np.float32), "bias": head.bias.astype(np.float32)}
    info = dict(head.info)
    if head.memory is not None:
        m = head.memory
        tensors["memory_vectors"] = m.vectors.astype(np.float16)  # halves the file; votes are unaffected
        tensors["memory_targets"] = m.targets.astype(np.int32)
        info["knn"] = {"k": m.k, "temperature": m.temperature, "weight": m.weight}
    clash = set(head.extra) & (set(tensors) | set(_MEMORY_TENSORS))
    if clash:
        raise ValueError(f"extra head tensors may not be named {sorted(clash)}")
    tensors |= {k: np.asarray(v, np.float32) for k, v in head.extra.items()}
    meta = {"labels": json.dumps(head.labels), "info": json.dumps(info, sort_keys=True)}
    save_file({k: np.ascontiguousarray(v) for k, v in tensors.items()}, str(path), metadata=meta)


def save_delta(path: Path, delta: dict[str, np.ndarray]) -> None:
    """The fine-tuned encoder tensors minus the original ones (float16); an empty delta removes the file."""
    from safetensors.numpy import save_file

    if not delta:
        path.unlink(missing_ok=True)
        return
    save_file({k: np.ascontiguousarray(v, dtype=np.float16) for k, v in sorted(delta.items())}, str(path))


def load_head(path: Path) -> Head:
    from safetensors import safe_open

    with safe_open(str(path), framework="numpy") as fh:
        meta = fh.metadata() or {}
        tensors = {k: fh.get_tensor(k) for k in fh.keys()}  # noqa: SIM118  (safe_open has no __iter__)
    labels = json.loads(meta["labels"])
    info = json.loads(meta.get("info", "{}"))
    weight, bias = tensors["weight"], tensors["bias"]
    if weight.shape != (len(labels), weight.shape[1]) or bias.shape != (len(labels),):
        raise ValueError(f"{path}: weight/bias shapes do not match {len(labels)} labels")
    memory = None
    if "memory_vectors" in tensors:
        targets = tensors["memory_targets"].astype(np.int64)
        if len(targets) != len(tensors["memory_vectors"]) or targets.min() < 0 or targets.max() >= len(labels):
            raise ValueError(f"{path}: the neighbour memory does not match the labels")
        memory = Memory(tensors["memory_vectors"].astype(np.float32), targets, **info.get("knn", {}))
    extra = {k: v for k, v in tensors.items() if k not in ("weight", "bias", *_MEMORY_TENSORS)}
    return Head(weight, bias, labels, info, memory, extra)


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


class IntentModel:
    """Anything with ``labels`` and ``predict_proba(texts) -> (n, len(labels))`` can stand in (tests)."""

    def __init__(self, encoder, head: Head):
        self.encoder = encoder
        self.head = head
        self.labels = list(head.labels)
        self.info = head.info
        self.thresholds = None  # the policy's defaults; a company's own bot sets its own (company.folder)
        self.min_similarity = 0.0  # the distance gate's cut (0: off); load_intent_model sets Northwind's
        self.low_similarity: float | None = None  # ... and its lower cut, above which a confident head passes
        self.confident = 1.0
        self.intent_offsets: np.ndarray | None = None  # per-intent cut offsets (oos.intent_offsets); None: one cut
        # the distance gate lets a request for staff through when the head gives talk_to_human at least this (None: off)
        self.handoff: float | None = None
        self._in_scope: np.ndarray | None = None
        # what the encoder reads of a message (Northwind's English path: the colloquial normaliser; None: as typed)
        self.prepare: Callable[[str], str] | None = None

    def texts_for_encoder(self, texts: list[str]) -> list[str]:
        return [self.prepare(t) for t in texts] if self.prepare else list(texts)

    def use_gate(self, min_similarity: float, low_similarity: float | None = None, confident: float = 1.0) -> None:
        """Decline (certain ``out_of_scope``) what sits further than ``min_similarity`` from the in-scope training
        sentences (``oos.nearest_similarity``, cuts chosen by fit_floor.py), unless it is above ``low_similarity``
        and the head is at least ``confident`` of one in-scope intent (``oos.distance_declines``)."""
        self.min_similarity, self.low_similarity, self.confident = min_similarity, low_similarity, confident
        self._in_scope = in_scope_memory(self.head) if min_similarity > 0 and self.head.memory is not None else None

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        return self.proba_from_vectors(self.encoder.encode(self.texts_for_encoder(texts)))

    def proba_from_vectors(self, vectors: np.ndarray) -> np.ndarray:
        probs = head_proba(self.head, vectors)
        if self._in_scope is None:
            return probs
        oos_index = self.labels.index(OUT_OF_SCOPE)
        similarity = oos.nearest_similarity(vectors, self._in_scope, oos.GATE_K)
        handoff = None if self.handoff is None else (self.labels.index(HUMAN), self.handoff)
        far = oos.distance_declines(
            similarity,
            probs,
            oos_index,
            self.min_similarity,
            self.low_similarity,
            self.confident,
            self.intent_offsets,
            handoff,
        )
        return oos.gate(probs, far, oos_index, top=1.0)


def head_proba(head: Head, vectors: np.ndarray) -> np.ndarray:
    """The head's probabilities, mixed with the neighbour vote when the head has a memory."""
    p = softmax(vectors @ head.weight.T + head.bias)
    m = head.memory
    if m is not None and m.weight > 0:
        p = (1.0 - m.weight) * p + m.weight * m.proba(vectors, len(head.labels))
    gate = head.info.get("oos")
    if gate and m is not None:  # a company bot's out-of-scope gate (bankbot.models.oos)
        space = oos.Space(head.weight, head.bias, head.labels.index(OUT_OF_SCOPE), m.vectors, m.targets, gate["k"])
        if gate["method"] == "energy+knn":
            space.standardisation = {m: tuple(v) for m, v in gate["standardisation"].items()}
        p = oos.gate(p, oos.declines(space, vectors, gate["method"], gate["threshold"]), space.oos_index)
    return p


def in_scope_memory(head: Head) -> np.ndarray:
    """The neighbour memory's vectors of every label but ``out_of_scope`` (Northwind's distance gate)."""
    return head.memory.vectors[head.memory.targets != head.labels.index(OUT_OF_SCOPE)]


def shipped_delta() -> dict[str, np.ndarray] | None:
    """The fine-tuned encoder layers shipped with the Space (sha256-pinned), or None if none was trained."""
    if DELTA_FILE not in PINS:
        return None
    return load_tensors(resolve(HEAD_SPEC) / DELTA_FILE)


def company_base_delta() -> dict[str, np.ndarray]:
    """The intent-pretrained base company bots may start from (``Recipe.base``; train_company_base.py: all 6 layers
    fine-tuned on Banking77's intents), sha256-pinned; ``$BANK_BOT_COMPANY_BASE`` may name another folder."""
    if not COMPANY_BASE_SPEC.pinned and not os.environ.get(COMPANY_BASE_SPEC.env_var):
        raise FileNotFoundError(f"{COMPANY_BASE_FILE} is not pinned: run train_company_base.py")
    return load_tensors(resolve(COMPANY_BASE_SPEC) / COMPANY_BASE_FILE)


def load_encoder() -> MiniLM:
    """The shipped encoder: resolve (env var > wheel > Hub), verify the sha256 pins, add the fine-tuned
    delta; loaded once per process."""
    return models.get(ENCODER_KEY, lambda: MiniLM(resolve(ENCODER_SPEC), shipped_delta()))


def frozen_encoder() -> MiniLM:
    """The pinned original encoder, not fine-tuned (companies' own bots start from it); loaded once."""
    return models.get(FROZEN_KEY, lambda: MiniLM(resolve(ENCODER_SPEC)))


def load_encoder_with(delta_paths: Path | list[Path] | None, layers: int = 0) -> MiniLM | MemberEncoders:
    """The pinned original encoder plus another training run's delta (unpinned; None or [] = not fine-tuned); several
    deltas: an ensemble of members that differ in their top ``layers`` (``encoder.MemberEncoders``)."""
    paths = [delta_paths] if isinstance(delta_paths, Path) else list(delta_paths or [])
    return with_members(resolve(ENCODER_SPEC), [load_tensors(p) for p in paths], layers)


def load_intent_model(head_dir: Path | None = None):
    """The shipped model: MiniLM (fine-tuned delta) and its head for English, multilingual-e5 and its head for
    French, Italian, Spanish and German (bankbot.languages.multilingual), all sha256-pinned. ``head_dir``: another
    training run's folder (unpinned: its head, its encoder delta when it has one, and its e5 head when it has one, else
    the shipped e5 head). One warm-up message per path runs before it is returned, so the first visitor does not
    pay for the first BLAS calls and allocations."""
    from shared.device import configure_cpu_threads

    from ..languages.multilingual import MultilingualModel
    from .e5_encoder import load_e5

    configure_cpu_threads()  # one BLAS thread unless OMP_NUM_THREADS says otherwise: steadier on a shared CPU
    shipped = resolve(HEAD_SPEC)
    if head_dir is None:
        folder, encoder = shipped, load_encoder()
    else:
        folder = Path(head_dir)
        delta = folder / DELTA_FILE
        encoder = load_encoder_with(delta if delta.is_file() else None)
    e5_head = folder / E5_HEAD_FILE if (folder / E5_HEAD_FILE).is_file() else shipped / E5_HEAD_FILE
    english = IntentModel(encoder, load_head(folder / HEAD_FILE))
    # Northwind's distance gate (fit_floor.py; a company's bot has none): a head as sure as the floor passes above the
    # lower cut
    english.use_gate(MIN_SIMILARITY, LOW_SIMILARITY, CONFIDENCE_FLOOR)
    english.handoff = HANDOFF_BYPASS  # ... and a request for staff the head is sure of passes at any distance
    model = MultilingualModel(english, IntentModel(load_e5(), load_head(e5_head)))
    model.warm_up()
    return model


def get_model(head_dir: Path | None = None):
    """The process-wide model, loaded once (``head_dir``: see load_intent_model)."""
    return models.get(MODEL_KEY, lambda: load_intent_model(head_dir))

"""Built-in off-topic knowledge for a company's own bot: sentences that are not any company's business.

A company gives a few examples of its own intents; it cannot be asked for examples of everything else.
The Space ships a compact bank of other questions (from CLINC150's 150 intents and its out-of-scope
queries, and Banking77's banking questions) as frozen MiniLM vectors (float16) with their texts and the
intent group each came from, built by ``build_offtopic.py`` from the data kit and sha256-pinned
(``model_spec.BANK_SPEC``).

The bank must not fight the company: a travel company's "exchange rate" intent is not off-topic for it.
``negatives_for`` drops every bank sentence close to one of the company's examples, every whole group
(a CLINC150 or Banking77 intent) whose centre is close to the centre of one of the company's intents, and (label
level, ``company/overlap.py``) every group that asks one of the company's intents by name: a company with an
``exchange_rate`` intent loses ``clinc:exchange_rate`` and ``banking77:exchange_rate`` whatever their vectors say.
The similarity rules work for any company; the label rule only where the company's intent names are the
sources' labels, which is all it can honestly claim.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .overlap import same_question_labels

ROW_SIMILARITY = 0.75  # a bank sentence this close (cosine) to a company example is not a negative
GROUP_SIMILARITY = 0.65  # a bank intent whose centre is this close to a company intent's centre is dropped whole


@dataclass
class OffTopicBank:
    vectors: np.ndarray  # (n, 384) float32 unit vectors (frozen MiniLM)
    groups: np.ndarray  # (n,) int: index into group_names
    group_names: list[str]  # "clinc:weather", "clinc:oos", "banking77:card_arrival", ...
    texts: list[str]

    def __len__(self) -> int:
        return len(self.texts)

    def subset(self, rows: np.ndarray) -> OffTopicBank:
        rows = np.asarray(rows, dtype=np.int64)
        return OffTopicBank(self.vectors[rows], self.groups[rows], self.group_names, [self.texts[i] for i in rows])


def save_bank(path: Path, bank: OffTopicBank, info: dict) -> None:
    from safetensors.numpy import save_file

    meta = {
        "group_names": json.dumps(bank.group_names),
        "texts": json.dumps(bank.texts, ensure_ascii=False),
        "info": json.dumps(info, sort_keys=True),
    }
    tensors = {"vectors": bank.vectors.astype(np.float16), "groups": bank.groups.astype(np.int32)}
    save_file(tensors, str(path), metadata=meta)


def load_bank(path: Path) -> OffTopicBank:
    from safetensors import safe_open

    with safe_open(str(path), framework="numpy") as fh:
        meta = fh.metadata() or {}
        vectors, groups = fh.get_tensor("vectors").astype(np.float32), fh.get_tensor("groups").astype(np.int64)
    names, texts = json.loads(meta["group_names"]), json.loads(meta["texts"])
    if len(texts) != len(vectors) or len(groups) != len(vectors) or groups.max() >= len(names):
        raise ValueError(f"{path}: vectors, texts and groups do not match")
    return OffTopicBank(vectors, groups, names, texts)


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-12)


def negatives_for(
    bank: OffTopicBank,
    vectors: np.ndarray,
    intents: list[str],
    row_similarity: float = ROW_SIMILARITY,
    group_similarity: float = GROUP_SIMILARITY,
    by_label: bool = True,
) -> tuple[np.ndarray, list[str]]:
    """Rows of the bank that may serve as negatives for a company whose examples have these (frozen)
    ``vectors`` and ``intents`` (out_of_scope rows excluded by the caller); and the bank groups dropped.
    ``by_label=False``: the similarity rules alone (as before the label rule; benchmarks' raw rows)."""
    keep = (bank.vectors @ vectors.T).max(axis=1) < row_similarity
    labels = sorted(set(intents))
    same = same_question_labels(labels) if by_label else set()
    lab = np.array(intents)
    centres = _unit(np.stack([vectors[lab == c].mean(axis=0) for c in labels]))
    dropped = []
    for g, name in enumerate(bank.group_names):
        rows = bank.groups == g
        if not rows.any():
            continue
        centre = _unit(bank.vectors[rows].mean(axis=0))
        if name in same or float((centres @ centre).max()) > group_similarity:
            keep &= ~rows
            dropped.append(name)
    return np.flatnonzero(keep), dropped


def load_builtin_bank() -> OffTopicBank:
    """The shipped bank (sha256-pinned; ``$BANK_BOT_OFFTOPIC`` may name another folder holding one)."""
    from shared.model_source import resolve

    from ..model_spec import BANK_FILE, BANK_SPEC

    return load_bank(resolve(BANK_SPEC) / BANK_FILE)

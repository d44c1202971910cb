"""The sentence encoder: all-MiniLM-L6-v2 run in numpy, mean-pooled and L2-normalised.

The Space needs no torch: a 6-layer, 384-wide BERT over a 20-token message is a few small matrix
products, and numpy does them in a few milliseconds while saving the torch import (cold start) and
~250 MB of memory. ``tests/bank_bot`` checks it against transformers' BertModel.

The top layers may be replaced by fine-tuned ones: ``encoder_delta.safetensors`` holds
``fine-tuned - original`` for those tensors (float16; the differences are small, so the rounding is
far below the model's own noise). train.py writes it.

This module is only the maths: finding, pinning and loading the files is ``bankbot.models.model``'s job.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

MAX_TOKENS = 128


def _erf(x: np.ndarray) -> np.ndarray:
    """erf to 1.5e-7 (Abramowitz & Stegun 7.1.26): BERT's exact GELU without importing scipy."""
    s = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    return s * (1.0 - poly * np.exp(-a * a))


def gelu(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1.0 + _erf(x * np.float32(1.0 / math.sqrt(2.0)))).astype(np.float32)


def layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * weight + bias


def load_tensors(path: Path) -> dict[str, np.ndarray]:
    from safetensors.numpy import load_file

    return load_file(str(path))


class MiniLM:
    """BertModel's forward pass (inference) plus the sentence-transformers pooling, in numpy."""

    def __init__(self, folder: Path, delta: dict[str, np.ndarray] | None = None) -> None:
        from tokenizers import Tokenizer

        self.folder = folder = Path(folder)
        cfg = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        self.hidden = int(cfg["hidden_size"])
        self.heads = int(cfg["num_attention_heads"])
        self.n_layers = int(cfg["num_hidden_layers"])
        self.eps = float(cfg.get("layer_norm_eps", 1e-12))
        w = load_tensors(folder / "model.safetensors")
        for name, d in (delta or {}).items():
            if name not in w or w[name].shape != d.shape:
                raise ValueError(f"encoder delta does not fit the encoder: {name}")
            w[name] = w[name] + d.astype(np.float32)
        self.w = w
        # Linear weights are stored (out, in); keep the layers' dense ones transposed once so every product
        # is x @ W (the embedding tables are only indexed, so they need no copy).
        self.t = {k: np.ascontiguousarray(v.T) for k, v in w.items() if k.startswith("encoder.") and "dense" in k}
        # Query, key and value in one product per layer: one BLAS call on a 20-token message is faster than three.
        self.qkv = []
        for i in range(self.n_layers):
            names = [f"encoder.layer.{i}.attention.self.{n}" for n in ("query", "key", "value")]
            weight = np.ascontiguousarray(np.concatenate([w[n + ".weight"] for n in names], axis=0).T)
            self.qkv.append((weight, np.concatenate([w[n + ".bias"] for n in names])))
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(MAX_TOKENS)

    def tokenize(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Token ids and attention mask, padded to the longest text: (n, L) int64 and float32."""
        encs = self.tokenizer.encode_batch(list(texts))
        length = max(len(e.ids) for e in encs)
        ids = np.zeros((len(encs), length), np.int64)
        mask = np.zeros((len(encs), length), np.float32)
        for i, e in enumerate(encs):
            ids[i, : len(e.ids)] = e.ids
            mask[i, : len(e.ids)] = 1.0
        return ids, mask

    def embed(self, ids: np.ndarray) -> np.ndarray:
        w = self.w
        x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][: ids.shape[1]]
        x = x + w["embeddings.token_type_embeddings.weight"][0]  # one segment: type 0
        return layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], self.eps)

    def layer(self, i: int, x: np.ndarray, mask: np.ndarray) -> np.ndarray:
        w, t, p = self.w, self.t, f"encoder.layer.{i}."
        n, length, hidden = x.shape
        dh = hidden // self.heads
        x = x.reshape(n * length, hidden)  # 2-D products: one BLAS call each

        def linear(v: np.ndarray, name: str) -> np.ndarray:
            return v @ t[p + name + ".weight"] + w[p + name + ".bias"]

        def norm(v: np.ndarray, name: str) -> np.ndarray:
            return layer_norm(v, w[p + name + ".weight"], w[p + name + ".bias"], self.eps)

        qkv_weight, qkv_bias = self.qkv[i]
        qkv = (x @ qkv_weight + qkv_bias).reshape(n, length, 3, self.heads, dh).transpose(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]  # each (n, heads, length, dh)
        scores = q @ k.transpose(0, 1, 3, 2) * np.float32(1.0 / math.sqrt(dh))
        scores = scores + ((1.0 - mask) * np.float32(-1e9))[:, None, None, :]
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        probs = scores / scores.sum(-1, keepdims=True)
        ctx = (probs @ v).transpose(0, 2, 1, 3).reshape(n * length, hidden)
        a = norm(linear(ctx, "attention.output.dense") + x, "attention.output.LayerNorm")
        h = gelu(linear(a, "intermediate.dense"))
        return norm(linear(h, "output.dense") + a, "output.LayerNorm").reshape(n, length, hidden)

    def hidden_states(self, ids: np.ndarray, mask: np.ndarray, upto: int | None = None) -> np.ndarray:
        """Token states after ``upto`` layers (all layers by default)."""
        x = self.embed(ids)
        for i in range(self.n_layers if upto is None else upto):
            x = self.layer(i, x, mask)
        return x

    def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        """(n, 384) unit vectors. Similar lengths are batched together so padding stays small."""
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.zeros((len(texts), self.hidden), dtype=np.float32)
        for start in range(0, len(texts), batch_size):
            idx = order[start : start + batch_size]
            ids, mask = self.tokenize([texts[i] for i in idx])
            out[idx] = pool(self.hidden_states(ids, mask), mask)
        return out


def pool(states: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Mean over real tokens, then L2 normalisation (the sentence-transformers recipe)."""
    summed = (states * mask[:, :, None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1e-9)
    return (summed / np.maximum(np.linalg.norm(summed, axis=1, keepdims=True), 1e-12)).astype(np.float32)


def join_members(vectors: list[np.ndarray]) -> np.ndarray:
    """An ensemble's vector of each row: its members' unit vectors side by side, scaled by 1/sqrt(members), so it is
    a unit vector again and its cosine with another is the mean of the members' cosines (one member: unchanged)."""
    if len(vectors) == 1:
        return vectors[0]
    return (np.hstack(vectors) / np.float32(math.sqrt(len(vectors)))).astype(np.float32)


class MemberEncoders:
    """A deep ensemble of fine-tuned top layers over one frozen stack: the lower layers run once per message, each
    member's top ``layers`` on their states, and the members' vectors are joined (``join_members``). ``members``:
    MiniLM encoders that differ only in their top ``layers`` (the pinned original plus each member's delta)."""

    def __init__(self, members: list[MiniLM], layers: int) -> None:
        self.members, self.layers = members, layers
        self.folder, self.tokenizer = members[0].folder, members[0].tokenizer
        self.hidden = members[0].hidden * len(members)

    def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        first = self.members[0]
        upto = first.n_layers - self.layers
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.zeros((len(texts), self.hidden), dtype=np.float32)
        for start in range(0, len(texts), batch_size):
            idx = order[start : start + batch_size]
            ids, mask = first.tokenize([texts[i] for i in idx])
            lower = first.hidden_states(ids, mask, upto=upto)
            vectors = []
            for member in self.members:
                x = lower
                for i in range(upto, member.n_layers):
                    x = member.layer(i, x, mask)
                vectors.append(pool(x, mask))
            out[idx] = join_members(vectors)
        return out


def with_members(folder: Path, deltas: list[dict[str, np.ndarray]], layers: int) -> MiniLM | MemberEncoders:
    """The encoder of a fine-tuned bot: the original plus its one delta, or the ensemble of one per delta."""
    members = [MiniLM(folder, d) for d in deltas or [None]]
    return members[0] if len(members) == 1 else MemberEncoders(members, layers)

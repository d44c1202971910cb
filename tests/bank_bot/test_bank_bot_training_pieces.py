"""Training pieces that need no kit: the sentence-vector cache and the colloquial rows in the split."""

from __future__ import annotations

import json

import numpy as np
import pytest

from bankbot.models.data import Source, build_splits
from bankbot.models.headfit import encode_with_cache


class CountingEncoder:
    def __init__(self) -> None:
        self.seen: list[str] = []

    def encode(self, texts):
        self.seen += list(texts)
        return np.array([[len(t), 1.0] for t in texts], np.float32)


def test_the_cache_encodes_each_sentence_once_and_keeps_the_order(tmp_path):
    cache, enc = tmp_path / "v.npz", CountingEncoder()
    first = encode_with_cache(enc, ["bb", "a"], cache)
    again = encode_with_cache(enc, ["a", "ccc", "bb"], cache)
    assert enc.seen == ["a", "bb", "ccc"]
    assert first[:, 0].tolist() == [2, 1] and again[:, 0].tolist() == [1, 3, 2]
    assert encode_with_cache(enc, ["a"], None)[0, 0] == 1 and enc.seen[-1] == "a"


def test_colloquial_rows_go_to_training_only(tmp_path):
    b77 = tmp_path / "b77.csv"
    b77.write_text("text,category\n" + "".join(f"card {i} late,card_arrival\n" for i in range(20)), encoding="utf-8")
    clinc = tmp_path / "clinc.json"
    clinc.write_text(json.dumps({"train": [["hi", "greeting"]], "val": [["hello", "greeting"]]}), encoding="utf-8")
    domains = tmp_path / "domains.json"
    domains.write_text(json.dumps({"small_talk": ["greeting"]}), encoding="utf-8")
    rows = tmp_path / "colloquial.csv"
    rows.write_text("text,intent\nmy card never turned up mate,card_arrival\n", encoding="utf-8")
    plain_train, plain_val = build_splits(b77, clinc, domains)
    train, val = build_splits(b77, clinc, domains, colloquial=rows)
    assert len(train) == len(plain_train) + 1 and val.texts == plain_val.texts
    i = train.texts.index("my card never turned up mate")
    assert train.labels[i] == "card_arrival" and train.sources[i] == Source.COLLOQUIAL


def test_continued_fine_tuning_keeps_the_earlier_delta_relative_to_the_pinned_encoder():
    """--init-delta: the top layer learns on top of an earlier run's delta; the delta that ships is still relative to
    the pinned original (lower layers keep the earlier delta, the top layer's includes it) and embeds as trained."""
    pytest.importorskip("torch")
    from bankbot.models.encoder import MiniLM
    from bankbot.models.finetune import cache_lower_states, embed_states, finetune_top_layers, tensor_names
    from bankbot.models.model import frozen_encoder

    folder = frozen_encoder().folder
    rng = np.random.default_rng(0)
    names = tensor_names(frozen_encoder(), 2)  # the top two layers: the earlier run's delta
    base = {n: (0.01 * rng.standard_normal(frozen_encoder().w[n].shape)).astype(np.float16) for n in names}
    start = MiniLM(folder, base)
    texts = ["my card never arrived", "what is my balance", "card got eaten by the machine", "hello there"]
    states = cache_lower_states(start, texts, 1)
    w0, b0 = np.zeros((2, start.hidden), np.float32), np.zeros(2, np.float32)
    targets, weights = np.array([0, 1, 0, 1]), np.ones(4, np.float32)
    delta, vectors = finetune_top_layers(
        start, texts, targets, weights, w0, b0, layers=1, epochs=1, lr=1e-3, states=states, embed=states, base=base,
        log=lambda _: None,
    )  # fmt: skip
    top = tensor_names(start, 1)
    lower = [n for n in names if n not in top]
    assert set(delta) == set(names)
    assert all(np.array_equal(delta[n], base[n]) for n in lower)
    assert any(not np.allclose(delta[n], base[n]) for n in top)  # the top layer learnt
    # the shipped delta on the pinned original gives the same vectors as the trained layers
    again = embed_states(MiniLM(folder, delta), cache_lower_states(MiniLM(folder, delta), texts, 1), 1)
    assert np.allclose(again, vectors, atol=1e-3)

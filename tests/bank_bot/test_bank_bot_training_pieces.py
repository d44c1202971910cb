"""Training pieces that need no kit: the sentence-vector cache and the colloquial rows in the split."""

from __future__ import annotations

import json

import numpy as np

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

"""What the benchmark and trial scripts share: shared.timing (the variants take turns on every input; the percentiles
are those of the times measured) and shared.jsonfile (the results file they write)."""

from __future__ import annotations

import json

import pytest

from shared.jsonfile import write_json
from shared.timing import alternating_ms, p50_p95


def test_calls_take_turns_on_each_input_for_every_round():
    seen = []
    calls = {"a": lambda x: seen.append(("a", x)), "b": lambda x: seen.append(("b", x))}
    ms = alternating_ms(calls, [1, 2], rounds=2)
    assert seen == [("a", 1), ("b", 1), ("a", 2), ("b", 2)] * 2
    assert set(ms) == {"a", "b"} and all(len(m) == 4 and min(m) >= 0 for m in ms.values())


def test_p50_p95_are_the_percentiles_in_milliseconds():
    assert p50_p95([1.0, 2.0, 3.0, 4.0, 100.0]) == {"p50_ms": 3.0, "p95_ms": pytest.approx(80.8)}
    assert p50_p95([1.234, 1.234], digits=1) == {"p50_ms": 1.2, "p95_ms": 1.2}


def test_write_json_makes_the_folder_and_keeps_unicode(tmp_path):
    path = tmp_path / "results" / "run.json"
    text = write_json(path, {"question": "café à Zürich", "n": 3, "rate": 0.5})
    assert path.read_text(encoding="utf-8") == text and text.endswith("\n") and "\\u" not in text
    assert json.loads(text) == {"question": "café à Zürich", "n": 3, "rate": 0.5}

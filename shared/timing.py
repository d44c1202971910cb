"""Per-call latency for benchmark and trial scripts.

Several variants are timed on the same inputs, taking turns call by call, so a shared, noisy machine slows each
of them alike: compare their ratio, not the milliseconds.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TypeVar

import numpy as np

T = TypeVar("T")


def alternating_ms(calls: Mapping[str, Callable[[T], object]], inputs: Iterable[T], rounds: int = 1) -> dict:
    """Milliseconds of each call on each input, the calls taking turns on every input: ``{name: [ms, ...]}``."""
    inputs = list(inputs)
    times: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(rounds):
        for x in inputs:
            for name, call in calls.items():
                t0 = time.perf_counter()
                call(x)
                times[name].append((time.perf_counter() - t0) * 1e3)
    return times


def p50_p95(ms: Sequence[float], digits: int = 2) -> dict[str, float]:
    """``{"p50_ms", "p95_ms"}`` of a list of milliseconds."""
    return {
        "p50_ms": round(float(np.percentile(ms, 50)), digits),
        "p95_ms": round(float(np.percentile(ms, 95)), digits),
    }

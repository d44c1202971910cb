"""Live mode: a stream's state carries over whatever thread Gradio calls from."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from nr_signals import harmonic_voice, mixture, noise

import harness  # noqa: F401  (sets the test environment first)
from voiceclean import handlers
from voiceclean.enhance import ChannelCleaner

RATE = 48_000


def test_live_stream_from_changing_threads_matches_offline():
    x = mixture(harmonic_voice(3.0, RATE), noise(3.0, RATE), 5.0)
    pcm = (x * 32767).astype(np.int16)
    pieces = [pcm[i : i + RATE // 2] for i in range(0, len(pcm), RATE // 2)]  # Gradio streams 0.5 s pieces
    stream, outputs, threads = None, [], set()
    # two worker threads take turns, like Gradio's thread pool handing calls around
    with ThreadPoolExecutor(max_workers=1) as a, ThreadPoolExecutor(max_workers=1) as b:
        for i, piece in enumerate(pieces):

            def call(p=piece, s=stream):
                threads.add(threading.get_ident())
                return handlers.live_step((RATE, p), s, 100)

            (rate, y), stream = (a if i % 2 else b).submit(call).result()
            assert rate == RATE and y.dtype == np.int16
            outputs.append(y)
    assert len(threads) > 1  # the calls really came from different threads
    live = np.concatenate(outputs).astype(np.float32) / 32767

    reference = ChannelCleaner(RATE)  # the offline cleaner, pushed the same pieces
    expected = np.concatenate([reference.push(p.astype(np.float32) / 32768.0) for p in pieces])
    expected = np.concatenate([expected, reference.finish()])[: len(live)]
    assert len(live) > len(x) - RATE // 10  # only the model's look-ahead is pending
    np.testing.assert_allclose(live, expected, atol=2 / 32767)
    assert handlers.live_stop() is None


def test_live_handles_none_and_stereo_and_strength_change():
    out, stream = handlers.live_step(None, None, 100)
    assert out is None and stream is None
    stereo = (np.stack([noise(0.5, 16_000), noise(0.5, 16_000, seed=3)], axis=1) * 3000).astype(np.int16)
    (rate, y), stream = handlers.live_step((16_000, stereo), None, 100)
    assert rate == 16_000 and y.ndim == 1
    first = stream
    _, stream = handlers.live_step((16_000, stereo), stream, 12)  # new strength: new stream
    assert stream is not first and stream.strength == 12

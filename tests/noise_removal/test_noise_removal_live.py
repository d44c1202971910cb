"""Live mode: a session's processor lives on its own thread, whatever thread Gradio calls from."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from nr_signals import harmonic_voice, mixture, noise

import harness  # noqa: F401  (sets the test environment first)
from voiceclean import service
from voiceclean.engine import ChannelCleaner

RATE = 48_000


def _chunks(x, size):
    return [x[i : i + size] for i in range(0, len(x), size)]


def test_live_stream_from_changing_threads_matches_offline():
    x = mixture(harmonic_voice(3.0, RATE), noise(3.0, RATE), 5.0)
    pcm = (x * 32767).astype(np.int16)
    pieces = _chunks(pcm, RATE // 2)  # Gradio streams 0.5 s pieces
    session, outputs, threads = None, [], set()
    # two live worker threads take turns, like Gradio's thread pool handing calls around
    with ThreadPoolExecutor(max_workers=1) as a, ThreadPoolExecutor(max_workers=1) as b:
        for i, piece in enumerate(pieces):

            def call(p=piece, s=session):
                threads.add(threading.get_ident())
                return service.live_step((RATE, p), s, 100)

            (rate, y), session = (a if i % 2 else b).submit(call).result()
            assert rate == RATE and y.dtype == np.int16
            outputs.append(y)
    assert len(threads) > 1  # the calls really came from different threads
    live = np.concatenate(outputs).astype(np.float32) / 32767

    reference = ChannelCleaner(RATE)
    expected = np.concatenate([reference.push(p.astype(np.float32) / 32768.0) for p in pieces])
    assert len(live) == len(expected) > len(x) - RATE // 10  # only the model's look-ahead is pending
    np.testing.assert_allclose(live, expected, atol=2 / 32767)
    service.live_stop(session)
    session._thread.join(timeout=5)
    assert session.closed and not session._thread.is_alive()


def test_live_handles_none_and_stereo_and_strength_change():
    out, session = service.live_step(None, None, 100)
    assert out is None and session is None
    stereo = (np.stack([noise(0.5, 16_000), noise(0.5, 16_000, seed=3)], axis=1) * 3000).astype(np.int16)
    (rate, y), session = service.live_step((16_000, stereo), None, 100)
    assert rate == 16_000 and y.ndim == 1
    first = session
    _, session = service.live_step((16_000, stereo), session, 12)  # new strength: new session
    assert session is not first and first.closed
    service.live_stop(session)

"""Result files get fresh paths and are swept; a demo's serving limits travel with it."""

from __future__ import annotations

import os
import time

import gradio as gr

from shared.results import fresh_path, sweep
from shared.ui import ServingLimits, launch_kwargs, with_limits


def test_fresh_paths_never_collide(tmp_path, monkeypatch):
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path))
    paths = {fresh_path("demo", "image.png") for _ in range(50)}
    assert len(paths) == 50
    assert all(p.parent.parent == tmp_path / "demo-results" for p in paths)


def test_sweep_deletes_old_then_oldest_over_the_cap(tmp_path):
    root = tmp_path / "r"
    root.mkdir()
    for i in range(5):
        d = root / f"d{i}"
        d.mkdir()
        (d / "x.bin").write_bytes(b"0" * 1000)
        age = 7200 if i == 0 else 10 * (5 - i)  # d0 is two hours old; d1 is the oldest of the rest
        t = time.time() - age
        os.utime(d, (t, t))
    assert sweep(root, max_age_s=3600, max_bytes=2500) == 3  # d0 by age, then d1 and d2 by size
    assert sorted(p.name for p in root.iterdir()) == ["d3", "d4"]


def test_limits_set_the_queue_and_the_upload_cap():
    with gr.Blocks() as demo:
        gr.Markdown("hi")
    with_limits(demo, ServingLimits(concurrency=3, max_queue=17, max_file_size="5mb"))
    assert demo._queue.default_concurrency_limit == 3
    assert demo._queue.max_size == 17
    assert launch_kwargs(demo)["max_file_size"] == "5mb"
    assert "max_file_size" not in launch_kwargs()


def test_memory_trimmer_starts_once():
    import threading

    from shared.memory import keep_rss_flat

    assert keep_rss_flat() is True  # glibc on Linux
    assert keep_rss_flat() is True
    assert sum(t.name == "malloc-trim" for t in threading.enumerate()) == 1

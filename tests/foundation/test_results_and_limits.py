"""Result files get fresh paths and are swept; a demo's serving limits travel with it."""

from __future__ import annotations

import os
import time

import gradio as gr

from shared import results
from shared.results import fresh_dir, fresh_path, sweep
from shared.ui import ServingLimits, launch_kwargs, with_limits


def test_fresh_paths_never_collide(tmp_path, monkeypatch):
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path))
    paths = {fresh_path("demo", "image.png", "heatmap") for _ in range(50)}
    assert len(paths) == 50
    assert all(p.parent.parent == tmp_path / "demo-results" / "heatmap" for p in paths)


def test_each_kind_keeps_its_own_promise(tmp_path, monkeypatch):
    """A bot trained at 0 min, a batch at 15 min, a publish at 30 min (fake clock): no sweep removes a younger
    result of another kind; each kind goes when its own lifetime has passed."""
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path))
    clock = [1_000_000.0]
    monkeypatch.setattr(results, "now", lambda: clock[0])
    monkeypatch.setattr(results, "_last_sweep", {})

    def at(minutes: float, kind: str):
        clock[0] = 1_000_000.0 + 60 * minutes
        return fresh_dir("demo", kind)

    bot = at(0, "trained_bot")
    (bot / "model.bin").write_bytes(b"0" * 1000)
    os.utime(bot, (clock[0], clock[0]))
    batch = at(15, "batch_output")
    stage = at(30, "scratch")
    assert bot.is_dir() and batch.is_dir() and stage.is_dir()
    at(41, "scratch")  # the staged Space is 11 min old: past its 10 min; the 41-min-old bot stays
    assert not stage.exists() and bot.is_dir() and batch.is_dir()
    at(46, "batch_output")  # the batch is 31 min old: past its 30 min
    assert not batch.exists() and bot.is_dir()
    at(119, "trained_bot")
    assert bot.is_dir()  # promised two hours
    at(121, "trained_bot")
    assert not bot.exists()
    assert results.lifetime_s("trained_bot") == 7200


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

"""shared.batch: order, per-item failures, worker processes, resume, and Ray equal to the local engine."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from batch_tasks import WordTask

from harness import ROOT
from shared.batch import CRASHED, run_batch

TEXTS = ["the cat sat", "a dog", "boom", "hello world again", "", "one two three four", "the end", "x y"]


def items(texts=TEXTS):
    return [{"id": i, "text": t} for i, t in enumerate(texts)]


def read_rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_in_process_rows_in_order_and_a_bad_item_gets_its_reason(tmp_path):
    out = tmp_path / "out.jsonl"
    result = run_batch(WordTask(out), items(), workers=1, show_progress=False)
    rows = read_rows(out)
    assert rows == result.rows
    assert [r["id"] for r in rows] == list(range(len(TEXTS)))
    assert rows[0] == {"id": 0, "status": "ok", "words": 2, "upper": "CAT SAT"}
    assert rows[2]["status"] == "failed" and rows[2]["reason"] == "ValueError: this item is broken"
    assert rows[3]["upper"] == "HELLO WORLD AGAIN" and rows[4]["words"] == 0
    s = result.summary
    assert (s.items, s.ok, s.failed, s.skipped, s.engine) == (8, 7, 1, 0, "local")
    assert s.items_per_second > 0
    assert not WordTask(out).journal_path().exists()  # removed once the output is complete
    assert set(json.loads(s.to_json())) >= {"items", "ok", "failed", "seconds", "items_per_second", "engine"}


def test_worker_processes_load_once_each_and_agree_with_one_process(tmp_path):
    loads = tmp_path / "loads.txt"
    one = run_batch(WordTask(tmp_path / "a.jsonl"), items(), workers=1, show_progress=False)
    two = run_batch(WordTask(tmp_path / "b.jsonl", loads=loads), items(), workers=2, show_progress=False)
    assert two.rows == one.rows
    pids = loads.read_text().split()
    assert len(pids) == 2 and len(set(pids)) == 2 and str(os.getpid()) not in pids
    assert two.summary.workers == 2


def test_a_worker_that_dies_fails_only_its_chunk(tmp_path):
    texts = [f"item {i}" for i in range(12)]
    texts[4] = "crash"
    task = WordTask(tmp_path / "out.jsonl", driver_pid=os.getpid())
    result = run_batch(task, items(texts), workers=2, show_progress=False)
    failed = [r["id"] for r in result.rows if r["status"] != "ok"]
    assert failed == [3, 4, 5]  # the chunk (size 3) that held the crashing item
    assert all(r["reason"] == CRASHED for r in result.rows if r["status"] != "ok")
    assert [r["upper"] for r in result.rows[6:9]] == ["ITEM 6", "ITEM 7", "ITEM 8"]


def test_a_rerun_skips_finished_items_and_retries_failed_ones(tmp_path):
    out, loads = tmp_path / "out.jsonl", tmp_path / "loads.txt"
    task = WordTask(out, loads=loads)
    seen = []

    class Interrupted(Exception):
        pass

    def stop_after_two_chunks(done, total):
        seen.append(done)
        if done >= 6:
            raise Interrupted

    with pytest.raises(Interrupted):
        run_batch(task, items(), workers=1, show_progress=False, on_progress=stop_after_two_chunks)
    assert not out.exists() and len(task.journal_path().read_text().splitlines()) == 6

    texts = list(TEXTS)
    texts[2] = "fixed now"  # the failed item is retried; finished ones are not processed again
    calls = []

    class CountingTask(WordTask):
        def process(self, model, batch):
            calls.extend(i["id"] for i in batch)
            return super().process(model, batch)

    second = run_batch(CountingTask(out), items(texts), workers=1, show_progress=False)
    assert sorted(set(calls)) == [2, 6, 7]
    assert second.summary.skipped == 5 and second.summary.failed == 0
    assert read_rows(out)[2]["upper"] == "FIXED NOW"

    calls.clear()
    loads.unlink()
    third = run_batch(CountingTask(out, loads=loads), items(texts), workers=1, show_progress=False)
    assert calls == [] and third.summary.skipped == 8 and third.rows == second.rows
    assert not loads.exists()  # nothing left to do: the model is not even loaded


def test_keys_must_be_unique(tmp_path):
    with pytest.raises(ValueError, match="same key"):
        run_batch(WordTask(tmp_path / "o.jsonl"), [{"id": 1, "text": "a"}, {"id": 1, "text": "b"}])


@pytest.mark.slow
def test_ray_job_on_a_local_head_equals_the_local_run(tmp_path):
    pytest.importorskip("ray")
    from shared.batch import local_ray_head

    texts = [f"the message number {i} " + "word " * (i % 7) for i in range(40)] + ["boom"]
    local = run_batch(WordTask(tmp_path / "local.jsonl"), items(texts), workers=2, show_progress=False)
    # the head's workers import the test task from tests/, as a cluster's would from an installed package
    env = {"PYTHONPATH": os.pathsep.join([str(ROOT / "tests"), str(ROOT), os.environ.get("PYTHONPATH", "")])}
    with local_ray_head(num_cpus=2, env=env) as address:
        ray_run = run_batch(
            WordTask(tmp_path / "ray.jsonl"), items(texts), workers=2, ray_address=address, show_progress=False
        )
    assert ray_run.summary.engine == "ray" and ray_run.summary.failed == 1
    assert ray_run.rows == local.rows
    assert read_rows(tmp_path / "ray.jsonl") == read_rows(tmp_path / "local.jsonl")

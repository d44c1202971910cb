"""One batch runner for every Space: items in, rows out, in the same order.

A Space describes its job as a :class:`BatchTask` (how to load the model, how to turn a chunk of items
into rows, how to read and write its output). This module runs it:

- **local** (default): on this machine, in ``workers`` processes that each load the model once and take
  chunks of ``task.chunk_size`` items; ``workers=1`` runs in this process (the Spaces' Batch tabs do that).
- **ray**: on a Ray cluster (``address`` = ``auto``, ``HOST:PORT`` or ``ray://HOST:PORT``) through Ray
  Data: a dataset of the same chunks, ``map_batches`` over an actor pool whose actors hold the model, with
  ``task.gpus_per_worker`` GPUs per actor when the cluster has GPUs.

Both engines cut the items into the same chunks and a task's rows depend only on its chunk, so both give
the same rows. One bad item never stops a job: an item that raises gets a failure row carrying the reason
(a chunk that raises is retried item by item; a chunk that kills its worker process is retried alone, then
failed). Finished rows go to a journal (``<output>.partial.jsonl``) as they arrive; a rerun takes the rows
already finished from the existing output and the journal and processes only the rest (failed rows are
retried). The final output is written in input order, then the journal is removed.

Gradio-free and torch-free: the Spaces' batch CLIs, their Batch tabs and the benchmark all use it.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import sys
import time
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

Item = dict[str, Any]
Row = dict[str, Any]
Progress = Callable[[int, int], None]  # (items done, items in the job)

CRASHED = "the worker process stopped while handling this item"


class BatchTask(ABC):
    """One Space's batch job. Instances are pickled to worker processes and Ray actors: keep them small
    (paths and settings, no model); the model is built by :meth:`load`, once per worker."""

    chunk_size: int = 32  # items handed to one ``process`` call
    gpus_per_worker: float = 0.0  # asked per Ray actor when the cluster has GPUs (0: the model is CPU-only)

    @abstractmethod
    def key(self, item: Item) -> str:
        """A stable id of an item, to recognise it in an earlier run's output."""

    @abstractmethod
    def load(self) -> Any:
        """Build the model; called once per worker process or actor."""

    @abstractmethod
    def process(self, model: Any, items: list[Item]) -> list[Row]:
        """One row per item, in order. May raise: the runner then retries the items one by one."""

    @abstractmethod
    def failed_row(self, item: Item, reason: str) -> Row:
        """The row of an item that could not be processed; ``reason`` says why."""

    @abstractmethod
    def ok(self, row: Row) -> bool:
        """True for a finished row (a rerun skips it), False for a failed one (a rerun retries it)."""

    @abstractmethod
    def read_done(self) -> dict[str, Row]:
        """Rows of an earlier run's output, by key ({} when there is none)."""

    @abstractmethod
    def write(self, items: list[Item], rows: list[Row]) -> None:
        """Write the whole output, rows in input order."""

    def journal_path(self) -> Path | None:
        """Where finished rows are kept while a job runs (None: no journal, no resume after a crash)."""
        return None


@dataclass
class BatchSummary:
    """What a job did. ``items_per_second`` counts the items processed in this run (not the skipped ones)."""

    items: int
    ok: int
    failed: int
    skipped: int
    seconds: float
    items_per_second: float
    engine: str
    workers: int

    def to_json(self) -> str:
        return json.dumps(asdict(self))


@dataclass
class BatchResult:
    summary: BatchSummary
    rows: list[Row]


def default_workers() -> int:
    """One worker per core, at most two: each worker runs its model on one thread (steadier on a shared
    2-vCPU machine than two threads fighting for the same cores)."""
    return max(1, min(2, os.cpu_count() or 1))


def chunked(items: Sequence[Item], size: int) -> list[list[Item]]:
    size = max(1, int(size))
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


def reason_of(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}"[:300] if text else type(exc).__name__


def run_chunk(task: BatchTask, model: Any, items: list[Item]) -> list[Row]:
    """The task's rows for a chunk; if the chunk raises, item by item, each failure in its own row."""
    try:
        rows = task.process(model, items)
        if len(rows) != len(items):
            raise RuntimeError(f"{len(rows)} rows for {len(items)} items")
        return rows
    except Exception as exc:
        if len(items) == 1:
            return [task.failed_row(items[0], reason_of(exc))]
    return [run_chunk(task, model, [item])[0] for item in items]


# ------------------------------------------------------------------------------------------- local engine
_worker: tuple[BatchTask, Any] | None = None


def _init_worker(task: BatchTask) -> None:
    global _worker
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    _worker = (task, task.load())


def _work(items: list[Item]) -> list[Row]:
    assert _worker is not None, "worker not initialised"
    task, model = _worker
    return run_chunk(task, model, items)


def _pool(task: BatchTask, workers: int) -> ProcessPoolExecutor:
    # spawn, not fork: the parent may hold threads (progress bar, Gradio) and torch state that a fork copies
    ctx = multiprocessing.get_context("spawn")
    return ProcessPoolExecutor(workers, mp_context=ctx, initializer=_init_worker, initargs=(task,))


def _local(task: BatchTask, chunks: list[list[Item]], workers: int) -> Iterator[tuple[int, list[Row]]]:
    if workers <= 1:
        model = task.load()
        for i, chunk in enumerate(chunks):
            yield i, run_chunk(task, model, chunk)
        return

    pool = _pool(task, workers)
    try:
        todo = deque(range(len(chunks)))
        pending: deque = deque()
        while todo or pending:
            while todo and len(pending) < 2 * workers:  # bounded: results stream back as chunks finish
                i = todo.popleft()
                pending.append((i, pool.submit(_work, chunks[i])))
            i, future = pending.popleft()
            try:
                yield i, future.result()
            except BrokenProcessPool:
                # A worker died (a native crash, out of memory). Every chunk in flight is lost with it:
                # run each of them alone in a fresh pool, so only the one that kills a worker is failed.
                pool.shutdown(wait=False, cancel_futures=True)
                suspects = [i] + [j for j, _ in pending]
                pending.clear()
                pool = _pool(task, workers)
                for j in suspects:
                    try:
                        yield j, pool.submit(_work, chunks[j]).result()
                    except BrokenProcessPool:
                        log.warning("chunk %d stopped its worker process; its items are marked failed", j)
                        pool.shutdown(wait=False, cancel_futures=True)
                        pool = _pool(task, workers)
                        yield j, [task.failed_row(item, CRASHED) for item in chunks[j]]
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


# --------------------------------------------------------------------------------------------- ray engine
class _RayChunkWorker:
    """A Ray Data actor: loads the model once, then turns chunk rows into result rows."""

    def __init__(self, task: BatchTask) -> None:
        os.environ.setdefault("OMP_NUM_THREADS", "1")
        self.task = task
        self.model = task.load()

    def __call__(self, batch: dict) -> dict:
        import numpy as np

        out = []
        for payload in batch["items"]:
            out.append(json.dumps(run_chunk(self.task, self.model, json.loads(payload))))
        return {"chunk": np.asarray(batch["chunk"]), "rows": np.asarray(out, dtype=object)}


def _ray(task: BatchTask, chunks: list[list[Item]], workers: int, address: str) -> Iterator[tuple[int, list[Row]]]:
    import ray

    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    connected_here = not ray.is_initialized()
    if connected_here:  # a driver on the cluster; never starts a cluster of its own
        ray.init(address=address, log_to_driver=False, configure_logging=False)
    try:
        yield from _ray_dataset(ray, task, chunks, workers)
    finally:
        if connected_here:
            ray.shutdown()


def _ray_dataset(ray: Any, task: BatchTask, chunks: list[list[Item]], workers: int) -> Iterator[tuple[int, list[Row]]]:
    import ray.data

    ctx = ray.data.DataContext.get_current()
    ctx.enable_progress_bars = False  # ours counts items, not blocks
    gpus = task.gpus_per_worker if ray.cluster_resources().get("GPU", 0) > 0 else 0
    ds = ray.data.from_items(
        [{"chunk": i, "items": json.dumps(c)} for i, c in enumerate(chunks)],
        override_num_blocks=max(1, min(len(chunks), 4 * workers)),
    )
    ds = ds.map_batches(
        _RayChunkWorker,
        fn_constructor_args=(task,),
        batch_size=1,  # one of our chunks per call: the same chunks as the local engine
        batch_format="numpy",
        compute=ray.data.ActorPoolStrategy(size=workers),
        num_cpus=1,
        num_gpus=gpus,
    )
    for batch in ds.iter_batches(batch_size=None, batch_format="numpy"):
        for i, rows in zip(batch["chunk"], batch["rows"], strict=True):
            yield int(i), json.loads(rows)


# ------------------------------------------------------------------------------------------------ runner
class _Journal:
    """Finished rows, one JSON line each, flushed as they arrive (a crash loses at most a line)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._fh = None

    def read(self) -> dict[str, Row]:
        done: dict[str, Row] = {}
        if self.path is None or not self.path.is_file():
            return done
        with open(self.path, encoding="utf-8") as fh:
            for line in fh:
                try:
                    entry = json.loads(line)
                    done[entry["key"]] = entry["row"]
                except (ValueError, KeyError, TypeError):
                    continue  # a line cut short by a crash
        return done

    def add(self, pairs: Iterable[tuple[str, Row]]) -> None:
        if self.path is None:
            return
        if self._fh is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fh = open(self.path, "a", encoding="utf-8")  # noqa: SIM115  (closed in close())
        for key, row in pairs:
            self._fh.write(json.dumps({"key": key, "row": row}, default=str) + "\n")
        self._fh.flush()

    def close(self, remove: bool) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None
        if remove and self.path is not None:
            self.path.unlink(missing_ok=True)


class _Bar:
    """A progress bar on stderr (tqdm when installed) and/or a callback (the Spaces' Batch tabs)."""

    def __init__(self, total: int, initial: int, show: bool, callback: Progress | None, desc: str) -> None:
        self.total, self.done, self.callback = total, initial, callback
        self.bar = None
        if show:
            try:
                from tqdm import tqdm
            except ImportError:  # pragma: no cover - tqdm comes with huggingface_hub
                tqdm = None
            if tqdm is not None:
                self.bar = tqdm(
                    total=total, initial=initial, desc=desc, unit="item", file=sys.stderr, dynamic_ncols=True
                )
        if callback is not None:
            callback(initial, total)

    def update(self, n: int) -> None:
        self.done += n
        if self.bar is not None:
            self.bar.update(n)
        if self.callback is not None:
            self.callback(self.done, self.total)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def run_batch(
    task: BatchTask,
    items: Sequence[Item],
    workers: int | None = None,
    ray_address: str | None = None,
    show_progress: bool = True,
    on_progress: Progress | None = None,
    desc: str = "batch",
) -> BatchResult:
    """Run ``task`` over ``items`` (locally, or on Ray when ``ray_address`` is given) and write its output.

    Items already finished in the task's existing output or journal are skipped. Returns every row in
    input order and the summary.
    """
    t0 = time.perf_counter()
    if show_progress:  # ours is the bar to watch; model loaders' own bars (also in the workers) would garble it
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    items = list(items)
    workers = max(1, int(workers or default_workers()))
    keys = [task.key(item) for item in items]
    if len(set(keys)) != len(keys):
        raise ValueError("two items have the same key; the task's key() must tell every item apart")
    journal = _Journal(task.journal_path())
    earlier = {**task.read_done(), **journal.read()}
    rows: list[Row | None] = [None] * len(items)
    todo = []
    for i, key in enumerate(keys):
        row = earlier.get(key)
        if row is not None and task.ok(row):
            rows[i] = row
        else:
            todo.append(i)
    skipped = len(items) - len(todo)
    chunks_idx = chunked(todo, task.chunk_size)
    chunks = [[items[i] for i in c] for c in chunks_idx]
    engine = "ray" if ray_address else "local"
    workers = min(workers, max(1, len(chunks)))

    bar = _Bar(len(items), skipped, show_progress, on_progress, desc)
    finished = False
    try:
        if not chunks:  # everything was done before: no model to load, no cluster to join
            results: Iterable[tuple[int, list[Row]]] = ()
        elif ray_address:
            results = _ray(task, chunks, workers, ray_address)
        else:
            results = _local(task, chunks, workers)
        for c, chunk_rows in results:
            idx = chunks_idx[c]
            for i, row in zip(idx, chunk_rows, strict=True):
                rows[i] = row
            journal.add((keys[i], row) for i, row in zip(idx, chunk_rows, strict=True))
            bar.update(len(idx))
        missing = [i for i, r in enumerate(rows) if r is None]
        if missing:  # cannot happen unless an engine lost a chunk; never write a short output
            raise RuntimeError(f"{len(missing)} items got no row")
        task.write(items, rows)  # type: ignore[arg-type]
        finished = True
    finally:
        bar.close()
        journal.close(remove=finished)

    seconds = time.perf_counter() - t0
    n_ok = sum(1 for r in rows if task.ok(r))  # type: ignore[arg-type]
    summary = BatchSummary(
        items=len(items),
        ok=n_ok,
        failed=len(items) - n_ok,
        skipped=skipped,
        seconds=round(seconds, 3),
        items_per_second=round(len(todo) / seconds, 3) if seconds > 0 else 0.0,
        engine=engine,
        workers=workers,
    )
    return BatchResult(summary, rows)  # type: ignore[arg-type]


def _pids_mentioning(text: str) -> list[int]:
    """Processes whose command line contains ``text`` (Linux /proc; elsewhere none are found)."""
    found = []
    for entry in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if text.encode() in entry.read_bytes():
                found.append(int(entry.parent.name))
        except (OSError, ValueError):
            continue
    return [pid for pid in found if pid != os.getpid()]


@contextmanager
def local_ray_head(num_cpus: int = 2, timeout_s: float = 120.0, env: dict | None = None) -> Iterator[str]:
    """A throwaway one-node Ray cluster on 127.0.0.1 (tests, benchmarks, trying ``--ray`` on one machine).

    Runs ``ray start --head --block`` with free ports and a private temp dir in its own process group,
    yields its address (``127.0.0.1:PORT``), and stops exactly that process group at the end."""
    import shutil
    import signal
    import socket
    import subprocess
    import tempfile

    def free_port() -> int:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return s.getsockname()[1]

    temp = tempfile.mkdtemp(prefix="rayh", dir="/tmp")  # short: Ray's socket paths must stay under 107 chars
    port = free_port()
    ports = {
        "node-manager-port": free_port(),
        "object-manager-port": free_port(),
        "dashboard-agent-listen-port": free_port(),
        "dashboard-agent-grpc-port": free_port(),
        "runtime-env-agent-port": free_port(),
        "metrics-export-port": free_port(),
    }
    cmd = [
        str(Path(sys.executable).with_name("ray")),
        "start",
        "--head",
        "--block",
        "--node-ip-address=127.0.0.1",
        f"--port={port}",
        f"--num-cpus={num_cpus}",
        "--include-dashboard=false",
        "--disable-usage-stats",
        f"--temp-dir={temp}",
        f"--object-store-memory={256 * 1024**2}",
        *(f"--{k}={v}" for k, v in ports.items()),
    ]
    full_env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0", **(env or {})}
    with open(Path(temp) / "head.log", "wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=full_env, start_new_session=True)
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            if proc.poll() is not None:
                tail = (Path(temp) / "head.log").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"ray start exited with {proc.returncode}: {tail}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise TimeoutError("the Ray head did not start in time") from None
                time.sleep(0.5)
        yield f"127.0.0.1:{port}"
    finally:
        # A throwaway cluster: no graceful drain (ray start waits for it on SIGTERM, 20 s and more). Kill the
        # process group this function started, then any process of this cluster that left the group (they
        # all carry its private temp dir on their command line).
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        proc.wait(10)
        for pid in _pids_mentioning(temp):
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        shutil.rmtree(temp, ignore_errors=True)


# ------------------------------------------------------------------------------------------------ CLI help
def add_engine_arguments(parser) -> None:
    """``--workers N`` and ``--ray ADDRESS`` for a Space's batch.py."""
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help=f"worker processes (or Ray actors), each loading the model once (default {default_workers()})",
    )
    parser.add_argument(
        "--ray",
        metavar="ADDRESS",
        default=None,
        help="run on a Ray cluster through Ray Data: 'auto', HOST:PORT or ray://HOST:PORT",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def report(summary: BatchSummary) -> None:
    """The last line a batch CLI prints: one JSON object."""
    sys.stderr.flush()
    print(summary.to_json(), flush=True)

"""Result files that a Space hands back to Gradio: one fresh path per result, swept when old.

Why: Gradio writes a result returned as a numpy array or PIL image to ``<cache>/<hash of the
bytes>/image.webp``, in place, so two requests with the same result rewrite a file that a third is
still downloading (truncated responses under load, gradio#8878). A result written here, under a fresh
name, and returned as a path goes through Gradio's copy-and-rename instead. The folder holds user
data (cleaned audio, heatmaps, trained bots), so it is swept by age and capped in size.

Each kind of result has its own folder and its own promised lifetime (:data:`KINDS`): a sweep looks
only at the folder of one kind, with that kind's lifetime, so a Batch-tab upload can never remove a
trained bot that was promised two hours.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Kind:
    """A kind of result: how long each one is kept, and the cap on the whole folder of that kind."""

    lifetime_s: float
    max_bytes: int = 512 * 1024**2


KINDS: dict[str, Kind] = {
    # Gradio copies a returned file into its own cache at once: these can go soon.
    "cleaned_audio": Kind(lifetime_s=600.0),
    "heatmap": Kind(lifetime_s=600.0),
    "scratch": Kind(lifetime_s=600.0),  # staged Spaces and the like: removed by their job, swept after a crash
    # A table the visitor downloads after the run.
    "batch_output": Kind(lifetime_s=1800.0),
    # A visitor's trained bot: chatted with, downloaded and published for this long (the UI says so).
    "trained_bot": Kind(lifetime_s=2 * 3600.0, max_bytes=4 * 1024**3),
    # A hospital's adapted tumour model ("Adapt to your scanner"): tried and downloaded for this long.
    "adapted_model": Kind(lifetime_s=2 * 3600.0, max_bytes=2 * 1024**3),
}
SWEEP_EVERY_S = 60.0

_lock = threading.Lock()
_last_sweep: dict[Path, float] = {}


def now() -> float:
    """The clock that result ages are measured with (file times are wall-clock; tests replace this)."""
    return time.time()


def lifetime_s(kind: str) -> float:
    """How long a result of ``kind`` is promised to stay."""
    return _kind(kind).lifetime_s


def _kind(kind: str) -> Kind:
    try:
        return KINDS[kind]
    except KeyError:
        raise ValueError(f"unknown kind of result {kind!r}; choose from {', '.join(KINDS)}") from None


def results_root(space: str, kind: str | None = None) -> Path:
    """``<GRADIO_TEMP_DIR or the system temp>/<space>-results[/<kind>]``; created on demand."""
    base = Path(os.environ.get("GRADIO_TEMP_DIR") or tempfile.gettempdir())
    root = base / f"{space}-results"
    if kind is not None:
        _kind(kind)
        root = root / kind
    root.mkdir(parents=True, exist_ok=True)
    return root


def fresh_dir(space: str, kind: str) -> Path:
    """A new, empty folder for one result of ``kind``; sweeps that kind's old ones at most once a minute."""
    root = results_root(space, kind)
    t = now()
    with _lock:
        due = t - _last_sweep.get(root, -1e18) > SWEEP_EVERY_S
        if due:
            _last_sweep[root] = t
    if due:
        spec = KINDS[kind]
        sweep(root, spec.lifetime_s, spec.max_bytes)
    path = root / uuid.uuid4().hex
    path.mkdir()
    os.utime(path, (t, t))  # its age counts from now() (the same clock the sweep reads)
    return path


def fresh_path(space: str, name: str, kind: str) -> Path:
    """A path ``<fresh dir>/<name>`` to write one result file of ``kind`` to."""
    return fresh_dir(space, kind) / name


def _size(path: Path) -> int:
    total = 0
    for f in path.rglob("*"):
        try:
            total += f.stat().st_size
        except OSError:
            pass
    return total


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def sweep(root: Path, max_age_s: float, max_bytes: int) -> int:
    """Delete result folders in ``root`` older than ``max_age_s``, then the oldest until ``max_bytes`` is met.
    Returns the number of folders deleted. Folders vanishing under us (another worker) are fine."""
    t = now()
    entries = []
    for d in root.iterdir():
        try:
            entries.append((d.stat().st_mtime, d))
        except OSError:
            continue
    entries.sort()
    deleted = 0
    kept = []
    for mtime, d in entries:
        if t - mtime > max_age_s:
            _remove(d)
            deleted += 1
        else:
            kept.append((mtime, d, _size(d) if d.is_dir() else d.stat().st_size))
    total = sum(size for *_, size in kept)
    for _, d, size in kept:  # oldest first
        if total <= max_bytes:
            break
        _remove(d)
        total -= size
        deleted += 1
    return deleted

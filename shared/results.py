"""Result files that a Space hands back to Gradio: one fresh path per result, swept when old.

Why: Gradio writes a result returned as a numpy array or PIL image to ``<cache>/<hash of the
bytes>/image.webp``, in place, so two requests with the same result rewrite a file that a third is
still downloading (truncated responses under load, gradio#8878). A result written here, under a fresh
name, and returned as a path goes through Gradio's copy-and-rename instead. The folder holds user
data (cleaned audio, heatmaps), so it is swept by age and capped in size.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
import time
import uuid
from pathlib import Path

_lock = threading.Lock()
_last_sweep: dict[str, float] = {}


def results_root(space: str) -> Path:
    """``<GRADIO_TEMP_DIR or the system temp>/<space>-results``; created on demand."""
    base = Path(os.environ.get("GRADIO_TEMP_DIR") or tempfile.gettempdir())
    root = base / f"{space}-results"
    root.mkdir(parents=True, exist_ok=True)
    return root


def fresh_dir(space: str, max_age_s: float = 1800.0, max_bytes: int = 512 * 1024**2) -> Path:
    """A new, empty folder for one request's result files; sweeps old ones at most once a minute."""
    root = results_root(space)
    now = time.monotonic()
    with _lock:
        due = now - _last_sweep.get(space, -1e9) > 60.0
        if due:
            _last_sweep[space] = now
    if due:
        sweep(root, max_age_s, max_bytes)
    path = root / uuid.uuid4().hex
    path.mkdir()
    return path


def fresh_path(space: str, name: str, **sweep_limits: float) -> Path:
    """A path ``<fresh dir>/<name>`` to write one result file to."""
    return fresh_dir(space, **sweep_limits) / name


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
    """Delete result folders older than ``max_age_s``, then the oldest until ``max_bytes`` is met.
    Returns the number of folders deleted. Folders vanishing under us (another worker) are fine."""
    now = time.time()
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
        if now - mtime > max_age_s:
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

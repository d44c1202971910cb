"""Run a training script as a capped child process, for the "train it yourself" tabs (gradio-free, torch-free).

Training needs torch and hundreds of MB; the serving process has neither to spare. In a child process its
memory is given back when it ends, a crash cannot take the server down, and it is stopped when it passes its
time or memory cap (the whole process group, so nothing it started survives). The script speaks a small
protocol: progress lines ``[ 42%] message`` and ``error: ...`` / ``warning: ...`` lines on stderr, and one
JSON object as the last line of stdout.
"""

from __future__ import annotations

import json
import os
import re
import resource
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

_PROGRESS = re.compile(r"^\[\s*(\d+)%\] (.*)$")


class ChildJobError(RuntimeError):
    """The job was stopped: ``kind`` is "time" or "memory"."""

    def __init__(self, kind: str, limit: float):
        super().__init__(f"stopped: {kind} limit {limit}")
        self.kind, self.limit = kind, limit


@dataclass
class ChildResult:
    returncode: int
    summary: dict | None  # the last stdout line, parsed, or None
    peak_rss_mb: float
    seconds: float
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _status_mb(pid: int | str, key: str) -> float | None:
    """A memory field of ``/proc/PID/status`` in MB (``VmRSS``: resident now, ``VmHWM``: the peak); None where it
    cannot be read (the process is gone, or no /proc)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def rss_mb(pid: int) -> float:
    """Resident memory of one process in MB (0 when it is gone)."""
    mb = _status_mb(pid, "VmRSS")
    return 0.0 if mb is None else mb


def peak_rss_mb() -> float:
    """This process's own peak resident memory in MB, as a child job reports it. VmHWM: ``ru_maxrss`` also carries
    the peak of the process that started this one (exec keeps that high-water mark), so a job started from a
    benchmark holding 3 GB reported 3 GB of its own. Without /proc, ``ru_maxrss`` (kilobytes on Linux)."""
    mb = _status_mb("self", "VmHWM")
    return mb if mb is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_child(
    cmd: list[str],
    progress: Callable[[float, str], None] = lambda fraction, message: None,
    time_cap_s: float = 900.0,
    memory_cap_mb: float = 2048.0,
    env: dict[str, str] | None = None,
) -> ChildResult:
    """Run ``cmd``; report its progress lines; raise ChildJobError past a cap. The child is always gone after."""
    full_env = dict(os.environ, OMP_NUM_THREADS="1", HF_HUB_OFFLINE="1", PYTHONUNBUFFERED="1", **(env or {}))
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        errors="replace",
        env=full_env,
        start_new_session=True,  # its own process group: a cap stops everything it started
    )
    errors: list[str] = []
    warnings: list[str] = []

    def read_stderr() -> None:
        for line in proc.stderr:
            line = line.strip()
            m = _PROGRESS.match(line)
            if m:
                progress(int(m.group(1)) / 100, m.group(2))
            elif line.startswith("error: "):
                errors.append(line[len("error: ") :])
            elif line.startswith("warning: "):
                warnings.append(line[len("warning: ") :])

    reader = threading.Thread(target=read_stderr, daemon=True)
    reader.start()
    t0, peak = time.monotonic(), 0.0
    try:
        while proc.poll() is None:
            peak = max(peak, rss_mb(proc.pid))
            if peak > memory_cap_mb:
                raise ChildJobError("memory", memory_cap_mb)
            if time.monotonic() - t0 > time_cap_s:
                raise ChildJobError("time", time_cap_s)
            time.sleep(0.2)
    finally:
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        proc.wait()
        reader.join(timeout=5)
    stdout = proc.stdout.read() if proc.stdout else ""
    summary = None
    try:
        summary = json.loads(stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        pass
    return ChildResult(proc.returncode, summary, peak, time.monotonic() - t0, errors, warnings)

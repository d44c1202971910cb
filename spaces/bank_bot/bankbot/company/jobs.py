"""Run one company's training as a separate, capped process (the "Make it yours" tab). Gradio-free.

Training needs torch and a few hundred MB; the Space's server process has neither to spare (it runs
without torch). So each job runs ``specialize.py`` in a child process: its memory is given back when it
ends, a crash cannot take the server down, and it is stopped when it passes the time or memory cap. The
tab queues jobs one at a time per Space (gradio's ``concurrency_limit=1`` shows the queue position).
"""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

from .. import SPACE_DIR

SCRIPT = SPACE_DIR / "specialize.py"
TIME_CAP_S = float(os.environ.get("BANK_BOT_TRAIN_TIME_CAP", 15 * 60))
MEMORY_CAP_MB = float(os.environ.get("BANK_BOT_TRAIN_MEMORY_CAP_MB", 2048))
EXTRA_ARGS: list[str] = []  # extra specialize.py options (tests use a shorter recipe)
_PROGRESS = re.compile(r"^\[\s*(\d+)%\] (.*)$")


class TrainingError(RuntimeError):
    """Training did not finish; the message is for the visitor."""


def write_csv(path: Path, header: tuple[str, str], rows) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)


def training_command(examples_csv: Path, out: Path, answers_csv: Path | None, company: str) -> list[str]:
    """The specialize.py command line. Every value is joined to its option (``--name=-Acme``), so a value that
    starts with "-" (a company called "-Acme", a folder named "--out") is never read as an option."""
    cmd = [sys.executable, str(SCRIPT), f"--examples={examples_csv}", f"--out={out}", f"--name={company}"]
    if answers_csv is not None:
        cmd.append(f"--answers={answers_csv}")
    return cmd + EXTRA_ARGS


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def run_training(
    examples_csv: Path,
    out: Path,
    answers_csv: Path | None = None,
    company: str = "our",
    progress=lambda fraction, message: None,
    time_cap_s: float = TIME_CAP_S,
    memory_cap_mb: float = MEMORY_CAP_MB,
) -> dict:
    """Train with ``specialize.py`` in a child process; returns its JSON summary. Raises TrainingError
    (timeout, memory cap, bad data, crash) with a message fit for the visitor; never leaves the child running."""
    cmd = training_command(examples_csv, out, answers_csv, company)
    env = dict(os.environ, OMP_NUM_THREADS="1", HF_HUB_OFFLINE="1", PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8", errors="replace", env=env
    )
    errors: list[str] = []

    def read_stderr() -> None:
        for line in proc.stderr:
            m = _PROGRESS.match(line.strip())
            if m:
                progress(int(m.group(1)) / 100, m.group(2))
            elif line.startswith("error: "):
                errors.append(line[len("error: ") :].strip())

    reader = threading.Thread(target=read_stderr, daemon=True)
    reader.start()
    t0, peak = time.monotonic(), 0.0
    try:
        while proc.poll() is None:
            peak = max(peak, _rss_mb(proc.pid))
            if peak > memory_cap_mb:
                raise TrainingError(
                    f"Training stopped: it needed more than {memory_cap_mb:.0f} MB of memory. Try fewer examples."
                )
            if time.monotonic() - t0 > time_cap_s:
                raise TrainingError(
                    f"Training stopped after {time_cap_s / 60:.0f} minutes (the limit on this Space). "
                    "Try fewer examples, or train on your own computer with specialize.py."
                )
            time.sleep(0.2)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        reader.join(timeout=5)
    stdout = proc.stdout.read() if proc.stdout else ""
    if proc.returncode != 0:
        raise TrainingError(errors[0] if errors else "Training failed unexpectedly. Please try again.")
    try:
        summary = json.loads(stdout.strip().splitlines()[-1])
    except (IndexError, ValueError) as exc:
        raise TrainingError("Training finished without a result. Please try again.") from exc
    summary["peak_rss_mb"] = round(peak)
    return summary

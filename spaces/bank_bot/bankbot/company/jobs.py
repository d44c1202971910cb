"""Run one company's training as a separate, capped process (the "Make it yours" tab). Gradio-free.

Training needs torch and a few hundred MB; the Space's server process has neither to spare (it runs
without torch). So each job runs ``specialize.py`` in a capped child process (``shared.child_job``). The
tab queues jobs one at a time per Space (gradio's ``concurrency_limit=1`` shows the queue position).
"""

from __future__ import annotations

import csv
import os
import sys
from pathlib import Path

from shared.child_job import ChildJobError, run_child

from .. import SPACE_DIR

SCRIPT = SPACE_DIR / "specialize.py"
TIME_CAP_S = float(os.environ.get("BANK_BOT_TRAIN_TIME_CAP", 15 * 60))
MEMORY_CAP_MB = float(os.environ.get("BANK_BOT_TRAIN_MEMORY_CAP_MB", 2048))
EXTRA_ARGS: list[str] = []  # extra specialize.py options (tests use a shorter recipe)


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


def run_training(
    examples_csv: Path,
    out: Path,
    answers_csv: Path | None = None,
    company: str = "our",
    progress=lambda fraction, message: None,
    time_cap_s: float = TIME_CAP_S,
    memory_cap_mb: float = MEMORY_CAP_MB,
) -> dict:
    """Train with ``specialize.py`` in a child process (``shared.child_job``); returns its JSON summary. Raises
    TrainingError (timeout, memory cap, bad data, crash) with a message fit for the visitor; never leaves the
    child running."""
    cmd = training_command(examples_csv, out, answers_csv, company)
    try:
        result = run_child(cmd, progress, time_cap_s, memory_cap_mb)
    except ChildJobError as exc:
        if exc.kind == "memory":
            raise TrainingError(
                f"Training stopped: it needed more than {memory_cap_mb:.0f} MB of memory. Try fewer examples."
            ) from None
        raise TrainingError(
            f"Training stopped after {time_cap_s / 60:.0f} minutes (the limit on this Space). "
            "Try fewer examples, or train on your own computer with specialize.py."
        ) from None
    if result.returncode != 0:
        raise TrainingError(result.errors[0] if result.errors else "Training failed unexpectedly. Please try again.")
    if result.summary is None:
        raise TrainingError("Training finished without a result. Please try again.")
    summary = result.summary
    summary["peak_rss_mb"] = round(result.peak_rss_mb)
    return summary

"""What the "Adapt to your scanner" tab does, without gradio: gather the upload, run adapt.py in a capped child
process, delete the visitor's slices whatever happens, and keep each visitor's adapted model apart.

Privacy: the slices (the extracted copy and the uploaded files themselves) are deleted as soon as the job ends,
on success, failure and time-out alike; only the adapted model stays, in a folder with a random name that only
this visitor's session knows, swept after ``KEEP_S``. Nothing about the slices is logged.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import sys
from pathlib import Path

from shared.child_job import ChildJobError, run_child
from shared.model_source import RecentModels
from shared.results import fresh_dir, lifetime_s

from .. import SPACE
from .folder import REPORT_FILE, gates_sentence, model_card, report_table, verify_folder
from .site_slices import SiteDataError, gather

SCRIPT = Path(__file__).resolve().parents[2] / "adapt.py"
TIME_CAP_S = float(os.environ.get("TUMOR_ADAPT_TIME_CAP", 15 * 60))
MEMORY_CAP_MB = float(os.environ.get("TUMOR_ADAPT_MEMORY_CAP_MB", 3072))
KEEP_S = lifetime_s("adapted_model")  # a visitor's adapted model is kept two hours
EXTRA_ARGS: list[str] = []  # extra adapt.py options (tests use fast settings)
MAX_LOADED = 2


class AdaptError(RuntimeError):
    """The job did not produce a model; the message is for the visitor."""


def _delete(paths: list[Path]) -> None:
    for p in paths:
        p = Path(p)
        if p.is_dir():
            shutil.rmtree(p, ignore_errors=True)
        else:
            p.unlink(missing_ok=True)


def _run(paths: list[Path], args: list[str], progress, work: Path) -> tuple:
    """gather the upload into ``work/slices``, run adapt.py with ``args``; the slices are deleted after."""
    slices = work / "slices"
    try:
        gather([Path(p) for p in paths], work)
        cmd = [sys.executable, str(SCRIPT), "--slices", str(slices), *args, *EXTRA_ARGS]
        return run_child(cmd, progress, TIME_CAP_S, MEMORY_CAP_MB)
    except SiteDataError as exc:
        raise AdaptError(str(exc)) from None
    except ChildJobError as exc:
        if exc.kind == "memory":
            raise AdaptError(
                f"Adaptation stopped: it needed more than {MEMORY_CAP_MB / 1024:.0f} GB of memory. Upload fewer "
                "or smaller slices (25 to 50 per class are enough)."
            ) from None
        raise AdaptError(
            f"Adaptation stopped after {TIME_CAP_S / 60:.0f} minutes (the limit on this Space). Upload fewer "
            "slices, or run adapt.py on your own computer."
        ) from None
    finally:
        _delete([slices, *paths])  # the visitor's slices never outlive the job


def check(paths: list[Path], progress=lambda f, m: None) -> dict:
    """Read and check an upload (counts and warnings) without adapting. Raises AdaptError."""
    work = fresh_dir(SPACE, "adapted_model")
    try:
        result = _run(paths, ["--check-only"], progress, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if result.returncode != 0 or result.summary is None:
        raise AdaptError(result.errors[0] if result.errors else "The slices could not be checked. Please try again.")
    return result.summary


def adapt(paths: list[Path], progress=lambda f, m: None) -> tuple[Path | None, dict]:
    """Adapt the served model to the uploaded slices. Returns (model folder or None when not shipped, report).
    Raises AdaptError for bad input, a crash or a cap."""
    work = fresh_dir(SPACE, "adapted_model")
    out = work / "model"
    result = _run(paths, ["--out", str(out)], progress, work)
    report_path = out / REPORT_FILE
    if result.returncode not in (0, 3) or not report_path.is_file():
        shutil.rmtree(work, ignore_errors=True)
        raise AdaptError(result.errors[0] if result.errors else "Adaptation failed unexpectedly. Please try again.")
    report = json.loads(report_path.read_text())
    report.setdefault("timings", {})["peak_rss_mb"] = round(result.peak_rss_mb)
    # the visitor's own file names (adapt.py's stdout): shown in this session's report only, never written or logged
    report["review"] = list((result.summary or {}).get("review", []))
    return (out if result.returncode == 0 else None), report


def zip_folder(folder: Path) -> Path:
    folder = Path(folder)
    return Path(shutil.make_archive(str(folder.parent / "adapted_tumor_model"), "zip", root_dir=folder))


_recent = RecentModels(MAX_LOADED)


def _load_verified(folder: Path):
    from ..predictor import Predictor

    verify_folder(folder)
    return Predictor.from_folder(folder)


def session_predictor(model_dir: str):
    """The visitor's adapted predictor (pins verified); the few most recently used stay loaded."""
    return _recent.get(model_dir, _load_verified)


REVIEW_SHOWN = 20


def review_lines(report: dict) -> list[str]:
    """The uploaded slices whose answer got worse out of fold, by the visitor's own file names (escaped)."""
    names = report.get("review") or []
    if not names:
        return []
    shown = ", ".join(re.sub(r"([\\`*_\[\]])", r"\\\1", html.escape(n)) for n in names[:REVIEW_SHOWN])
    more = f" and {len(names) - REVIEW_SHOWN} more" if len(names) > REVIEW_SHOWN else ""
    return [
        "",
        f"**Worth a look**: out of fold, {len(names)} of your slices got a worse answer from the adapted model "
        f'(right before and wrong after, or a tumour newly told "no tumour"): {shown}{more}. Check their labels; '
        "a mislabelled slice can hold the adaptation back. Only you see these names; they are not kept.",
    ]


def report_markdown(report: dict) -> str:
    """The report the visitor reads (warnings are ours, but escaped anyway: they quote file names)."""
    s, t = report["slices"], report.get("timings", {})
    before, after = report["before"], report["after"]
    if report["shipped"]:
        title = f"### Your adapted model is ready ({s['total']} slices, {t.get('total_s', 0):.0f} s)"
        fixed = before["errors"] - after["errors"]
        lead = (
            f"Out of fold (each slice answered by a model adapted without it): {before['errors']} mistakes before, "
            f"{after['errors']} after ({fixed:+d} fewer)."
            if fixed >= 0
            else f"Out of fold: {before['errors']} mistakes before, {after['errors']} after."
        )
    else:
        title = "### Not shipped: the adapted model was not better on your slices"
        lead = "Reasons: " + "; ".join(html.escape(r) for r in report["not_shipped_because"]) + ". Keep using the " \
            "released model, or add more (and correctly labelled) slices and try again."  # fmt: skip
    lines = [title, "", lead, "", report_table(report), "", gates_sentence(report)] + review_lines(report)
    if report.get("warnings"):
        lines += ["", "**Checks**:"] + [f"- {html.escape(w)}" for w in report["warnings"]]
    lines += [
        "",
        "95% intervals in brackets: with a few dozen slices they are wide. Research demo, not a medical device.",
    ]
    return "\n".join(lines)


__all__ = ["AdaptError", "adapt", "check", "model_card", "report_markdown", "session_predictor", "zip_folder"]

"""Triage a folder of slices: one CSV row per file (the batch CLI, the Batch tab and the benchmark use this).

Columns: ``path`` (relative to the input folder), ``status`` (ok / uncertain / refused / unreadable),
``label``, ``confidence``, one ``p_<class>`` probability column per class, and ``message``. The verdicts are
the app's own (``Predictor.predict_arrays``, which the single-slice path also takes); slices are read in the
worker and run through the network ``chunk_size`` at a time, on the GPU when there is one.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from shared.batch import BatchTask, Item, Row

from . import CLASSES
from .imageio import IMAGE_SUFFIXES

UNREADABLE = "unreadable"
DONE_STATUSES = ("ok", "uncertain", "refused")  # a rerun keeps these; unreadable files are tried again
PROB_COLUMNS = tuple(f"p_{c}" for c in CLASSES)
COLUMNS = ("path", "status", "label", "confidence", *PROB_COLUMNS, "message")
NUMERIC = ("confidence", *PROB_COLUMNS)


def list_slices(folder: Path) -> list[Item]:
    """Every image or DICOM file under ``folder`` (recursive, sorted), as batch items."""
    folder = Path(folder)
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
    return [{"path": p.relative_to(folder).as_posix(), "file": str(p)} for p in files]


def foreign_table(path: Path) -> bool:
    """True when ``path`` is a file that is not one of this job's tables (a user's own CSV: never overwritten)."""
    path = Path(path)
    if not path.exists():
        return False
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            header = next(csv.reader(fh), [])
    except (OSError, UnicodeDecodeError, csv.Error):
        return True
    return tuple(header) != COLUMNS


def _number(value: str | float | None) -> float | None:
    if value is None or value == "":
        return None
    return float(value)


@dataclass
class SliceTask(BatchTask):
    """``out_csv``: the result table; ``heatmaps``: a folder for Grad-CAM overlays (``<path>.png``), or None."""

    out_csv: Path
    heatmaps: Path | None = None
    chunk_size: int = 32
    gpus_per_worker: float = 0.5  # a 3.4M-parameter network: two actors share one GPU

    def key(self, item: Item) -> str:
        return item["path"]

    def load(self):
        from .runtime import get_predictor

        return get_predictor()

    def process(self, model, items: list[Item]) -> list[Row]:
        from .imageio import InputError, load_gray
        from .runtime import predict_grays

        rows: list[Row | None] = [None] * len(items)
        grays, where = [], []
        for i, item in enumerate(items):
            try:
                grays.append(load_gray(item["file"]))
                where.append(i)
            except InputError as exc:
                rows[i] = self.failed_row(item, str(exc))
        preds = predict_grays(grays, heatmap=self.heatmaps is not None) if grays else []
        for i, pred in zip(where, preds, strict=True):
            rows[i] = self._row(items[i], pred)
        return rows  # type: ignore[return-value]

    def _row(self, item: Item, pred) -> Row:
        probs = pred.probabilities
        row: Row = {
            "path": item["path"],
            "status": pred.status.value,
            "label": pred.label or "",
            "confidence": round(max(probs.values()), 6) if probs else None,
            **{f"p_{c}": (round(probs[c], 6) if c in probs else None) for c in CLASSES},
            "message": pred.message,
        }
        if self.heatmaps is not None and pred.status.value != "refused":
            from PIL import Image

            from .heatmap import overlay

            target = self.heatmaps / f"{item['path']}.png"
            target.parent.mkdir(parents=True, exist_ok=True)
            Image.fromarray(overlay(pred.image, pred.heatmap)).save(target)
        return row

    def failed_row(self, item: Item, reason: str) -> Row:
        return {
            "path": item["path"],
            "status": UNREADABLE,
            "label": "",
            "confidence": None,
            **dict.fromkeys(PROB_COLUMNS),
            "message": reason,
        }

    def ok(self, row: Row) -> bool:
        return row.get("status") in DONE_STATUSES

    def read_done(self) -> dict[str, Row]:
        if not self.out_csv.is_file():
            return {}
        with open(self.out_csv, newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        if not rows or set(COLUMNS) - set(rows[0]):
            return {}  # not one of our tables: start over
        return {r["path"]: {k: (_number(r[k]) if k in NUMERIC else r[k]) for k in COLUMNS} for r in rows}

    def write(self, items: list[Item], rows: list[Row]) -> None:
        self.out_csv.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.out_csv.with_name(self.out_csv.name + ".tmp")
        with open(tmp, "w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=COLUMNS)
            writer.writeheader()
            for row in rows:
                writer.writerow({k: ("" if row.get(k) is None else row.get(k)) for k in COLUMNS})
        tmp.replace(self.out_csv)  # never a half-written table where the previous one was

    def journal_path(self) -> Path:
        return self.out_csv.with_name(self.out_csv.name + ".partial.jsonl")

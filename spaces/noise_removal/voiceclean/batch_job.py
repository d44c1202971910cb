"""Clean a folder of recordings into another folder (the batch CLI, the Batch tab and the benchmark use this).

Each file goes through the app's own :func:`voiceclean.clean.clean_file` (same length, rate and channels,
sample-aligned) and is written at the same relative path in the output folder, in its own format when
libsndfile can write it (WAV, FLAC, OGG Vorbis, MP3); other containers (M4A, AAC, ...) get ``.wav`` appended.
``report.csv`` in the output folder has one row per input: path, output, seconds (of audio), status (ok /
failed), message (the notes, or why it failed).
"""

from __future__ import annotations

import csv
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from shared.batch import BatchTask, Item, Row
from shared.gpu import gpu

AUDIO_SUFFIXES = (".wav", ".flac", ".mp3", ".ogg", ".oga", ".m4a", ".aac", ".opus", ".webm", ".aiff", ".aif")
# Written in the input's own format; (libsndfile format, subtype)
WRITABLE = {
    ".wav": None,  # clean_file's own 16-bit WAV, moved into place
    ".flac": ("FLAC", "PCM_16"),
    ".ogg": ("OGG", "VORBIS"),
    ".oga": ("OGG", "VORBIS"),
    ".mp3": ("MP3", "MPEG_LAYER_III"),
    ".aiff": ("AIFF", "PCM_16"),
    ".aif": ("AIFF", "PCM_16"),
}
REPORT = "report.csv"
COLUMNS = ("path", "output", "seconds", "status", "message")
OK, FAILED = "ok", "failed"


def list_recordings(folder: Path) -> list[Item]:
    """Every audio file under ``folder`` (recursive, sorted), as batch items with their output names."""
    folder = Path(folder)
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in AUDIO_SUFFIXES)
    return with_outputs([{"path": p.relative_to(folder).as_posix(), "file": str(p)} for p in files])


def output_name(path: str) -> str:
    """The output's relative path: the same, or with ``.wav`` appended when that format cannot be written."""
    return path if Path(path).suffix.lower() in WRITABLE else f"{path}.wav"


def with_outputs(items: list[Item]) -> list[Item]:
    """Give each item an ``output`` name no other item's output (nor the report) takes: ``talk.m4a`` becomes
    ``talk.m4a.wav``, so a ``talk.m4a.wav`` next to it is written as ``talk.m4a (2).wav``, never over it."""
    taken = {REPORT.lower()}
    for item in items:
        name = output_name(item["path"])
        stem, suffix, n = name[: -len(Path(name).suffix)], Path(name).suffix, 1
        while name.lower() in taken:
            n += 1
            name = f"{stem} ({n}){suffix}"
        taken.add(name.lower())
        item["output"] = name
    return items


@gpu(duration=120)
def clean_to(in_path: str, out_path: str, strength: float) -> tuple[float, list[str]]:
    """Clean one file into ``out_path`` (in the format its suffix names); returns (seconds of audio, notes).
    On ZeroGPU this runs in a worker with the GPU attached (used by ONNX Runtime's CUDA build)."""
    import soundfile as sf

    from .clean import clean_file

    target = Path(out_path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fmt = WRITABLE.get(target.suffix.lower())
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".cleaning-") as tmp:
        wav = Path(tmp) / "cleaned.wav"
        report = clean_file(in_path, wav, strength)
        if fmt is None:
            os.replace(wav, target)
        else:
            staged = Path(tmp) / f"cleaned{target.suffix}"
            data, rate = sf.read(str(wav), dtype="float32", always_2d=True)
            sf.write(str(staged), data, rate, format=fmt[0], subtype=fmt[1])
            os.replace(staged, target)
    return report.duration, list(report.notes)


@dataclass
class RecordingTask(BatchTask):
    """``out_dir``: where the cleaned files and report.csv go. ``one_process_per_file``: with several workers,
    a long stereo file must not start a second process of its own (the workers already use the cores)."""

    out_dir: Path
    strength: float = 100.0
    one_process_per_file: bool = True
    chunk_size: int = 1  # a file is already minutes of work; one per call keeps both workers busy
    gpus_per_worker: float = 0.5  # used only by ONNX Runtime's CUDA build

    def key(self, item: Item) -> str:
        return item["path"]

    def load(self):
        if self.one_process_per_file:
            os.environ["NOISE_REMOVAL_WORKERS"] = "1"
        from . import networks

        return networks.load()

    def process(self, model, items: list[Item]) -> list[Row]:
        from .decode import AudioInputError

        rows = []
        for item in items:
            out = item.get("output") or output_name(item["path"])
            try:
                seconds, notes = clean_to(item["file"], str(self.out_dir / out), self.strength)
            except AudioInputError as exc:
                rows.append(self.failed_row(item, str(exc)))
                continue
            rows.append({"path": item["path"], "output": out, "seconds": round(seconds, 3), "status": OK,
                         "message": " ".join(notes)})  # fmt: skip
        return rows

    def failed_row(self, item: Item, reason: str) -> Row:
        return {"path": item["path"], "output": "", "seconds": None, "status": FAILED, "message": reason}

    def ok(self, row: Row) -> bool:
        return row.get("status") == OK and bool(row.get("output")) and (self.out_dir / row["output"]).is_file()

    def report_path(self) -> Path:
        return self.out_dir / REPORT

    def read_done(self) -> dict[str, Row]:
        if not self.report_path().is_file():
            return {}
        with open(self.report_path(), newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        if not rows or set(COLUMNS) - set(rows[0]):
            return {}
        return {r["path"]: {**r, "seconds": float(r["seconds"]) if r["seconds"] else None} for r in rows}

    def write(self, items: list[Item], rows: list[Row]) -> None:
        self.out_dir.mkdir(parents=True, exist_ok=True)
        tmp = self.report_path().with_name(REPORT + ".tmp")
        with open(tmp, "w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=COLUMNS)
            writer.writeheader()
            for row in rows:
                writer.writerow({k: ("" if row.get(k) is None else row.get(k)) for k in COLUMNS})
        tmp.replace(self.report_path())

    def journal_path(self) -> Path:
        return self.out_dir / (REPORT + ".partial.jsonl")

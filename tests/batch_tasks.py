"""A small batch task for the runner's own tests (the Spaces' tests run their real models).

It loads a "model" (a word table), counts and upper-cases words, fails on purpose on some items, and
writes JSONL. Importable by worker processes and Ray actors (``tests`` is on their path)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from shared.batch import BatchTask


@dataclass
class WordTask(BatchTask):
    out: Path
    loads: Path | None = None  # each load() appends its pid here
    driver_pid: int = 0  # "crash" items kill a worker process, never the test process
    chunk_size: int = 3

    def key(self, item):
        return str(item["id"])

    def load(self):
        if self.loads is not None:
            with open(self.loads, "a", encoding="utf-8") as fh:
                fh.write(f"{os.getpid()}\n")
        return {"stop": {"the", "a"}}

    def process(self, model, items):
        rows = []
        for item in items:
            text = item["text"]
            if text == "boom":
                raise ValueError("this item is broken")
            if text == "crash" and os.getpid() != self.driver_pid:
                os._exit(3)
            words = [w for w in text.split() if w.lower() not in model["stop"]]
            rows.append({"id": item["id"], "status": "ok", "words": len(words), "upper": " ".join(words).upper()})
        return rows

    def failed_row(self, item, reason):
        return {"id": item["id"], "status": "failed", "words": None, "upper": None, "reason": reason}

    def ok(self, row):
        return row.get("status") == "ok"

    def read_done(self):
        if not self.out.is_file():
            return {}
        rows = [json.loads(line) for line in self.out.read_text(encoding="utf-8").splitlines()]
        return {str(r["id"]): r for r in rows}

    def write(self, items, rows):
        self.out.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")

    def journal_path(self):
        return self.out.with_name(self.out.name + ".partial.jsonl")

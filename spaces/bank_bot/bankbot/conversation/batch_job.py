"""Label a table of customer messages (the batch CLI, the Batch tab and the benchmark use this).

Input: a CSV, JSONL or Parquet file with a ``text`` column; every other column is kept as it is. Output (CSV or
Parquet, by extension): the same rows in the same order plus ``intent``, ``topic``, ``confidence``, ``action`` and
``error`` (empty unless that row could not be processed); where the input already has a column of that name, the
bot's is ``bot_intent`` (and so on) and the run says so. Each message gets exactly what the app's
``respond(message, [], ...)`` would decide for it on its own (``bot.respond_many``), with the encoder run over
``chunk_size`` messages at a time: numpy batched matrix products on the CPU, torch on cuda when a GPU is there.
"""

from __future__ import annotations

import hashlib
import importlib.util
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from shared.batch import BatchTask, Item, Row
from shared.gpu import gpu

TEXT = "text"
LABEL_COLUMNS = ("intent", "topic", "confidence", "action", "error")
INPUT_SUFFIXES = (".csv", ".jsonl", ".ndjson", ".parquet", ".pq")
OUTPUT_SUFFIXES = (".csv", ".parquet", ".pq")
ENCODE_BATCH = 16

_gpu_encoder = None


def english_encoder(model):
    """The MiniLM encoder of the English path (the shipped model is multilingual: ``model.english``)."""
    return getattr(model, "english", model).encoder


def _cuda_encoder():
    """The torch encoder on cuda, or None (no GPU, or no torch/transformers installed: the Space has neither)."""
    global _gpu_encoder
    if _gpu_encoder is None:
        from shared.device import cuda_available

        usable = importlib.util.find_spec("torch") and importlib.util.find_spec("transformers") and cuda_available()
        if not usable:
            _gpu_encoder = False
        else:
            from ..models.model import get_model
            from ..models.torch_encoder import TorchMiniLM

            _gpu_encoder = TorchMiniLM(english_encoder(get_model()), "cuda")
    return _gpu_encoder or None


@gpu(duration=60)
def encode_batch(texts: list[str]) -> np.ndarray:
    """Sentence vectors for many messages: torch on cuda when there is one (on ZeroGPU this runs in a worker
    with the GPU attached and returns CPU data), else the numpy encoder with batched matrix products."""
    encoder = _cuda_encoder()
    if encoder is not None:
        return encoder.encode(texts)
    from ..models.model import get_model

    # 16 messages per matrix product: the activations stay in the core's cache. Measured on one thread over the
    # same 384 Banking77 messages: CPU per message 1.9x lower than one at a time; 64 at once was only 1.15x lower.
    return english_encoder(get_model()).encode(texts, batch_size=ENCODE_BATCH)


def read_table(path: Path):
    """A pandas DataFrame; CSV cells are read as text exactly as written (no guessing of numbers or NA)."""
    import pandas as pd

    suffix = Path(path).suffix.lower()
    if suffix == ".csv":
        return pd.read_csv(path, dtype=str, keep_default_na=False)
    if suffix in (".jsonl", ".ndjson"):
        return pd.read_json(path, lines=True, dtype=False)
    if suffix in (".parquet", ".pq"):
        return pd.read_parquet(path)
    raise ValueError(f"{path}: use a .csv, .jsonl or .parquet file")


def read_header(path: Path) -> list[str]:
    """The input's column names, without reading its rows (Parquet: the schema; JSONL: the first record)."""
    suffix = Path(path).suffix.lower()
    if suffix == ".csv":
        import csv

        with open(path, newline="", encoding="utf-8-sig") as fh:  # as pandas reads it: a BOM is not a name
            return next(csv.reader(fh), [])
    if suffix in (".parquet", ".pq"):
        import pyarrow.parquet as pq

        return list(pq.read_schema(path).names)
    return list(read_table(path).columns)


def count_csv_rows(path: Path, stop_after: int) -> int:
    """Data rows of a CSV, counted without building a table, and no further than ``stop_after``."""
    import csv

    with open(path, newline="", encoding="utf-8-sig", errors="replace") as fh:
        reader = csv.reader(fh)
        next(reader, None)  # the header
        n = 0
        for n, _ in enumerate(reader, 1):
            if n >= stop_after:
                break
        return n


def label_names(columns) -> dict[str, str]:
    """The output column of each of the bot's labels: its own name, or ``bot_<name>`` where the input already has
    a column of that name (the user's own ``intent`` or ``confidence`` is never overwritten)."""
    taken = {str(c) for c in columns}
    names = {}
    for label in LABEL_COLUMNS:
        name, n = label, 1
        while name in taken:
            name = f"bot_{label}" if n == 1 else f"bot{n}_{label}"
            n += 1
        taken.add(name)
        names[label] = name
    return names


def renamed_note(names: dict[str, str]) -> str | None:
    """One sentence for the user when some of the bot's columns had to take another name, else None."""
    moved = [(label, name) for label, name in names.items() if label != name]
    if not moved:
        return None
    return (
        f"Your file already has {', '.join(label for label, _ in moved)}: those columns are kept as they were, and "
        f"the bot's are named {', '.join(name for _, name in moved)}."
    )


def message_items(texts: list) -> list[Item]:
    return [{"row": i, "text": None if t is None or t != t else str(t)} for i, t in enumerate(texts)]  # NaN -> None


def _key(row: int, text) -> str:
    digest = hashlib.sha1(("" if text is None else str(text)).encode("utf-8")).hexdigest()[:16]
    return f"{row}:{digest}"


@dataclass
class MessageTask(BatchTask):
    input_path: Path
    output_path: Path
    chunk_size: int = 256  # messages per encoder call (sorted by length inside, so padding stays small)
    gpus_per_worker: float = 0.5

    def key(self, item: Item) -> str:
        return _key(item["row"], item["text"])

    def load(self):
        from shared.device import configure_cpu_threads

        from ..models.model import get_model
        from .policy import answer_table

        configure_cpu_threads()  # one BLAS thread per worker unless OMP_NUM_THREADS says otherwise
        return get_model(), answer_table()

    def process(self, model, items: list[Item]) -> list[Row]:
        from .bot import respond_many

        intent_model, table = model
        replies = respond_many([i["text"] for i in items], intent_model, table, encode=encode_batch)
        rows = []
        for reply in replies:
            d = reply.decision
            rows.append(
                {
                    "intent": d.intent or "",
                    "topic": table.topic(d.intent) if d.intent else "",
                    "confidence": round(d.confidence, 4) if d.top3 else None,
                    "action": d.action.value,
                    "error": "",
                }
            )
        return rows

    def failed_row(self, item: Item, reason: str) -> Row:
        return {"intent": "", "topic": "", "confidence": None, "action": "", "error": reason}

    def ok(self, row: Row) -> bool:
        return not row.get("error")

    def read_done(self) -> dict[str, Row]:
        if not self.output_path.is_file():
            return {}
        try:
            df = read_table(self.output_path)
        except Exception:
            return {}
        names = self.output_names()
        if TEXT not in df.columns or set(names.values()) - set(df.columns):
            return {}
        done = {}
        ours = df[[TEXT, *names.values()]].rename(columns={v: k for k, v in names.items()})
        for i, rec in enumerate(ours.to_dict("records")):
            conf = rec["confidence"]
            rec["confidence"] = None if conf in ("", None) or conf != conf else float(conf)
            rec["error"] = "" if rec["error"] is None or rec["error"] != rec["error"] else str(rec["error"])
            text = rec.pop(TEXT)
            done[_key(i, None if text is None or text != text else str(text))] = rec
        return done

    def write(self, items: list[Item], rows: list[Row]) -> None:
        import pandas as pd

        df = read_table(self.input_path)
        if len(df) != len(rows):
            raise RuntimeError("the input changed while the job ran")
        names = label_names(df.columns)
        labels = pd.DataFrame(rows, columns=list(LABEL_COLUMNS), index=df.index).rename(columns=names)
        out = df.join(labels)  # every input column stays as it was
        self.output_path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.output_path.with_name(self.output_path.name + ".tmp")
        if self.output_path.suffix.lower() == ".csv":
            out.to_csv(tmp, index=False)
        else:
            out.to_parquet(tmp, index=False)
        tmp.replace(self.output_path)

    def output_names(self) -> dict[str, str]:
        """Where each of the bot's labels goes in the output (see :func:`label_names`)."""
        return label_names(read_header(self.input_path))

    def journal_path(self) -> Path:
        return self.output_path.with_name(self.output_path.name + ".partial.jsonl")

    def write_input(self, texts: list[str]) -> None:
        """Write ``texts`` as this task's input CSV (the benchmark and the tests build inputs this way)."""
        import pandas as pd

        self.input_path.parent.mkdir(parents=True, exist_ok=True)
        pd.DataFrame({TEXT: texts}).to_csv(self.input_path, index=False)

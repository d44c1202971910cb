"""Label a file of customer messages with the bank bot's intent, topic, confidence and action.

    python spaces/bank_bot/batch.py INPUT OUTPUT [--workers N] [--ray ADDRESS]

INPUT: a CSV, JSONL or Parquet file with a ``text`` column (other columns are kept as they are). OUTPUT (CSV or
Parquet, by extension): the same rows in the same order plus ``intent``, ``topic``, ``confidence``, ``action`` and
``error`` (empty unless the row could not be processed); where INPUT already has a column of that name, the bot's
is ``bot_intent`` (and so on), and a line on stderr says so. Each message gets what the bot decides for it on its
own. A rerun skips the rows already labelled in OUTPUT.

By default the job runs on this machine in worker processes that each load the model once (numpy, batched
matrix products; torch on cuda when a GPU and torch are there); ``--ray auto`` (or HOST:PORT) runs it on a Ray
cluster through Ray Data. Prints a progress bar, then one JSON line: items, ok, failed, skipped, seconds,
items_per_second, engine, workers.
"""

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bankbot.conversation.batch_job import (
    INPUT_SUFFIXES,
    OUTPUT_SUFFIXES,
    TEXT,
    MessageTask,
    label_names,
    message_items,
    read_table,
    renamed_note,
)
from shared.batch import add_engine_arguments, report, run_batch


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("input", type=Path, help="CSV, JSONL or Parquet with a text column")
    p.add_argument("output", type=Path, help="CSV or Parquet to write")
    add_engine_arguments(p)
    args = p.parse_args(argv)
    if args.input.suffix.lower() not in INPUT_SUFFIXES or not args.input.is_file():
        p.error(f"{args.input}: give an existing .csv, .jsonl or .parquet file")
    if args.output.suffix.lower() not in OUTPUT_SUFFIXES:
        p.error(f"{args.output}: the output must end in .csv or .parquet")
    if args.output.resolve() == args.input.resolve():
        p.error("the output must not overwrite the input")
    table = read_table(args.input)
    if TEXT not in table.columns:
        p.error(f"{args.input} has no '{TEXT}' column (it has: {', '.join(map(str, table.columns))})")
    task = MessageTask(args.input.resolve(), args.output.resolve())
    note = renamed_note(label_names(table.columns))
    if note:
        print(note, file=sys.stderr)
    items = message_items(table[TEXT].tolist())
    result = run_batch(task, items, args.workers, args.ray, show_progress=not args.quiet, desc="messages")
    report(result.summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())

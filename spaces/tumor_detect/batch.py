"""Triage a folder of brain MRI slices: one CSV row per file.

    python spaces/tumor_detect/batch.py INPUT_DIR OUTPUT.csv [--heatmaps DIR] [--model DIR] [--workers N]
        [--ray ADDRESS]

INPUT_DIR is searched recursively for images (PNG, JPEG, WebP, TIFF, BMP) and DICOM (.dcm) files. The CSV
has ``path``, ``status`` (ok / uncertain / refused / unreadable), ``label``, ``confidence``, one ``p_<class>``
column per class and ``message``. ``--heatmaps DIR`` also writes each Grad-CAM overlay to
``DIR/<path>.png``. A rerun skips the files already in OUTPUT.csv; a file of that name that this script did not
write (your own labels, say) is never overwritten. ``--model DIR`` runs an adapted model (``adapt.py --out
DIR``; its pins.json is checked) instead of the released one. Research tool, not a medical device.

By default the job runs on this machine in worker processes that each load the model once; ``--ray auto`` (or
HOST:PORT) runs it on a Ray cluster through Ray Data, half a GPU per actor when the cluster has GPUs. Prints a
progress bar, then one JSON line: items, ok, failed, skipped, seconds, items_per_second, engine, workers.
"""

from shared.gpu import gpu  # noqa: F401  (imports the ZeroGPU package, if any, before torch)

# isort: split
import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from braintumor.batch_job import SliceTask, foreign_table, list_slices
from shared.batch import add_engine_arguments, report, run_batch


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("input", type=Path, help="folder of slices (searched recursively)")
    p.add_argument("output", type=Path, help="the CSV to write")
    p.add_argument("--heatmaps", type=Path, help="also write Grad-CAM overlays here")
    p.add_argument("--model", type=Path, help="an adapted model folder (adapt.py --out); default: the released model")
    add_engine_arguments(p)
    args = p.parse_args(argv)
    if not args.input.is_dir():
        p.error(f"{args.input} is not a folder")
    if foreign_table(args.output):  # e.g. the user's own labels: a rerun continues our table, never replaces theirs
        p.error(f"{args.output} exists and is not a table this script wrote; give a new file name")
    src = args.input.resolve()
    if args.heatmaps and (args.heatmaps.resolve() == src or src in args.heatmaps.resolve().parents):
        p.error("the heatmap folder must be outside the input folder (its pictures would be read as slices)")
    if args.model:
        from braintumor.adaptation.folder import ENV_VAR, verify_folder
        from shared.model_source import ModelSourceError

        try:
            verify_folder(args.model)
        except ModelSourceError as exc:
            p.error(str(exc))
        os.environ[ENV_VAR] = str(args.model.resolve())  # the workers (and their runtime) inherit it
    items = list_slices(args.input)
    task = SliceTask(args.output.resolve(), args.heatmaps.resolve() if args.heatmaps else None)
    result = run_batch(task, items, args.workers, args.ray, show_progress=not args.quiet, desc="slices")
    report(result.summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())

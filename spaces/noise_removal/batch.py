"""Clean a folder of recordings: the same relative paths in OUTPUT_DIR, plus OUTPUT_DIR/report.csv.

    python spaces/noise_removal/batch.py INPUT_DIR OUTPUT_DIR [--strength DB] [--workers N] [--ray ADDRESS]

INPUT_DIR is searched recursively for audio (WAV, FLAC, MP3, OGG, M4A, ...). Each cleaned file has its input's
length, sample rate and channels (more than two channels are mixed down to mono) and is written in the same
format where possible (WAV, FLAC, OGG, MP3; others get ``.wav`` appended). report.csv: path, output, seconds,
status (ok / failed), message. A rerun skips the files already cleaned.

By default the job runs on this machine in worker processes (one per core) that each load the model once;
``--ray auto`` (or HOST:PORT) runs it on a Ray cluster through Ray Data. ONNX Runtime's CUDA provider is used
when the onnxruntime-gpu build is installed. Prints a progress bar, then one JSON line: items, ok, failed,
skipped, seconds, items_per_second, engine, workers (and the audio seconds and real-time factor).
"""

import argparse
import json
import sys
from pathlib import Path

from shared.batch import add_engine_arguments, default_workers, run_batch
from voiceclean.batch_job import RecordingTask, list_recordings
from voiceclean.enhance import STRENGTH_MAX_DB


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("input", type=Path, help="folder of recordings (searched recursively)")
    p.add_argument("output", type=Path, help="folder for the cleaned files and report.csv")
    p.add_argument("--strength", type=float, default=STRENGTH_MAX_DB, help="largest noise reduction, dB (6-100)")
    add_engine_arguments(p)
    args = p.parse_args(argv)
    src, dst = args.input.resolve(), args.output.resolve()
    if not src.is_dir():
        p.error(f"{args.input} is not a folder")
    if dst == src or src in dst.parents or dst in src.parents:
        p.error("the output folder and the input folder must not contain each other (no input is ever overwritten)")
    workers = args.workers or default_workers()
    # one worker may use a second process for a long stereo file; several workers already use the cores
    task = RecordingTask(dst, args.strength, one_process_per_file=workers > 1 or bool(args.ray))
    if not args.quiet:
        from voiceclean import networks

        print(f"DeepFilterNet3 on ONNX Runtime's {networks.provider()}", file=sys.stderr)
    result = run_batch(task, list_recordings(src), workers, args.ray, show_progress=not args.quiet, desc="files")
    summary = json.loads(result.summary.to_json())
    audio = sum(r["seconds"] or 0.0 for r in result.rows if r.get("status") == "ok")
    summary["audio_seconds"] = round(audio, 3)
    summary["real_time_factor"] = round(result.summary.seconds / audio, 4) if audio else None
    print(json.dumps(summary), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

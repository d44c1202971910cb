"""Batch jobs against one-at-a-time, and Ray against the embedded engine, in one run; prints a table.

    python scripts/batch_benchmark.py --data ../shared/data [--messages 2000] [--ray-messages 3000]
                                      [--slices 300] [--episodes 8] [--workers 2] [--only bank,tumor,noise,ray]

- bank_bot: Banking77 *train* rows (never a test split) one by one through the app's ``respond`` on one thread,
  then as a batch job (worker processes, batched encoder); same intent and action for every message?
- tumor_detect: kit slices one by one through the app's ``predict_file``, then as a batch job; same verdicts?
  Also ``--api-slices`` slices one request after the other through the running Space's API (what a user
  without the batch job does), against the same batch job.
- noise_removal: "episodes" built from the kit's clean speech and noise (about 40 s each, 48 kHz mono, 44.1 kHz
  stereo and 16 kHz FLAC) cleaned one file at a time in one process, then as a batch job over the folder;
  aggregate real-time factor = wall-clock seconds of the whole job / seconds of audio.
- Ray: the bank_bot CLI over ``--ray-messages`` messages on a local one-node Ray cluster (started here on
  127.0.0.1, stopped at the end) against the embedded engine with the same number of workers; rows equal?
  Overhead = Ray seconds / embedded seconds - 1, from each CLI's JSON line (the cluster's start is not
  counted; the driver's connection, Ray Data's start and the actors' model loading are).

Batch timings include starting the worker processes and loading the model in each; one-at-a-time timings do
not include loading. Timings on a shared machine are noisy: compare the ratios within one run. Besides wall-clock
throughput, bank_bot and tumor_detect also report CPU seconds per item (this process plus its worker processes),
which other programs on the machine do not change: one-at-a-time CPU / batch CPU is what batching itself saves,
and the workers add the other cores on top of it when the cores are free.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np

from shared.batch import run_batch

ROOT = Path(__file__).resolve().parents[1]

rows_out: list[tuple[str, str, str, str, str]] = []


def cpu_seconds() -> float:
    """CPU time of this process and of its finished child processes (the batch workers, once shut down)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def add(space: str, what: str, one: str, batch: str, result: str) -> None:
    rows_out.append((space, what, one, batch, result))
    print(f"  {space}: {what}: {one} | {batch} | {result}", flush=True)


# ------------------------------------------------------------------------------------------------ bank_bot
def bank_messages(data: Path, n: int) -> list[str]:
    import pandas as pd

    texts = pd.read_csv(data / "banking77" / "train.csv")["text"].astype(str).tolist()
    rng = np.random.default_rng(0)
    return [texts[i] for i in rng.permutation(len(texts))[:n]]


def bank(args, work: Path) -> None:
    from bankbot.conversation.batch_job import MessageTask, message_items
    from bankbot.conversation.bot import respond
    from bankbot.conversation.policy import answer_table
    from bankbot.models.model import get_model
    from shared.device import configure_cpu_threads

    texts = bank_messages(args.data, args.messages)
    configure_cpu_threads(1)
    model, table = get_model(), answer_table()
    respond("warm up", [], model, table)
    c0, t0 = cpu_seconds(), time.perf_counter()
    single = [respond(t, [], model, table).decision for t in texts]
    one_s, one_cpu = time.perf_counter() - t0, cpu_seconds() - c0

    task = MessageTask(work / "bank_in.csv", work / "bank_one.csv")
    task.write_input(texts)
    c0 = cpu_seconds()
    inproc = run_batch(task, message_items(texts), 1, show_progress=False).summary  # batching alone, this process
    inproc_cpu = cpu_seconds() - c0
    add(
        "bank_bot",
        f"{len(texts)} Banking77 train messages, batch in this process (1 worker, model already loaded)",
        f"{len(texts) / one_s:.0f} msg/s; {1000 * one_cpu / len(texts):.1f} CPU ms/msg",
        f"{inproc.items_per_second:.0f} msg/s; {1000 * inproc_cpu / len(texts):.1f} CPU ms/msg",
        f"wall {inproc.items_per_second / (len(texts) / one_s):.2f}x, CPU {one_cpu / inproc_cpu:.2f}x",
    )
    task = MessageTask(work / "bank_in.csv", work / "bank_out.csv")
    c0 = cpu_seconds()
    result = run_batch(task, message_items(texts), args.workers, show_progress=False)
    batch_cpu = cpu_seconds() - c0
    s = result.summary
    same = sum(
        r["intent"] == (d.intent or "") and r["action"] == d.action.value
        for r, d in zip(result.rows, single, strict=True)
    )
    diff = max(abs((r["confidence"] or 0.0) - round(d.confidence, 4)) for r, d in zip(result.rows, single, strict=True))
    add(
        "bank_bot",
        f"{len(texts)} Banking77 train messages",
        f"{len(texts) / one_s:.0f} msg/s; {1000 * one_cpu / len(texts):.1f} CPU ms/msg",
        f"{s.items_per_second:.0f} msg/s ({s.workers} workers); {1000 * batch_cpu / len(texts):.1f} CPU ms/msg",
        f"wall {s.items_per_second / (len(texts) / one_s):.2f}x, CPU {one_cpu / batch_cpu:.2f}x; "
        f"same intent+action {same}/{len(texts)}; max confidence diff {diff:.1e}",
    )


def run_cli(space: str, *args: object) -> dict:
    """A Space's batch CLI in its own session: Linux's scheduler autogroup gives every session one fair share
    of the CPU, and the Ray head runs in a session of its own, so both engines are measured on equal terms."""
    import json
    import subprocess
    import sys

    cmd = [sys.executable, str(ROOT / "spaces" / space / "batch.py"), *map(str, args), "--quiet"]
    out = subprocess.run(cmd, capture_output=True, text=True, start_new_session=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def ray_overhead(args, work: Path) -> None:
    from bankbot.conversation.batch_job import MessageTask
    from shared.batch import local_ray_head

    texts = bank_messages(args.data, args.ray_messages)
    src = work / "ray_in.csv"
    MessageTask(src, work / "unused.csv").write_input(texts)
    local_s, ray_s = [], []
    with local_ray_head(num_cpus=args.workers) as address:
        for _ in range(args.rounds):  # alternate the two engines; the best of each is the least disturbed
            for engine in ("local", "ray"):
                out = work / f"ray_{engine}.csv"
                out.unlink(missing_ok=True)
                extra = ("--ray", address) if engine == "ray" else ()
                summary = run_cli("bank_bot", src, out, "--workers", args.workers, *extra)
                (ray_s if engine == "ray" else local_s).append(summary["seconds"])
    import pandas as pd

    a, b = pd.read_csv(work / "ray_local.csv"), pd.read_csv(work / "ray_ray.csv")
    equal = int((a.fillna("") == b.fillna("")).all(axis=1).sum())
    same_file = (work / "ray_local.csv").read_bytes() == (work / "ray_ray.csv").read_bytes()
    add(
        "bank_bot on Ray",
        f"{len(texts)} messages, {args.workers} workers/actors, each engine's CLI in its own session",
        f"embedded best of {len(local_s)}: {min(local_s):.1f} s",
        f"Ray best of {len(ray_s)}: {min(ray_s):.1f} s (all: {', '.join(f'{x:.0f}' for x in ray_s)} s)",
        f"overhead {100 * (min(ray_s) / min(local_s) - 1):+.0f}%; rows equal {equal}/{len(texts)}"
        f"; output files identical: {'yes' if same_file else 'no'}",
    )


# -------------------------------------------------------------------------------------------- tumor_detect
def tumor(args, work: Path) -> None:
    from braintumor.batch_job import SliceTask
    from braintumor.imageio import InputError
    from braintumor.runtime import get_predictor

    files = sorted((args.data / "brain_mri" / "Training").rglob("*.jpg"))
    rng = np.random.default_rng(0)
    files = [files[i] for i in sorted(rng.permutation(len(files))[: args.slices])]
    items = [{"path": f.relative_to(args.data).as_posix(), "file": str(f)} for f in files]

    predictor = get_predictor()  # loaded and warmed: the one-at-a-time loop pays no start-up
    c0, t0 = cpu_seconds(), time.perf_counter()
    single = []
    for f in files:
        try:
            single.append(predictor.predict_file(f))
        except InputError:
            single.append(None)
    one_s, one_cpu = time.perf_counter() - t0, cpu_seconds() - c0

    c0 = cpu_seconds()
    inproc = run_batch(SliceTask(work / "slices_one.csv"), items, 1, show_progress=False).summary
    inproc_cpu = cpu_seconds() - c0
    add(
        "tumor_detect",
        f"{len(files)} kit slices, batch in this process (1 worker, model already loaded)",
        f"{len(files) / one_s:.1f} slices/s; {1000 * one_cpu / len(files):.0f} CPU ms/slice",
        f"{inproc.items_per_second:.1f} slices/s; {1000 * inproc_cpu / len(files):.0f} CPU ms/slice",
        f"wall {inproc.items_per_second / (len(files) / one_s):.2f}x, CPU {one_cpu / inproc_cpu:.2f}x",
    )
    c0 = cpu_seconds()
    result = run_batch(SliceTask(work / "slices.csv"), items, args.workers, show_progress=False)
    batch_cpu = cpu_seconds() - c0
    s = result.summary
    if args.api_slices:
        api_rate = tumor_api_rate(files[: args.api_slices])
        add(
            "tumor_detect",
            f"the Space's API one slice at a time (/classify, no heatmap, {min(len(files), args.api_slices)} slices, "
            "one client, local server) vs the same batch job",
            f"{api_rate:.1f} slices/s",
            f"{s.items_per_second:.1f} slices/s ({s.workers} workers)",
            f"{s.items_per_second / api_rate:.2f}x",
        )
    same, diff = 0, 0.0
    for r, p in zip(result.rows, single, strict=True):
        same += p is not None and r["status"] == p.status.value and r["label"] == (p.label or "")
        for c, v in (p.probabilities if p else {}).items():
            diff = max(diff, abs(r[f"p_{c}"] - v))
    add(
        "tumor_detect",
        f"{len(files)} kit slices",
        f"{len(files) / one_s:.1f} slices/s; {1000 * one_cpu / len(files):.0f} CPU ms/slice",
        f"{s.items_per_second:.1f} slices/s ({s.workers} workers); {1000 * batch_cpu / len(files):.0f} CPU ms/slice",
        f"wall {s.items_per_second / (len(files) / one_s):.2f}x, CPU {one_cpu / batch_cpu:.2f}x; "
        f"same status+label {same}/{len(files)}; max probability diff {diff:.1e}",
    )


def tumor_api_rate(files: list[Path]) -> float:
    """Slices per second through the running Space's ``/classify`` endpoint, one request after the other: what a
    user without the batch job does (gradio_client against the launcher on 127.0.0.1, stopped afterwards)."""
    from gradio_client import Client, handle_file
    from load_test import Server

    server = Server()
    try:
        client = Client(f"{server.url}/tumor_detect/", verbose=False)
        client.predict(handle_file(str(files[0])), api_name="/classify")  # the first request's set-up
        t0 = time.perf_counter()
        for f in files:
            client.predict(handle_file(str(f)), api_name="/classify")
        return len(files) / (time.perf_counter() - t0)
    finally:
        server.stop()


# ------------------------------------------------------------------------------------------- noise_removal
def make_episodes(data: Path, folder: Path, n: int, seconds: float = 40.0) -> float:
    """``n`` noisy "episodes" from the kit's clean speech and noise (5 dB SNR); returns the audio seconds."""
    import soundfile as sf
    import soxr

    def load(p: Path, rate: int) -> np.ndarray:
        x, sr = sf.read(str(p), dtype="float32", always_2d=True)
        x = x.mean(axis=1)
        return soxr.resample(x, sr, rate).astype(np.float32) if sr != rate else x

    cleans = sorted((data / "speech" / "clean").glob("*.wav"))
    noise_dir = data / "speech" / "noise"
    noises = sorted(noise_dir.glob("noise*.wav")) + sorted(noise_dir.glob("freesound_*.wav"))
    layouts = [(48_000, 1, "wav"), (44_100, 2, "wav"), (16_000, 1, "flac")]
    rng = np.random.default_rng(0)
    total = 0.0
    folder.mkdir(parents=True, exist_ok=True)
    for k in range(n):
        rate, channels, ext = layouts[k % len(layouts)]
        want = int(seconds * rate)
        parts, size = [], 0
        while size < want:
            x = load(cleans[rng.integers(len(cleans))], rate)
            parts += [x, np.zeros(int(0.3 * rate), np.float32)]
            size += len(x) + int(0.3 * rate)
        speech = np.concatenate(parts)[:want]
        noise = np.resize(load(noises[k % len(noises)], rate), want)
        gain = np.sqrt(np.mean(speech**2) / (np.mean(noise**2) + 1e-12) / 10 ** (5 / 10))
        mix = speech + gain * noise
        mix = (0.7 * mix / np.abs(mix).max()).astype(np.float32)
        if channels == 2:
            mix = np.stack([mix, np.roll(mix, 7) * 0.9], axis=1)
        sf.write(str(folder / f"episode_{k:02d}.{ext}"), mix, rate)
        total += want / rate
    return total


def noise(args, work: Path) -> None:
    from voiceclean import networks
    from voiceclean.batch_job import RecordingTask, list_recordings
    from voiceclean.clean import clean_file

    src = work / "episodes"
    audio = make_episodes(args.data, src, args.episodes)
    items = list_recordings(src)

    networks.load()
    os.environ["NOISE_REMOVAL_WORKERS"] = "1"  # one process: the one-at-a-time baseline
    t0 = time.perf_counter()
    for item in items:
        clean_file(item["file"], work / "single" / f"{Path(item['path']).stem}.wav")
    one_s = time.perf_counter() - t0
    os.environ.pop("NOISE_REMOVAL_WORKERS")

    result = run_batch(RecordingTask(work / "cleaned"), items, args.workers, show_progress=False)
    s = result.summary
    add(
        "noise_removal",
        f"{len(items)} episodes, {audio:.0f} s of audio",
        f"RTF {one_s / audio:.3f} (one process)",
        f"RTF {s.seconds / audio:.3f} ({s.workers} workers, whole job)",
        f"{one_s / s.seconds:.2f}x; ok {s.ok}/{s.items}",
    )


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", type=Path, required=True, help="the data kit (e.g. ../shared/data)")
    p.add_argument("--messages", type=int, default=2000)
    p.add_argument("--ray-messages", type=int, default=3000)
    p.add_argument("--slices", type=int, default=300)
    p.add_argument("--api-slices", type=int, default=100, help="slices sent one by one to the Space's API (0: skip)")
    p.add_argument("--episodes", type=int, default=8)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--rounds", type=int, default=2, help="embedded/Ray rounds, alternating")
    p.add_argument("--only", default="bank,tumor,noise,ray", help="comma-separated parts to run")
    args = p.parse_args(argv)
    if not (args.data / "banking77" / "train.csv").is_file():
        p.error(f"{args.data} is not the data kit (no banking77/train.csv)")
    parts = {"bank": bank, "tumor": tumor, "noise": noise, "ray": ray_overhead}
    chosen = [x.strip() for x in args.only.split(",") if x.strip()]
    work = Path(tempfile.mkdtemp(prefix="batch-bench-"))
    try:
        for name in chosen:
            print(f"running {name} ...", flush=True)
            parts[name](args, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"\nload average at the end: {os.getloadavg()[0]:.1f} (2 vCPUs)")
    if Path("/proc/sys/kernel/sched_autogroup_enabled").is_file():
        autogroup = Path("/proc/sys/kernel/sched_autogroup_enabled").read_text().strip() == "1"
        print(
            f"scheduler autogroup: {'on' if autogroup else 'off'} (when on, all processes of one terminal session "
            "share one fair share of the CPU: worker processes add cores only when the machine is otherwise idle)"
        )
    print()
    print("| Space | job | one at a time | batch | result |")
    print("|---|---|---|---|---|")
    for r in rows_out:
        print("| " + " | ".join(r) + " |")


if __name__ == "__main__":
    main()

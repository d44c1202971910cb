"""How long a visitor waits after a Space wakes: ``python app.py`` to the first HTTP 200, then the first call
against warm ones. Each run is a fresh process, started here on 127.0.0.1; prints one Markdown table.

    .venv/bin/python scripts/cold_start.py                       # all three Spaces, 5 runs each
    .venv/bin/python scripts/cold_start.py --root /other/checkout --runs 3 bank_bot

"first call" is sent the moment the page answers (it waits for the background warm-up if that is still
running); "first call, idle 10 s" is sent by a visitor who first reads the page for 10 s (a separate run).
Compare checkouts in the same run of this machine: wall-clock figures move with its load.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from gradio_client import Client, handle_file

ROOT = Path(__file__).resolve().parents[1]
SPACES = ("bank_bot", "tumor_detect", "noise_removal")


def _call(space: str, examples: Path) -> tuple:
    """(api_name, args) of the Space's one-item tool, with one of its own examples."""
    if space == "bank_bot":
        return "/predict_intent", ("My card still hasn't arrived",)
    if space == "tumor_detect":
        return "/classify", (handle_file(str(examples / "glioma_1.jpg")),)
    return "/clean", (handle_file(str(examples / "voice_note_16k.flac")),)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_200(url: str, proc: subprocess.Popen, limit_s: float = 120.0) -> None:
    t_end = time.monotonic() + limit_s
    while time.monotonic() < t_end:
        if proc.poll() is not None:
            raise RuntimeError(f"app.py exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=1) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.02)
    raise TimeoutError(url)


def one_run(space_dir: Path, python: str, idle_s: float, warm_n: int) -> dict:
    port = _free_port()
    env = dict(os.environ, GRADIO_SERVER_NAME="127.0.0.1", GRADIO_SERVER_PORT=str(port), HF_HUB_OFFLINE="1")
    env["GRADIO_ANALYTICS_ENABLED"] = "False"
    env["PYTHONPATH"] = str(space_dir.parents[1])  # that checkout's shared/, whatever the venv installed
    with tempfile.TemporaryDirectory() as tmp:
        env["GRADIO_TEMP_DIR"] = tmp
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            [python, "app.py"], cwd=space_dir, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            url = f"http://127.0.0.1:{port}/"
            _wait_for_200(url, proc)
            start_s = time.perf_counter() - t0
            time.sleep(idle_s)
            client = Client(url, verbose=False)
            api, args = _call(space_dir.name, space_dir / "examples")
            t1 = time.perf_counter()
            client.predict(*args, api_name=api)
            first_ms = (time.perf_counter() - t1) * 1000
            warm = []
            for _ in range(warm_n):
                t1 = time.perf_counter()
                client.predict(*args, api_name=api)
                warm.append((time.perf_counter() - t1) * 1000)
            client.close()
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
    return {"start_s": start_s, "first_ms": first_ms, "warm_ms": statistics.median(warm)}


def _cell(rows: list[dict], key: str, fmt: str) -> str:
    vals = [r[key] for r in rows]
    return f"{statistics.median(vals):{fmt}} ({min(vals):{fmt}}-{max(vals):{fmt}})"


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("spaces", nargs="*", default=list(SPACES))
    p.add_argument("--root", type=Path, default=ROOT, help="checkout to measure (default: this one)")
    p.add_argument("--baseline", type=Path, help="another checkout, measured run for run in turn with --root")
    p.add_argument("--python", default=sys.executable)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--idle", type=float, default=10.0, help="seconds a visitor reads the page before calling")
    p.add_argument("--warm-n", type=int, default=10)
    args = p.parse_args(argv)

    roots = {"this": args.root} if args.baseline is None else {"baseline": args.baseline, "this": args.root}
    print(", ".join(f"{k}: {v}" for k, v in roots.items()) + f"; {args.runs} runs per row, median (min-max)\n")
    print(
        "| Space | checkout | app.py to first HTTP 200 (s) | first call at once (ms) | first call after "
        f"{args.idle:.0f} s idle (ms) | warm call (ms) | first/warm after idle |"
    )
    print("|---|---|---|---|---|---|---|")
    for space in args.spaces:
        at_once: dict[str, list] = {k: [] for k in roots}
        idle: dict[str, list] = {k: [] for k in roots}
        for _ in range(args.runs):  # in turn, so both checkouts see the same moments of a noisy machine
            for key, root in roots.items():
                at_once[key].append(one_run(root / "spaces" / space, args.python, 0.0, args.warm_n))
                idle[key].append(one_run(root / "spaces" / space, args.python, args.idle, args.warm_n))
        for key in roots:
            rows = at_once[key] + idle[key]
            warm = statistics.median(r["warm_ms"] for r in rows)
            ratio = statistics.median(r["first_ms"] / r["warm_ms"] for r in idle[key])
            print(
                f"| {space} | {key} | {_cell(rows, 'start_s', '.2f')} | {_cell(at_once[key], 'first_ms', '.0f')} | "
                f"{_cell(idle[key], 'first_ms', '.0f')} | {warm:.0f} | {ratio:.1f}x |",
                flush=True,
            )


if __name__ == "__main__":
    main()

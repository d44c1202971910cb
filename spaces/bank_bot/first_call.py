"""How long the first visitor waits: start the app, time the first API call, then warm ones; prints a table.

    python spaces/bank_bot/first_call.py [--warm-n 20]

Runs the app in this process on 127.0.0.1 (a free port) and calls ``/predict_intent`` with gradio_client.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

HERE = Path(__file__).resolve().parent
QUESTIONS = ("My card still hasn't arrived", "How do I change my PIN?", "Why was I charged a fee?")


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--warm-n", type=int, default=20)
    args = p.parse_args(argv)

    from gradio_client import Client

    from shared.ui import launch_kwargs

    t0 = time.perf_counter()
    spec = importlib.util.spec_from_file_location("bank_bot_app", HERE / "app.py")
    app = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(app)  # builds the demo; the model warms in the background (calls wait for it)
    start_s = time.perf_counter() - t0
    _, url, _ = app.demo.launch(prevent_thread_lock=True, quiet=True, **launch_kwargs(app.demo))
    try:
        client = Client(url, verbose=False)
        t0 = time.perf_counter()
        client.predict(QUESTIONS[0], api_name="/predict_intent")
        first_ms = (time.perf_counter() - t0) * 1000
        warm = []
        for i in range(args.warm_n):
            t0 = time.perf_counter()
            client.predict(QUESTIONS[i % len(QUESTIONS)], api_name="/predict_intent")
            warm.append((time.perf_counter() - t0) * 1000)
    finally:
        app.demo.close()
    out = {"start_s": start_s, "first_ms": first_ms, "warm_median_ms": statistics.median(warm)}
    print(f"load average {os.getloadavg()[0]:.1f}")
    print(f"| app start (import + build_demo) | first call | warm call (median of {len(warm)}) | first / warm |")
    print("|---|---|---|---|")
    print(
        f"| {start_s:.1f} s | {first_ms:.0f} ms | {out['warm_median_ms']:.0f} ms | "
        f"{first_ms / out['warm_median_ms']:.2f} |"
    )
    return out


if __name__ == "__main__":
    main()

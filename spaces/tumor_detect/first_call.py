"""Cold start and first call, as a visitor sees them: start ``python app.py``, time it until it answers
HTTP 200, then call ``/classify`` (with the heatmap) at once, then again ``--warm`` times.

Prints a Markdown table: cold start, first call, median warm call and their ratio (the first call should
be within 2x of a warm one: the app warms the model while the server starts).

Usage: python spaces/tumor_detect/first_call.py [--runs 3] [--warm 10]
"""

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

HERE = Path(__file__).resolve().parent
EXAMPLE = HERE / "examples" / "glioma_1.jpg"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_http(url: str, proc: subprocess.Popen, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"app.py exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=5) as resp:
                if resp.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.05)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")


def one_run(warm: int) -> dict[str, float]:
    from gradio_client import Client, handle_file

    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    env = {
        **os.environ,
        "GRADIO_SERVER_NAME": "127.0.0.1",
        "GRADIO_SERVER_PORT": str(port),
        "GRADIO_ANALYTICS_ENABLED": "False",
        "HF_HUB_OFFLINE": "1",
        "GRADIO_TEMP_DIR": tempfile.mkdtemp(prefix="td-first-call-"),
    }
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "app.py"], cwd=HERE, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        wait_for_http(url, proc)
        cold = time.perf_counter() - t0
        client = Client(url, verbose=False)
        file = handle_file(str(EXAMPLE))
        times = []
        for _ in range(warm + 1):
            t = time.perf_counter()
            client.predict(file, True, api_name="/classify")
            times.append(time.perf_counter() - t)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return {"cold": cold, "first": times[0], "warm": statistics.median(times[1:])}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3, help="fresh starts of app.py")
    ap.add_argument("--warm", type=int, default=10, help="calls after the first one, per start")
    args = ap.parse_args()
    rows = [one_run(args.warm) for _ in range(args.runs)]
    print("| run | cold start to HTTP 200 (s) | first call (s) | median warm call (s) | first / warm |")
    print("|---|---|---|---|---|")
    for i, r in enumerate(rows, 1):
        print(f"| {i} | {r['cold']:.2f} | {r['first']:.3f} | {r['warm']:.3f} | {r['first'] / r['warm']:.1f} |")


if __name__ == "__main__":
    main()

"""Load, soak and first-call checks against ``make serve`` (the launcher), started here on 127.0.0.1.

    .venv/bin/python scripts/load_test.py burst --clients 20 --seconds 60        # per Space, identical inputs
    .venv/bin/python scripts/load_test.py soak --clients 10 --minutes 20         # mixed; RSS and temp disk
    .venv/bin/python scripts/load_test.py first-call                             # first vs warm call
    .venv/bin/python scripts/load_test.py hostile                                # bad inputs: handled?

Prints one Markdown table per run. Every request goes to the local server this script starts and stops.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from gradio_client import Client, handle_file

from collection import SPACE_NAMES

ROOT = Path(__file__).resolve().parents[1]
EX = {name: ROOT / "spaces" / name / "examples" for name in SPACE_NAMES}


def call_bank_bot(client: Client, i: int) -> None:
    questions = ["I lost my card yesterday", "how do I top up by bank transfer", "what is the meaning of life"]
    out = json.loads(client.predict(questions[i % 3], api_name="/predict_intent"))  # the tool answers JSON text
    assert out.get("action"), out


def call_tumor_detect(client: Client, i: int) -> None:
    image = EX["tumor_detect"] / ("glioma_1.jpg" if i % 2 else "meningioma_1.jpg")
    out = client.predict(handle_file(str(image)), True, api_name="/analyse")  # the screen's event
    heatmap = out[2]
    path = heatmap if isinstance(heatmap, str) else (heatmap or {}).get("path")
    assert path and Path(path).stat().st_size > 1000, out  # the heatmap came back whole


def call_noise_removal(client: Client, i: int) -> None:
    import httpx

    voice = handle_file(str(EX["noise_removal"] / "voice_note_16k.flac"))
    out = json.loads(client.predict(voice, 100, api_name="/clean"))
    audio = httpx.get(out["url"], timeout=60).raise_for_status().content  # the tool answers JSON with a URL
    assert len(audio) > 1000, out  # the cleaned recording came back whole


CALLS: dict[str, Callable[[Client, int], None]] = {
    "bank_bot": call_bank_bot,
    "tumor_detect": call_tumor_detect,
    "noise_removal": call_noise_removal,
}


class Server:
    """``python launcher.py`` in a subprocess on a free local port, with its own Gradio temp folder."""

    def __init__(self) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.temp = Path(tempfile.mkdtemp(prefix="load-test-"))
        env = dict(os.environ, GRADIO_TEMP_DIR=str(self.temp), GRADIO_ANALYTICS_ENABLED="False", HF_HUB_OFFLINE="1")
        self.t0 = time.monotonic()
        self.proc = subprocess.Popen(
            [sys.executable, str(ROOT / "launcher.py"), "--port", str(self.port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=open(self.temp.parent / f"{self.temp.name}.log", "w"),
        )
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.url + "/", timeout=5):
                    break
            except OSError:
                time.sleep(0.5)
        else:
            self.stop()
            raise SystemExit("the launcher did not answer within 180 s")
        self.startup_s = time.monotonic() - self.t0
        self.log = self.temp.parent / f"{self.temp.name}.log"

    def rss_mb(self) -> float:
        """Resident memory of the server and its children (noise_removal's segment workers)."""
        total = 0
        pids = [self.proc.pid]
        try:
            pids += [int(p) for p in Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text().split()]
        except OSError:
            pass
        for pid in pids:
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
            except OSError:
                pass
        return total / 1024

    def temp_mb(self) -> float:
        """Bytes under the server's temp folder; files swept while we count are skipped."""
        total = 0
        for folder, _, names in os.walk(self.temp):
            for name in names:
                try:
                    total += os.stat(os.path.join(folder, name)).st_size
                except OSError:
                    pass
        return total / 1e6

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def run_clients(url: str, names: list[str], clients: int, seconds: float, stats: dict) -> None:
    """``clients`` threads, each with its own Client, calling its Space in a loop until time is up."""
    stop_at = time.monotonic() + seconds
    lock = threading.Lock()

    def worker(k: int) -> None:
        name = names[k % len(names)]
        try:
            client = Client(f"{url}/{name}/", verbose=False)
        except Exception as exc:
            with lock:
                stats[name]["errors"][f"connect: {type(exc).__name__}"] += 1
            return
        i = 0
        while time.monotonic() < stop_at:
            t = time.perf_counter()
            try:
                CALLS[name](client, i)
                with lock:
                    stats[name]["ok"] += 1
                    stats[name]["lat"].append(time.perf_counter() - t)
            except Exception as exc:
                with lock:
                    stats[name]["errors"][f"{type(exc).__name__}: {str(exc)[:80]}"] += 1
            i += 1

    threads = [threading.Thread(target=worker, args=(k,), daemon=True) for k in range(clients)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(seconds + 300)


def new_stats(names: list[str]) -> dict:
    return {n: {"ok": 0, "errors": Counter(), "lat": []} for n in names}


def report(stats: dict) -> None:
    print("| Space | calls | errors | p50 s | p95 s |\n| --- | --- | --- | --- | --- |")
    for name, s in stats.items():
        lat = sorted(s["lat"]) or [float("nan")]
        n_err = sum(s["errors"].values())
        p95 = lat[min(len(lat) - 1, int(0.95 * len(lat)))]
        print(f"| {name} | {s['ok'] + n_err} | {n_err} | {statistics.median(lat):.3f} | {p95:.3f} |")
        for err, n in s["errors"].most_common(5):
            print(f"|  | {n} × {err} | | | |")


def burst(args: argparse.Namespace) -> None:
    server = Server()
    try:
        for name in args.spaces:
            stats = new_stats([name])
            run_clients(server.url, [name], args.clients, args.seconds, stats)
            report(stats)
        truncated = server.log.read_text(errors="replace").count("Too little data for declared Content-Length")
        rss, temp = server.rss_mb(), server.temp_mb()
        print(f"\nserver log: {truncated} truncated responses; RSS {rss:.0f} MB; temp {temp:.1f} MB")
    finally:
        server.stop()


def soak(args: argparse.Namespace) -> None:
    server = Server()
    try:
        stats = new_stats(args.spaces)
        runner = threading.Thread(
            target=run_clients, args=(server.url, args.spaces, args.clients, args.minutes * 60, stats), daemon=True
        )
        runner.start()
        samples = []
        print("| minute | RSS MB | temp MB | calls so far |\n| --- | --- | --- | --- |")
        t0 = time.monotonic()
        while runner.is_alive():
            runner.join(timeout=60)
            calls = sum(s["ok"] + sum(s["errors"].values()) for s in stats.values())
            samples.append((time.monotonic() - t0, server.rss_mb(), server.temp_mb()))
            print(f"| {samples[-1][0] / 60:.1f} | {samples[-1][1]:.0f} | {samples[-1][2]:.1f} | {calls} |", flush=True)
        report(stats)
        last = [s for s in samples if s[0] >= samples[-1][0] - 600]  # the last ten minutes
        if len(last) >= 3:
            # RSS swings by tens of MB from minute to minute with what is in flight, so the trend is the
            # least-squares slope, not the difference of two samples
            import numpy as np

            t, rss = np.array([s[0] for s in last]), np.array([s[1] for s in last])
            slope = np.polyfit(t, rss, 1)[0]  # MB per second
            growth = 100 * slope * (t[-1] - t[0]) / rss.mean()
            print(
                f"\nRSS over the last {(t[-1] - t[0]) / 60:.0f} minutes: {rss.min():.0f}-{rss.max():.0f} MB, "
                f"trend {slope * 60:+.1f} MB/min ({growth:+.1f}% over the span)"
            )
            print(f"temp disk: max {max(s[2] for s in samples):.1f} MB, end {samples[-1][2]:.1f} MB")
    finally:
        server.stop()


def first_call(args: argparse.Namespace) -> None:
    server = Server()
    try:
        print(f"launcher up in {server.startup_s:.1f} s\n")
        print("| Space | first call s | warm median s | ratio |\n| --- | --- | --- | --- |")
        for name in args.spaces:
            client = Client(f"{server.url}/{name}/", verbose=False)
            t = time.perf_counter()
            CALLS[name](client, 1)
            first = time.perf_counter() - t
            warm = []
            for _ in range(7):
                t = time.perf_counter()
                CALLS[name](client, 1)
                warm.append(time.perf_counter() - t)
            med = statistics.median(warm)
            print(f"| {name} | {first:.3f} | {med:.3f} | {first / med:.2f} |")
    finally:
        server.stop()


def hostile_files(folder: Path) -> dict[str, Path]:
    """Files no Space should choke on: empty, text posing as media, truncated media, a huge image."""
    import numpy as np
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "empty.png": b"",
        "text.png": b"hello, this is not an image",
        "text.wav": b"RIFF but not really a wave file",
        "empty.wav": b"",
        "garbage.dcm": b"DICM" + os.urandom(2048),
        "html.jpg": b"<html><script>alert(1)</script></html>",
    }
    out = {}
    for name, data in files.items():
        (folder / name).write_bytes(data)
        out[name] = folder / name
    real = EX["tumor_detect"] / "glioma_1.jpg"
    (folder / "truncated.jpg").write_bytes(real.read_bytes()[:2000])
    out["truncated.jpg"] = folder / "truncated.jpg"
    Image.fromarray(np.zeros((9000, 9000), np.uint8)).save(folder / "huge.png")
    out["huge.png"] = folder / "huge.png"
    import wave

    with wave.open(str(folder / "one_sample.wav"), "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(16000), w.writeframes(b"\x00\x00")
    out["one_sample.wav"] = folder / "one_sample.wav"
    return out


UNHANDLED = "has not enabled verbose error reporting"


def hostile(args: argparse.Namespace) -> None:
    """Every bad input must come back as a result or a friendly gr.Error, never an unhandled exception."""
    server = Server()
    try:
        files = hostile_files(server.temp.parent / f"{server.temp.name}-hostile")
        texts = [
            "",
            " " * 5000,
            "\x00\x01\x02",
            "<script>alert(1)</script>",
            "a" * 100_000,
            "🙂" * 500,
            '=HYPERLINK("http://x")',
            "SELECT * FROM users; --",
        ]
        cases: list[tuple[str, str, tuple]] = []
        for t in texts:
            cases += [("bank_bot", "/predict_intent", (t,)), ("bank_bot", "/chat", (t,))]
        for f in files.values():
            cases.append(("tumor_detect", "/classify", (handle_file(str(f)), True)))
            cases.append(("noise_removal", "/clean", (handle_file(str(f)), 100)))
        cases.append(("tumor_detect", "/classify", (None, True)))
        cases.append(("noise_removal", "/clean", (None, 100)))
        counts: Counter = Counter()
        clients = {n: Client(f"{server.url}/{n}/", verbose=False) for n in args.spaces}
        for name, api, inputs in cases:
            if name not in clients:
                continue
            try:
                clients[name].predict(*inputs, api_name=api)
                counts[(name, "result")] += 1
            except Exception as exc:
                kind = "unhandled" if UNHANDLED in str(exc) or not str(exc).strip() else "friendly error"
                counts[(name, kind)] += 1
                if kind == "unhandled":
                    print(f"UNHANDLED: {name} {api} {[str(i)[:40] for i in inputs]}")
        alive = server.proc.poll() is None
        print("| Space | inputs | results | friendly errors | unhandled |\n| --- | --- | --- | --- | --- |")
        for n in clients:
            r, f, u = (counts[(n, k)] for k in ("result", "friendly error", "unhandled"))
            print(f"| {n} | {r + f + u} | {r} | {f} | {u} |")
        print(f"\nserver still up: {alive}")
    finally:
        server.stop()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="mode", required=True)
    b = sub.add_parser("burst")
    b.add_argument("--clients", type=int, default=20)
    b.add_argument("--seconds", type=float, default=60)
    s = sub.add_parser("soak")
    s.add_argument("--clients", type=int, default=10)
    s.add_argument("--minutes", type=float, default=20)
    f = sub.add_parser("first-call")
    h = sub.add_parser("hostile")
    for q in (b, s, f, h):
        q.add_argument("--spaces", nargs="*", default=list(SPACE_NAMES), choices=SPACE_NAMES)
    args = p.parse_args()
    {"burst": burst, "soak": soak, "first-call": first_call, "hostile": hostile}[args.mode](args)


if __name__ == "__main__":
    main()

"""Compare DeepFilterNet3 (the app's code path) with RNNoise, spectral gating and the noisy input.

    python spaces/noise_removal/benchmark.py --kit ../shared/data [--mix DIR] [--long-minutes 10]

Prints a markdown table of wide-band PESQ, STOI, SI-SDR and real-time factor on the same clips
(by default the 36 mixtures make_mixtures.py builds from the kit), then times the real app
(started as a subprocess): cold start, one long file through its /clean endpoint, peak RSS.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr
from make_mixtures import DEFAULT_KIT
from make_mixtures import build as build_mixtures

from voiceclean import clean, metrics

HERE = Path(__file__).resolve().parent

RNNOISE_LAG = 960  # samples at 48 kHz that pyrnnoise's output lags its input


def rnnoise(x: np.ndarray, rate: int) -> np.ndarray:
    """RNNoise (pyrnnoise's compiled library) with its 960-sample lag removed; same length out."""
    from pyrnnoise.rnnoise import FRAME_SIZE, create, destroy, lib

    y = soxr.resample(x, rate, 48_000) if rate != 48_000 else x
    n = len(y)
    buf = np.pad(y.astype(np.float32) * 32768.0, (0, RNNOISE_LAG + (-(n + RNNOISE_LAG)) % FRAME_SIZE))
    buf = np.ascontiguousarray(buf, dtype=np.float32)
    state = create()
    try:
        for i in range(0, len(buf), FRAME_SIZE):
            frame = buf[i : i + FRAME_SIZE]
            ptr = frame.ctypes.data_as(ctypes.POINTER(ctypes.c_float))
            lib.rnnoise_process_frame(state, ptr, ptr)
    finally:
        destroy(state)
    out = buf[RNNOISE_LAG : RNNOISE_LAG + n] / 32768.0
    out = soxr.resample(out, 48_000, rate) if rate != 48_000 else out
    return np.pad(out, (0, max(0, len(x) - len(out))))[: len(x)].astype(np.float32)


def spectral_gating(x: np.ndarray, rate: int) -> np.ndarray:
    import noisereduce

    return noisereduce.reduce_noise(y=x, sr=rate).astype(np.float32)


def run_quality(mix: Path) -> list[dict]:
    names = sorted(p.name for p in (mix / "noisy").glob("*.wav"))
    engines = [
        "noisy input",
        "DeepFilterNet3, ONNX Runtime (this app)",
        "RNNoise (pyrnnoise)",
        "spectral gating (noisereduce)",
    ]
    scores = {e: {"pesq": [], "stoi": [], "si_sdr": [], "seconds": 0.0} for e in engines}
    audio_seconds = 0.0
    with tempfile.TemporaryDirectory(prefix="nr-bench-") as tmp:
        clean.warm_up(tmp)  # verify the model and load the ONNX Runtime sessions outside the timing
        for name in names:
            ref = metrics.load_mono(mix / "clean" / name)
            noisy_path = mix / "noisy" / name
            x, rate = sf.read(noisy_path, dtype="float32")
            audio_seconds += len(x) / rate
            for engine in engines:
                t0 = time.perf_counter()
                if engine.startswith("DeepFilterNet3"):
                    y, _ = sf.read(clean.clean_file(noisy_path, Path(tmp) / "out.wav").path, dtype="float32")
                elif engine.startswith("RNNoise"):
                    y = rnnoise(x, rate)
                elif engine.startswith("spectral"):
                    y = spectral_gating(x, rate)
                else:
                    y = x
                scores[engine]["seconds"] += time.perf_counter() - t0
                y16 = soxr.resample(y, rate, metrics.METRIC_RATE) if rate != metrics.METRIC_RATE else y
                for k, v in metrics.all_metrics(ref, y16).items():
                    scores[engine][k].append(v)
    rows = []
    for e in engines:
        s = scores[e]
        rows.append(
            {
                "engine": e,
                "pesq": metrics.nanmean(s["pesq"]),
                "stoi": metrics.nanmean(s["stoi"]),
                "si_sdr": metrics.nanmean(s["si_sdr"]),
                "rtf": s["seconds"] / audio_seconds if not e.startswith("noisy") else None,
            }
        )
    return rows, len(names), audio_seconds


def make_long_file(mix: Path, minutes: float, path: Path, rate: int = 48_000) -> float:
    """A long 48 kHz mono podcast-like file: the noisy mixtures back to back, repeated."""
    pieces = [metrics.load_mono(p, rate) for p in sorted((mix / "noisy").glob("*.wav"))]
    one = np.concatenate(pieces)
    total = int(minutes * 60 * rate)
    with sf.SoundFile(str(path), "w", rate, 1, subtype="PCM_16") as f:
        written = 0
        while written < total:
            part = one[: total - written]
            f.write(part)
            written += len(part)
    return total / rate


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _proc_status(pid: int, key: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024.0  # MB
    return float("nan")


def _warm_this_client(example) -> None:
    """Make one call from this process to a throwaway echo app first, so the app's first-call time
    below is the server's, not this process's own first imports and connections."""
    import gradio as gr
    from gradio_client import Client

    echo = gr.Interface(lambda a: a, gr.Audio(type="filepath"), gr.Audio(type="filepath"), api_name="echo")
    _, url, _ = echo.launch(prevent_thread_lock=True, quiet=True)
    try:
        Client(url, verbose=False).predict(example, api_name="/echo")
    finally:
        echo.close()


def time_app(long_path: Path, long_seconds: float) -> dict:
    """Start app.py as a real server, time its cold start, its first and a warm call on an example,
    and one long file through /clean."""
    from gradio_client import Client, handle_file

    example = handle_file(str(HERE / "examples" / "podcast_fan_noise_48k.wav"))
    _warm_this_client(example)
    port = _free_port()
    env = dict(os.environ, GRADIO_SERVER_PORT=str(port), GRADIO_ANALYTICS_ENABLED="False", HF_HUB_OFFLINE="1")
    env["GRADIO_TEMP_DIR"] = tempfile.mkdtemp(prefix="nr-bench-gradio-")
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, str(HERE / "app.py")], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        while True:
            try:
                with urllib.request.urlopen(url, timeout=2) as r:
                    if r.status == 200:
                        break
            except Exception:
                if proc.poll() is not None or time.perf_counter() - t0 > 120:
                    raise RuntimeError("the app did not start") from None
                time.sleep(0.05)
        cold = time.perf_counter() - t0
        idle_rss = _proc_status(proc.pid, "VmRSS")
        client = Client(url, verbose=False)
        calls = []
        for _ in range(3):  # the first call after start, then warm ones
            t1 = time.perf_counter()
            client.predict(example, 100, api_name="/clean")
            calls.append(time.perf_counter() - t1)
        t1 = time.perf_counter()
        out_path, _, _, report = client.predict(handle_file(str(long_path)), 100, api_name="/clean")
        round_trip = time.perf_counter() - t1
        peak_rss = _proc_status(proc.pid, "VmHWM")
        info = sf.info(out_path)
        processing = float(report.split("cleaned in ")[1].split(" s")[0])
        return {
            "cold_start_s": round(cold, 2),
            "first_call_s": round(calls[0], 3),
            "warm_call_s": round(min(calls[1:]), 3),
            "idle_rss_mb": round(idle_rss, 1),
            "long_file_minutes": round(long_seconds / 60, 2),
            "long_file_processing_s": processing,
            "long_file_round_trip_s": round(round_trip, 2),
            "long_file_rtf": round(processing / long_seconds, 4),
            "peak_rss_mb": round(peak_rss, 1),
            "output_same_length": info.frames == sf.info(str(long_path)).frames,
        }
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def print_quality(mix: Path) -> None:
    load_before = os.getloadavg()[0]
    rows, n, seconds = run_quality(mix)
    noisy = rows[0]
    print(f"\n{n} clips, {seconds:.0f} s of 16 kHz speech + kit noise at 0/5/10 dB SNR")
    load_after = os.getloadavg()[0]
    print(f"load average (1 min) before/after: {load_before:.2f}/{load_after:.2f}, {os.cpu_count()} cores\n")
    print("| engine | PESQ-WB | STOI | SI-SDR (dB) | ΔSI-SDR (dB) | RTF |")
    print("| --- | --- | --- | --- | --- | --- |")
    for r in rows:
        delta = r["si_sdr"] - noisy["si_sdr"]
        print(
            f"| {r['engine']} | {fmt(r['pesq'])} | {fmt(r['stoi'], 3)} | {fmt(r['si_sdr'], 1)} | "
            f"{fmt(delta if r is not noisy else None, 1)} | {fmt(r['rtf'], 3)} |",
            flush=True,
        )


def fmt(v, digits=2):
    return "–" if v is None or (isinstance(v, float) and np.isnan(v)) else f"{v:.{digits}f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kit", type=Path, default=DEFAULT_KIT)
    ap.add_argument("--mix", type=Path, default=None, help="existing make_mixtures.py output")
    ap.add_argument("--long-minutes", type=float, default=10.0, help="0 skips the app timing")
    ap.add_argument("--skip-quality", action="store_true", help="only time the app")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="nr-bench-mix-") as tmp:
        mix = args.mix
        if mix is None:
            mix = Path(tmp) / "mix"
            build_mixtures(args.kit, mix)
        if not args.skip_quality:
            print_quality(mix)
        if args.long_minutes > 0:
            long_path = Path(tmp) / "long.wav"
            long_s = make_long_file(mix, args.long_minutes, long_path)
            load_before = os.getloadavg()[0]
            timing = time_app(long_path, long_s)
            timing["load_average_1min_before_after"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
            print("\nApp timing (app.py as a server, /clean through gradio_client, 48 kHz mono WAV):")
            print(json.dumps(timing, indent=2))


if __name__ == "__main__":
    main()

"""Run each Space's batch job on the GPU and on the CPU, and print how well they agree and the speed-up.

    python scripts/gpu_check.py [--banking77 DATA/banking77/train.csv] [--messages 2000]
                                [--images DIR] [--audio DIR] [--keep DIR]

Without CUDA (no CUDA build of torch seeing a GPU, and no onnxruntime-gpu) it prints "no CUDA" and exits 0.

Each job runs as its Space's own batch CLI (``spaces/<name>/batch.py ... --workers 1``) twice, with
``COMPUTE_DEVICE=cuda`` and ``COMPUTE_DEVICE=cpu`` (the device is chosen once per process, in
``shared.device``). Agreement:
- bank_bot: same intent and action for every message; largest confidence difference;
- tumor_detect: same status and label for every slice; largest probability difference;
- noise_removal: same length, rate and channels; SI-SDR (dB) of the GPU-cleaned file against the CPU-cleaned
  one (higher is closer; 40 dB and more means the difference is inaudible).
Inputs default to the Spaces' own examples; pass the data kit for a run that means something for speed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SPACES = ROOT / "spaces"


def cuda_devices() -> list[str]:
    """What can run on CUDA here: "torch" (a CUDA build that sees a GPU) and/or "onnxruntime"."""
    found = []
    try:
        import torch

        if torch.cuda.is_available():
            found.append("torch")
    except ImportError:
        pass
    try:
        import onnxruntime as ort

        # the CUDA build lists its provider on any machine: count it only where a GPU is visible
        gpu_visible = bool(found) or shutil.which("nvidia-smi") is not None
        if "CUDAExecutionProvider" in ort.get_available_providers() and gpu_visible:
            found.append("onnxruntime")
    except ImportError:
        pass
    return found


def run_cli(space: str, args: list[str], device: str) -> dict:
    env = {**os.environ, "COMPUTE_DEVICE": device, "HF_HUB_OFFLINE": "1"}
    cmd = [sys.executable, str(SPACES / space / "batch.py"), *args, "--workers", "1", "--quiet"]
    out = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if out.returncode != 0:
        raise RuntimeError(f"{space} on {device} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def bank_bot_input(args, work: Path) -> Path:
    import pandas as pd

    if args.banking77:
        texts = pd.read_csv(args.banking77)["text"].astype(str).tolist()[: args.messages]
    else:
        texts = [t for t in (SPACES / "bank_bot" / "examples" / "questions.txt").read_text().splitlines() if t.strip()]
    path = work / "messages.csv"
    pd.DataFrame({"text": texts}).to_csv(path, index=False)
    return path


def compare_bank_bot(a: Path, b: Path) -> str:
    import pandas as pd

    x, y = pd.read_csv(a), pd.read_csv(b)
    same = (x["intent"].fillna("") == y["intent"].fillna("")) & (x["action"] == y["action"])
    diff = (x["confidence"] - y["confidence"]).abs().max()
    return f"same intent and action {same.mean():.2%}; max confidence difference {diff:.2e}"


def compare_tumor(a: Path, b: Path) -> str:
    import pandas as pd

    from braintumor import CLASSES

    x, y = pd.read_csv(a).set_index("path"), pd.read_csv(b).set_index("path")
    y = y.loc[x.index]
    same = (x["status"] == y["status"]) & (x["label"].fillna("") == y["label"].fillna(""))
    cols = [f"p_{c}" for c in CLASSES]
    diff = (x[cols] - y[cols]).abs().max().max()
    return f"same status and label {same.mean():.2%}; max probability difference {diff:.2e}"


def compare_noise(a: Path, b: Path) -> str:
    import numpy as np
    import soundfile as sf

    from voiceclean.metrics import si_sdr

    scores, shape_ok = [], True
    for f in sorted(p for p in a.rglob("*") if p.is_file() and p.name != "report.csv"):
        g = b / f.relative_to(a)
        if not g.is_file():
            shape_ok = False
            continue
        x, rx = sf.read(str(f), dtype="float32", always_2d=True)
        y, ry = sf.read(str(g), dtype="float32", always_2d=True)
        shape_ok &= x.shape == y.shape and rx == ry
        scores += [si_sdr(x[:, c], y[:, c]) for c in range(min(x.shape[1], y.shape[1])) if np.any(x[:, c])]
    worst = min(scores) if scores else float("nan")
    return f"same length/rate/channels: {'yes' if shape_ok else 'NO'}; SI-SDR GPU vs CPU: min {worst:.1f} dB"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--banking77", type=Path, help="a CSV with a text column (e.g. the data kit's Banking77 train)")
    p.add_argument("--messages", type=int, default=2000)
    p.add_argument("--images", type=Path, default=SPACES / "tumor_detect" / "examples")
    p.add_argument("--audio", type=Path, default=SPACES / "noise_removal" / "examples")
    p.add_argument("--keep", type=Path, help="keep the outputs in this folder")
    args = p.parse_args(argv)

    found = cuda_devices()
    if not found:
        print("no CUDA: torch sees no GPU and onnxruntime-gpu is not usable here; nothing to compare.")
        return 0

    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="gpu-check-"))
    work.mkdir(parents=True, exist_ok=True)
    jobs = [
        ("bank_bot", "torch", lambda: [str(bank_bot_input(args, work))], "labels.csv", compare_bank_bot),
        ("tumor_detect", "torch", lambda: [str(args.images)], "slices.csv", compare_tumor),
        ("noise_removal", "onnxruntime", lambda: [str(args.audio)], "cleaned", compare_noise),
    ]
    print(f"CUDA through: {', '.join(found)}")
    print("| Space | items | CPU items/s | GPU items/s | speed-up | agreement |")
    print("|---|---|---|---|---|---|")
    for space, needs, inputs, out_name, compare in jobs:
        if needs not in found:
            print(f"| {space} | - | - | - | - | skipped: no CUDA for {needs} |")
            continue
        src = inputs()
        outs, summaries = {}, {}
        for device in ("cpu", "cuda"):
            outs[device] = work / space / device / out_name
            outs[device].parent.mkdir(parents=True, exist_ok=True)
            summaries[device] = run_cli(space, [*src, str(outs[device])], device)
        cpu, gpu = summaries["cpu"], summaries["cuda"]
        speed = gpu["items_per_second"] / cpu["items_per_second"] if cpu["items_per_second"] else float("nan")
        print(
            f"| {space} | {cpu['items']} | {cpu['items_per_second']:.1f} | {gpu['items_per_second']:.1f} | "
            f"{speed:.1f}x | {compare(outs['cuda'], outs['cpu'])} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

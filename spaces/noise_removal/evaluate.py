"""Score the app's noise removal on paired clean/noisy files; prints one JSON object.

    python spaces/noise_removal/evaluate.py --clean DIR --noisy DIR [--strength 100]

Files are paired by name (the stem; extensions may differ) and may have any sample rate.
Metrics are computed at 16 kHz mono: wide-band PESQ, STOI and SI-SDR (dB), means over files.
`rtf` is wall-clock processing time per second of audio through the app's own code path
(decode, resample, DeepFilterNet3 through ONNX Runtime, write WAV, spectrograms); `cpu_rtf` is the
same in CPU time,
which depends less on other processes competing for the cores. The one-minute load average is
reported with them.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import soundfile as sf

from voiceclean import clean, metrics
from voiceclean.enhance import STRENGTH_MAX_DB

HERE = Path(__file__).resolve().parent

AUDIO_EXT = {".wav", ".flac", ".mp3", ".ogg", ".m4a"}


def pairs(clean_dir: Path, noisy_dir: Path) -> list[tuple[Path, Path]]:
    refs = {p.stem: p for p in clean_dir.iterdir() if p.suffix.lower() in AUDIO_EXT}
    noisy = {p.stem: p for p in noisy_dir.iterdir() if p.suffix.lower() in AUDIO_EXT}
    common = sorted(set(refs) & set(noisy))
    if not common:
        raise SystemExit(f"no files with matching names in {clean_dir} and {noisy_dir}")
    return [(refs[s], noisy[s]) for s in common]


def evaluate(clean_dir: Path, noisy_dir: Path, strength: float = STRENGTH_MAX_DB) -> dict:
    rows, proc_s, cpu_s, audio_s = [], 0.0, 0.0, 0.0
    unpaired = 0
    with tempfile.TemporaryDirectory(prefix="nr-eval-") as tmp:
        clean.warm_up(tmp)  # verify and load outside the timed region (startup cost, not per file)
        pngs = (Path(tmp) / "before.png", Path(tmp) / "after.png")  # timed like the app, which draws them
        for clean_path, noisy_path in pairs(clean_dir, noisy_dir):
            t0, c0 = time.perf_counter(), time.process_time()
            result = clean.clean_file(noisy_path, Path(tmp) / "out.wav", strength, spectrograms=pngs)
            proc_s += time.perf_counter() - t0
            cpu_s += time.process_time() - c0
            audio_s += result.duration
            ref = metrics.load_mono(clean_path)
            noisy = metrics.load_mono(noisy_path)
            enhanced = metrics.load_mono(result.path)
            if abs(len(ref) - len(noisy)) > 160:
                unpaired += 1
            row = {"file": noisy_path.name}
            for tag, sig in (("noisy", noisy), ("enhanced", enhanced)):
                for k, v in metrics.all_metrics(ref, sig).items():
                    row[f"{tag}_{k}"] = v
            rows.append(row)
            os.unlink(result.path)
    out = {"files": len(rows), "strength_db": strength}
    for key in ("pesq", "stoi", "si_sdr"):
        for tag in ("noisy", "enhanced"):
            out[f"{tag}_{key}"] = round(metrics.nanmean(r[f"{tag}_{key}"] for r in rows), 4)
    out["pesq_improvement"] = round(out["enhanced_pesq"] - out["noisy_pesq"], 4)
    out["si_sdr_improvement"] = round(out["enhanced_si_sdr"] - out["noisy_si_sdr"], 4)
    out["rtf"] = round(proc_s / max(audio_s, 1e-9), 4)
    out["cpu_rtf"] = round(cpu_s / max(audio_s, 1e-9), 4)  # CPU seconds per audio second (less load-bound)
    out["audio_seconds"] = round(audio_s, 2)
    out["load_average_1min"] = round(os.getloadavg()[0], 2)
    out["cpu_count"] = os.cpu_count()
    if unpaired:
        out["warning"] = f"{unpaired} pairs differ in length by more than 10 ms"
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clean", type=Path, required=True, help="folder of clean reference files")
    ap.add_argument("--noisy", type=Path, required=True, help="folder of noisy files with the same names")
    ap.add_argument("--strength", type=float, default=STRENGTH_MAX_DB, help="strength (attenuation limit) in dB")
    args = ap.parse_args()
    sf.default_subtype("WAV")  # touch soundfile early: fail fast if libsndfile is missing
    print(json.dumps(evaluate(args.clean, args.noisy, args.strength), indent=2))


if __name__ == "__main__":
    main()

"""Build a noisy/clean evaluation set from the data kit: every clean utterance at 0, 5 and 10 dB SNR.

    python spaces/noise_removal/make_mixtures.py --kit ../shared/data --out /tmp/nr_mix
    # then: python spaces/noise_removal/evaluate.py --clean /tmp/nr_mix/clean --noisy /tmp/nr_mix/noisy

All kit noise is used here (including the CC BY-NC ESC-50 clips): this set is for local
evaluation only and is never shipped. Files are 16 kHz mono; clean and noisy share file names.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

HERE = Path(__file__).resolve().parent
DEFAULT_KIT = HERE.parents[2] / "shared" / "data"
RATE = 16_000
SNRS = (0, 5, 10)


def load(path: Path) -> np.ndarray:
    x, sr = sf.read(str(path), dtype="float32", always_2d=True)
    x = x.mean(axis=1)
    return soxr.resample(x, sr, RATE).astype(np.float32) if sr != RATE else x


def build(kit: Path, out: Path, seed: int = 0) -> list[str]:
    rng = np.random.default_rng(seed)
    cleans = sorted((kit / "speech" / "clean").glob("*.wav"))
    noises = sorted((kit / "speech" / "noise").glob("*.wav"))
    if not cleans or not noises:
        raise SystemExit(f"no speech/clean or speech/noise wav files under {kit}")
    (out / "clean").mkdir(parents=True, exist_ok=True)
    (out / "noisy").mkdir(parents=True, exist_ok=True)
    noise_audio = {p.stem: load(p) for p in noises}
    names = []
    k = 0
    for c in cleans:
        speech = load(c)
        for snr in SNRS:
            nstem = noises[k % len(noises)].stem
            k += 1
            noise = noise_audio[nstem]
            if len(noise) < len(speech):
                noise = np.tile(noise, int(np.ceil(len(speech) / len(noise))))
            # Some clips (ESC-50 events) are mostly silent: draw a segment that carries noise,
            # else the "mixture" is clean speech with an infinite SNR.
            clip_power = float(np.mean(noise**2))
            best, best_power = 0, -1.0
            for _ in range(50):
                start = int(rng.integers(0, len(noise) - len(speech) + 1))
                power = float(np.mean(noise[start : start + len(speech)] ** 2))
                if power > best_power:
                    best, best_power = start, power
                if power >= 0.5 * clip_power:
                    break
            n = noise[best : best + len(speech)]
            gain = np.sqrt(np.mean(speech**2) / (np.mean(n**2) * 10 ** (snr / 10) + 1e-12))
            noisy = speech + gain * n
            peak = max(1.0, float(np.abs(noisy).max()) / 0.95)
            name = f"{c.stem}__{nstem}__{snr}dB.wav"
            sf.write(out / "clean" / name, speech / peak, RATE, subtype="FLOAT")
            sf.write(out / "noisy" / name, noisy / peak, RATE, subtype="FLOAT")
            names.append(name)
    return names


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kit", type=Path, default=DEFAULT_KIT)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    names = build(args.kit, args.out, args.seed)
    print(f"wrote {len(names)} pairs to {args.out}/clean and {args.out}/noisy")


if __name__ == "__main__":
    main()

"""Build the example clips in examples/ from licence-clean kit sources.

Speech: speechbrain test utterances (Apache-2.0). Noise: freesound #573577 (CC0), the only
noise clip in the kit that may be redistributed (the ESC-50 clips are CC BY-NC).

    python spaces/noise_removal/make_examples.py --kit ../shared/data
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

HERE = Path(__file__).resolve().parent
DEFAULT_KIT = HERE.parents[2] / "shared" / "data"
NOISE = "freesound_573577_cc0.wav"

# (output name, utterances, output rate, channels, SNR dB, format subtype)
EXAMPLES = [
    ("podcast_fan_noise_48k.wav", ["spk1_snt2"], 48_000, 1, 5.0, "PCM_16"),
    ("interview_stereo_44k.wav", ["spk2_snt1", "spk2_snt3"], 44_100, 2, 0.0, "PCM_16"),
    ("voice_note_16k.flac", ["spk1_snt4"], 16_000, 1, 10.0, "PCM_16"),
]


def load(path: Path, rate: int) -> np.ndarray:
    x, sr = sf.read(str(path), dtype="float32", always_2d=True)
    x = x.mean(axis=1)
    return soxr.resample(x, sr, rate).astype(np.float32) if sr != rate else x


def mix(speech: np.ndarray, noise: np.ndarray, snr_db: float) -> np.ndarray:
    p_s = np.mean(speech**2) + 1e-12
    p_n = np.mean(noise**2) + 1e-12
    return speech + noise * np.sqrt(p_s / (p_n * 10 ** (snr_db / 10)))


def build(kit: Path, out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, utts, rate, channels, snr, subtype in EXAMPLES:
        gap = np.zeros(int(0.3 * rate), np.float32)
        parts = [gap]
        for u in utts:
            parts += [load(kit / "speech" / "clean" / f"{u}.wav", rate), gap]
        speech = np.concatenate(parts)
        noise = load(kit / "speech" / "noise" / NOISE, rate)
        if len(noise) < len(speech):
            raise SystemExit(f"{name}: speech ({len(speech) / rate:.2f} s) is longer than the noise clip")
        cols = []
        for c in range(channels):
            offset = int(c * 0.7 * rate) % max(1, len(noise) - len(speech) + 1)
            n = noise[offset : offset + len(speech)]
            # a stereo file gets a slightly different speech level per side, like two mics
            cols.append(mix(speech * (1.0 - 0.25 * c), n, snr))
        y = np.stack(cols, axis=1)
        y *= 0.7 / max(1e-6, float(np.abs(y).max()))
        path = out_dir / name
        sf.write(str(path), y if channels > 1 else y[:, 0], rate, subtype=subtype)
        written.append(path)
    return written


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kit", type=Path, default=DEFAULT_KIT, help="data kit root (holds speech/)")
    ap.add_argument("--out", type=Path, default=HERE / "examples")
    args = ap.parse_args()
    for p in build(args.kit, args.out):
        info = sf.info(str(p))
        print(f"{p.name}: {info.samplerate} Hz, {info.channels} ch, {info.duration:.2f} s")


if __name__ == "__main__":
    main()

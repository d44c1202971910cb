"""Before/after spectrogram pictures, built block by block (memory stays small for long files)."""

from __future__ import annotations

import os
import struct
import zlib

import numpy as np

# A perceptually ordered dark-to-bright palette (approximates "magma") as RGB anchors.
_ANCHORS = np.array(
    [
        [0, 0, 4],
        [40, 11, 84],
        [101, 21, 110],
        [159, 42, 99],
        [212, 72, 66],
        [245, 125, 21],
        [250, 193, 39],
        [252, 253, 191],
    ],
    dtype=np.float32,
)


def colorize(values: np.ndarray) -> np.ndarray:
    """Map values in [0, 1] to uint8 RGB."""
    v = np.clip(values, 0.0, 1.0) * (len(_ANCHORS) - 1)
    lo = np.floor(v).astype(int)
    hi = np.minimum(lo + 1, len(_ANCHORS) - 1)
    t = (v - lo)[..., None]
    return (_ANCHORS[lo] * (1 - t) + _ANCHORS[hi] * t).astype(np.uint8)


class SpectrogramBuilder:
    """Accumulates a power spectrogram of a mono stream into at most ``width`` time columns."""

    def __init__(self, rate: int, total_frames: int, width: int = 800, height: int = 200):
        self.rate = rate
        self.n_fft = 2048 if rate > 24_000 else 512 if rate <= 12_000 else 1024
        self.hop = self.n_fft // 2
        n_stft = max(1, (max(total_frames, self.n_fft) - self.n_fft) // self.hop + 1)
        self.group = max(1, int(np.ceil(n_stft / width)))
        self.height = height
        self.window = np.hanning(self.n_fft).astype(np.float32)
        self._buf = np.zeros(0, np.float32)
        self._pending: list[np.ndarray] = []
        self._columns: list[np.ndarray] = []
        edges = np.linspace(0, self.n_fft // 2 + 1, height + 1).astype(int)
        self._edges = edges  # row r pools FFT bins edges[r] .. edges[r + 1]

    def _rows(self, power: np.ndarray) -> np.ndarray:
        """Pool FFT bins into ``height`` rows (mean power per row)."""
        sums = np.add.reduceat(power, self._edges[:-1], axis=-1)
        counts = np.maximum(np.diff(self._edges), 1)
        return sums / counts

    def push(self, block: np.ndarray) -> None:
        x = np.concatenate([self._buf, np.asarray(block, np.float32).reshape(-1)])
        n = (len(x) - self.n_fft) // self.hop + 1 if len(x) >= self.n_fft else 0
        if n > 0:
            idx = np.arange(self.n_fft)[None, :] + self.hop * np.arange(n)[:, None]
            frames = x[idx] * self.window
            power = np.abs(np.fft.rfft(frames, axis=-1)) ** 2
            self._pending.extend(self._rows(power.astype(np.float32)))
            while len(self._pending) >= self.group:
                chunk, self._pending = self._pending[: self.group], self._pending[self.group :]
                self._columns.append(np.mean(chunk, axis=0))
        self._buf = x[n * self.hop :]

    def finish(self) -> np.ndarray:
        if len(self._buf) and not self._columns and not self._pending:
            padded = np.pad(self._buf, (0, self.n_fft - len(self._buf)))
            self._buf = np.zeros(0, np.float32)
            self.push(padded)
        if self._pending:
            self._columns.append(np.mean(self._pending, axis=0))
            self._pending = []
        if not self._columns:
            return np.zeros((self.height, 1), np.float32)
        return np.stack(self._columns, axis=1)  # (height, columns), low frequencies first


def render_pair(before: np.ndarray, after: np.ndarray, dynamic_db: float = 80.0) -> tuple[np.ndarray, np.ndarray]:
    """Two RGB images on the same colour scale (so 'after' looks darker where noise was removed)."""
    db_b = 10 * np.log10(before + 1e-12)
    db_a = 10 * np.log10(after + 1e-12)
    top = max(float(db_b.max(initial=-120.0)), float(db_a.max(initial=-120.0)))
    bottom = top - dynamic_db

    def image(db: np.ndarray) -> np.ndarray:
        img = colorize((db - bottom) / dynamic_db)[::-1]  # high frequencies at the top
        if img.shape[1] < 200:  # short clips: stretch so the picture is readable
            img = np.repeat(img, int(np.ceil(200 / img.shape[1])), axis=1)
        return img

    return image(db_b), image(db_a)


def save_png(image: np.ndarray, path: str | os.PathLike) -> None:
    """Write an (height, width, 3) uint8 RGB image as a PNG (no imaging library needed)."""
    img = np.ascontiguousarray(image, dtype=np.uint8)
    height, width = img.shape[:2]
    rows = np.concatenate([np.zeros((height, 1), np.uint8), img.reshape(height, width * 3)], axis=1)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB, no interlace
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows.tobytes(), 6))
    with open(path, "wb") as fh:
        fh.write(png + chunk(b"IEND", b""))

"""Images that are NOT brain MRI, for testing the input check without other MRI collections.

Everything is generated here (noise, rendered documents, synthetic ultrasound- and X-ray-like
images, charts) or taken from files that ship with installed packages (matplotlib's sample photos)
or the machine (PNG/JPEG figures in local documentation). The synthetic ultrasound and X-ray images
are crude look-alikes, not real scans: real ones were not available offline.
"""

from __future__ import annotations

import glob
import math
from collections.abc import Iterator

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

WORDS = (
    "patient report invoice total date summary the of and results meeting agenda table figure "
    "notes section chapter value price quantity address phone email reference method analysis"
).split()


def _font(size: int):
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # old Pillow
        return ImageFont.load_default()


def noise_images(rng: np.random.Generator, n: int) -> Iterator[tuple[str, Image.Image]]:
    for i in range(n):
        kind = i % 5
        s = int(rng.integers(128, 400))
        if kind == 0:
            a = rng.integers(0, 256, (s, s, 3), dtype=np.uint8)
        elif kind == 1:
            a = np.clip(rng.normal(128, 40, (s, s)), 0, 255).astype(np.uint8)
        elif kind == 2:  # smooth blobs
            a = rng.normal(0, 1, (s // 16 + 2, s // 16 + 2))
            a = np.asarray(Image.fromarray(((a - a.min()) / np.ptp(a) * 255).astype(np.uint8)).resize((s, s), 3))
        elif kind == 3:  # salt and pepper on black
            a = (rng.random((s, s)) < rng.uniform(0.02, 0.3)).astype(np.uint8) * 255
        else:  # gradient plus noise
            yy, xx = np.mgrid[0:s, 0:s] / s
            a = np.clip((xx * rng.uniform(0, 255) + yy * rng.uniform(0, 255)) + rng.normal(0, 10, (s, s)), 0, 255)
            a = a.astype(np.uint8)
        yield f"noise_{kind}_{i}", Image.fromarray(a)


def document_images(rng: np.random.Generator, n: int) -> Iterator[tuple[str, Image.Image]]:
    for i in range(n):
        w, h = int(rng.integers(300, 700)), int(rng.integers(300, 900))
        bg = int(rng.integers(220, 256))
        im = Image.new("L" if i % 2 else "RGB", (w, h), bg if i % 2 else (bg, bg, int(rng.integers(200, 256))))
        d = ImageDraw.Draw(im)
        y = 20
        font = _font(int(rng.integers(10, 22)))
        while y < h - 30:
            if rng.random() < 0.12:  # a table or a rule
                d.rectangle([20, y, w - 20, y + 40], outline=0, width=1)
                d.line([w // 2, y, w // 2, y + 40], fill=0)
                y += 50
                continue
            line = " ".join(rng.choice(WORDS, int(rng.integers(3, 12))))
            d.text((20, y), line, fill=int(rng.integers(0, 80)) if i % 2 else (0, 0, 0), font=font)
            y += int(rng.integers(16, 30))
        if i % 3 == 0:
            im = im.rotate(float(rng.uniform(-5, 5)), fillcolor=bg if i % 2 else (bg, bg, bg))
        yield f"document_{i}", im


def ultrasound_like(rng: np.random.Generator, n: int) -> Iterator[tuple[str, Image.Image]]:
    """A fan-shaped sector of multiplicative speckle on black, with a few dark cyst-like blobs."""
    for i in range(n):
        s = 256
        yy, xx = np.mgrid[0:s, 0:s].astype(np.float32)
        cx, top = s / 2, 10
        r = np.hypot(xx - cx, yy - top)
        ang = np.arctan2(xx - cx, yy - top)
        half = math.radians(rng.uniform(30, 45))
        sector = (np.abs(ang) < half) & (r > 20) & (r < s - 15)
        tissue = 0.45 + 0.25 * np.sin(r / rng.uniform(8, 20)) * np.cos(ang * rng.uniform(2, 6))
        for _ in range(int(rng.integers(1, 4))):
            bx, by, br = rng.uniform(80, 176), rng.uniform(80, 220), rng.uniform(10, 30)
            tissue = np.where(np.hypot(xx - bx, yy - by) < br, 0.08, tissue)
        speckle = rng.rayleigh(0.6, (s, s))
        a = np.clip(tissue * speckle * sector * (1.2 - r / s), 0, 1)
        im = Image.fromarray((a * 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(0.8))
        d = ImageDraw.Draw(im)
        d.text((6, 4), f"{rng.integers(2, 15)} cm  {rng.integers(30, 90)} dB", fill=200, font=_font(10))
        yield f"ultrasound_like_{i}", im


def xray_like(rng: np.random.Generator, n: int) -> Iterator[tuple[str, Image.Image]]:
    """A chest-radiograph look-alike: bright body, dark lung fields, rib arcs, spine; or a hand-like shape."""
    for i in range(n):
        s = 256
        yy, xx = np.mgrid[0:s, 0:s].astype(np.float32) / s
        body = np.exp(-(((xx - 0.5) / 0.42) ** 6 + ((yy - 0.55) / 0.55) ** 6))
        a = 0.25 + 0.6 * body
        for side in (-1, 1):
            lung = ((xx - 0.5 - side * rng.uniform(0.17, 0.22)) / 0.14) ** 2 + ((yy - 0.5) / 0.3) ** 2 < 1
            a = np.where(lung, a * 0.35, a)
        for k in range(8):
            arc = np.abs((yy - 0.25 - 0.065 * k) - 0.15 * ((xx - 0.5) ** 2) * 4) < 0.008
            a = a + 0.15 * arc * body
        a = a + 0.35 * (np.abs(xx - 0.5) < 0.035) * body
        a = np.clip(a + rng.normal(0, 0.02, (s, s)), 0, 1)
        if i % 2:
            a = 1 - a  # some viewers invert
        im = Image.fromarray((a * 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(1.2))
        yield f"xray_like_{i}", im


def chart_images(rng: np.random.Generator, n: int) -> Iterator[tuple[str, Image.Image]]:
    for i in range(n):
        im = Image.new("RGB", (400, 300), "white")
        d = ImageDraw.Draw(im)
        d.line([40, 260, 380, 260], fill="black", width=2)
        d.line([40, 20, 40, 260], fill="black", width=2)
        colours = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728"]
        for k in range(int(rng.integers(3, 9))):
            hgt = int(rng.integers(20, 220))
            d.rectangle([60 + k * 38, 260 - hgt, 85 + k * 38, 260], fill=colours[k % 4])
        yield f"chart_{i}", im


def shipped_photos() -> Iterator[tuple[str, Image.Image]]:
    """Photos and figures that come with installed packages or local documentation."""
    paths: list[str] = []
    try:
        import matplotlib.cbook as cbook

        for name in ("grace_hopper.jpg", "Minduka_Present_Blue_Pack.png", "logo2.png"):
            try:
                paths.append(str(cbook.get_sample_data(name, asfileobj=False)))
            except Exception:
                pass
    except ImportError:
        pass
    for pattern in ("/usr/share/doc/**/*.png", "/usr/share/doc/**/*.jpg", "/root/.rustup/**/html/**/*.png"):
        paths.extend(sorted(glob.glob(pattern, recursive=True))[:40])
    seen = set()
    for p in paths:
        if p in seen:
            continue
        seen.add(p)
        try:
            with Image.open(p) as im:
                if min(im.size) < 64:
                    continue
                yield f"photo_{len(seen)}_{p.rsplit('/', 1)[-1]}", im.convert("RGB")
        except Exception:
            continue


def photo_variants(rng: np.random.Generator) -> Iterator[tuple[str, Image.Image]]:
    """Shipped photos plus gray / cropped / rotated variants (harder: no colour cue)."""
    for name, im in shipped_photos():
        yield name, im
        yield name + "_gray", im.convert("L")
        w, h = im.size
        c = int(min(w, h) * rng.uniform(0.5, 0.9))
        x0, y0 = int(rng.integers(0, w - c + 1)), int(rng.integers(0, h - c + 1))
        yield name + "_crop", im.crop((x0, y0, x0 + c, y0 + c)).convert("L").rotate(90)


def all_ood(seed: int = 0, n: int = 40) -> Iterator[tuple[str, Image.Image]]:
    rng = np.random.default_rng(seed)
    yield from noise_images(rng, n)
    yield from document_images(rng, n)
    yield from ultrasound_like(rng, n)
    yield from xray_like(rng, n)
    yield from chart_images(rng, n // 2)
    yield from photo_variants(rng)

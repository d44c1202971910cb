"""Test-only "unfamiliar look" shifts: what a visitor uploads instead of a kit slice (gradio-free).

A slice from a web page, a T2 or FLAIR image, a screenshot with a scale bar, a slice framed differently.
Each family is applied to a raw kit slice (any scale, as ``imageio.load_gray`` returns it, before the app's
preprocessing) and returns a raw slice again, so the evaluation runs the app's whole code path on it.

None of these transforms is used in training (``augment.py`` works on the preprocessed 128-px model input:
random piecewise-linear look-up tables, inversion, histogram matching, geometry...). The T2/FLAIR remaps here
are fixed smooth formulas on the raw slice instead, with edge-preserving fluid smoothing, and every other
family (framing, text, screenshots, windowing) is absent from training altogether.

Two variants with disjoint parameters: ``"val"`` (for choosing a recipe, a threshold, a method) and
``"test"`` (read once, for the report). Seeds differ too.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageDraw, ImageFont

# Per family and variant: the parameter ranges. Disjoint between "val" and "test".
PARAMS = {
    "val": {
        "t2_centre": (0.56, 0.64),  # the head-intensity quantile that turns darkest (white matter on T2)
        "t2_lesion": (0.8, 0.95),  # how bright what was brighter than that centre turns (enhancing lesion)
        "t2_sigma": (0.8, 1.0),  # smoothing: T2 slices look smoother than T1 with contrast
        "flair_fluid": (0.06, 0.10),  # quantile below which fluid stays dark (CSF on FLAIR)
        "frame_scale": (1.25, 1.45),  # canvas / slice size for the reframed family
        "letterbox_aspect": (1.45, 1.6),
        "shot_size": (150, 190),  # screenshot: the slice's size on screen, px
        "shot_quality": (55, 70),
        "window_width": (0.55, 0.7),  # windowing: the fraction of the head range kept
        "seed": 11,
    },
    "test": {
        "t2_centre": (0.66, 0.78),
        "t2_lesion": (0.95, 1.1),
        "t2_sigma": (1.05, 1.4),
        "flair_fluid": (0.12, 0.18),
        "frame_scale": (1.5, 1.9),
        "letterbox_aspect": (1.7, 1.9),
        "shot_size": (96, 140),
        "shot_quality": (30, 50),
        "window_width": (0.3, 0.45),
        "seed": 7,
    },
}
FAMILIES = ("t2_like", "flair_like", "reframed", "letterbox", "annotated", "screenshot", "windowing", "web_t2")


def _font(size: int):
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # old Pillow
        return ImageFont.load_default()


def _unit(gray: np.ndarray) -> np.ndarray:
    g = np.asarray(gray, dtype=np.float32)
    lo, hi = float(g.min()), float(g.max())
    return (g - lo) / (hi - lo) if hi > lo else np.zeros_like(g)


def head_mask(x: np.ndarray, level: float = 0.1) -> np.ndarray:
    """Boolean head mask of a [0, 1] slice: above ``level``, holes filled row- and column-wise."""
    from .augment import filled_head_mask

    return filled_head_mask(x, level) > 0.5


def _smooth(x: np.ndarray, sigma: float) -> np.ndarray:
    from .augment import blur

    return blur(x, sigma)


def t2_like(gray: np.ndarray, rng: np.random.Generator, p: dict) -> np.ndarray:
    """A T1-with-contrast slice remapped towards a T2 look: inside the head, tissue darker than a centre
    (white-matter-like) level turns bright in proportion (fluid brightest), tissue brighter than it
    (enhancing lesion, fat) stays fairly bright, white matter turns dark grey; the background stays dark.
    A V-shaped, non-monotonic look-up table with a soft bottom and a dark grey floor, then smoothed (which
    also blurs the enhancement texture T1 shows). Made harder until today's model showed the issue's failure."""
    x = _unit(gray)
    m = head_mask(x)
    if m.sum() < 100:
        return gray
    c = float(np.quantile(x[m], rng.uniform(*p["t2_centre"])))
    below = np.clip((c - x) / max(c, 1e-3), 0, 1)
    above = np.clip((x - c) / max(1 - c, 1e-3), 0, 1) * rng.uniform(*p["t2_lesion"])
    v = 0.1 + 0.9 * np.sqrt(np.maximum(below, above) ** 2 + 0.02**2)
    out = np.where(m, _smooth(v.astype(np.float32), rng.uniform(*p["t2_sigma"])), 0.04 * x)
    return (np.clip(out, 0, 1) * 255).astype(np.float32)


def flair_like(gray: np.ndarray, rng: np.random.Generator, p: dict) -> np.ndarray:
    """Towards FLAIR: the darkest fluid stays dark, tissue that is a little dark on T1 (oedema, the lesion's rim)
    turns bright, white matter mid-grey: a smooth bump-shaped look-up table."""
    x = _unit(gray)
    m = head_mask(x)
    if m.sum() < 100:
        return gray
    q = np.quantile(x[m], [rng.uniform(*p["flair_fluid"]), 0.3, 0.75])
    bump = np.exp(-(((x - q[1]) / max(1.2 * (q[1] - q[0]), 1e-3)) ** 2))  # T1-dark tissue -> bright
    tissue = np.clip((x - q[0]) / max(q[2] - q[0], 1e-3), 0, 1)
    out = np.where(x < q[0], 0.15 * x / max(q[0], 1e-3), 0.35 * tissue + 0.55 * bump)
    out = np.where(m, _smooth(out.astype(np.float32), 0.6), 0.03 * x)
    return (np.clip(out, 0, 1) * 255).astype(np.float32)


def reframed(gray: np.ndarray, rng: np.random.Generator, p: dict) -> np.ndarray:
    """The slice smaller, off-centre on a larger canvas with a noisy, not quite black background and a
    second bright structure (a neighbouring slice's edge, as in a multi-slice print)."""
    x = _unit(gray)
    h, w = x.shape
    n = int(max(h, w) * rng.uniform(*p["frame_scale"]))
    bg = rng.uniform(0.02, 0.1)
    canvas = np.clip(bg + rng.normal(0, 0.02, (n, n)), 0, 1).astype(np.float32)
    top, left = int(rng.integers(0, n - h + 1)), int(rng.integers(0, n - w + 1))
    canvas[top : top + h, left : left + w] = np.maximum(canvas[top : top + h, left : left + w], x)
    strip = int(rng.integers(4, 10))  # a sliver of the neighbouring image on one side
    canvas[:, :strip] = x[:, w // 2 : w // 2 + 1].mean() if rng.random() < 0.5 else canvas[:, :strip]
    return canvas * 255


def letterbox(gray: np.ndarray, rng: np.random.Generator, p: dict) -> np.ndarray:
    """Pasted into a wide (or tall) frame with grey or white bars, as in a slide or a video still."""
    x = _unit(gray)
    h, w = x.shape
    a = rng.uniform(*p["letterbox_aspect"])
    bar = float(rng.choice([0.5, 0.85, 1.0]))
    if rng.random() < 0.7:
        out = np.full((h, int(w * a)), bar, np.float32)
        left = (out.shape[1] - w) // 2
        out[:, left : left + w] = x
    else:
        out = np.full((int(h * a), w), bar, np.float32)
        top = (out.shape[0] - h) // 2
        out[top : top + h, :] = x
    return out * 255


def annotated(gray: np.ndarray, rng: np.random.Generator, p: dict) -> np.ndarray:
    """Burnt-in text in the corners, an orientation letter, a scale bar with ticks and an arrow."""
    x = _unit(gray)
    im = Image.fromarray((x * 255).astype(np.uint8))
    d = ImageDraw.Draw(im)
    h, w = x.shape
    font = _font(max(9, h // 18))
    d.text((4, 3), f"Se {rng.integers(2, 12)}  Im {rng.integers(5, 40)}", fill=255, font=font)
    d.text((4, h - h // 12), f"TR {rng.integers(400, 9000)} TE {rng.integers(10, 120)}", fill=230, font=font)
    d.text((w - w // 10, h // 2), "R", fill=255, font=font)
    y0, x0, length = h - h // 6, w - w // 3, w // 4
    d.line([x0, y0, x0 + length, y0], fill=255, width=2)
    for k in range(5):
        xt = x0 + k * length // 4
        d.line([xt, y0 - 4, xt, y0], fill=255, width=1)
    d.text((x0, y0 + 3), "5 cm", fill=255, font=font)
    ax, ay = int(rng.integers(w // 4, 3 * w // 4)), int(rng.integers(h // 4, 3 * h // 4))
    d.line([ax - 18, ay - 18, ax - 4, ay - 4], fill=255, width=2)
    d.polygon([(ax, ay), (ax - 9, ay - 3), (ax - 3, ay - 9)], fill=255)
    return np.asarray(im, dtype=np.float32)


def screenshot(gray: np.ndarray, rng: np.random.Generator, p: dict) -> np.ndarray:
    """Shown small on a screen, captured with a UI border, scaled up again and saved as a low-quality JPEG."""
    x = _unit(gray)
    s = int(rng.integers(*p["shot_size"]))
    im = Image.fromarray((x * 255).astype(np.uint8)).resize((s, s), Image.NEAREST)
    border = int(rng.integers(6, 20))
    frame = Image.new("L", (s + 2 * border, s + 2 * border + 14), int(rng.choice([40, 200, 235])))
    frame.paste(im, (border, border + 14))
    up = frame.resize((int(frame.width * rng.uniform(1.3, 2.2)),) * 2, Image.BICUBIC)
    buf = io.BytesIO()
    up.convert("RGB").save(buf, "JPEG", quality=int(rng.integers(*p["shot_quality"])))
    return np.asarray(Image.open(buf).convert("L"), dtype=np.float32)


def windowing(gray: np.ndarray, rng: np.random.Generator, p: dict) -> np.ndarray:
    """Another display window: a narrow window around the head's median (saturated bright and dark parts), or
    a window wider than the data (washed-out, grey background)."""
    x = _unit(gray)
    m = head_mask(x)
    if m.sum() < 100:
        return gray
    med = float(np.median(x[m]))
    if rng.random() < 0.6:
        half = 0.5 * rng.uniform(*p["window_width"])
        out = np.clip((x - (med - half)) / (2 * half), 0, 1)
    else:
        out = 0.3 + 0.5 * x
    return out * 255


def web_t2(gray: np.ndarray, rng: np.random.Generator, p: dict) -> np.ndarray:
    """What the issue's web slices combine: a T2-like contrast, shown as a screenshot with text and a scale bar."""
    return screenshot(annotated(t2_like(gray, rng, p), rng, p), rng, p)


SHIFTS = {name: globals()[name] for name in FAMILIES}


def shifted(gray: np.ndarray, family: str, variant: str, index: int) -> np.ndarray:
    """The slice under one family of shifts, with the variant's parameters, seeded by its index."""
    p = PARAMS[variant]
    rng = np.random.default_rng([p["seed"], FAMILIES.index(family), index])
    return np.asarray(SHIFTS[family](np.asarray(gray, np.float32), rng, p), dtype=np.float32)


def family_views(grays: list[np.ndarray], family: str, variant: str) -> list[np.ndarray]:
    """Every slice under one family ("clean": as they are), each seeded by its position in ``grays``."""
    if family == "clean":
        return list(grays)
    return [shifted(g, family, variant, i) for i, g in enumerate(grays)]

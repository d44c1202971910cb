"""Where the model looked, on a handful of test-group tumour slices, for the model card (writes gradcam_examples.png).

The slices are drawn at random (seeded) from the held-out test groups, two per tumour class, not picked
for a good-looking map. Each tile shows the model input with the map of its top class, and the answer: a row
with the app's LayerCAM, a row with Grad-CAM; with --previous DIR a first row shows the same slices through that
model. It also prints the share of each map that falls outside the head on --measure random test tumour slices
(a map on the black background is a map of nothing).

Usage: python spaces/tumor_detect/gradcam_sheet.py [--data ../shared/data/brain_mri] [--previous DIR]
"""

import argparse
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from braintumor import TUMOR_CLASSES
from braintumor.data import DEFAULT_DATA, load_split, side_items
from braintumor.heatmap import overlay
from braintumor.imageio import load_gray
from braintumor.model_spec import MODEL_SPEC
from braintumor.predictor import Predictor, class_maps
from braintumor.preprocess import head_box, to_pixel_values
from shared.model_source import resolve

HERE = Path(__file__).resolve().parent
TILE = 160


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--split", type=Path, default=HERE / "split.json")
    ap.add_argument("--model", type=Path, default=None, help="model folder (default: the shipped one)")
    ap.add_argument("--previous", type=Path, default=None, help="also show this model folder, in a first row")
    ap.add_argument("--per-class", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=HERE / "gradcam_examples.png")
    ap.add_argument("--measure", type=int, default=200, help="test tumour slices for the outside-the-head share")
    args = ap.parse_args()
    shipped = Predictor.from_folder(args.model or resolve(MODEL_SPEC))
    rows = [(shipped, "layercam"), (shipped, "gradcam")]
    if args.previous:
        rows.insert(0, (Predictor.from_folder(args.previous), "gradcam"))
    test = side_items(load_split(args.split), "test")
    rng = np.random.default_rng(args.seed)
    picks = []
    for c in TUMOR_CLASSES:
        of_class = [it for it in test if it["label"] == c]
        picks += [of_class[i] for i in rng.choice(len(of_class), args.per_class, replace=False)]
    row = TILE + 16
    sheet = Image.new("RGB", (TILE * len(picks), row * len(rows)), "white")
    draw = ImageDraw.Draw(sheet)
    for r, (pred, method) in enumerate(rows):
        for k, it in enumerate(picks):
            p = pred.predict_file(args.data / it["path"])
            x, cam = map_of(pred, args.data / it["path"], method)
            sheet.paste(Image.fromarray(overlay(x, cam, TILE)), (k * TILE, r * row + 16))
            answer = p.label if p.status == "ok" else p.status.value
            draw.text((k * TILE + 3, r * row + 2), f"{method}: {it['label'][:4]} -> {answer}", fill="black")
    sheet.quantize(colors=128).save(args.out, optimize=True)  # a small PNG for the card
    print(f"wrote {args.out} ({args.out.stat().st_size // 1024} KB): " + ", ".join(it["path"] for it in picks))
    tumours = [it for it in test if it["label"] in TUMOR_CLASSES]
    chosen = [tumours[i] for i in rng.choice(len(tumours), min(args.measure, len(tumours)), replace=False)]
    for method in ("layercam", "gradcam"):
        shares = [outside_share(*map_of(shipped, args.data / it["path"], method)) for it in chosen]
        print(f"{method}: share of the map outside the head on {len(chosen)} test tumour slices: "
              f"mean {np.mean(shares):.3f}, median {np.median(shares):.3f}")  # fmt: skip


def map_of(pred: Predictor, path: Path, method: str) -> tuple[np.ndarray, np.ndarray]:
    """The model input and the ``method`` map of its top class."""
    x = pred.model_array(load_gray(path))
    _, logits, act = pred._forward(to_pixel_values(x), track=True)
    return x, class_maps(logits, act, logits.argmax(1), x.shape, method)[0]


def outside_share(x: np.ndarray, cam: np.ndarray) -> float:
    """Share of the map's mass outside the head's box (the app's own head finder on the model input)."""
    top, bottom, left, right = head_box(x)
    inside = cam[top:bottom, left:right].sum()
    return float(1 - inside / max(float(cam.sum()), 1e-12))


if __name__ == "__main__":
    main()

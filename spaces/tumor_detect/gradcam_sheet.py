"""Grad-CAM on a handful of test-group tumour slices, for the model card (writes gradcam_examples.png).

The slices are drawn at random (seeded) from the held-out test groups, two per tumour class, not picked
for a good-looking map. Each tile shows the model input with the Grad-CAM of its top class, and the answer;
with --previous DIR a first row shows the same slices through that model (the first release).

Usage: python spaces/tumor_detect/gradcam_sheet.py [--data ../shared/data/brain_mri] [--previous DIR]
"""

import argparse
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from braintumor import TUMOR_CLASSES
from braintumor.data import DEFAULT_DATA, load_split, side_items
from braintumor.heatmap import overlay
from braintumor.model_spec import MODEL_SPEC
from braintumor.predictor import Predictor
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
    args = ap.parse_args()
    models = [Predictor.from_folder(args.model or resolve(MODEL_SPEC))]
    if args.previous:
        models.insert(0, Predictor.from_folder(args.previous))
    test = side_items(load_split(args.split), "test")
    rng = np.random.default_rng(args.seed)
    picks = []
    for c in TUMOR_CLASSES:
        of_class = [it for it in test if it["label"] == c]
        picks += [of_class[i] for i in rng.choice(len(of_class), args.per_class, replace=False)]
    row = TILE + 16
    sheet = Image.new("RGB", (TILE * len(picks), row * len(models)), "white")
    draw = ImageDraw.Draw(sheet)
    for r, pred in enumerate(models):
        for k, it in enumerate(picks):
            p = pred.predict_file(args.data / it["path"], heatmap=True)
            sheet.paste(Image.fromarray(overlay(p.image, p.heatmap, TILE)), (k * TILE, r * row + 16))
            answer = p.label if p.status == "ok" else p.status.value
            draw.text((k * TILE + 3, r * row + 2), f"{it['label'][:4]} -> {answer}", fill="black")
    sheet.quantize(colors=128).save(args.out, optimize=True)  # a small PNG for the card
    print(f"wrote {args.out} ({args.out.stat().st_size // 1024} KB): " + ", ".join(it["path"] for it in picks))


if __name__ == "__main__":
    main()

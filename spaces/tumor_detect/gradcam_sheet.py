"""Does the heatmap sit on the lesion? Checks against hand-marked lesions, and the picture for the model card.

The kit has no tumour outlines, so ``lesion_marks.json`` marks the lesion cells (8 x 8 grid on the model
input) of the clearly visible tumours among random validation and test slices (see braintumor/lesion_marks.py).
For the app's LayerCAM, Grad-CAM and a map that points at the middle of the head, it prints how often the map's
strongest cell is a marked cell (or next to one); then the deletion check: how much the true class's probability
drops when the marked cells are blurred away, against as many random cells inside the head. It also prints the
share of each map outside the head on --measure random test tumour slices (a map on the background is a map of
nothing), and draws gradcam_examples.png: six marked test slices (two per class, seeded), the marks in green,
LayerCAM on top and Grad-CAM below (with --previous DIR a first row shows that model's LayerCAM).

Usage: python spaces/tumor_detect/gradcam_sheet.py [--data ../shared/data/brain_mri] [--previous DIR]
"""

import argparse
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageDraw

from braintumor import CLASSES, TUMOR_CLASSES
from braintumor.card import update_block
from braintumor.data import DEFAULT_DATA, load_split, side_items
from braintumor.heatmap import overlay
from braintumor.imageio import load_gray
from braintumor.lesion_marks import (
    fill_cells,
    head_cells,
    head_centre_map,
    load_marks,
    local_blur,
    pointing,
    random_head_cells,
)
from braintumor.model_spec import MODEL_SPEC
from braintumor.predictor import Predictor, class_maps
from braintumor.preprocess import head_box, to_pixel_values
from shared.model_source import resolve

HERE = Path(__file__).resolve().parent
TILE = 160
GRADIENT_MAPS = ("layercam", "gradcam")
DELETION_INTRO = (
    "Deletion check, which asks the model rather than a map: the drop of the true class's calibrated probability\n"
    "when the marked cells are replaced by a local blur of the slice, against as many random cells inside the head\n"
    "(five draws each)."
)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--split", type=Path, default=HERE / "split.json")
    ap.add_argument("--marks", type=Path, default=HERE / "lesion_marks.json")
    ap.add_argument("--model", type=Path, default=None, help="model folder (default: the shipped one)")
    ap.add_argument("--previous", type=Path, default=None, help="also show this model folder, in a first row")
    ap.add_argument("--per-class", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=HERE / "gradcam_examples.png")
    ap.add_argument("--measure", type=int, default=200, help="test tumour slices for the outside-the-head share")
    args = ap.parse_args()
    shipped = Predictor.from_folder(args.model or resolve(MODEL_SPEC))
    previous = Predictor.from_folder(args.previous) if args.previous else None
    maps = [(shipped, "layercam", "layercam (the app's)"), (shipped, "gradcam", "gradcam")]
    if previous:
        maps.append((previous, "layercam", "layercam, previous model"))
    maps.append((shipped, "middle of the head", "middle of the head"))
    marks = {side: load_marks(args.marks, side) for side in ("val", "test")}
    lines = ["| marks | map | slices | strongest cell on the lesion | within one cell |", "|---|---|---|---|---|"]
    for side, marked in marks.items():
        for pred, method, name in maps:
            hits = np.array([pointing(map_of(pred, args.data / p, method)[1], m) for p, m in marked.items()])
            lines.append(f"| {side} | {name} | {len(hits)} | {hits[:, 0].sum()} ({hits[:, 0].mean():.0%}) | "
                         f"{hits[:, 1].sum()} ({hits[:, 1].mean():.0%}) |")  # fmt: skip
    header = "| marks | model | slices | drop, lesion cells blurred | drop, random head cells |"
    lines += ["", DELETION_INTRO, "", header, "|---|---|---|---|---|"]
    rng = np.random.default_rng(args.seed)
    for side, marked in marks.items():
        for pred, name in [(shipped, "this one"), (previous, "previous")][: 2 if previous else 1]:
            lesion, other = deletion(pred, args.data, marked, rng)
            lines.append(f"| {side} | {name} | {len(lesion)} | {np.mean(lesion):.3f} (median {np.median(lesion):.3f}) "
                         f"| {np.mean(other):.3f} (median {np.median(other):.3f}) |")  # fmt: skip
    print("\n".join(lines))
    if args.model is None:  # the shipped model: its numbers go into the model card
        update_block(HERE / "MODEL_CARD.md", "heatmap-check", "\n".join(lines))
    draw_sheet(args, shipped, previous, marks["test"], rng)
    test = side_items(load_split(args.split), "test")
    tumours = [it for it in test if it["label"] in TUMOR_CLASSES]
    chosen = [tumours[i] for i in rng.choice(len(tumours), min(args.measure, len(tumours)), replace=False)]
    for method in GRADIENT_MAPS:
        shares = [outside_share(*map_of(shipped, args.data / it["path"], method)) for it in chosen]
        print(f"{method}: share of the map outside the head on {len(chosen)} test tumour slices: "
              f"mean {np.mean(shares):.3f}, median {np.median(shares):.3f}")  # fmt: skip


def label_of(kit_path: str) -> str:
    return Path(kit_path).parent.name  # the kit's folders are the classes


def map_of(pred: Predictor, path: Path, method: str) -> tuple[np.ndarray, np.ndarray]:
    """The model input and the ``method`` map of its top class."""
    x = pred.model_array(load_gray(path))
    if method == "middle of the head":
        return x, head_centre_map(x, head_box(x))
    _, logits, act = pred._forward(to_pixel_values(x), track=True)
    return x, class_maps(logits, act, logits.argmax(1), x.shape, method)[0]


@torch.no_grad()
def deletion(
    pred: Predictor, data: Path, marks: dict[str, np.ndarray], rng: np.random.Generator
) -> tuple[list[float], list[float]]:
    """Per marked slice: the drop of its true class's calibrated probability when the marked cells are blurred
    away, and the mean drop over five draws of as many random cells inside the head (not marked)."""
    lesion, elsewhere = [], []
    for kit_path, mask in marks.items():
        x = pred.model_array(load_gray(data / kit_path))
        blurred = local_blur(x)
        others = random_head_cells(head_cells(head_box(x), x.shape[0]), mask, int(mask.sum()), rng)
        batch = np.stack([x, fill_cells(x, mask, blurred)] + [fill_cells(x, m, blurred) for m in others])
        probs = pred.batch_outputs(batch)["probs"][:, CLASSES.index(label_of(kit_path))]
        lesion.append(float(probs[0] - probs[1]))
        elsewhere.append(float(probs[0] - probs[2:].mean()))
    return lesion, elsewhere


def draw_sheet(
    args: argparse.Namespace, shipped: Predictor, previous: Predictor | None, marks: dict[str, np.ndarray], rng
) -> None:
    rows = [(shipped, "layercam", "layercam"), (shipped, "gradcam", "gradcam")]
    if previous:
        rows.insert(0, (previous, "layercam", "before"))
    picks = []
    for c in TUMOR_CLASSES:
        of_class = sorted(p for p in marks if label_of(p) == c)
        picks += [of_class[i] for i in rng.choice(len(of_class), min(args.per_class, len(of_class)), replace=False)]
    row = TILE + 16
    sheet = Image.new("RGB", (TILE * len(picks), row * len(rows)), "white")
    draw = ImageDraw.Draw(sheet)
    for r, (pred, method, name) in enumerate(rows):
        for k, kit_path in enumerate(picks):
            p = pred.predict_file(args.data / kit_path)
            x, cam = map_of(pred, args.data / kit_path, method)
            tile = Image.fromarray(overlay(x, cam, TILE))
            outline_cells(ImageDraw.Draw(tile), marks[kit_path], TILE)
            sheet.paste(tile, (k * TILE, r * row + 16))
            answer = p.label if p.status == "ok" else p.status.value
            draw.text((k * TILE + 3, r * row + 2), f"{name}: {label_of(kit_path)[:4]} -> {answer}", fill="black")
    sheet.quantize(colors=128).save(args.out, optimize=True)  # a small PNG for the card
    print(f"wrote {args.out} ({args.out.stat().st_size // 1024} KB): " + ", ".join(picks))


def outline_cells(draw: ImageDraw.ImageDraw, mask: np.ndarray, size: int) -> None:
    cell = size / mask.shape[0]
    for i, j in zip(*np.nonzero(mask), strict=True):
        draw.rectangle([j * cell, i * cell, (j + 1) * cell - 1, (i + 1) * cell - 1], outline=(0, 220, 0))


def outside_share(x: np.ndarray, cam: np.ndarray) -> float:
    """Share of the map's mass outside the head's box (the app's own head finder on the model input)."""
    top, bottom, left, right = head_box(x)
    inside = cam[top:bottom, left:right].sum()
    return float(1 - inside / max(float(cam.sum()), 1e-12))


if __name__ == "__main__":
    main()

"""Write adapt_anchors.safetensors: frozen-prefix features of 64 training slices per class, replayed by
adapt.py so an adapted model does not forget the kit (see braintumor/adaptation/anchors.py). Needs the kit.

    python spaces/tumor_detect/make_anchors.py [--data ../shared/data/brain_mri] [--model spaces/tumor_detect/model]
"""

import argparse
import json
from pathlib import Path

import numpy as np
import torch

from braintumor import CLASSES
from braintumor.adaptation import anchors
from braintumor.adaptation.tuning import prefix
from braintumor.data import DEFAULT_DATA, load_split
from braintumor.model_spec import MODEL_DIR
from braintumor.predictor import Predictor
from braintumor.sources import HELD_OUT, held_out_mask, kit_sources
from braintumor.training import load_arrays
from shared.model_source import write_pins

HERE = Path(__file__).resolve().parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--split", type=Path, default=HERE / "split.json")
    ap.add_argument("--model", type=Path, default=MODEL_DIR)
    ap.add_argument("--per-class", type=int, default=64)
    ap.add_argument("--out", type=Path, default=anchors.ANCHORS_DIR)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--hold-out", choices=sorted(HELD_OUT), help="leave a source's tumours out (for a fold model)")
    args = ap.parse_args()
    torch.set_num_threads(1)
    pred = Predictor.from_folder(args.model)
    n_blocks, size = pred.gradcam_block + 1, int(pred.cal.get("size", 128))
    items = load_split(args.split)["items"]
    held = held_out_mask(items, kit_sources(args.data, items), args.hold_out)
    items = [it for it, h in zip(items, held, strict=True) if it["side"] == "train" and not h]
    rng = np.random.default_rng(args.seed)
    chosen = []
    for c in CLASSES:
        pool = [it for it in items if it["label"] == c]
        chosen += [pool[i] for i in sorted(rng.choice(len(pool), args.per_class, replace=False))]
    xs, ys = load_arrays(args.data, chosen, size, crop=pred.crop)
    feats = prefix(pred.model, xs, n_blocks)
    args.out.mkdir(parents=True, exist_ok=True)
    anchors.save(args.out / anchors.ANCHORS_FILE, feats, ys, anchors.meta_for(pred.model, n_blocks, size, pred.crop))
    pins = (
        write_pins(Path(anchors.__file__), args.out, (anchors.ANCHORS_FILE,))
        if args.out == anchors.ANCHORS_DIR
        else None
    )
    print(
        json.dumps(
            {
                "anchors": len(ys),
                "per_class": args.per_class,
                "bytes": (args.out / anchors.ANCHORS_FILE).stat().st_size,
                "pinned": bool(pins),
            }
        )
    )


if __name__ == "__main__":
    main()

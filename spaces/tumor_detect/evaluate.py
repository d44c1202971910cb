"""Evaluate the Space's classifier through the app's own code path; prints one JSON object.

    python spaces/tumor_detect/evaluate.py --images DIR   # DIR/{glioma,meningioma,notumor,pituitary,tumor}/**
    python spaces/tumor_detect/evaluate.py --ood DIR      # every image below DIR is not a brain MRI
    python spaces/tumor_detect/evaluate.py --split test   # our held-out test groups (needs the data kit)
    python spaces/tumor_detect/evaluate.py --split test --export /tmp/td_test   # also keep them as a DIR
    python spaces/tumor_detect/evaluate.py --make-ood /tmp/td_ood && ... --ood /tmp/td_ood
    python spaces/tumor_detect/evaluate.py --make-ood /tmp/td_ood7 --ood-seed 7 --ood /tmp/td_ood7   # a fresh draw

Refused images count as errors in accuracy/macro-F1 and as misses in tumour sensitivity.
"""

import argparse
import json
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--images", type=Path, help="folder with glioma/meningioma/notumor/pituitary/tumor subfolders")
    ap.add_argument("--ood", type=Path, help="folder of images that are not brain MRI")
    ap.add_argument("--split", choices=["train", "val", "test"], help="evaluate a side of our grouped split")
    ap.add_argument("--split-file", type=Path, default=HERE / "split.json")
    ap.add_argument("--data", type=Path, default=None, help="the kit's brain_mri folder (for --split)")
    ap.add_argument("--export", type=Path, help="with --split: write the side as an --images folder here")
    ap.add_argument("--make-ood", type=Path, help="write the generated non-MRI test images to this folder")
    ap.add_argument("--ood-seed", type=int, default=1, help="with --make-ood: another seed draws other images")
    ap.add_argument("--model", type=Path, default=None, help="model folder (default: the shipped one, pins checked)")
    ap.add_argument("--threads", type=int, default=None, help="torch threads (default: as the app, 1)")
    args = ap.parse_args()

    if args.make_ood:
        from braintumor.ood import all_ood

        args.make_ood.mkdir(parents=True, exist_ok=True)
        n = 0
        for name, im in all_ood(seed=args.ood_seed):
            im.save(args.make_ood / f"{name.replace('.', '_')}.png")
            n += 1
        if not (args.images or args.ood or args.split):
            print(json.dumps({"written": n, "folder": str(args.make_ood)}))
            return

    from shared.device import setup

    setup(args.threads)
    from braintumor.evaluation import load_predictor

    predictor = load_predictor(args.model)

    from braintumor.evaluation import collect_all, collect_labelled, export_split, run_images, run_ood

    result: dict = {}
    images = args.images
    if args.split:
        from braintumor.data import DEFAULT_DATA, load_split

        data = args.data or DEFAULT_DATA
        target = args.export or Path(tempfile.mkdtemp(prefix=f"td_{args.split}_"))
        images = export_split(load_split(args.split_file), args.split, data, target)
        result["split"] = args.split
    if images:
        result.update(run_images(predictor, collect_labelled(images)))
    if args.ood:
        ood = run_ood(predictor, collect_all(args.ood))
        if images:
            result["ood"] = ood
        else:
            result.update(ood)
    if not result:
        ap.error("give --images DIR, --ood DIR or --split SIDE")
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()

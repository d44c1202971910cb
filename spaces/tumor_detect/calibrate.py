"""Fit the temperature and the input check on the grouped split; writes them into the model folder.

- Temperature scaling: minimise the NLL of the validation groups' logits.
- Input check: two class-conditional Mahalanobis checks (class means + shared probabilistic-PCA
  covariance of the training images' features): on the pooled 1280-d features, and on per-channel
  mean/std of the stride-16 block (224-d). Each threshold is the 99.5th percentile of the validation
  images' distances, so together about 99% of in-distribution validation slices pass.

Usage: python spaces/tumor_detect/calibrate.py [--data ../shared/data/brain_mri] [--model spaces/tumor_detect/model]
"""

import argparse
import json
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.torch import save_file

from braintumor import CLASSES
from braintumor.data import DEFAULT_DATA, load_split, side_items
from braintumor.model_spec import (
    CALIBRATION_FILE,
    CALIBRATION_FILES,
    INPUT_CHECK_FILE,
    MODEL_DIR,
    MODEL_FILES,
    pin_shipped_files,
)
from braintumor.predictor import DEFAULT_CALIBRATION, InputCheck, Predictor
from braintumor.training import fit_temperature, pooled_from_cache, prefix_cache, stack

HERE = Path(__file__).resolve().parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--split", type=Path, default=HERE / "split.json")
    ap.add_argument("--model", type=Path, default=MODEL_DIR)
    ap.add_argument("--keep", type=float, default=0.99, help="fraction of validation slices the check keeps")
    ap.add_argument("--pca", type=int, default=64)
    ap.add_argument("--pca-low", type=int, default=32)
    ap.add_argument("--min-confidence", type=float, default=DEFAULT_CALIBRATION["min_confidence"])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--limit", type=int, default=0, help="smoke test: use only N images per side")
    ap.add_argument("--cache", type=Path, default=Path("/tmp/tumor_detect_prefix.pt"), help="train.py's cache")
    ap.add_argument("--freeze-blocks", type=int, default=11, help="as in train.py (frozen prefix)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    for stale in CALIBRATION_FILES:
        (args.model / stale).unlink(missing_ok=True)
    pred = Predictor.from_folder(args.model)
    split = load_split(args.split)
    size = DEFAULT_CALIBRATION["size"]
    tr, va = side_items(split, "train"), side_items(split, "val")
    if args.limit:
        tr, va = tr[:: max(1, len(tr) // args.limit)], va[:: max(1, len(va) // args.limit)]
    ytr = np.array([CLASSES.index(it["label"]) for it in tr])
    yva = np.array([CLASSES.index(it["label"]) for it in va])
    # The frozen prefix (stem + blocks 0-10) is shared with train.py: reuse its cache of block-10 outputs.
    cache = prefix_cache(pred.model, args.data, tr + va, args.freeze_blocks, args.cache, size)
    assert pred.gradcam_block == args.freeze_blocks - 1, "the low-level check reads the last frozen block"
    htr, hva = stack(cache, tr), stack(cache, va)
    ftr = pooled_from_cache(pred.model, htr, args.freeze_blocks).numpy()
    fva_t = pooled_from_cache(pred.model, hva, args.freeze_blocks)
    fva = fva_t.numpy()
    with torch.no_grad():
        lva = pred.model.classifier(fva_t).numpy()
    low_tr, low_va = Predictor.low_features(htr).numpy(), Predictor.low_features(hva).numpy()
    temperature = fit_temperature(lva, yva)
    check = InputCheck.fit(ftr, ytr, k=args.pca)
    low = InputCheck.fit(low_tr, ytr, k=args.pca_low)
    sva = check.score(torch.from_numpy(fva)).numpy()
    lsva = low.score(torch.from_numpy(low_va)).numpy()
    each = 1 - (1 - args.keep) / 2  # two checks, each keeps 99.5%: together about 99%
    threshold = float(np.quantile(sva, each))
    threshold_low = float(np.quantile(lsva, each))
    kept = float(((sva <= threshold) & (lsva <= threshold_low)).mean())
    cal = {
        "temperature": temperature,
        "ood_threshold": threshold,
        "ood_threshold_low": threshold_low,
        "min_confidence": args.min_confidence,
        "min_std": DEFAULT_CALIBRATION["min_std"],
        "size": size,
        "pca_components": args.pca,
        "pca_components_low": args.pca_low,
        "fitted_on": {"input_check": "train groups", "temperature_and_threshold": "validation groups"},
    }
    tensors = {f"pooled.{k}": v for k, v in check.tensors().items()}
    tensors.update({f"low.{k}": v for k, v in low.tensors().items()})
    save_file(tensors, str(args.model / INPUT_CHECK_FILE))
    (args.model / CALIBRATION_FILE).write_text(json.dumps(cal, indent=1) + "\n")
    nll_before = float(F.cross_entropy(torch.from_numpy(lva), torch.from_numpy(yva)))
    nll_after = float(F.cross_entropy(torch.from_numpy(lva) / temperature, torch.from_numpy(yva)))
    report = {
        **cal,
        "val_acc": float((lva.argmax(1) == yva).mean()),
        "val_kept_by_input_check": kept,
        "val_nll_before": nll_before,
        "val_nll_after": nll_after,
    }
    pins = pin_shipped_files(args.model, MODEL_FILES)
    report["pinned_in_model_spec"] = pins or "no (not the shipped model folder)"
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()

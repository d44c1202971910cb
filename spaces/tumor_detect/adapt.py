"""Adapt the tumour classifier to your scanner from a few dozen labelled slices (CPU, minutes).

    python spaces/tumor_detect/adapt.py --slices DIR --out DIR [--base MODEL_DIR] [--train blocks]

--slices DIR holds glioma/ meningioma/ pituitary/ notumor/ (or a .zip of them) with images or DICOM files;
25 to 50 slices per class work well. The last blocks' normalisation statistics are re-estimated on them
(``--norms kept`` does not), those blocks are fine-tuned on them (the kit slices replayed alongside, so it does not
forget), the temperature and the input checks are refitted, and an
out-of-fold report compares the released model, recalibration only and the adapted model on your slices.

--out DIR gets a model folder like spaces/tumor_detect/model/ plus report.json, MODEL_CARD.md and pins.json;
serve it with ``TUMOR_MODEL=DIR python spaces/tumor_detect/app.py`` or ``batch.py --model DIR``. If the adapted
model is worse than the one it started from on your slices, only report.json and MODEL_CARD.md are written and
the exit code is 3. Bad input: exit code 2 and a message. Progress goes to stderr as "[ 42%] ..."; the last
line on stdout is one JSON object (shipped, reasons, timings, peak memory, the report's main numbers, and under
"review" the names of your slices whose answer got worse out of fold, to check their labels; the names are never
written into report.json or the model folder).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

from shared.child_job import peak_rss_mb
from shared.jsonfile import write_json

os.environ.setdefault("HF_HUB_OFFLINE", "1")

NOT_SHIPPED = 3


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--slices", type=Path, required=True, help="folder (or .zip) of class folders of slices")
    p.add_argument("--out", type=Path, help="folder to write the adapted model to (required unless --check-only)")
    p.add_argument("--base", type=Path, help="model folder to start from (default: the released model)")
    p.add_argument("--train", choices=("none", "head", "blocks", "blocks+bn"), help="what to fine-tune")
    p.add_argument("--steps", type=int, help="optimiser steps per fit (default: the recipe's)")
    p.add_argument("--lr", type=float, help="learning rate (default: the recipe's)")
    p.add_argument("--folds", type=int, help="folds of the out-of-fold report (default: the recipe's)")
    p.add_argument("--views", type=int, help="views per slice: the clean one and mild augmentations")
    p.add_argument("--norms", choices=("kept", "site"), help="normalisation statistics: kept, or re-estimated on yours")
    p.add_argument("--recipe", type=json.loads, default={}, help="JSON overrides of the recipe (benchmarks)")
    p.add_argument("--no-anchors", action="store_true", help="do not replay kit slices")
    p.add_argument("--anchors", type=Path, help="folder of other kit anchors (make_anchors.py --out)")
    p.add_argument("--check-only", action="store_true", help="only read and check the slices (prints the counts)")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    if args.out is None and not args.check_only:
        p.error("--out is required")
    t0 = time.perf_counter()

    def progress(fraction: float, message: str) -> None:
        print(f"[{fraction:4.0%}] {message}", file=sys.stderr, flush=True)

    import torch

    torch.set_num_threads(args.threads)
    from dataclasses import replace

    from braintumor.adaptation.folder import model_card, served_folder, write_folder
    from braintumor.adaptation.pipeline import adapt
    from braintumor.adaptation.site_slices import SiteDataError, read_site, safe_extract
    from braintumor.adaptation.tuning import Recipe
    from braintumor.model_spec import MODEL_SPEC
    from braintumor.predictor import Predictor
    from shared.model_source import ModelSourceError, resolve

    try:
        base_dir = args.base or served_folder() or resolve(MODEL_SPEC)
        if args.base:
            from braintumor.adaptation.folder import PINS_FILE, verify_folder

            if (args.base / PINS_FILE).is_file():
                verify_folder(args.base)
        base = Predictor.from_folder(base_dir)
    except (ModelSourceError, OSError) as exc:
        print(f"error: the model to start from could not be loaded: {exc}", file=sys.stderr)
        return 2
    progress(0.01, "Reading your slices")
    try:
        with tempfile.TemporaryDirectory(prefix="tumor-adapt-") as tmp:
            folder = args.slices
            if folder.is_file() and folder.suffix.lower() == ".zip":
                folder = safe_extract(folder, Path(tmp))
            site = read_site(folder, base)
    except SiteDataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for w in site.warnings:
        print(f"warning: {w}", file=sys.stderr, flush=True)
    if args.check_only:
        print(json.dumps({"slices": len(site.labels), "per_class": site.counts(), "warnings": site.warnings}))
        return 0
    recipe = replace(Recipe(seed=args.seed), **args.recipe)
    for name in ("train", "steps", "lr", "folds", "views", "norms"):
        if getattr(args, name) is not None:
            recipe = replace(recipe, **{name: getattr(args, name)})
    outcome = adapt(base, site, recipe, progress, use_anchors=not args.no_anchors, anchors_dir=args.anchors)
    report = outcome.report
    report["timings"]["wall_s"] = round(time.perf_counter() - t0, 1)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    report["timings"]["peak_rss_mb"] = round(peak_rss_mb())
    report["timings"]["cpu_s"] = round(usage.ru_utime + usage.ru_stime, 1)  # robust to a busy machine
    report["timings"]["threads"] = args.threads
    card = model_card(
        report, "the released model" if args.base is None and served_folder() is None else Path(base_dir).name
    )
    args.out.mkdir(parents=True, exist_ok=True)
    if outcome.shipped:
        write_folder(args.out, Path(base_dir), outcome, card)
    else:
        write_json(args.out / "report.json", report)
        (args.out / "MODEL_CARD.md").write_text(card)
        print(f"error: not shipped: {'; '.join(outcome.reasons)}", file=sys.stderr)
    if outcome.review:  # the visitor's own terminal; the app shows them in the visitor's session only
        print(f"review: out of fold, {len(outcome.review)} slices got a worse answer (check their labels): "
              + ", ".join(outcome.review), file=sys.stderr)  # fmt: skip
    progress(1.0, "Done")
    summary = {
        "shipped": outcome.shipped,
        "not_shipped_because": outcome.reasons,
        "out": str(args.out),
        "slices": report["slices"]["total"],
        "accuracy_before": report["before"]["accuracy"]["value"],
        "accuracy_after": report["after"]["accuracy"]["value"],
        "timings": report["timings"],
        # the visitor's own file names, on this terminal (or to the app's session) only; never in report.json
        "review": outcome.review,
    }
    print(json.dumps(summary))
    return 0 if outcome.shipped else NOT_SHIPPED


if __name__ == "__main__":
    sys.exit(main())

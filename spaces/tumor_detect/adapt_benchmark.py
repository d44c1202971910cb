"""Leave-one-source-out measurement of adapt.py: how much a site gains from 10, 25 and 50 labelled slices per
class, against no adaptation and recalibration only. Writes one JSON file (the card's numbers come from it).

The kit has few collections, so the "site" is one the model has not learned: the fold model trained WITHOUT
the SARTAJ/Br35H tumour slices (``train.py --hold-out other_tumours`` then ``calibrate.py --hold-out
other_tumours``). The site's slices are the 3-channel (SARTAJ/Br35H) files the fold model never trained on:
- adaptation slices are drawn from its validation and training groups (tumours: held out of training;
  no-tumour slices: validation groups only, the training ones were learned);
- the site's held-out slices are its test groups (the split is by near-duplicate group, so nothing drawn
  for adaptation has a near-copy among them).
Forgetting is measured on the rest of the kit's test groups (the grayscale figshare files), refusal on the
generated non-MRI images (``evaluate.py --make-ood``). The same draws adapt the released model too
(``--released``), for forgetting on all 987 test slices. Time and peak memory: adapt.py itself, as a child
process, on a 25-per-class draw.

    python spaces/tumor_detect/adapt_benchmark.py --data ../shared/data/brain_mri \
        --fold-model /tmp/td_folds/lesion-other_tumours --ood /tmp/td_ood --out spaces/tumor_detect/adapt_benchmark.json
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from braintumor import CLASSES
from braintumor.adaptation.metrics import summary
from braintumor.adaptation.pipeline import adapt, decisions
from braintumor.adaptation.site_slices import SiteSlices
from braintumor.adaptation.tuning import Recipe
from braintumor.data import DEFAULT_DATA, is_rgb_file, load_split
from braintumor.imageio import load_gray
from braintumor.model_spec import MODEL_DIR
from braintumor.predictor import Predictor

HERE = Path(__file__).resolve().parent


def load_items(data: Path, items: list[dict]) -> list[np.ndarray]:
    return [load_gray(data / it["path"]) for it in items]


def draw(pool: list[int], items: list[dict], per_class: int, rng: np.random.Generator) -> list[int]:
    """per_class slices of every class, at most one per near-duplicate group."""
    out = []
    for c in CLASSES:
        by_group: dict[int, list[int]] = {}
        for i in pool:
            if items[i]["label"] == c:
                by_group.setdefault(items[i]["group"], []).append(i)
        groups = list(by_group)
        rng.shuffle(groups)
        out += [int(rng.choice(by_group[g])) for g in groups[:per_class]]
    return out


def scores(pred: Predictor, arrays: np.ndarray, labels: np.ndarray) -> dict:
    status, p, probs = decisions(pred, arrays)
    return summary(labels, status, p, probs)


def refused(pred: Predictor, arrays: np.ndarray) -> float:
    return float(np.mean(pred.batch_outputs(arrays)["ratio"] > 1.0)) if len(arrays) else float("nan")


def brief(m: dict) -> dict:
    keys = ("accuracy", "tumour_sensitivity", "notumor_on_tumours", "notumor_cleared", "refused", "uncertain")
    out = {k: m[k]["value"] for k in keys}
    out["ece"], out["errors"], out["n"] = m["ece"]["value"], m["errors"], m["n"]
    return out


def time_cli(grays_dir: Path, base: Path, threads: int, extra: list[str]) -> dict:
    """adapt.py as a user runs it, in a child process: wall time and its own peak RSS."""
    with tempfile.TemporaryDirectory(prefix="adapt-bench-") as out:
        t0 = time.perf_counter()
        cmd = [sys.executable, str(HERE / "adapt.py"), "--slices", str(grays_dir), "--out", out, "--base", str(base)]
        cmd += ["--threads", str(threads), *extra]
        res = subprocess.run(cmd, capture_output=True, text=True, check=False)
        wall = time.perf_counter() - t0
        last = json.loads(res.stdout.strip().splitlines()[-1]) if res.stdout.strip() else {}
    return {"wall_s": round(wall, 1), "exit_code": res.returncode, **last.get("timings", {})}


def export(folder: Path, data: Path, items: list[dict], idx: list[int]) -> Path:
    for i in idx:
        dst = folder / items[i]["label"] / Path(items[i]["path"]).name
        dst.parent.mkdir(parents=True, exist_ok=True)
        dst.write_bytes((data / items[i]["path"]).read_bytes())
    return folder


def _f(x, pct: bool = True) -> str:
    return "-" if x is None else (f"{100 * x:.1f}%" if pct else f"{x:.3f}")


def card_block(result: dict) -> str:
    """The model card's "Adapt to your scanner" section, from the benchmark's JSON."""
    base = result["no_adaptation"]
    rows = []
    for r in sorted(result["runs"], key=lambda r: (r["mode"] != "blocks", r["per_class"], r["seed"])):
        s, rc = r["site"], r["recalibration_only_site"]
        removed = 1 - s["errors"] / base["site"]["errors"] if base["site"]["errors"] else 0.0
        rows.append(
            f"| {r['per_class']} | {r['mode']} | {r['seed']} | {base['site']['errors']} / {rc['errors']} / "
            f"**{s['errors']}** | {removed:.0%} | {_f(s['accuracy'])} | {_f(s['notumor_on_tumours'])} | "
            f"{_f(s['ece'], False)} | {_f(r['non_mri_refused'])} | {_f(base['kit_rest']['accuracy'])} -> "
            f"{_f(r['kit_rest']['accuracy'])} | {r['seconds']:.0f} |"
        )
    held = sum(result["site_held_out"].values())
    cli = result.get("cli_25_per_class", {})
    rel = next((r["released_adapted"] for r in result["runs"] if "released_adapted" in r), None)
    lines = [
        f"Site: {result['site']}. Adaptation slices drawn from its training/validation groups (one per "
        f"near-duplicate group); scored on its {held} test-group slices, which no draw shares a group with. "
        f'No adaptation on them: accuracy {_f(base["site"]["accuracy"])}, tumours told "no tumour" '
        f"{_f(base['site']['notumor_on_tumours'])}, ECE {_f(base['site']['ece'], False)}, "
        f"{base['site']['errors']} errors.",
        "",
        "| per class | fine-tuned | seed | errors: none / recalibration only / **adapted** | errors removed | "
        'accuracy | tumours told "no tumour" | ECE | non-MRI refused | kit rest accuracy (forgetting) | seconds |',
        "|---|---|---|---|---|---|---|---|---|---|---|",
        *rows,
    ]
    if rel:
        lines += [
            "",
            f"The released model adapted to the 25-per-class draw: kit test groups accuracy "
            f"{_f(result['released_model']['kit_test']['accuracy'])} -> {_f(rel['kit_test']['accuracy'])}, "
            f"non-MRI refused {_f(result['released_model']['non_mri_refused'])} -> {_f(rel['non_mri_refused'])}.",
        ]
    if cli:
        lines += [
            "",
            f"`adapt.py` on 25 slices per class (100 slices, one thread, as a user runs it): {cli.get('wall_s')} s "
            f"wall, {cli.get('cpu_s')} s CPU, peak memory {cli.get('peak_rss_mb')} MB (the machine was shared by "
            "other jobs: the wall time is inflated; the CPU time is not).",
        ]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--split", type=Path, default=HERE / "split.json")
    ap.add_argument("--fold-model", type=Path, help="trained and calibrated without SARTAJ/Br35H tumours")
    ap.add_argument(
        "--released", type=Path, default=MODEL_DIR, help="the released model (forgetting on all test groups)"
    )
    ap.add_argument("--anchors", type=Path, help="kit anchors for the fold model (make_anchors.py --hold-out ...)")
    ap.add_argument("--ood", type=Path, help="folder of non-MRI images (evaluate.py --make-ood)")
    ap.add_argument("--per-class", type=int, nargs="+", default=[10, 25, 50])
    ap.add_argument("--seeds", type=int, default=2)
    ap.add_argument("--modes", nargs="+", default=["head", "blocks", "blocks+bn"], help="compared at 25 per class")
    ap.add_argument("--train", default="blocks", help="the mode of the learning curve")
    ap.add_argument("--steps", type=int, default=None)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--out", type=Path, default=HERE / "adapt_benchmark.json")
    ap.add_argument("--skip-cli", action="store_true", help="do not time adapt.py as a child process")
    ap.add_argument("--card-only", action="store_true", help="only rewrite MODEL_CARD.md's section from --out")
    args = ap.parse_args()
    if args.card_only:
        from braintumor.card import update_block

        update_block(HERE / "MODEL_CARD.md", "adapt", card_block(json.loads(args.out.read_text())))
        return
    if args.fold_model is None:
        ap.error("--fold-model is required (a model trained and calibrated with --hold-out other_tumours)")
    torch.set_num_threads(args.threads)
    t_start = time.time()
    items = load_split(args.split)["items"]
    rgb = [is_rgb_file(args.data / it["path"]) for it in items]
    tumour = [it["label"] != "notumor" for it in items]
    side = [it["side"] for it in items]
    pool = [
        i
        for i in range(len(items))
        if rgb[i] and (tumour[i] and side[i] != "test" or (not tumour[i] and side[i] == "val"))
    ]
    site_test = [i for i in range(len(items)) if rgb[i] and side[i] == "test"]
    kit_rest = [i for i in range(len(items)) if not rgb[i] and side[i] == "test"]
    kit_test = [i for i in range(len(items)) if side[i] == "test"]
    fold = Predictor.from_folder(args.fold_model)
    released = Predictor.from_folder(args.released)
    y = np.array([CLASSES.index(it["label"]) for it in items])

    def arrays_of(pred: Predictor, idx: list[int]) -> np.ndarray:
        return np.stack([pred.model_array(g) for g in load_items(args.data, [items[i] for i in idx])])

    site_x, kit_rest_x, kit_test_x = arrays_of(fold, site_test), arrays_of(fold, kit_rest), arrays_of(fold, kit_test)
    ood_x = np.zeros((0, 128, 128), np.float32)
    if args.ood:
        ood_paths = sorted(p for p in args.ood.rglob("*") if p.is_file())
        ood_x = np.stack([fold.model_array(load_gray(p)) for p in ood_paths])
    result = {
        "site": "SARTAJ/Br35H (3-channel files) under the fold model trained without SARTAJ/Br35H tumours",
        "fold_model": str(args.fold_model),
        "anchors": str(args.anchors) if args.anchors else "the released anchors",
        "pool": {c: sum(items[i]["label"] == c for i in pool) for c in CLASSES},
        "site_held_out": {c: sum(items[i]["label"] == c for i in site_test) for c in CLASSES},
        "kit_rest": len(kit_rest),
        "no_adaptation": {
            "site": brief(scores(fold, site_x, y[site_test])),
            "kit_rest": brief(scores(fold, kit_rest_x, y[kit_rest])),
            "non_mri_refused": refused(fold, ood_x),
        },
        "released_model": {
            "kit_test": brief(scores(released, kit_test_x, y[kit_test])),
            "non_mri_refused": refused(released, ood_x),
        },
        "runs": [],
    }
    print(json.dumps(result["no_adaptation"]), flush=True)

    def run(base: Predictor, idx: list[int], mode: str, seed: int, anchors_dir: Path | None = None) -> tuple:
        grays = load_items(args.data, [items[i] for i in idx])
        site = SiteSlices(
            grays, [int(y[i]) for i in idx], [items[i]["path"] for i in idx], [items[i]["group"] for i in idx]
        )
        recipe = Recipe(train=mode, seed=seed, **({"steps": args.steps} if args.steps else {}))
        t0 = time.perf_counter()
        out = adapt(base, site, recipe, anchors_dir=anchors_dir)
        return out, time.perf_counter() - t0

    plan = [(k, args.train, s) for k in args.per_class for s in range(args.seeds)]
    plan += [(25, m, 0) for m in args.modes if m != args.train]
    plan.sort(key=lambda p: (p[0] != 25, p[2], p))  # 25 per class first: the target
    for k, mode, seed in plan:
        idx = draw(pool, items, k, np.random.default_rng(1000 * k + seed))
        out, secs = run(fold, idx, mode, seed, args.anchors)
        recal = out.report["recalibration_only"]  # out of fold on the adaptation slices: not the site's held-out
        rec = {
            "per_class": k,
            "mode": mode,
            "seed": seed,
            "seconds": round(secs, 1),
            "shipped": out.shipped,
            "site": brief(scores(out.predictor, site_x, y[site_test])),
            "kit_rest": brief(scores(out.predictor, kit_rest_x, y[kit_rest])),
            "non_mri_refused": refused(out.predictor, ood_x),
            "oof_on_adaptation_slices": {
                "before": brief(out.report["before"]),
                "recalibration_only": brief(recal),
                "after": brief(out.report["after"]),
            },  # fmt: skip
        }
        # recalibration only, scored on the site's held-out slices: the same draw, no weights changed
        rec["recalibration_only_site"] = brief(scores(out.recalibrated, site_x, y[site_test]))
        if mode == args.train and seed == 0 and k == 25:
            rel, _ = run(released, idx, mode, seed)
            rec["released_adapted"] = {
                "kit_test": brief(scores(rel.predictor, kit_test_x, y[kit_test])),
                "non_mri_refused": refused(rel.predictor, ood_x),
            }
        result["runs"].append(rec)
        print(
            json.dumps({k2: rec[k2] for k2 in ("per_class", "mode", "seed", "seconds", "site", "non_mri_refused")}),
            flush=True,
        )
        args.out.write_text(json.dumps(result, indent=1) + "\n")
    with tempfile.TemporaryDirectory(prefix="adapt-bench-site-") as tmp:
        if args.skip_cli:
            return
        idx = draw(pool, items, 25, np.random.default_rng(25_000))
        extra = ["--anchors", str(args.anchors)] if args.anchors else []
        result["cli_25_per_class"] = time_cli(
            export(Path(tmp), args.data, items, idx), args.fold_model, args.threads, extra
        )
    result["benchmark_minutes"] = round((time.time() - t_start) / 60, 1)
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result["cli_25_per_class"]))
    if args.out.resolve().parent == HERE:
        from braintumor.card import update_block

        update_block(HERE / "MODEL_CARD.md", "adapt", card_block(result))


if __name__ == "__main__":
    main()

"""Benchmark the shipped classifier against an earlier release and a frozen-backbone logistic baseline.

Prints Markdown tables (and writes benchmark_results.json + confusion_matrix.png next to this file):
- our held-out test groups: accuracy, macro-F1, ECE, p50/p95 latency without and with the heatmap, for
  the shipped model, an earlier release (--previous DIR, --previous-name) and the baseline;
- held-out sources, our stand-in for "another hospital": each recipe (the first release's and this one's)
  trained and calibrated without one source's tumour slices, then tumour sensitivity and ECE on exactly
  those slices (fold models from train.py/calibrate.py --hold-out, in --folds DIR);
- how much of the kit's source/class confound remains, the leaky official-split reference for the
  baseline, cold start and memory.

Usage: python spaces/tumor_detect/benchmark.py [--data ../shared/data/brain_mri] [--n-latency 60]
           [--previous /tmp/td_folds/v1-shipped] [--folds /tmp/td_folds] [--previous-folds DIR]
"""

import argparse
import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import torch

from braintumor import CLASSES
from braintumor.data import DEFAULT_DATA, is_rgb_file, list_kit, load_split, side_items
from braintumor.evaluation import expected_calibration_error, macro_f1, run_images
from braintumor.imageio import load_gray
from braintumor.model_spec import CALIBRATION_FILE, MODEL_SPEC
from braintumor.predictor import NOTUMOR, Predictor, Status
from braintumor.preprocess import SIZE, to_model_array, to_pixel_values
from braintumor.sources import HELD_OUT, held_out_mask, kit_sources
from braintumor.training import fit_temperature, pooled_from_cache, view_cache
from shared.jsonfile import write_json
from shared.model_source import resolve

HERE = Path(__file__).resolve().parent

COLD_START = r"""
import sys, time
t0 = time.time()
import importlib.util
spec = importlib.util.spec_from_file_location("td_app", {app!r})
app = importlib.util.module_from_spec(spec); spec.loader.exec_module(app)
t1 = time.time()
from braintumor.runtime import get_predictor
get_predictor().predict_file({example!r}, heatmap=True)
t2 = time.time()
from shared.child_job import peak_rss_mb  # this process's own peak (ru_maxrss would carry the parent's across exec)
print(t1 - t0, t2 - t0, peak_rss_mb())
"""


def baseline_model():
    from braintumor.lite0 import load_converted, wheel_state_dict

    return load_converted(wheel_state_dict()).to(memory_format=torch.channels_last).eval()


@torch.no_grad()
def pooled(pred: Predictor, xs: np.ndarray, batch: int = 128) -> np.ndarray:
    """The predictor's pooled backbone features of (N, H, W) model inputs."""
    return np.concatenate(
        [
            pred.features_and_logits(to_pixel_values(xs[i : i + batch]))[0].float().numpy()
            for i in range(0, len(xs), batch)
        ]
    )


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(1, keepdims=True)


def scores(probs: np.ndarray, y: np.ndarray) -> dict:
    pred = probs.argmax(1)
    return {
        "accuracy": float((pred == y).mean()),
        "macro_f1": macro_f1([CLASSES[i] for i in y], [CLASSES[i] for i in pred]),
        "ece": expected_calibration_error(probs.max(1), pred == y),
    }


FOLD_RECIPES = ("v1", "lesion", "contrast")  # the first release's recipe, the previous one's, this release's


def held_out_sources(
    folds: Path, data: Path, items: list[dict], recipes: tuple[str, ...] = FOLD_RECIPES, tag: str = ""
) -> list[dict]:
    """Each fold model (train.py + calibrate.py --hold-out FOLD, in folds/<recipe>-<fold>) on the tumour
    slices of the source it never saw, through the app's code path; ``tag`` is appended to the recipe name."""
    sources = kit_sources(data, items)
    rows = []
    for fold, (_, title) in HELD_OUT.items():
        held = [it for it, m in zip(items, held_out_mask(items, sources, fold), strict=True) if m]
        for recipe in recipes:
            folder = folds / f"{recipe}-{fold}"
            if not (folder / CALIBRATION_FILE).is_file():
                print(f"skipping {folder}: no calibrated fold model there", flush=True)
                continue
            res = run_images(
                Predictor.from_folder(folder), [(data / it["path"], it["label"]) for it in held], with_source=False
            )
            keys = ("tumor_sensitivity", "tumor_not_cleared", "ece", "rejected_rate", "accuracy", "uncertain_rate")
            rows.append(
                {"fold": fold, "held_out": title, "recipe": recipe + tag, "n": len(held), **{k: res[k] for k in keys}}
            )
    return rows


def held_out_lines(rows: list[dict]) -> list[str]:
    if not rows:
        return ["Held-out sources: no fold models found (train.py/calibrate.py --hold-out, benchmark.py --folds)."]
    lines = [
        "Held-out sources: each recipe trained and calibrated WITHOUT one source's tumour slices (all sides of "
        "the split), then run on all of them through the app's code path. Sensitivity: called a tumour class; "
        'not cleared: a tumour class or "uncertain", never "no tumour"; refused slices count as misses.',
        "",
        "| held-out source | recipe | slices | tumour sensitivity | not cleared | ECE | accuracy | uncertain "
        "| refused |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['held_out']} | {r['recipe']} | {r['n']} | {r['tumor_sensitivity']:.3f} | "
            f"{r['tumor_not_cleared']:.3f} | {r['ece']:.3f} | {r['accuracy']:.3f} | {r['uncertain_rate']:.3f} | "
            f"{r['rejected_rate']:.3f} |"
        )
    return lines


def held_out_only(folds: Path, data: Path, items: list[dict]) -> None:
    """The held-out-source rows alone (each fold model as it is calibrated in ``folds``), written to
    held_out_sources.json and the model card's "heldout" block; the rest of the benchmark is not re-run."""
    from braintumor.card import update_block

    rows = held_out_sources(folds, data, items)
    write_json(HERE / "held_out_sources.json", {"folds": str(folds), "rows": rows})
    lines = held_out_lines(rows)
    print("\n".join(lines))
    update_block(HERE / "MODEL_CARD.md", "heldout", "Written by benchmark.py --held-out-only:\n\n" + "\n".join(lines))


def statuses(pred: Predictor, out: dict[str, np.ndarray]) -> np.ndarray:
    """The app's answer for each batch row: "refused", "uncertain" or "ok"."""
    res = []
    for probs, ratio, nt in zip(out["probs"], out["ratio"], out["notumor_ratio"], strict=True):
        res.append(Status.REFUSED.value if ratio > 1.0 else pred.decide(probs, float(nt))[0].value)
    return np.array(res)


def latency(fn, paths, n) -> tuple[float, float]:
    ts = []
    for p in paths[:n]:
        t0 = time.perf_counter()
        fn(p)
        ts.append((time.perf_counter() - t0) * 1e3)
    return float(np.percentile(ts, 50)), float(np.percentile(ts, 95))


def confusion_png(cm: np.ndarray, path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4.6, 4.0), dpi=120)
    ax.imshow(cm, cmap="Blues")
    ax.set_xticks(range(4), CLASSES, rotation=30)
    ax.set_yticks(range(4), CLASSES)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    for i in range(4):
        for j in range(4):
            ax.text(
                j, i, str(cm[i, j]), ha="center", va="center", color="white" if cm[i, j] > cm.max() / 2 else "black"
            )
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--split", type=Path, default=HERE / "split.json")
    ap.add_argument("--n-latency", type=int, default=60)
    ap.add_argument("--threads", type=int, default=None, help="torch threads for latency (default: as the app)")
    ap.add_argument("--skip-leaky", action="store_true", help="skip the official-split reference")
    ap.add_argument("--cache-dir", type=Path, default=Path("/tmp/tumor_detect_cache"), help="train.py's caches")
    ap.add_argument("--freeze-blocks", type=int, default=11, help="as in train.py")
    ap.add_argument("--previous", type=Path, default=None, help="an earlier model folder, side by side")
    ap.add_argument("--previous-name", default="first release", help="what --previous is, for the table")
    ap.add_argument("--folds", type=Path, default=Path("/tmp/td_folds"), help="held-out-source fold models")
    ap.add_argument(
        "--previous-folds",
        type=Path,
        default=None,
        help="the previous release's fold models (same layout as --folds), side by side for its recipe",
    )
    ap.add_argument(
        "--held-out-only",
        action="store_true",
        help="only the held-out-source folds found in --folds -> held_out_sources.json and the card's table",
    )
    args = ap.parse_args()
    if args.held_out_only:
        from shared.device import setup

        setup(args.threads)
        held_out_only(args.folds, args.data, load_split(args.split)["items"])
        return

    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from shared.device import setup

    setup(args.threads)
    ours = Predictor.from_folder(resolve(MODEL_SPEC))

    split = load_split(args.split)
    tr, va, te = (side_items(split, s) for s in ("train", "val", "test"))
    ytr, yva = (np.array([CLASSES.index(it["label"]) for it in part]) for part in (tr, va))
    index = {it["path"]: i for i, it in enumerate(split["items"])}

    def rows(part: list[dict]) -> list[int]:
        return [index[it["path"]] for it in part]

    gray_te = [load_gray(args.data / it["path"]) for it in te]
    xte, yte = np.stack([ours.model_array(g) for g in gray_te]), np.array([CLASSES.index(it["label"]) for it in te])
    rgb_te = np.array([is_rgb_file(args.data / it["path"]) for it in te])
    rgb_tr = np.array([is_rgb_file(args.data / it["path"]) for it in tr])
    tum_tr = ytr != CLASSES.index("notumor")

    # ---- ours
    out_te = ours.batch_outputs(xte)
    p_te = out_te["probs"]
    ours_scores = scores(p_te, yte)
    st = statuses(ours, out_te)
    ours_scores["rejected_by_input_check"] = float((st == Status.REFUSED.value).mean())
    ours_scores["uncertain"] = float((st == Status.UNCERTAIN.value).mean())
    cleared = (st == Status.OK.value) & (p_te.argmax(1) == CLASSES.index(NOTUMOR))
    ours_scores["notumor_cleared"] = float(cleared[yte == CLASSES.index(NOTUMOR)].mean())
    ours_scores["tumour_not_cleared"] = float(
        ((st != Status.REFUSED.value) & ~cleared)[yte != CLASSES.index(NOTUMOR)].mean()
    )
    cm = np.zeros((4, 4), int)
    for t, p in zip(yte, p_te.argmax(1), strict=True):
        cm[t, p] += 1
    confusion_png(cm, HERE / "confusion_matrix.png", f"Test groups (n={len(yte)}), fine-tuned Lite0")

    # ---- baseline: frozen ImageNet Lite0 + logistic regression (temperature on val)
    # The baseline's frozen prefix is exactly train.py's cached prefix (ImageNet weights), so reuse it.
    base = baseline_model()
    cache = view_cache(base, args.data, split["items"], args.freeze_blocks, SIZE, False, 1, args.cache_dir)[0]
    ftr, fva, fte = (pooled_from_cache(base, cache[rows(part)], args.freeze_blocks).numpy() for part in (tr, va, te))
    clf = make_pipeline(StandardScaler(), LogisticRegression(C=0.5, max_iter=2000))
    clf.fit(ftr, ytr)
    t_base = fit_temperature(clf.decision_function(fva), yva)
    pb_te = softmax(clf.decision_function(fte) / t_base)
    base_scores = scores(pb_te, yte)

    # ---- latency through the app path
    te_paths = [args.data / it["path"] for it in te]
    rng = np.random.default_rng(0)
    lat_paths = [te_paths[i] for i in rng.permutation(len(te_paths))]
    ours_lat = latency(lambda p: ours.predict_file(p, heatmap=False), lat_paths, args.n_latency)
    ours_lat_h = latency(lambda p: ours.predict_file(p, heatmap=True), lat_paths, args.n_latency)

    def base_predict(p):
        x = to_model_array(load_gray(p), SIZE)
        with torch.no_grad():
            f = base.efficientnet(pixel_values=to_pixel_values(x)).pooler_output.numpy()
        return clf.predict_proba(f)

    base_lat = latency(base_predict, lat_paths, args.n_latency)

    # ---- an earlier model (--previous), side by side (its own preprocessing, calibration and thresholds)
    prev_scores = None
    if args.previous:
        prev = Predictor.from_folder(args.previous)
        out_prev = prev.batch_outputs(np.stack([prev.model_array(g) for g in gray_te]))
        prev_scores = scores(out_prev["probs"], yte)
        prev_lat = latency(lambda p: prev.predict_file(p, heatmap=False), lat_paths, args.n_latency)
        prev_lat_h = latency(lambda p: prev.predict_file(p, heatmap=True), lat_paths, args.n_latency)
        prev_scores.update({"p50_ms": prev_lat[0], "p95_ms": prev_lat[1], "p50_ms_heatmap": prev_lat_h[0]})
        prev_scores["name"] = args.previous_name
        prev_scores["rejected_by_input_check"] = float((statuses(prev, out_prev) == Status.REFUSED.value).mean())

    # ---- held-out sources (fold models)
    held_rows = held_out_sources(args.folds, args.data, split["items"])
    if args.previous_folds:
        prev_rows = held_out_sources(args.previous_folds, args.data, split["items"], ("lesion",), ", previous release")
        held_rows = sorted(held_rows + prev_rows, key=lambda r: list(HELD_OUT).index(r["fold"]))

    # ---- source/class confound
    trivial = np.where(rgb_te, CLASSES.index("notumor"), np.bincount(ytr).argmax())
    is_tumour_te = yte != CLASSES.index("notumor")
    confound = {
        "rgb_file_share_by_class_test": {c: float(rgb_te[yte == i].mean()) for i, c in enumerate(CLASSES)},
        "trivial_rule_is_rgb_file_means_notumor_4class_acc": float((trivial == yte).mean()),
        "trivial_rule_tumour_vs_not_acc": float(((~rgb_te) == is_tumour_te).mean()),
        "ours_acc_grayscale_files": float((p_te.argmax(1) == yte)[~rgb_te].mean()),
        "ours_acc_rgb_files": float((p_te.argmax(1) == yte)[rgb_te].mean()) if rgb_te.any() else None,
    }
    # a linear probe: can the features still tell the collection (RGB vs grayscale file) WITHIN tumour classes?
    tum_te = is_tumour_te
    tum_items = [it for it, t in zip(tr, tum_tr, strict=True) if t]
    ours_cache = view_cache(
        ours.model, args.data, split["items"], args.freeze_blocks, SIZE, ours.crop, 1, args.cache_dir
    )[0]
    ours_f_tr = pooled_from_cache(ours.model, ours_cache[rows(tum_items)], args.freeze_blocks).numpy()
    ours_f_te = pooled(ours, xte[tum_te])
    for name, (a, b) in {"ours": (ours_f_tr, ours_f_te), "baseline": (ftr[tum_tr], fte[tum_te])}.items():
        probe = make_pipeline(StandardScaler(), LogisticRegression(C=0.5, max_iter=2000, class_weight="balanced"))
        probe.fit(a, rgb_tr[tum_tr])
        pr = probe.predict(b)
        yb = rgb_te[tum_te]
        bal = 0.5 * ((pr[yb] == 1).mean() + (pr[~yb] == 0).mean()) if yb.any() and (~yb).any() else None
        confound[f"source_probe_balanced_acc_within_tumours_{name}"] = None if bal is None else float(bal)

    # ---- leaky official split (baseline only: no second fine-tuning run)
    leaky = None
    if not args.skip_leaky:
        # every kit file, exact duplicates mapped to the copy kept in the split (same bytes, same features)
        kept = {hashlib.md5((args.data / it["path"]).read_bytes()).hexdigest(): it["path"] for it in split["items"]}
        kit = list_kit(args.data)
        for it in kit:
            it["path"] = kept[hashlib.md5((args.data / it["path"]).read_bytes()).hexdigest()]
        otr = [it for it in kit if it["official"] == "Training"]
        ote = [it for it in kit if it["official"] == "Testing"]
        yo_tr = np.array([CLASSES.index(it["label"]) for it in otr])
        yo_te = np.array([CLASSES.index(it["label"]) for it in ote])
        fo_tr = pooled_from_cache(base, cache[rows(otr)], args.freeze_blocks).numpy()
        fo_te = pooled_from_cache(base, cache[rows(ote)], args.freeze_blocks).numpy()
        clf2 = make_pipeline(StandardScaler(), LogisticRegression(C=0.5, max_iter=2000))
        clf2.fit(fo_tr, yo_tr)
        leaky = float((clf2.predict(fo_te) == yo_te).mean())

    # ---- cold start + memory, in a fresh process
    ex = HERE / "examples" / "glioma_1.jpg"
    code = COLD_START.format(here=str(HERE), app=str(HERE / "app.py"), example=str(ex))
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=600)
    try:
        import_s, first_s, rss_mb = (float(v) for v in out.stdout.strip().splitlines()[-1].split())
    except Exception:
        import_s = first_s = rss_mb = float("nan")

    res = {
        "test_images": int(len(yte)),
        "ours": {
            **ours_scores,
            "p50_ms": ours_lat[0],
            "p95_ms": ours_lat[1],
            "p50_ms_heatmap": ours_lat_h[0],
            "p95_ms_heatmap": ours_lat_h[1],
            "temperature": ours.cal["temperature"],
        },
        "baseline_frozen_logistic": {
            **base_scores,
            "p50_ms": base_lat[0],
            "p95_ms": base_lat[1],
            "temperature": t_base,
        },
        "first_release": prev_scores,
        "held_out_sources": held_rows,
        "baseline_leaky_official_split_accuracy": leaky,
        "confound": confound,
        "cold_start_s": {"import_app": import_s, "import_load_first_prediction": first_s},
        "max_rss_mb": rss_mb,
        "confusion_matrix_test": cm.tolist(),
        "torch_threads": torch.get_num_threads(),
    }
    write_json(HERE / "benchmark_results.json", res)
    o, b = res["ours"], res["baseline_frozen_logistic"]
    err_o, err_b = 1 - o["accuracy"], 1 - b["accuracy"]
    lines = [
        f"Test groups: {len(yte)} images (duplicate-free, grouped split); torch threads {torch.get_num_threads()}. "
        "Accuracy, macro-F1 and ECE of the classifiers alone (the input check is reported below).",
        "",
        "| model | accuracy | macro-F1 | ECE | p50 ms | p95 ms | p50 ms with heatmap |",
        "|---|---|---|---|---|---|---|",
        f"| fine-tuned Lite0, this release | {o['accuracy']:.3f} | {o['macro_f1']:.3f} | {o['ece']:.3f} | "
        f"{o['p50_ms']:.0f} | {o['p95_ms']:.0f} | {o['p50_ms_heatmap']:.0f} |",
        *(
            [
                f"| fine-tuned Lite0, {args.previous_name} | {prev_scores['accuracy']:.3f} | "
                f"{prev_scores['macro_f1']:.3f} | "
                f"{prev_scores['ece']:.3f} | {prev_scores['p50_ms']:.0f} | {prev_scores['p95_ms']:.0f} | "
                f"{prev_scores['p50_ms_heatmap']:.0f} |"
            ]
            if prev_scores
            else []
        ),
        f"| frozen Lite0 + logistic | {b['accuracy']:.3f} | {b['macro_f1']:.3f} | {b['ece']:.3f} | "
        f"{b['p50_ms']:.0f} | {b['p95_ms']:.0f} | - |",
        "",
        f"Error-rate ratio ours/baseline: {err_o / err_b:.2f}; latency ratio: {o['p50_ms'] / b['p50_ms']:.2f}.",
    ]
    if leaky is not None:
        lines.append(
            f"Baseline on the LEAKY official Training/Testing split: {leaky:.3f} "
            f"(vs {b['accuracy']:.3f} on our groups)."
        )
    lines += [
        f"Input check refuses {o['rejected_by_input_check']:.1%} of test slices"
        + (f" ({args.previous_name} {prev_scores['rejected_by_input_check']:.1%})" if prev_scores else "")
        + f"; {o['uncertain']:.1%} are uncertain; {o['notumor_cleared']:.1%} of no-tumour slices are called "
        f'"no tumour"; {o["tumour_not_cleared"]:.1%} of tumour slices are not (a tumour class or uncertain).',
        "",
        *held_out_lines(held_rows),
        "",
        f"Cold start: import {import_s:.1f} s, import + load + first prediction {first_s:.1f} s; "
        f"max RSS {rss_mb:.0f} MB.",
        "",
        "Confound: " + json.dumps(confound),
    ]
    print("\n".join(lines))
    from braintumor.card import update_block

    update_block(
        HERE / "MODEL_CARD.md",
        "bench",
        "Benchmark (written by benchmark.py):\n\n"
        + "\n".join(lines[:-1])
        + "\n\n![confusion matrix](confusion_matrix.png)",
    )


if __name__ == "__main__":
    main()

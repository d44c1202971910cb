"""The "unfamiliar look" evaluation: kit slices training never uses, shown as a visitor might upload them.

Every tumour and no-tumour slice of one side of our grouped split (default: the test groups) is passed through
each family of ``braintumor/unfamiliar.py`` (T2- and FLAIR-like contrast, other framing, letterboxing, burnt-in
text and a scale bar, screenshots, other windowing, and all of it at once on a T2-like slice) and then through
the app's own code path. Per family it reports, for the tumour slices: named as a tumour, told "no tumour" (and
with what confidence), "uncertain", refused; for the no-tumour slices: told "no tumour".

    python spaces/tumor_detect/evaluate_unfamiliar.py --data ../shared/data/brain_mri            # test, read once
    python spaces/tumor_detect/evaluate_unfamiliar.py --side val --variant val --out /tmp/u.json  # for choosing

--variant val uses other parameters (and seeds) than --variant test; choose on (val, val), report (test, test).
With --name, the result is stored under that key in --out (several models in one JSON).
"""

import argparse
import json
import time
from pathlib import Path

import numpy as np

from shared.jsonfile import write_json
from shared.timing import alternating_ms

HERE = Path(__file__).resolve().parent


def summarise_family(rows: list[dict]) -> dict:
    """rows: {"label", "status", "pred", "confidence"} -> the rates the issue asks for."""
    tum = [r for r in rows if r["label"] != "notumor"]
    nt = [r for r in rows if r["label"] == "notumor"]

    def cleared(r: dict) -> bool:
        return r["status"] == "ok" and r["pred"] == "notumor"

    missed = sorted(r["confidence"] for r in tum if cleared(r))
    out = {"tumour_slices": len(tum), "notumor_slices": len(nt)}
    if tum:
        out.update(
            named_tumour=float(
                np.mean([r["status"] != "refused" and r["pred"] != "notumor" and r["status"] == "ok" for r in tum])
            ),
            told_no_tumour=len(missed) / len(tum),
            told_no_tumour_confidence=[round(c, 3) for c in missed[-5:]],  # the most confident misses
            uncertain=float(np.mean([r["status"] == "uncertain" for r in tum])),
            refused=float(np.mean([r["status"] == "refused" for r in tum])),
        )
    if nt:
        out["notumor_told_no_tumour"] = float(np.mean([cleared(r) for r in nt]))
    return out


def family_rows(items: list[dict], preds: list) -> list[dict]:
    """One row per slice for ``summarise_family``: its true label and the app's answer (Predictions)."""
    return [
        {
            "label": it["label"],
            "status": p.status.value,
            "pred": p.label,
            "confidence": max(p.probabilities.values()) if p.probabilities else 0.0,
        }
        for it, p in zip(items, preds, strict=True)
    ]


def latency(predictors: dict, grays: list, n: int) -> dict:
    """p50/p95 ms per slice for each named predictor, one slice at a time as the app runs them, without and with
    the heatmap: the no-tumour slices first (they pay for the test-time contrast views), then tumour slices, n in
    all. With several predictors every slice goes through each of them in turn, so they share the machine's load
    (on a shared machine, compare the ratio, not the milliseconds)."""
    from braintumor.unfamiliar import shifted

    picks = [grays[i] for i in np.linspace(0, len(grays) - 1, n).astype(int)]
    picks += [shifted(g, "web_t2", "test", i) for i, g in enumerate(picks[: n // 4])]
    for predictor in predictors.values():
        predictor.predict_array(picks[0], heatmap=True)  # warm-up: the frozen graph and the first calls
    out: dict[str, dict] = {name: {} for name in predictors}
    for heat in (False, True):
        calls = {name: (lambda g, p=p, h=heat: p.predict_array(g, heatmap=h)) for name, p in predictors.items()}
        ms = alternating_ms(calls, picks)
        key = "with_heatmap" if heat else "without_heatmap"
        for name, m in ms.items():
            out[name][key] = {"p50": float(np.percentile(m, 50)), "p95": float(np.percentile(m, 95)), "n": len(m)}
    return out


def write_headline(unfamiliar: dict, kit: dict, ood: dict) -> None:
    """headline.json (the collection page's numbers) from the JSON the evaluation scripts wrote."""
    u = unfamiliar["all_shifted"]
    path = HERE / "headline.json"
    info = json.loads(path.read_text())
    info["measured_by"] = (
        "spaces/tumor_detect/evaluate.py on our duplicate-free test groups; evaluate_unfamiliar.py on the same "
        "slices shown with unfamiliar looks (T2/FLAIR-like, screenshots, other framing)"
    )
    info["headline"] = [
        ["Accuracy", f"{kit['accuracy']:.1%}"],
        ['Unfamiliar-look tumours told "no tumour"', f"{u['told_no_tumour']:.1%}"],
        ["Unfamiliar-look tumours named as a tumour", f"{u['named_tumour']:.1%}"],
        ["Calibration error (ECE)", f"{kit['ece']:.3f}"],
        ["Non-MRI refused", f"{ood['rejected_rate']:.0%}"],
        ["Real MRI refused", f"{kit['rejected_rate']:.1%}"],
    ]
    path.write_text(json.dumps(info, indent=2, ensure_ascii=False) + "\n")


def readme_table(stored: dict) -> str:
    """The Space card's short before/after table: all shifts, and the contrast families the issue is about."""
    names = list(stored)
    head = " | ".join(names)
    lines = [f"| tumour slices, shown as | {head} |", "|---" * (len(names) + 1) + "|"]
    rows = [("all shifts together", "all_shifted"), ("T2-like", "t2_like"), ("FLAIR-like", "flair_like")]
    rows += [("a T2-like screenshot with text", "web_t2"), ("letterboxed", "letterbox"), ("clean", "clean")]
    for label, fam in rows:
        cells = []
        for name in names:
            r = stored[name]["all_shifted"] if fam == "all_shifted" else stored[name]["families"][fam]
            cells.append(f'{r["named_tumour"]:.0%} named / {r["told_no_tumour"]:.1%} told "no tumour"')
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    nt = " | ".join(f"{stored[n]['all_shifted']['notumor_told_no_tumour']:.0%}" for n in names)
    lines.append(f'| (no-tumour slices, all shifts: told "no tumour") | {nt} |')
    return "\n".join(lines)


def card_table(stored: dict) -> str:
    """Markdown: one row per model and family, from the JSON this script writes (several --name entries)."""
    lines = [
        '| family | model | tumours named as a tumour | told "no tumour" (top confidences) | uncertain | refused '
        '| no-tumour slices told "no tumour" |',
        "|---|---|---|---|---|---|---|",
    ]
    first = next(iter(stored.values()))
    for fam in [*first["families"], "all_shifted"]:
        for name, res in stored.items():
            r = res["all_shifted"] if fam == "all_shifted" else res["families"].get(fam)
            if r is None:
                continue
            conf = ", ".join(f"{c:.2f}" for c in r["told_no_tumour_confidence"]) or "-"
            label = "**all shifts**" if fam == "all_shifted" else fam
            lines.append(
                f"| {label} | {name} | {r['named_tumour']:.1%} | {r['told_no_tumour']:.1%} ({conf}) | "
                f"{r['uncertain']:.1%} | {r['refused']:.1%} | {r.get('notumor_told_no_tumour', float('nan')):.1%} |"
            )
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=None, help="the kit's brain_mri folder")
    ap.add_argument("--split-file", type=Path, default=HERE / "split.json")
    ap.add_argument("--side", choices=["val", "test"], default="test")
    ap.add_argument("--variant", choices=["val", "test"], default=None, help="shift parameters (default: = side)")
    ap.add_argument("--families", default=None, help="comma-separated subset (default: all, plus 'clean')")
    ap.add_argument("--model", type=Path, default=None, help="model folder (default: the shipped one)")
    ap.add_argument("--out", type=Path, default=None, help="write the JSON here (default: print only)")
    ap.add_argument("--name", default=None, help="store the result under this key in --out")
    ap.add_argument("--every", type=int, default=1, help="every n-th slice of the side only (quicker choices)")
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--latency", type=int, default=0, help="also time N slices one at a time (ms, p50/p95)")
    ap.add_argument("--latency-against", type=Path, default=None, help="with --latency: also this model, interleaved")
    ap.add_argument("--card", action="store_true", help="only write the table from --out into MODEL_CARD.md")
    ap.add_argument("--kit", type=Path, default=None, help="with --card: evaluate.py --split test JSON -> headline")
    ap.add_argument("--ood-json", type=Path, default=None, help="with --card: evaluate.py --ood JSON -> headline")
    ap.add_argument("--release", default="this release", help="with --card: the --name of the shipped model")
    ap.add_argument("--block", default="unfamiliar", help="with --card: the MODEL_CARD.md block to write")
    args = ap.parse_args()
    variant = args.variant or args.side
    if args.card:
        from braintumor.card import update_block

        stored = json.loads(args.out.read_text())
        update_block(
            HERE / "MODEL_CARD.md",
            args.block,
            f"Unfamiliar-look evaluation (written by evaluate_unfamiliar.py from `{args.out.name}`; side "
            f"`{next(iter(stored.values()))['side']}`, variant `{next(iter(stored.values()))['variant']}`):\n\n"
            + card_table(stored),
        )
        if args.block == "unfamiliar":
            update_block(HERE / "README.md", "unfamiliar", readme_table(stored))
        if args.kit and args.ood_json:
            kit, ood = json.loads(args.kit.read_text()), json.loads(args.ood_json.read_text())
            write_headline(stored[args.release], kit, ood)
        return

    from shared.device import setup

    setup(args.threads)
    from braintumor.data import DEFAULT_DATA, load_split, side_items
    from braintumor.evaluation import load_predictor
    from braintumor.imageio import load_gray
    from braintumor.unfamiliar import FAMILIES, family_views

    predictor = load_predictor(args.model)
    data = args.data or DEFAULT_DATA
    items = side_items(load_split(args.split_file), args.side)[:: args.every]
    grays = [load_gray(data / it["path"]) for it in items]
    families = args.families.split(",") if args.families else ["clean", *FAMILIES]
    result = {"side": args.side, "variant": variant, "slices": len(items), "families": {}}
    t0 = time.time()
    all_rows = []
    for fam in families:
        rows = family_rows(items, predictor.predict_arrays(family_views(grays, fam, variant)))
        result["families"][fam] = summarise_family(rows)
        if fam != "clean":
            all_rows += rows
        print(fam, json.dumps(result["families"][fam]), f"{time.time() - t0:.0f}s", flush=True)
    result["all_shifted"] = summarise_family(all_rows)
    if args.latency:
        timed = {"this": predictor}
        if args.latency_against:
            timed["against"] = load_predictor(args.latency_against)
        lat = latency(timed, grays, args.latency)
        result["latency_ms"] = lat["this"]
        if args.latency_against:
            result["latency_ms_against"] = {"model": str(args.latency_against), **lat["against"]}
        print(json.dumps(lat), flush=True)
    print(json.dumps(result["all_shifted"]))
    if args.out:
        stored = result
        if args.name:
            old = json.loads(args.out.read_text()) if args.out.is_file() else {}
            stored = {**old, args.name: result}
        write_json(args.out, stored)


if __name__ == "__main__":
    main()

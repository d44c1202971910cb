"""Issue 18, third round: what clears more healthy slices ("no tumour" on kit no-tumour slices, target >= 97%)
without telling unfamiliar-look tumours "no tumour". Validation side only (the kit's validation groups and the
"val" variant of the unfamiliar looks); the test side is never read here.

``dump``: one model folder's logits (and the input-check features of the plain view) for several test-time views
of every validation slice: the plain model input, its mirror image, the same slice resized to 144 px on the same
weights (FixRes-style) and its mirror, and the contrast-equalised view the app already computes. Clean slices, and
every second slice under the T2-like, FLAIR-like and web-style T2 screenshot looks.

``report``: for each dump (or several dumps joined with ``+``: an ensemble that averages the networks' logits; the
named model folder, the first member's, gives the input checks and calibration rules) and each average of view
logits, the app's own decision (``Predictor.decide`` with the
folder's calibration; the temperature refitted on the clean validation slices for that average, as calibrate.py
does; the input checks and the equalised view as the app computes them) -> one JSON with, per look: accuracy,
ECE, no-tumour slices told "no tumour" (and how many the network itself calls a tumour), tumours named, tumours
told "no tumour", refused.

    python spaces/tumor_detect/notumor_trials.py dump --model spaces/tumor_detect/model --out /tmp/shipped.npz
    python spaces/tumor_detect/notumor_trials.py report --trial "shipped=/tmp/shipped.npz=spaces/tumor_detect/model" \
        --views plain,plain+mirror --out spaces/tumor_detect/notumor_trials.json
    # an ensemble: --trial "shipped + control=/tmp/shipped.npz+/tmp/control.npz=spaces/tumor_detect/model"
    # one more trial beside the stored ones (the shipped row must reproduce them): --merge notumor_trials.json

Mirrored-hemisphere trial (issue 18, fourth round), fixed before any of its numbers: one candidate, train.py
--mirror-share 0.3 --mirror-weight 1.0 (braintumor/mirror.py's default Rule, lesions from the hand marks or the
shipped network's map at >= 0.9 for the true class) in the released contrast stage (--recipe contrast --init the
lesion-stage model of d707655), seeds 0 and 1, then calibrate.py with its defaults. Compared with today's shipped
folder dumped and scored again in the same report (--merge checks its rows reproduce the stored ones). It ships only
if both seeds pass ``MIRROR_RULE`` on the app's one view ("plain"); one seed passing is not enough (``mirror_rule``).
A second variant, added while the first's seeds trained (after train.py had printed their per-epoch validation
accuracy, before any number of this report for them): --mirror-share 0.5, the rest the same, seeds 0 and 1, the same
rule for each variant on its own; should both variants pass, the one clearing more healthy validation slices (mean of
its two seeds) ships.
"""

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch

from shared.jsonfile import write_json

HERE = Path(__file__).resolve().parent
LOOKS = ("clean", "t2_like", "flair_like", "web_t2")
FIXRES = 144


def dump(model: Path, data: Path, out: Path, every: int) -> None:
    from braintumor.consistency import equalised
    from braintumor.data import load_split, side_items
    from braintumor.evaluation import load_predictor
    from braintumor.imageio import load_gray
    from braintumor.preprocess import to_model_array, to_pixel_values
    from braintumor.unfamiliar import shifted

    pred = load_predictor(model)
    items = side_items(load_split(HERE / "split.json"), "val")
    grays = [load_gray(data / it["path"]) for it in items]
    res: dict[str, np.ndarray] = {"labels": np.array([it["label"] for it in items])}

    @torch.no_grad()
    def run(arrays: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        logits, pooled, low = [], [], []
        for i in range(0, len(arrays), 32):
            f, lg, act = pred._features(to_pixel_values(np.stack(arrays[i : i + 32])))
            logits.append(lg.float().numpy())
            pooled.append(f.float().numpy())
            low.append(pred.low_features(act).numpy())
        return np.concatenate(logits), np.concatenate(pooled), np.concatenate(low)

    t0 = time.time()
    for look in LOOKS:
        idx = np.arange(len(items)) if look == "clean" else np.arange(0, len(items), every)
        raws = [grays[i] if look == "clean" else shifted(grays[i], look, "val", int(i)) for i in idx]
        plain = [pred.model_array(g) for g in raws]
        fixres = [to_model_array(g, FIXRES, crop=pred.crop) for g in raws]
        views = {
            "plain": plain,
            "mirror": [np.ascontiguousarray(x[:, ::-1]) for x in plain],
            "equalised": [equalised(x) for x in plain],
            f"s{FIXRES}": fixres,
            f"s{FIXRES}mirror": [np.ascontiguousarray(x[:, ::-1]) for x in fixres],
        }
        for name, arrays in views.items():
            logits, pooled, low = run(arrays)
            res[f"{look}/{name}/logits"] = logits
            if name == "plain":
                res[f"{look}/plain/pooled"], res[f"{look}/plain/low"] = pooled, low
        res[f"{look}/idx"] = idx
        print(look, len(idx), f"{time.time() - t0:.0f}s", flush=True)
    np.savez_compressed(out, **res)


def mean_logits(dumps: list[dict], look: str, views: list[str]) -> np.ndarray:
    """The average of the named views' logits over every dumped network (the test-time average the app would run)."""
    return np.mean([d[f"{look}/{v}/logits"] for d in dumps for v in views], 0)


def views_notumor(pred, eq_logits: np.ndarray, temperature: float) -> list[float | None]:
    """The "no tumour" probability of the contrast-equalised view per slice, as the app's rule consults it: only when
    the folder's calibration names that view (None for every slice when it names none, as the app computes none)."""
    names = list(pred.cal.get("consistency_views") or [])
    if names not in ([], ["equalised"]):
        raise SystemExit(f"the dumps hold the equalised view only, the calibration asks for {names}")
    if not names:
        return [None] * len(eq_logits)
    probs = torch.softmax(torch.from_numpy(eq_logits) / temperature, -1)
    return probs[:, pred.classes.index("notumor")].tolist()


def decisions(pred, probs: np.ndarray, ratio: np.ndarray, notumor: np.ndarray, views_nt) -> list:
    """(status, label) per slice through the app's rule; "refused" when the input check refuses."""
    out = []
    for p, r, n, v in zip(probs, ratio, notumor, views_nt, strict=True):
        if r > 1:
            out.append(("refused", None))
            continue
        status, _ = pred.decide(p, float(n), None if v is None else float(v))
        out.append((status.value, pred.classes[int(p.argmax())]))
    return out


def score(labels: np.ndarray, probs: np.ndarray, decided: list) -> dict:
    from braintumor.evaluation import expected_calibration_error

    status = np.array([s for s, _ in decided])
    pred = np.array([lab or "" for _, lab in decided])
    tumour = labels != "notumor"
    cleared = (status == "ok") & (pred == "notumor")
    kept = status != "refused"
    return {
        "slices": len(labels),
        "accuracy": float(np.mean(kept & (pred == labels))),
        "ece": expected_calibration_error(probs[kept].max(1), pred[kept] == labels[kept]),
        "notumor_cleared": float(cleared[~tumour].mean()),
        "notumor_slices": int((~tumour).sum()),
        "notumor_called_tumour": int((pred[~tumour & kept] != "notumor").sum()),
        "tumour_named": float(((status == "ok") & (pred != "notumor") & tumour).sum() / tumour.sum()),
        "tumour_told_no_tumour": float((cleared & tumour).sum() / tumour.sum()),
        "refused": float((~kept).mean()),
    }


def report(trials: list[str], averages: list[str]) -> dict:
    from braintumor import CLASSES
    from braintumor.predictor import Predictor
    from braintumor.training import fit_temperature

    out = {}
    for trial in trials:
        name, npz, model = trial.split("=")
        dumps = [dict(np.load(path)) for path in npz.split("+")]
        d = dumps[0]  # the slices, labels and input-check features: the first member's (the model folder's)
        if any(not np.array_equal(x[f"{look}/idx"], d[f"{look}/idx"]) for x in dumps[1:] for look in LOOKS):
            raise SystemExit(f"{name}: the dumps are not of the same slices (dump them with the same --every)")
        pred = Predictor.from_folder(Path(model))
        labels = d["labels"]
        y = np.array([CLASSES.index(lab) for lab in labels])
        out[name] = {"model": model, "views": {}}
        for avg in averages:
            views = avg.split("+")
            temperature = fit_temperature(mean_logits(dumps, "clean", views), y)
            row: dict = {"temperature": temperature}
            for look in LOOKS:
                idx = d[f"{look}/idx"]
                probs = torch.softmax(torch.from_numpy(mean_logits(dumps, look, views)) / temperature, -1).numpy()
                pooled = torch.from_numpy(d[f"{look}/plain/pooled"])
                ratio = pred.input_check_ratio(pooled, torch.from_numpy(d[f"{look}/plain/low"])).numpy()
                notumor = pred.notumor_ratio(pooled).numpy()
                views_nt = views_notumor(pred, mean_logits(dumps, look, ["equalised"]), temperature)
                row[look] = score(labels[idx], probs, decisions(pred, probs, ratio, notumor, views_nt))
            out[name]["views"][avg] = row
            print(name, avg, json.dumps({k: v for k, v in row["clean"].items() if k != "slices"}), flush=True)
    return out


def merge(earlier: dict, new: dict) -> dict:
    """An earlier report with a new one's trials added: a trial in both keeps the earlier view averages and its
    "how", gains the new ones, and must reproduce every average both have (else SystemExit: not the same run)."""
    out = {name: dict(trial) for name, trial in earlier.items()}
    for name, trial in new.items():
        before = out.get(name, {"views": {}})
        for avg in set(before["views"]) & set(trial["views"]):
            a, b = before["views"][avg], trial["views"][avg]
            for look in LOOKS:
                diff = {k: (a[look][k], b[look][k]) for k in a[look] if not np.isclose(a[look][k], b[look][k])}
                if diff:
                    raise SystemExit(f"{name}, {avg}, {look}: does not reproduce the earlier report: {diff}")
        added = {avg: row for avg, row in trial["views"].items() if avg not in before["views"]}
        out[name] = {**trial, **before, "views": {**before["views"], **added}}
    return out


# Each: (look, key, "min" or "max", absolute limit or None, limit relative to today's shipped row or None).
MIRROR_RULE = (
    ("clean", "notumor_cleared", "min", None, +0.015),  # healthy slices cleared >= today's + 1.5 points
    ("web_t2", "tumour_told_no_tumour", "max", 0.010, None),  # web-style T2 tumours told "no tumour" <= 1.0%
    ("web_t2", "tumour_named", "min", None, -0.03),  # ... and named >= today's - 3 points
    ("t2_like", "tumour_told_no_tumour", "max", None, +0.005),  # T2-like told "no tumour" <= today's + 0.5 points
    ("flair_like", "tumour_told_no_tumour", "max", None, +0.005),  # FLAIR-like likewise
    ("clean", "accuracy", "min", 0.940, None),
    ("clean", "ece", "max", 0.03, None),
)


def mirror_rule(row: dict, today: dict) -> dict[str, bool]:
    """Per condition of ``MIRROR_RULE``: does one seed's "plain" row pass against today's shipped "plain" row? (The
    trial ships only when every condition holds for both seeds.) A float tolerance of 1e-9 at the edges."""
    out = {}
    for look, key, sense, absolute, relative in MIRROR_RULE:
        limit = absolute if absolute is not None else today[look][key] + relative
        value = row[look][key]
        out[f"{look}/{key}"] = value >= limit - 1e-9 if sense == "min" else value <= limit + 1e-9
    return out


VIEW_NAMES = {"plain": "one view (the app's)", "mirror": "mirror", "equalised": "equalised", "s144": "144 px"}


def views_label(avg: str) -> str:
    return " + ".join(VIEW_NAMES.get(v, v.replace("s144mirror", "144 px mirror")) for v in avg.split("+"))


def table(result: dict, all_views: bool = True) -> str:
    """Markdown: one row per trial and view average (``all_views=False``: the app's one view only), validation side."""
    lines = [
        '| trial | test-time views | accuracy | ECE | no-tumour told "no tumour" (network says tumour) '
        '| T2-like tumours named / told "no tumour" | FLAIR-like | web-style T2 screenshot |',
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, trial in result.items():
        for avg, row in trial["views"].items():
            if not all_views and avg != "plain":
                continue
            c = row["clean"]
            looks = [f"{row[k]['tumour_named']:.1%} / {row[k]['tumour_told_no_tumour']:.1%}" for k in LOOKS[1:]]
            lines.append(
                f"| {name} | {views_label(avg)} | {c['accuracy']:.1%} | {c['ece']:.3f} | {c['notumor_cleared']:.1%} "
                f"({c['notumor_called_tumour']} of {c['notumor_slices']}) | " + " | ".join(looks) + " |"
            )
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("dump")
    d.add_argument("--model", type=Path, default=HERE / "model")
    d.add_argument("--data", type=Path, default=None)
    d.add_argument("--out", type=Path, required=True)
    d.add_argument("--every", type=int, default=2, help="every n-th validation slice under the unfamiliar looks")
    d.add_argument("--threads", type=int, default=1)
    r = sub.add_parser("report")
    r.add_argument("--trial", action="append", required=True, help="NAME=DUMP.npz=MODEL_FOLDER (repeatable)")
    r.add_argument("--views", default="plain", help="comma-separated view averages, e.g. plain,plain+mirror")
    r.add_argument("--out", type=Path, default=None)
    r.add_argument("--notes", type=Path, default=None, help="a JSON of {trial name: how it was made} to keep")
    r.add_argument("--merge", type=Path, default=None, help="an earlier report: keep its trials, add these (merge())")
    c = sub.add_parser("card", help="write the tables from --out into MODEL_CARD.md and README.md")
    c.add_argument("--out", type=Path, default=HERE / "notumor_trials.json")
    args = ap.parse_args()
    if args.cmd == "card":
        from braintumor.card import update_block

        result = json.loads(args.out.read_text())
        head = f"Validation side, written by notumor_trials.py from `{args.out.name}`:\n\n"
        update_block(HERE / "MODEL_CARD.md", "notumor-trials", head + table(result))
        update_block(HERE / "README.md", "notumor-trials", head + table(result, all_views=False))
        return
    from shared.device import setup

    if args.cmd == "dump":
        from braintumor.data import DEFAULT_DATA

        setup(args.threads)
        dump(args.model, args.data or DEFAULT_DATA, args.out, args.every)
        return
    setup(1)
    result = report(args.trial, args.views.split(","))
    if args.notes:
        for name, note in json.loads(args.notes.read_text()).items():
            if name in result:
                result[name]["how"] = note
    if args.merge:
        result = merge(json.loads(args.merge.read_text()), result)
    if args.out:
        write_json(args.out, result)


if __name__ == "__main__":
    main()

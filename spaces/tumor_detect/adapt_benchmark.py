"""Measurement of adapt.py on a simulated site: how much the site gains from 10, 25 and 50 labelled slices per
class, against no adaptation and recalibration only, over several random draws of the site's slices. Writes one
JSON file (the card's numbers come from it).

Two kinds of site the model has not learned (``--site``):
- ``look:FAMILY`` (default ``look:flair_like``): the released model; the site is the kit's slices as one scanner
  of another look would show them (``braintumor/unfamiliar.py``: a FLAIR- or T2-like contrast, with ``--variant``'s
  parameters; none of these looks is used in training). Adaptation slices are drawn from the validation groups
  (the model never trained on them), the site's held-out slices are all the test groups under the same look.
  Forgetting: the kit's own test groups as they are.
- ``other_tumours``: leave one source out. The fold model trained without the SARTAJ/Br35H tumour slices
  (``train.py --hold-out other_tumours`` then ``calibrate.py --hold-out other_tumours``) plays the released model;
  its 3-channel (SARTAJ/Br35H) files are the site: adaptation slices from their training and validation groups
  (no-tumour slices: validation groups only, the training ones were learned), held-out slices their test groups.
  Forgetting: the rest of the kit's test groups (the grayscale figshare files). The same 25-per-class draw also
  adapts the released model (``--released``), for forgetting on all 987 test slices.
- ``figshare_tumours``: the other fold, the same way: the fold model trained without the figshare (grayscale)
  tumours, which then learned tumours from SARTAJ/Br35H only; the site is the grayscale files. Figshare has almost
  no healthy slices (2 in the validation groups), so the site's healthy adaptation slices are the kit's validation
  no-tumour slices (nearly all 3-channel); its held-out slices (the grayscale test groups) are tumours but for 3.
  Forgetting: the 3-channel test groups (SARTAJ/Br35H, healthy slices among them).
Draws take at most one slice per near-duplicate group, and the split is by group, so nothing drawn has a near-copy
among the held-out slices. Refusal: the generated non-MRI images (``evaluate.py --make-ood``). Time and peak memory:
adapt.py itself, as a child process, on a 25-per-class draw. ``--per-class``/``--seeds`` runs can be split over
several processes and joined with ``--merge``.

    python spaces/tumor_detect/adapt_benchmark.py --data ../shared/data/brain_mri --ood /tmp/td_ood \
        --site look:flair_like --variant test --out spaces/tumor_detect/adapt_benchmark.json
    python spaces/tumor_detect/adapt_benchmark.py --site other_tumours \
        --fold-model /tmp/td_folds/contrast-other_tumours --anchors /tmp/td_folds/anchors-other_tumours \
        --ood /tmp/td_ood --out /tmp/adapt_fold.json
    python spaces/tumor_detect/adapt_benchmark.py --site figshare_tumours \
        --fold-model /tmp/td_folds/contrast-figshare_tumours --anchors /tmp/td_folds/anchors-figshare_tumours \
        --ood /tmp/td_ood --out spaces/tumor_detect/adapt_benchmark_figshare_tumours.json
"""

from __future__ import annotations

import argparse
import hashlib
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
from braintumor.data import DEFAULT_DATA, load_split
from braintumor.imageio import load_gray
from braintumor.model_spec import MODEL_DIR
from braintumor.predictor import Predictor
from braintumor.sources import FIGSHARE, HELD_OUT, OTHER, kit_sources
from shared.jsonfile import write_json

HERE = Path(__file__).resolve().parent
# leave-one-source-out sites (train.py --hold-out NAME): the source held out, the card's name for the rest of the
# kit's test groups (forgetting), whether the healthy adaptation slices are the source's own (figshare has 2 healthy
# validation slices: its site takes the whole kit's)
LEFT_OUT = {
    "other_tumours": (OTHER, "the kit's other test groups (grayscale figshare files)", True),
    "figshare_tumours": (FIGSHARE, "the kit's other test groups (3-channel SARTAJ/Br35H files)", False),
}
# the model card's block per site
CARD_BLOCKS = {"other_tumours": "adapt-loso", "figshare_tumours": "adapt-loso-figshare"}


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


def judge(pred: Predictor, arrays: np.ndarray, labels: np.ndarray) -> tuple[dict, np.ndarray]:
    """(summary as the report gives it, per-slice right or wrong) with the app's own decisions."""
    status, p, probs = decisions(pred, arrays)
    correct = (p == labels) & (np.array(status) != "refused")
    return summary(labels, status, p, probs), correct


def scores(pred: Predictor, arrays: np.ndarray, labels: np.ndarray) -> dict:
    return judge(pred, arrays, labels)[0]


def refused(pred: Predictor, arrays: np.ndarray) -> float:
    return float(np.mean(pred.batch_outputs(arrays)["ratio"] > 1.0)) if len(arrays) else float("nan")


def brief(m: dict) -> dict:
    keys = ("accuracy", "tumour_sensitivity", "notumor_on_tumours", "notumor_cleared", "refused", "uncertain")
    out = {k: m[k]["value"] for k in keys}
    out["accuracy_ci95"] = m["accuracy"]["ci95"]
    out["ece"], out["errors"], out["n"] = m["ece"]["value"], m["errors"], m["n"]
    out["errors_by_kind"], out["right_class_uncertain"] = m["errors_by_kind"], m["right_class_uncertain"]
    return out


def errors_removed(before: np.ndarray, after: np.ndarray, seed: int = 0, rounds: int = 1000) -> dict:
    """Share of the unadapted model's errors that are gone (net: new errors count against it), with a 95%
    interval from a paired bootstrap over the held-out slices."""
    wrong_b, wrong_a = ~before, ~after
    value = 1 - wrong_a.sum() / max(1, wrong_b.sum())
    rng = np.random.default_rng(seed)
    boots = []
    for _ in range(rounds):
        i = rng.integers(0, len(before), len(before))
        boots.append(1 - wrong_a[i].sum() / max(1, wrong_b[i].sum()))
    return {"value": round(float(value), 4), "ci95": [round(float(x), 4) for x in np.percentile(boots, [2.5, 97.5])]}


def time_cli(grays_dir: Path, base: Path, threads: int, extra: list[str], script: Path = HERE / "adapt.py") -> dict:
    """adapt.py as a user runs it, in a child process: wall time and its own peak RSS."""
    with tempfile.TemporaryDirectory(prefix="adapt-bench-") as out:
        t0 = time.perf_counter()
        cmd = [sys.executable, str(script), "--slices", str(grays_dir), "--out", out, "--base", str(base)]
        cmd += ["--threads", str(threads), *extra]
        res = subprocess.run(cmd, capture_output=True, text=True, check=False)
        wall = time.perf_counter() - t0
        last = json.loads(res.stdout.strip().splitlines()[-1]) if res.stdout.strip() else {}
    return {
        "wall_s": round(wall, 1),
        "exit_code": res.returncode,
        "shipped": last.get("shipped"),
        **last.get("timings", {}),
    }


def export(folder: Path, grays: list[np.ndarray], labels: list[int]) -> Path:
    """The drawn slices as a user's upload: one PNG per slice in its class folder."""
    from PIL import Image

    for i, (g, y) in enumerate(zip(grays, labels, strict=True)):
        dst = folder / CLASSES[y] / f"slice_{i:03d}.png"
        dst.parent.mkdir(parents=True, exist_ok=True)
        g = np.asarray(g, np.float32)
        Image.fromarray(np.clip(255 * (g - g.min()) / max(1e-6, float(np.ptp(g))), 0, 255).astype(np.uint8)).save(dst)
    return folder


class Site:
    """The simulated site: which kit slices are drawn for adaptation (``pool``), which are its held-out slices
    (``held``), which measure forgetting (``kit``), and the look every site slice is shown with."""

    def __init__(self, name: str, variant: str, items: list[dict], data: Path):
        self.name, self.variant, self.items, self.data = name, variant, items, data
        side = [it["side"] for it in items]
        self.fold = name in LEFT_OUT
        if self.fold:
            self._left_out_source(name)
        elif name.startswith("look:"):
            from braintumor.unfamiliar import FAMILIES

            self.family = name.split(":", 1)[1]
            if self.family not in FAMILIES:
                raise SystemExit(f"unknown look {self.family!r}; one of {', '.join(FAMILIES)}")
            self.pool = [i for i in range(len(items)) if side[i] == "val"]
            self.held = [i for i in range(len(items)) if side[i] == "test"]
            self.kit = list(self.held)
            self.title = (
                f"the kit's slices under one unfamiliar look ({self.family}, {variant} parameters) with the released "
                "model, which never trained on that look"
            )
            self.kit_title = "the kit's own test groups, as they are"
        else:
            raise SystemExit(f"unknown site {name!r}")

    def _left_out_source(self, name: str) -> None:
        """Leave one source out: the fold model never saw this source's tumours. Adaptation slices: its tumour
        slices from the training and validation groups, and healthy slices from the validation groups only (the
        training ones were learned), the source's own or, for a source without healthy slices of its own, the
        whole kit's; held-out slices: the source's test groups; forgetting: the other source's test groups."""
        items, side = self.items, [it["side"] for it in self.items]
        source, kit_title, own_healthy = LEFT_OUT[name]
        ours = [s == source for s in kit_sources(self.data, items)]
        tumour = [it["label"] != "notumor" for it in items]
        self.pool = [
            i
            for i in range(len(items))
            if (tumour[i] and ours[i] and side[i] != "test")
            or (not tumour[i] and side[i] == "val" and (ours[i] or not own_healthy))
        ]
        self.held = [i for i in range(len(items)) if ours[i] and side[i] == "test"]
        self.kit = [i for i in range(len(items)) if not ours[i] and side[i] == "test"]
        self.family = None
        what = HELD_OUT[name][1].removeprefix("tumours from ")
        self.title = f"{what} under the fold model trained without {what.split(' (')[0]} tumours"
        self.kit_title = kit_title

    def grays(self, idx: list[int]) -> list[np.ndarray]:
        raw = load_items(self.data, [self.items[i] for i in idx])
        if self.family is None:
            return raw
        from braintumor.unfamiliar import shifted

        return [shifted(g, self.family, self.variant, i) for i, g in zip(idx, raw, strict=True)]

    def slices(self, idx: list[int]) -> SiteSlices:
        labels = [CLASSES.index(self.items[i]["label"]) for i in idx]
        paths = [self.items[i]["path"] for i in idx]
        return SiteSlices(self.grays(idx), labels, paths, [self.items[i]["group"] for i in idx])


def _f(x, pct: bool = True) -> str:
    return "-" if x is None else (f"{100 * x:.1f}%" if pct else f"{x:.3f}")


def learning_curve(result: dict) -> list[dict]:
    """Per slices-per-class count, over the draws of the curve's mode: errors (none, recalibration only, adapted),
    errors removed, "no tumour" on tumours and ECE, each as the mean and the range over draws."""
    mode = result["curve_mode"]
    out = []
    for k in sorted({r["per_class"] for r in result["runs"] if r["mode"] == mode}):
        runs = [r for r in result["runs"] if r["mode"] == mode and r["per_class"] == k]

        def stat(f, runs=runs) -> dict:
            v = [f(r) for r in runs]
            return {"mean": round(float(np.mean(v)), 4), "min": round(min(v), 4), "max": round(max(v), 4)}

        out.append(
            {
                "per_class": k,
                "draws": len(runs),
                "errors_none": result["no_adaptation"]["site"]["errors"],
                "errors_recalibration_only": stat(lambda r: r["recalibration_only_site"]["errors"]),
                "errors_adapted": stat(lambda r: r["site"]["errors"]),
                "removed": stat(lambda r: r["errors_removed"]["value"]),
                "removed_by_recalibration_only": stat(lambda r: r["recalibration_only_removed"]["value"]),
                "notumor_on_tumours": stat(lambda r: r["site"]["notumor_on_tumours"]),
                "ece": stat(lambda r: r["site"]["ece"]),
                "kit_accuracy": stat(lambda r: r["kit"]["accuracy"]),
                "shipped": sum(r["shipped"] for r in runs),
            }
        )
    return out


def decomposition(result: dict) -> list[str]:
    """What the held-out errors are (refused, wrong class answered, wrong class "uncertain") and what the answer's
    gates cost besides them (healthy slices not cleared, right class "uncertain"): no adaptation, then the mean
    over draws of recalibration only and of the adapted model per size."""
    if "errors_by_kind" not in result["no_adaptation"]["site"]:
        return []
    mode = result["curve_mode"]

    def row(name: str, sites: list[dict]) -> str:
        def mean(f) -> float:
            return float(np.mean([f(s) for s in sites]))

        kinds = [mean(lambda s, k=k: s["errors_by_kind"][k]) for k in ("refused", "wrong_class_answered",
                                                                        "wrong_class_uncertain")]  # fmt: skip
        return (
            f"| {name} | {mean(lambda s: s['errors']):.1f} | {kinds[0]:.1f} | {kinds[1]:.1f} | {kinds[2]:.1f} | "
            f"{mean(lambda s: s['right_class_uncertain']):.1f} | {100 * mean(lambda s: s['uncertain']):.1f}% | "
            f"{100 * mean(lambda s: s['notumor_cleared']):.1f}% |"
        )

    rows = [row("no adaptation", [result["no_adaptation"]["site"]])]
    for k in sorted({r["per_class"] for r in result["runs"] if r["mode"] == mode}):
        runs = [r for r in result["runs"] if r["mode"] == mode and r["per_class"] == k]
        rows.append(row(f"{k}/class, recalibration only", [r["recalibration_only_site"] for r in runs]))
        rows.append(row(f"{k}/class, adapted", [r["site"] for r in runs]))
    return [
        "What the held-out errors are (an error is a wrong class or a refusal; a right class answered "
        '"uncertain" is not an error, but the visitor gets no answer). Means over draws:',
        "",
        '| model | errors | refused | wrong class answered | wrong class, "uncertain" | right class, "uncertain" | '
        'all "uncertain" | healthy slices cleared |',
        "|---|---|---|---|---|---|---|---|",
        *rows,
    ]


def draws_per_size(result: dict) -> str:
    """ "2 draw(s) per size", or per size when split runs drew some sizes more often ("2 at 10, 5 at 25")."""
    counts = {c["per_class"]: c["draws"] for c in learning_curve(result)}
    if len(set(counts.values())) <= 1:
        return f"{result['draws']} draw(s) per size"
    return "draws: " + ", ".join(f"{n} at {k} per class" for k, n in counts.items())


def card_block(result: dict) -> str:
    """The model card's "Adapt to your scanner" section, from the benchmark's JSON."""
    base = result["no_adaptation"]

    def rng(s: dict, pct: bool = True) -> str:
        f = (lambda x: f"{100 * x:.1f}%") if pct else (lambda x: f"{x:.3f}")
        return f(s["mean"]) if s["min"] == s["max"] else f"{f(s['mean'])} ({f(s['min'])} to {f(s['max'])})"

    curve = [
        f"| {c['per_class']} | {c['draws']} | {c['errors_none']} | {c['errors_recalibration_only']['mean']:.1f} | "
        f"**{c['errors_adapted']['mean']:.1f}** | {rng(c['removed_by_recalibration_only'])} | "
        f"**{rng(c['removed'])}** | "
        f"{rng(c['notumor_on_tumours'])} | {rng(c['ece'], False)} | "
        f"{_f(base['kit']['accuracy'])} -> {rng(c['kit_accuracy'])} | {c['shipped']} of {c['draws']} |"
        for c in learning_curve(result)
    ]
    rows = []
    for r in sorted(result["runs"], key=lambda r: (r["mode"] != result["curve_mode"], r["per_class"], r["seed"])):
        s, er = r["site"], r["errors_removed"]
        rows.append(
            f"| {r['per_class']} | {r['mode']} | {r['seed']} | {base['site']['errors']} / "
            f"{r['recalibration_only_site']['errors']} / **{s['errors']}** | {er['value']:.0%} "
            f"({er['ci95'][0]:.0%} to {er['ci95'][1]:.0%}) | {_f(s['accuracy'])} | {_f(s['notumor_on_tumours'])} | "
            f"{_f(s['ece'], False)} | {_f(r['non_mri_refused'])} | {_f(r['kit']['accuracy'])} | {r['seconds']:.0f} |"
        )
    held = sum(result["site_held_out"].values())
    lines = [
        f"Site: {result['site_title']}. Adaptation slices drawn at random (one per near-duplicate group, "
        f"{draws_per_size(result)}); scored on the site's {held} held-out slices, which no draw shares a "
        f'group with. No adaptation on them: accuracy {_f(base["site"]["accuracy"])}, tumours told "no tumour" '
        f"{_f(base['site']['notumor_on_tumours'])}, ECE {_f(base['site']['ece'], False)}, {base['site']['errors']} "
        f"errors (wrong class or refused). Recipe: `{result['recipe_label']}`.",
        "",
        "Learning curve (mean over draws, range in brackets):",
        "",
        "| per class | draws | errors: none | recalibration only | **adapted** | removed by recalibration only | "
        '**errors removed** | tumours told "no tumour" | ECE | forgetting: kit test accuracy | '
        "shipped by its own check |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
        *curve,
        "",
        "Every run (errors removed with a 95% paired-bootstrap interval over the held-out slices):",
        "",
        "| per class | fine-tuned | draw | errors: none / recalibration only / **adapted** | errors removed | "
        'accuracy | tumours told "no tumour" | ECE | non-MRI refused | kit test accuracy | seconds |',
        "|---|---|---|---|---|---|---|---|---|---|---|",
        *rows,
    ]
    lines += ["", *decomposition(result)]
    rel = next((r["released_adapted"] for r in result["runs"] if "released_adapted" in r), None)
    if rel:
        lines += [
            "",
            f"The released model adapted to the 25-per-class draw: kit test groups accuracy "
            f"{_f(result['released_model']['kit_test']['accuracy'])} -> {_f(rel['kit_test']['accuracy'])}, "
            f"non-MRI refused {_f(result['released_model']['non_mri_refused'])} -> {_f(rel['non_mri_refused'])}.",
        ]
    cli = result.get("cli_25_per_class")
    against = result.get("cli_against")
    if against:
        lines += [
            "",
            f"`adapt.py` on 25 slices per class (100 slices, {against['threads']} thread, as a user runs it; this "
            f"checkout and {against['root']} in turn on the same slices and model; the machine was shared, so the "
            "wall times are inflated, the CPU times less so):",
            "",
            "| adapt.py | wall s | CPU s | peak memory MB | shipped |",
            "|---|---|---|---|---|",
            *(f"| {name} | {r['wall_s']} | {r['cpu_s']} | {r['peak_rss_mb']} | {r['shipped']} |"
              for name, r in (("this one", against["this"]), (against["root"], against["baseline"]))),
            "",
            f"CPU time, this one / {against['root']}: {against['cpu_ratio']:.2f}x.",
        ]  # fmt: skip
    elif cli:
        lines += [
            "",
            f"`adapt.py` on 25 slices per class (100 slices, {cli.get('threads')} threads, as a user runs it): "
            f"{cli.get('wall_s')} s wall, {cli.get('cpu_s')} s CPU, peak memory {cli.get('peak_rss_mb')} MB, "
            f"shipped: {cli.get('shipped')} (the machine was shared by other jobs: the wall time is inflated; "
            "the CPU time is not).",
        ]
    return "\n".join(lines)


def card_name(result: dict) -> str:
    """The model card's block for a site: the look site's and the leave-one-source-out site's tables sit side by
    side, so one benchmark run never overwrites the other's."""
    return CARD_BLOCKS.get(result["site"], "adapt")


def write_card(out: Path, result: dict) -> None:
    """Rewrite the site's block of MODEL_CARD.md, when the JSON is the Space's own (not a scratch run)."""
    if out.resolve().parent == HERE:
        from braintumor.card import update_block

        update_block(HERE / "MODEL_CARD.md", card_name(result), card_block(result))


def readme_rows(result: dict, site: str) -> list[str]:
    """The README's learning-curve rows for one site (its JSON), as in the table that puts the sites side by side:
    per slices-per-class count, the unadapted errors out of the held-out slices, recalibration only and adapted
    (mean and range over draws), errors removed, tumours told "no tumour", ECE, kit accuracy after (forgetting),
    non-MRI refused (the lowest over draws) and how many draws adapt.py's own check shipped."""
    none = result["no_adaptation"]

    def span(s: dict, f) -> str:
        low, high = f(s["min"]), f(s["max"])
        return low if low == high else f"{low} to {high}"

    def pct(x: float) -> str:
        return f"{100 * x:.1f}%"

    rows = []
    for c in learning_curve(result):
        runs = [r for r in result["runs"] if r["mode"] == result["curve_mode"] and r["per_class"] == c["per_class"]]
        rows.append(
            f"| {site} | {c['per_class']} | {c['draws']} | {c['errors_none']} of {none['site']['n']} | "
            f"{c['errors_recalibration_only']['mean']:.1f} ({span(c['errors_recalibration_only'], str)}) | "
            f"**{c['errors_adapted']['mean']:.1f}** ({span(c['errors_adapted'], str)}) | "
            f"**{pct(c['removed']['mean'])}** ({span(c['removed'], pct)}) | {span(c['notumor_on_tumours'], pct)} | "
            f"{span(c['ece'], lambda x: f'{x:.3f}')} | {pct(none['kit']['accuracy'])} -> "
            f"{span(c['kit_accuracy'], pct)} | {pct(min(r['non_mri_refused'] for r in runs))} | "
            f"{c['shipped']} of {c['draws']} |"
        )
    return rows


def screen(site: Site, base: Predictor, recipes: list[dict], seeds: list[int], per_class: int, data: Path) -> dict:
    """Recipes compared quickly, for choosing (run it on the "val" look): per draw, one fit on every drawn slice
    (no out-of-fold report, no refitted checks), then on the held-out slices and the kit test groups: wrong classes
    (argmax; the gates do not change them), tumours whose argmax is "no tumour", and the ECE of the argmax at the
    released temperature. ``{"from": 13}`` in a recipe fine-tunes blocks 13.. only (11-12 frozen with their released
    statistics); ``{"early_lr": ...}`` trains blocks 0-10 too (the held-out slices then go through the fitted
    model's own early blocks); ``{"curve_knots": ...}`` learns an input intensity curve too (held-out, kit and drawn
    slices then go through it; "kit_uncurved": the kit without it). The drawn slices themselves are scored too
    ("drawn": how well the fit learnt them). CPU seconds and the process's peak memory so far per fit. Returns the
    JSON written by --screen."""
    from braintumor.adaptation.curve import IntensityCurve
    from braintumor.adaptation.pipeline import Adapter
    from braintumor.adaptation.tuning import finetune, pooled_all, prefix, site_curve
    from braintumor.evaluation import expected_calibration_error
    from shared.child_job import peak_rss_mb

    items, nb = site.items, base.gradcam_block + 1
    y = np.array([CLASSES.index(it["label"]) for it in items])
    notumor, temperature = CLASSES.index("notumor"), float(base.cal.get("temperature", 1.0))
    held_x = np.stack([base.model_array(g) for g in site.grays(site.held)])
    kit_x = np.stack([base.model_array(g) for g in load_items(data, [items[i] for i in site.kit])])
    held, kit = prefix(base.model, held_x, nb), prefix(base.model, kit_x, nb)

    @torch.no_grad()
    def ahead(h: torch.Tensor, start: int) -> torch.Tensor:  # the released blocks nb..start-1 on prefix features
        h = h.float().contiguous(memory_format=torch.channels_last)
        for blk in base.model.efficientnet.encoder.blocks[nb:start]:
            h = blk(h)
        return h

    def judged(model, h: torch.Tensor, labels: np.ndarray, start: int, prefix_of: np.ndarray | None) -> dict:
        with torch.no_grad():
            h = prefix(model, prefix_of, nb) if prefix_of is not None else ahead(h, start)
            probs = torch.softmax(model.classifier(pooled_all(model, h, start)) / temperature, -1).numpy()
        pred = probs.argmax(1)
        return {"wrong": int((pred != labels).sum()),
                "tumours_told_notumor": int(((pred == notumor) & (labels != notumor)).sum()),
                "tumours": int((labels != notumor).sum()), "n": len(labels),
                "ece": round(float(expected_calibration_error(probs.max(1), pred == labels)), 4)}  # fmt: skip

    def both(model, start: int, early: bool, curve=None) -> dict:
        """Held-out and kit test slices through the fitted model (and its input curve, if any: the adapted model
        applies it to every slice, the kit's too; "kit_uncurved" is the kit without it, for reading)."""
        if curve is None:
            return {"held": judged(model, held, y[site.held], start, held_x if early else None),
                    "kit": judged(model, kit, y[site.kit], start, kit_x if early else None)}  # fmt: skip
        return {"held": judged(model, held, y[site.held], start, curve.apply_array(held_x)),
                "kit": judged(model, kit, y[site.kit], start, curve.apply_array(kit_x)),
                "kit_uncurved": judged(model, kit, y[site.kit], start, kit_x if early else None)}  # fmt: skip

    out = {"released": both(base.model, nb, False), "temperature": temperature, "trials": []}
    out["released"] |= {"held_wrong": out["released"]["held"]["wrong"], "kit_wrong": out["released"]["kit"]["wrong"]}
    for seed in seeds:
        idx = draw(site.pool, items, per_class, np.random.default_rng(1000 * per_class + seed))
        ad = Adapter(base, site.slices(idx), Recipe(seed=seed))
        out.setdefault("released_drawn", []).append({"seed": seed, **judged(base.model, ad.h[0], ad.labels, nb, None)})
        for r in recipes:
            r = dict(r)
            start = int(r.pop("from", nb))
            recipe = Recipe(**{**r, "seed": seed})
            early = recipe.early_lr > 0
            raw = [torch.from_numpy(v) for v in ad.views] if early or recipe.curve_knots > 0 else None
            anchors = (ahead(ad.anchors[0], start), ad.anchors[1]) if ad.anchors else None
            t0 = time.process_time()
            curve, site_h = None, ad.h
            if recipe.curve_knots > 0 and recipe.curve_fit == "first":  # the curve, then today's fit on its views
                curve = site_curve(base.model, raw, ad.labels, recipe, nb, seed)
                site_h = [prefix(base.model, curve.apply_array(v), nb).float() for v in ad.views]
            elif recipe.curve_knots > 0:
                curve = IntensityCurve(recipe.curve_knots)
            model = finetune(base.model, [ahead(h, start) for h in site_h], ad.labels, recipe, start, anchors, seed,
                             raw, curve if recipe.curve_fit == "joint" else None)  # fmt: skip
            fit_s = time.process_time() - t0
            scored = both(model, start, early, curve)
            trial = {"seed": seed, "recipe": {**r, "from": start}, "fit_cpu_s": round(fit_s, 1),
                     "peak_rss_mb": round(peak_rss_mb()),
                     "held_wrong": scored["held"]["wrong"], "kit_wrong": scored["kit"]["wrong"], **scored}  # fmt: skip
            drawn = curve.apply_array(ad.arrays) if curve is not None else ad.arrays if early else None
            trial["drawn"] = judged(model, ad.h[0], ad.labels, start, drawn)  # the fit's own slices, as they are
            if curve is not None:
                trial["curve"] = curve.to_list()
            out["trials"].append(trial)
            print(json.dumps({k: v for k, v in trial.items() if k != "curve"}), flush=True)
    return out


def oracle_curve(site: Site, base: Predictor, data: Path, bins: int = 64) -> dict:
    """Can an intensity curve undo a ``look:`` site? (A diagnostic, not a recipe.) The share of the original
    intensity's variance inside the head that any function of the site's intensity can explain (R^2 of the
    conditional mean, over the pool's slices: an oracle that reads their kit originals), and the released network's
    argmax wrong classes on the held-out slices as they are, under the look, and under that least-squares curve
    (each site intensity mapped back to the mean original intensity it came from, before the app's preprocessing)."""
    from braintumor.unfamiliar import _unit, head_mask

    y = np.array([CLASSES.index(it["label"]) for it in site.items])
    sums, squares, counts = np.zeros(bins), np.zeros(bins), np.zeros(bins)
    for orig, look in zip(load_items(data, [site.items[i] for i in site.pool]), site.grays(site.pool), strict=True):
        x, s = _unit(orig), _unit(look)
        m = head_mask(x)
        b = np.minimum((s[m] * bins).astype(int), bins - 1)
        sums += np.bincount(b, x[m], bins)
        squares += np.bincount(b, x[m] ** 2, bins)
        counts += np.bincount(b, minlength=bins)
    seen = counts > 0
    centres = (np.arange(bins) + 0.5) / bins
    lut = np.interp(centres, centres[seen], sums[seen] / counts[seen])
    total_var = squares.sum() / counts.sum() - (sums.sum() / counts.sum()) ** 2
    within = (squares[seen] - sums[seen] ** 2 / counts[seen]).sum() / counts.sum()

    def wrong(grays: list[np.ndarray]) -> int:
        arrays = np.stack([base.model_array(g) for g in grays])
        return int((base.batch_outputs(arrays)["probs"].argmax(1) != y[site.held]).sum())

    looks = site.grays(site.held)
    return {
        "bins": bins,
        "pool_slices": len(site.pool),
        "r2_original_from_site_intensity": round(float(1 - within / total_var), 4),
        "lut": [round(float(v), 4) for v in lut],
        "held_wrong": {
            "originals": wrong(load_items(data, [site.items[i] for i in site.held])),
            "site_look": wrong(looks),
            "oracle_curve": wrong([np.interp(_unit(g), centres, lut).astype(np.float32) for g in looks]),
        },
        "n": len(site.held),
    }


def screen_row(result: dict, trial: str, file: str) -> str:
    """The README trials table's row for a --screen JSON: per recipe, per draw (" / "), the held-out wrong classes,
    tumours whose argmax is "no tumour", the ECE at the released temperature, kit test accuracy and fit CPU seconds;
    today's recipe and the released model go in the "against" cell."""
    by: dict[str, list[dict]] = {}
    for t in result["trials"]:
        by.setdefault(json.dumps({k: v for k, v in t["recipe"].items() if k != "from"}), []).append(t)

    def kit(m: dict) -> str:
        return f"{1 - m['wrong'] / m['n']:.1%}"

    def cell(name: str, runs: list[dict]) -> str:
        def per(f) -> str:
            return " / ".join(f(t) for t in runs)

        return (
            f"{name}: wrong class {per(lambda t: str(t['held']['wrong']))}, tumours told 'no tumour' "
            f"{per(lambda t: str(t['held']['tumours_told_notumor']))}, "
            f"ECE {per(lambda t: format(t['held']['ece'], '.3f'))}, "
            f"kit test {per(lambda t: kit(t['kit']))}, fit {per(lambda t: format(t['fit_cpu_s'], '.0f'))} CPU s"
        )

    today = by.pop("{}", [])
    gave = "; ".join(cell(", ".join(f"{k} {v}" for k, v in json.loads(key).items()), runs) for key, runs in by.items())
    rel = result["released"]
    against = f"{cell('today', today)}; released: wrong class {rel['held']['wrong']}, kit test {kit(rel['kit'])}"
    return f"| {trial} | {gave} | {against} | `{file}` |"


def time_cli_draw(args, site: Site, base_dir: Path, overrides: dict) -> dict:
    """adapt.py as a user runs it (time_cli) on the site's 25-per-class CLI draw, with --anchors and --recipe."""
    with tempfile.TemporaryDirectory(prefix="adapt-bench-site-") as tmp:
        idx = draw(site.pool, site.items, 25, np.random.default_rng(25_000))
        slices = site.slices(idx)
        extra = ["--anchors", str(args.anchors)] if args.anchors else []
        extra += ["--recipe", json.dumps(overrides)] if overrides else []
        folder = export(Path(tmp), slices.grays, slices.labels)
        timed = time_cli(folder, base_dir, args.cli_threads, extra)
    print(json.dumps(timed))
    return timed


def cli_against(args, base_dir: str) -> dict:
    """adapt.py of another checkout (``args.cli_against``: its root) first, then this one, on the benchmark's
    25-per-class CLI draw exported as PNG files, one thread each, same model."""
    items = load_split(args.split)["items"]
    site = Site(args.site, args.variant, items, args.data)
    idx = draw(site.pool, items, 25, np.random.default_rng(25_000))
    slices = site.slices(idx)
    with tempfile.TemporaryDirectory(prefix="adapt-bench-site-") as tmp:
        folder = export(Path(tmp), slices.grays, slices.labels)
        other = args.cli_against / "spaces" / "tumor_detect" / "adapt.py"
        baseline = time_cli(folder, Path(base_dir), 1, [], other)
        this = time_cli(folder, Path(base_dir), 1, [])
    print(json.dumps({"baseline": baseline, "this": this}))
    return {"root": str(args.cli_against), "threads": 1, "baseline": baseline, "this": this,
            "cpu_ratio": round(this["cpu_s"] / baseline["cpu_s"], 3)}  # fmt: skip


def merge(out: Path, parts: list[Path]) -> dict:
    """Join the runs of several processes (same site, base and recipe) into ``out``."""
    results = [json.loads(p.read_text()) for p in parts]
    result = results[0]
    for other in results[1:]:
        if other["no_adaptation"]["site"] != result["no_adaptation"]["site"]:
            raise SystemExit(f"{other} was measured on another site or base model")
        result["runs"] += other["runs"]
        if "cli_25_per_class" in other:
            result["cli_25_per_class"] = other["cli_25_per_class"]
    result["draws"] = max(1 + r["seed"] for r in result["runs"])
    result["learning_curve"] = learning_curve(result)
    write_json(out, result)
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--split", type=Path, default=HERE / "split.json")
    ap.add_argument("--site", default="look:flair_like", help=f'"look:FAMILY" or one of {", ".join(LEFT_OUT)} (above)')
    ap.add_argument("--variant", choices=("val", "test"), default="test", help="the look's parameters")
    ap.add_argument("--fold-model", type=Path, help="a leave-one-source-out site: the model trained "
                    "and calibrated without its tumours")  # fmt: skip
    ap.add_argument("--released", type=Path, default=MODEL_DIR, help="the released model")
    ap.add_argument("--anchors", type=Path, help="kit anchors for the fold model (make_anchors.py --hold-out ...)")
    ap.add_argument("--ood", type=Path, help="folder of non-MRI images (evaluate.py --make-ood)")
    ap.add_argument("--per-class", type=int, nargs="*", default=[10, 25, 50])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2], help="draws of the site's slices")
    ap.add_argument("--modes", nargs="+", default=[], help="other recipes compared at 25 per class, draw 0 (JSON)")
    ap.add_argument("--recipe", default="{}", help="JSON overrides of adapt.py's default recipe (the curve's)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--cli-threads", type=int, default=2)
    ap.add_argument("--out", type=Path, default=HERE / "adapt_benchmark.json")
    ap.add_argument("--skip-cli", action="store_true", help="do not time adapt.py as a child process")
    ap.add_argument("--cli-against", type=Path, help="only time adapt.py (1 thread) here and in this checkout, "
                    "in turn, on the 25-per-class CLI draw; adds the result to --out")  # fmt: skip
    ap.add_argument("--cli-only", action="store_true", help="only time adapt.py on the 25-per-class CLI draw "
                    "(--cli-threads) and put it in --out's JSON")  # fmt: skip
    ap.add_argument("--merge", type=Path, nargs="+", help="join these outputs of split runs into --out")
    ap.add_argument("--card-only", action="store_true", help="only rewrite MODEL_CARD.md's section from --out")
    ap.add_argument("--screen", help="JSON list of recipes: quick comparison at --per-class's first size (screen())")
    ap.add_argument("--oracle-curve", action="store_true", help="a look site's best intensity curve (oracle_curve())")
    args = ap.parse_args()
    if args.merge:
        merge(args.out, args.merge)
    if args.card_only or args.merge:
        write_card(args.out, json.loads(args.out.read_text()))
        return
    if args.site in LEFT_OUT and args.fold_model is None:
        ap.error(f"--site {args.site} needs --fold-model (trained and calibrated with --hold-out {args.site})")
    torch.set_num_threads(args.threads)
    if args.cli_against:
        result = json.loads(args.out.read_text())
        result["cli_against"] = cli_against(args, result["base_model"])
        write_json(args.out, result)
        write_card(args.out, result)
        return
    if args.cli_only:
        result = json.loads(args.out.read_text())
        site = Site(args.site, args.variant, load_split(args.split)["items"], args.data)
        result["cli_25_per_class"] = time_cli_draw(args, site, Path(result["base_model"]), result["recipe"])
        write_json(args.out, result)
        write_card(args.out, result)
        return
    if args.oracle_curve:
        site = Site(args.site, args.variant, load_split(args.split)["items"], args.data)
        result = {"site": args.site, "variant": args.variant, "released": str(args.released)}
        result |= oracle_curve(site, Predictor.from_folder(args.released), args.data)
        write_json(args.out, result)
        print(json.dumps(result["held_wrong"] | {"r2": result["r2_original_from_site_intensity"]}))
        return
    if args.screen:
        site = Site(args.site, args.variant, load_split(args.split)["items"], args.data)
        result = {"site": args.site, "variant": args.variant, "per_class": args.per_class[0], "seeds": args.seeds}
        result |= screen(site, Predictor.from_folder(args.released), json.loads(args.screen), args.seeds,
                         args.per_class[0], args.data)  # fmt: skip
        write_json(args.out, result)
        return
    t_start = time.time()
    items = load_split(args.split)["items"]
    site = Site(args.site, args.variant, items, args.data)
    base_dir = args.fold_model if site.fold else args.released
    base = Predictor.from_folder(base_dir)
    released = Predictor.from_folder(args.released)
    y = np.array([CLASSES.index(it["label"]) for it in items])
    site_x = np.stack([base.model_array(g) for g in site.grays(site.held)])
    kit_x = np.stack([base.model_array(g) for g in load_items(args.data, [items[i] for i in site.kit])])
    ood_x = np.zeros((0, 128, 128), np.float32)
    if args.ood:
        ood_x = np.stack(
            [base.model_array(load_gray(p)) for p in sorted(q for q in args.ood.rglob("*") if q.is_file())]
        )
    none_site, none_correct = judge(base, site_x, y[site.held])
    overrides = json.loads(args.recipe)
    label = ", ".join(f"{k}={v}" for k, v in Recipe(**overrides).as_dict().items() if k != "seed")
    result = {
        "site": args.site,
        "site_title": site.title,
        "variant": args.variant if site.family else None,
        "base_model": str(base_dir),
        "base_model_sha256": hashlib.sha256((base_dir / "model.safetensors").read_bytes()).hexdigest(),
        "anchors": str(args.anchors) if args.anchors else "the released anchors",
        "curve_mode": "recipe",
        "recipe": overrides,
        "recipe_label": label,
        "pool": {c: sum(items[i]["label"] == c for i in site.pool) for c in CLASSES},
        "site_held_out": {c: sum(items[i]["label"] == c for i in site.held) for c in CLASSES},
        "kit_title": site.kit_title,
        "no_adaptation": {
            "site": brief(none_site),
            "kit": brief(scores(base, kit_x, y[site.kit])),
            "non_mri_refused": refused(base, ood_x),
        },
        "released_model": {"non_mri_refused": refused(released, ood_x)},
        "threads": args.threads,
        "runs": [],
    }
    if site.fold:
        kit_test = [i for i, it in enumerate(items) if it["side"] == "test"]
        kit_test_x = np.stack([released.model_array(g) for g in load_items(args.data, [items[i] for i in kit_test])])
        result["released_model"]["kit_test"] = brief(scores(released, kit_test_x, y[kit_test]))
    print(json.dumps(result["no_adaptation"]), flush=True)

    def run(base: Predictor, idx: list[int], recipe: Recipe, anchors_dir: Path | None = None) -> tuple:
        t0 = time.perf_counter()
        out = adapt(base, site.slices(idx), recipe, anchors_dir=anchors_dir)
        return out, time.perf_counter() - t0

    plan = [(k, "recipe", overrides, s) for k in args.per_class for s in args.seeds]
    plan += [(25, m, {**overrides, **json.loads(m)}, args.seeds[0]) for m in args.modes]
    plan.sort(key=lambda p: (p[0] != 25, p[3]))  # 25 per class first: the target
    for k, mode, recipe_overrides, seed in plan:
        idx = draw(site.pool, items, k, np.random.default_rng(1000 * k + seed))
        out, secs = run(base, idx, Recipe(**{**recipe_overrides, "seed": seed}), args.anchors)
        site_scores, correct = judge(out.predictor, site_x, y[site.held])
        recal_scores, recal_correct = judge(out.recalibrated, site_x, y[site.held])
        rec = {
            "per_class": k,
            "mode": mode,
            "seed": seed,
            "seconds": round(secs, 1),
            "shipped": out.shipped,
            "not_shipped_because": out.reasons,
            "site": brief(site_scores),
            "errors_removed": errors_removed(none_correct, correct),
            "recalibration_only_site": brief(recal_scores),
            "recalibration_only_removed": errors_removed(none_correct, recal_correct),
            "kit": brief(scores(out.predictor, kit_x, y[site.kit])),
            "non_mri_refused": refused(out.predictor, ood_x),
            "gates": out.report.get("gates"),
            "oof_on_adaptation_slices": {
                "before": brief(out.report["before"]),
                "recalibration_only": brief(out.report["recalibration_only"]),
                "after": brief(out.report["after"]),
            },  # fmt: skip
        }
        if site.fold and mode == "recipe" and seed == args.seeds[0] and k == 25:
            rel, _ = run(released, idx, Recipe(**{**recipe_overrides, "seed": seed}))
            rec["released_adapted"] = {
                "kit_test": brief(scores(rel.predictor, kit_test_x, y[kit_test])),
                "non_mri_refused": refused(rel.predictor, ood_x),
            }
        result["runs"].append(rec)
        print(json.dumps({k2: rec[k2] for k2 in ("per_class", "mode", "seed", "seconds", "errors_removed", "site")}))
        result["draws"] = len(args.seeds)
        result["learning_curve"] = learning_curve(result)
        write_json(args.out, result)
    if not args.skip_cli:
        result["cli_25_per_class"] = time_cli_draw(args, site, base_dir, overrides)
    result["benchmark_minutes"] = round((time.time() - t_start) / 60, 1)
    write_json(args.out, result)
    write_card(args.out, result)


if __name__ == "__main__":
    main()

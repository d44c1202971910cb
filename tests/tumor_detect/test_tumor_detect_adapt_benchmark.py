"""adapt_benchmark.py's arithmetic on made-up results (the benchmark itself needs the kit): errors removed with a
paired interval, the learning curve over draws, joining split runs, and the card's tables."""

from __future__ import annotations

import json

import numpy as np
import pytest
from tumor_detect_helpers import SPACE


@pytest.fixture(scope="module")
def bench():
    import importlib.util
    import sys

    spec = importlib.util.spec_from_file_location("adapt_benchmark_module", SPACE / "adapt_benchmark.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["adapt_benchmark_module"] = module
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop("adapt_benchmark_module", None)


def test_errors_removed_counts_new_errors_against_the_adaptation(bench):
    before = np.array([True] * 80 + [False] * 20)
    after = before.copy()
    after[80:90] = True  # 10 of the 20 errors fixed
    got = bench.errors_removed(before, after)
    assert got["value"] == pytest.approx(0.5) and got["ci95"][0] < 0.5 < got["ci95"][1]
    after[:5] = False  # 5 new errors
    assert bench.errors_removed(before, after)["value"] == pytest.approx(0.25)
    assert bench.errors_removed(before, before)["ci95"] == [0.0, 0.0]


def _run(k, seed, errors, recal, mode="recipe", shipped=True):
    site = {"errors": errors, "accuracy": 1 - errors / 100, "notumor_on_tumours": 0.01, "ece": 0.03}
    return {
        "per_class": k,
        "mode": mode,
        "seed": seed,
        "seconds": 60.0,
        "shipped": shipped,
        "site": site,
        "errors_removed": {"value": 1 - errors / 40, "ci95": [0.1, 0.9]},
        "recalibration_only_site": {"errors": recal},
        "recalibration_only_removed": {"value": 1 - recal / 40, "ci95": [0.0, 0.2]},
        "kit": {"accuracy": 0.95},
        "non_mri_refused": 1.0,
    }


def _result(runs):
    none = {"errors": 40, "accuracy": 0.6, "notumor_on_tumours": 0.02, "ece": 0.05}
    return {
        "site_title": "a made-up site",
        "draws": 2,
        "recipe_label": "train=blocks",
        "curve_mode": "recipe",
        "site_held_out": {"glioma": 25, "meningioma": 25, "notumor": 25, "pituitary": 25},
        "no_adaptation": {"site": none, "kit": {"accuracy": 0.96}},
        "runs": runs,
    }


def test_learning_curve_and_card_from_split_runs(bench, tmp_path):
    a = _result([_run(25, 0, 20, 38), _run(10, 0, 36, 39, shipped=False)])
    b = _result([_run(25, 1, 10, 36), _run(25, 0, 30, 38, mode='{"train": "head"}')])
    (tmp_path / "a.json").write_text(json.dumps(a))
    (tmp_path / "b.json").write_text(json.dumps(b))
    merged = bench.merge(tmp_path / "all.json", [tmp_path / "a.json", tmp_path / "b.json"])
    assert merged["draws"] == 2 and len(merged["runs"]) == 4
    curve = {c["per_class"]: c for c in merged["learning_curve"]}
    assert set(curve) == {10, 25}  # the head-only comparison is not part of the curve
    assert curve[25]["errors_adapted"] == {"mean": 15.0, "min": 10, "max": 20}
    assert curve[25]["removed"]["mean"] == pytest.approx(0.625) and curve[10]["shipped"] == 0
    card = bench.card_block(merged)
    assert "| 25 | 2 | 40 | 37.0 | **15.0** |" in card and "**62.5% (50.0% to 75.0%)**" in card
    assert "| 10 | 1 | 40 | 39.0 | **36.0** | 2.5% | **10.0%** |" in card  # one draw: no range
    assert '| 25 | {"train": "head"} | 0 | 40 / 38 / **30** |' in card
    c = _result([_run(25, 0, 20, 38)])
    c["no_adaptation"]["site"]["errors"] = 41
    (tmp_path / "c.json").write_text(json.dumps(c))
    with pytest.raises(SystemExit):
        bench.merge(tmp_path / "bad.json", [tmp_path / "a.json", tmp_path / "c.json"])


def test_readme_rows_and_the_card_block_per_site(bench):
    runs = [_run(25, 0, 20, 38), _run(25, 1, 10, 36), _run(10, 0, 36, 39, shipped=False)]
    runs[1]["non_mri_refused"] = 0.99
    result = _result(runs)
    result["learning_curve"] = bench.learning_curve(result)
    result["no_adaptation"]["site"]["n"] = 100
    rows = bench.readme_rows(result, "made-up")
    assert rows[0] == (
        "| made-up | 10 | 1 | 40 of 100 | 39.0 (39) | **36.0** (36) | **10.0%** (10.0%) | 1.0% | 0.030 | "
        "96.0% -> 95.0% | 100.0% | 0 of 1 |"
    )
    assert rows[1].startswith(
        "| made-up | 25 | 2 | 40 of 100 | 37.0 (36 to 38) | **15.0** (10 to 20) | **62.5%** (50.0% to 75.0%)"
    )
    assert rows[1].endswith("| 99.0% | 2 of 2 |")
    assert bench.draws_per_size(result) == "draws: 1 at 10 per class, 2 at 25 per class"
    assert bench.draws_per_size(_result(runs[:2])) == "2 draw(s) per size"
    assert bench.card_name({**result, "site": "other_tumours"}) == "adapt-loso"
    assert bench.card_name({**result, "site": "figshare_tumours"}) == "adapt-loso-figshare"
    assert bench.card_name({**result, "site": "look:flair_like"}) == "adapt"


def test_the_two_leave_one_source_out_sites_on_a_tiny_kit(bench, tmp_path):
    """Each fold's site is its source's files (grayscale: figshare; 3-channel: SARTAJ/Br35H): tumours from the training
    and validation groups and healthy validation slices to adapt with, the test groups held out, the other source's
    test groups for forgetting. Figshare has almost no healthy slices, so its site adapts with the whole kit's."""
    from PIL import Image

    items = []
    for mode in ("L", "RGB"):
        for side in ("train", "val", "test"):
            for label in ("glioma", "meningioma", "notumor", "pituitary"):
                path = f"{mode}_{side}_{label}.png"
                Image.new(mode, (16, 16), 90).save(tmp_path / path)
                items.append({"path": path, "side": side, "label": label, "group": len(items)})

    def names(idx: list[int]) -> set[str]:
        return {items[i]["path"].removesuffix(".png") for i in idx}

    tumours = ("glioma", "meningioma", "pituitary")
    fig = bench.Site("figshare_tumours", "test", items, tmp_path)
    healthy = {"L_val_notumor", "RGB_val_notumor"}
    assert names(fig.pool) == {f"L_{s}_{c}" for s in ("train", "val") for c in tumours} | healthy
    assert names(fig.held) == {f"L_test_{c}" for c in (*tumours, "notumor")}
    assert names(fig.kit) == {f"RGB_test_{c}" for c in (*tumours, "notumor")}
    assert fig.fold and fig.title == "figshare (grayscale files) under the fold model trained without figshare tumours"
    other = bench.Site("other_tumours", "test", items, tmp_path)
    assert names(other.pool) == {f"RGB_{s}_{c}" for s in ("train", "val") for c in tumours} | {"RGB_val_notumor"}
    assert names(other.held) == {f"RGB_test_{c}" for c in (*tumours, "notumor")}
    assert names(other.kit) == {f"L_test_{c}" for c in (*tumours, "notumor")}
    assert other.title == "SARTAJ/Br35H (3-channel files) under the fold model trained without SARTAJ/Br35H tumours"
    assert other.kit_title == "the kit's other test groups (grayscale figshare files)"


def test_the_card_splits_the_errors_by_kind(bench):
    def kinds(refused, wrong, wrong_unsure, right_unsure, cleared, unsure):
        return {
            "errors": refused + wrong + wrong_unsure,
            "errors_by_kind": {
                "refused": refused,
                "wrong_class_answered": wrong,
                "wrong_class_uncertain": wrong_unsure,
            },
            "right_class_uncertain": right_unsure,
            "notumor_cleared": cleared,
            "uncertain": unsure,
        }

    runs = [_run(25, 0, 20, 38), _run(25, 1, 10, 36)]
    runs[0]["site"].update(kinds(2, 14, 4, 6, 0.8, 0.1))
    runs[1]["site"].update(kinds(0, 8, 2, 4, 0.9, 0.06))
    for r, n in zip(runs, (38, 36), strict=True):
        r["recalibration_only_site"] = kinds(4, n - 10, 6, 8, 0.7, 0.14)
    result = _result(runs)
    result["no_adaptation"]["site"].update(kinds(5, 30, 5, 3, 0.75, 0.08))
    rows = bench.decomposition(result)
    assert "| no adaptation | 40.0 | 5.0 | 30.0 | 5.0 | 3.0 | 8.0% | 75.0% |" in rows
    assert "| 25/class, recalibration only | 37.0 | 4.0 | 27.0 | 6.0 | 8.0 | 14.0% | 70.0% |" in rows
    assert "| 25/class, adapted | 15.0 | 1.0 | 11.0 | 3.0 | 5.0 | 8.0% | 85.0% |" in rows
    assert "| 25/class, adapted |" in bench.card_block(result)
    del result["no_adaptation"]["site"]["errors_by_kind"]  # a result from before the split: no table
    assert bench.decomposition(result) == []


def test_the_card_times_adapt_against_another_checkout(bench):
    result = _result([_run(25, 0, 20, 38)])
    run = {"wall_s": 200.0, "cpu_s": 120.0, "peak_rss_mb": 1200, "shipped": True}
    result["cli_against"] = {"root": "/tmp/main", "threads": 1, "baseline": {**run, "cpu_s": 150.0}, "this": run,
                             "cpu_ratio": 0.8}  # fmt: skip
    card = bench.card_block(result)
    assert "| this one | 200.0 | 120.0 | 1200 | True |" in card and "| /tmp/main | 200.0 | 150.0 |" in card
    assert "CPU time, this one / /tmp/main: 0.80x." in card


def test_the_readme_quotes_the_benchmark():
    result = json.loads((SPACE / "adapt_benchmark.json").read_text())
    readme = (SPACE / "README.md").read_text()
    curve = {c["per_class"]: c for c in result["learning_curve"]}
    none = result["no_adaptation"]["site"]
    wrong = none["errors_by_kind"]["wrong_class_answered"] + none["errors_by_kind"]["wrong_class_uncertain"]
    assert f"25 slices per class removed {curve[25]['removed']['mean']:.1%} of the {none['errors']} errors" in readme
    assert f"50 per class {curve[50]['removed']['mean']:.1%}." in readme
    assert f"{wrong} of the {none['errors']} are a wrong class, {none['errors_by_kind']['refused']} refusals" in readme


SCREENS = {  # the --screen JSON -> the README trial name that quotes it
    "adapt_screen_early_blocks.json": "blocks 0-10 trained too, weak L2-SP (VAL look, 25/class, draws 0 / 1)",
    "adapt_screen_early_blocks_2.json": "blocks 0-10 trained too, slower and held by L2-SP (VAL look, 25/class, "
    "draws 0 / 1)",
    "adapt_screen_early_blocks_3.json": "blocks 0-10 trained too, slower and held by L2-SP, two more draws "
    "(VAL look, 25/class, draws 2 / 3)",
    "adapt_screen_input_curve.json": "a per-site input intensity curve, 24 knots (VAL look, 25/class, draws 0 / 1 / 2 "
    "/ 3)",
    "adapt_screen_input_curve_ceiling.json": "the intensity curve alone, frozen network, on every drawn slice (VAL "
    "look, 100/class, 367 slices)",
}


def test_the_readme_quotes_the_screens(bench):
    """The screened trials' README rows (early blocks, input curve) are what screen_row writes from
    adapt_benchmark.py --screen's JSON."""
    readme = (SPACE / "README.md").read_text()
    for file, trial in SCREENS.items():
        assert bench.screen_row(json.loads((SPACE / file).read_text()), trial, file) in readme


def test_screen_row_puts_todays_recipe_against_the_trials(bench):
    def trial(recipe, seed, wrong):
        m = {"wrong": wrong, "tumours_told_notumor": 3, "n": 100, "ece": 0.04}
        return {"seed": seed, "recipe": {**recipe, "from": 11}, "fit_cpu_s": 10.0, "held": m, "kit": {**m, "wrong": 4}}

    result = {"released": {"held": {"wrong": 30}, "kit": {"wrong": 5, "n": 100}},
              "trials": [trial({}, 0, 20), trial({"early_lr": 0.3}, 0, 25), trial({}, 1, 22),
                         trial({"early_lr": 0.3}, 1, 27)]}  # fmt: skip
    row = bench.screen_row(result, "t", "f.json")
    assert row.startswith("| t | early_lr 0.3: wrong class 25 / 27, tumours told 'no tumour' 3 / 3, ECE 0.040 / 0.040")
    assert "| today: wrong class 20 / 22," in row and "released: wrong class 30, kit test 95.0% | `f.json` |" in row


def test_the_oracle_curve_on_a_tiny_look_site(bench, tmp_path):
    """oracle_curve() on a tiny synthetic FLAIR-like site (slices made from the shipped examples): the look-up
    table it learns from the pool maps into [0, 1], the variance it explains is a share, and the held-out slices
    are scored with the released model as they are, under the look and under the curve."""
    from tumor_detect_helpers import make_site

    from braintumor import CLASSES
    from braintumor.model_spec import MODEL_DIR
    from braintumor.predictor import Predictor

    root = make_site(tmp_path, per_class=3)
    items = [{"path": f"{c}/{c}_{i}.png", "label": c, "side": "val" if i < 2 else "test", "group": 10 * k + i}
             for k, c in enumerate(CLASSES) for i in range(3)]  # fmt: skip
    site = bench.Site("look:flair_like", "val", items, root)
    out = bench.oracle_curve(site, Predictor.from_folder(MODEL_DIR), root, bins=16)
    assert out["n"] == 4 and out["pool_slices"] == 8 and len(out["lut"]) == 16
    assert all(0.0 <= v <= 1.0 for v in out["lut"])
    assert 0.0 < out["r2_original_from_site_intensity"] < 1.0
    assert set(out["held_wrong"]) == {"originals", "site_look", "oracle_curve"}
    assert all(0 <= v <= 4 for v in out["held_wrong"].values())


def curve_trial_numbers() -> dict[str, str]:
    """The README's reading of the intensity-curve trial, from the JSON files it names."""

    def load(name: str) -> dict:
        return json.loads((SPACE / name).read_text())

    def runs(result: dict, **recipe) -> list[dict]:
        return [t for t in result["trials"] if {k: v for k, v in t["recipe"].items() if k != "from"} == recipe]

    def mean(trials: list[dict]) -> str:
        return f"{np.mean([t['held']['wrong'] for t in trials]):.1f}"

    def cpu(trials: list[dict]) -> str:
        return f"{min(t['fit_cpu_s'] for t in trials):.0f}-{max(t['fit_cpu_s'] for t in trials):.0f}"

    t2 = load("adapt_oracle_curve_t2_like.json")
    screen, ceiling, oracle = (load(f"adapt_{n}.json") for n in ("screen_input_curve", "screen_input_curve_ceiling",
                                                                  "oracle_curve"))  # fmt: skip
    first, joint = runs(screen, curve_knots=24), runs(screen, curve_knots=24, curve_fit="joint")
    both = runs(screen, curve_knots=24, curve_fit="joint", early_lr=0.1, l2sp=1.0)
    early = [t for n in (2, 3) for t in runs(load(f"adapt_screen_early_blocks_{n}.json"), early_lr=0.1, l2sp=1.0)]
    kit = [1 - t["kit"]["wrong"] / t["kit"]["n"] for t in both]
    alone = [t for t in ceiling["trials"] if t["recipe"].get("train") == "none"]
    today = {t["seed"]: t["held"]["wrong"] for t in runs(screen)}

    def worse(trials: list[dict]) -> str:
        return str(sum(t["held"]["wrong"] > today[t["seed"]] for t in trials))

    return {
        "CURVE_FIRST": mean(first), "TODAY": mean(runs(screen)), "CURVE_JOINT": mean(joint),
        "CURVE_EARLY": mean(both), "EARLY_ALONE": mean(early), "KIT_EARLY": f"{min(kit):.1%}-{max(kit):.1%}",
        "FIRST_CPU": cpu(first), "JOINT_CPU": cpu(joint), "EARLY_CPU": cpu(both), "TODAY_CPU": cpu(runs(screen)),
        "RELEASED_DRAWN": str(ceiling["released_drawn"][0]["wrong"]),
        "CEIL_DRAWN": " / ".join(str(t["drawn"]["wrong"]) for t in alone),
        "CEIL_HELD": " / ".join(str(t["held"]["wrong"]) for t in alone),
        "CEIL_SMOOTH": " / ".join(str(t["recipe"]["curve_smooth"]) for t in alone),
        "CEIL_RELEASED": str(ceiling["released"]["held"]["wrong"]),
        "FIRST_WORSE": worse(first), "JOINT_WORSE": worse(joint),
        "R2": f"{oracle['r2_original_from_site_intensity']:.0%}",
        "ORACLE_WRONG": str(oracle["held_wrong"]["oracle_curve"]),
        "T2_R2": f"{t2['r2_original_from_site_intensity']:.0%}", "T2_ORACLE": str(t2["held_wrong"]["oracle_curve"]),
        "T2_SITE": str(t2["held_wrong"]["site_look"]),
        "SITE_WRONG": str(oracle["held_wrong"]["site_look"]), "ORIG_WRONG": str(oracle["held_wrong"]["originals"]),
    }  # fmt: skip


CURVE_READING = (
    "on FIRST_WORSE of 4 draws (mean CURVE_FIRST against TODAY); learnt jointly with blocks 11-15, on JOINT_WORSE of 4 "
    "(CURVE_JOINT); jointly with the "
    "early-block trial, CURVE_EARLY, no better than the early blocks alone on the same draws (EARLY_ALONE, the rows "
    "above), with the curve bending the kit's own slices too (kit test KIT_EARLY). Per fit it took FIRST_CPU (curve "
    "first), JOINT_CPU (joint) and EARLY_CPU CPU s (with the early blocks) against today's TODAY_CPU",
    "(wrong classes among them RELEASED_DRAWN -> CEIL_DRAWN with roughness weights CEIL_SMOOTH) but gives more wrong "
    "classes on the held-out slices (CEIL_HELD against the released CEIL_RELEASED)",
    "explains only R2 of the original intensity's variance inside the head and leaves the released network with "
    "ORACLE_WRONG wrong classes on the held-out slices (SITE_WRONG under the look, ORIG_WRONG on the originals)",
    "is further out of a curve's reach: T2_R2 explained, T2_ORACLE wrong classes under that curve against T2_SITE "
    "under the look.",
)


def fill(text: str, numbers: dict[str, str]) -> str:
    for key in sorted(numbers, key=len, reverse=True):  # CURVE_EARLY before EARLY_...
        text = text.replace(key, numbers[key])
    return text


def test_the_readme_reads_the_curve_trial_from_its_json():
    readme = (SPACE / "README.md").read_text()
    numbers = curve_trial_numbers()
    for phrase in CURVE_READING:
        assert fill(phrase, numbers) in readme


LOOK, LOSO, FIGSHARE = (
    "adapt_benchmark.json",
    "adapt_benchmark_other_tumours.json",
    "adapt_benchmark_figshare_tumours.json",
)
SITES = {LOOK: "FLAIR-like look", LOSO: "leave SARTAJ/Br35H out", FIGSHARE: "leave figshare out"}


def listed(values) -> str:
    values = [str(v) for v in values]
    return ", ".join(values[:-1]) + " and " + values[-1] if len(values) > 1 else "".join(values)


def test_the_readme_puts_the_two_sites_side_by_side(bench):
    """The README's side-by-side table is readme_rows() of the three sites' JSON files."""
    readme = (SPACE / "README.md").read_text()
    for file, site in SITES.items():
        for row in bench.readme_rows(json.loads((SPACE / file).read_text()), site):
            assert row in readme


def loso_reading() -> list[str]:
    """The README's reading of the leave-one-source-out site, from the two JSON files."""
    look, loso = (json.loads((SPACE / f).read_text()) for f in (LOOK, LOSO))
    none, lnone = loso["no_adaptation"]["site"], look["no_adaptation"]["site"]
    kinds = none["errors_by_kind"]
    runs = {(r["per_class"], r["seed"]): r for r in loso["runs"] if r["mode"] == "recipe"}

    def draws(k: int) -> list[dict]:
        return [runs[key] for key in sorted(runs) if key[0] == k]

    def errors(k: int) -> str:
        return listed(r["site"]["errors"] for r in draws(k))

    def removed(r: dict) -> str:
        return f"{100 * r['errors_removed']['value']:.1f}%"

    curve = {c["per_class"]: c for c in loso["learning_curve"]}[25]
    worse = sorted((r["site"]["errors"] for r in runs.values() if r["site"]["errors"] > none["errors"]), reverse=True)
    shipped = [r["site"]["errors"] for r in sorted(runs.values(), key=lambda r: (r["per_class"], r["seed"]))
               if r["shipped"]]  # fmt: skip
    r25 = draws(25)
    best = min(runs.values(), key=lambda r: r["site"]["errors"])
    assert not best["shipped"]  # the reading says the check refused it
    rels = [r for r in r25 if "released_adapted" in r]
    rel = listed(f"{r['released_adapted']['kit_test']['accuracy']:.2%}" for r in rels)
    return [
        f"makes {lnone['errors']} errors on its {lnone['n']} slices ({lnone['errors'] / lnone['n']:.1%}), the fold "
        f"model {none['errors']} on the {none['n']} held-out SARTAJ/Br35H slices ({none['errors'] / none['n']:.1%}; "
        f"{kinds['wrong_class_answered']} a wrong class answered, {kinds['wrong_class_uncertain']} a wrong class "
        f'"uncertain", {kinds["refused"]} refused; tumours told "no tumour" {none["notumor_on_tumours"]:.1%}, ECE '
        f"{none['ece']:.3f})",
        f'With {none["errors"]} errors one error is {100 / none["errors"]:.1f} points of "removed"',
        f"at 25 per class the {len(r25)} draws made {errors(25)} errors ({listed(removed(r) for r in r25)} removed; "
        f"paired bootstrap intervals from {min(r['errors_removed']['ci95'][0] for r in r25):.0%} to "
        f"{max(r['errors_removed']['ci95'][1] for r in r25):.0%}), at 50 per class {errors(50)}, at 10 per class "
        f"{errors(10)}; recalibration alone left {none['errors']} in every draw",
        f"refused every draw that got worse here ({', '.join(map(str, worse))} errors) and the best one "
        f"({best['site']['errors']}), and shipped {len(shipped)} of "
        f"{len(runs)} ({' and '.join(map(str, shipped))} errors)",
        f'errors removed >= 50% missed ({100 * curve["removed"]["mean"]:.1f}% on average); tumours told "no tumour" '
        f"{100 * curve['notumor_on_tumours']['min']:.1f}-{100 * curve['notumor_on_tumours']['max']:.1f}% (<= 3%), ECE "
        f"{curve['ece']['min']:.3f}-{curve['ece']['max']:.3f} (<= 0.05), non-MRI refused "
        f"{min(r['non_mri_refused'] for r in r25):.0%} (>= 99%)",
        f"(the fold model on the figshare test slices {loso['no_adaptation']['kit']['accuracy']:.1%} -> "
        f"{100 * curve['kit_accuracy']['min']:.1f}-{100 * curve['kit_accuracy']['max']:.1f}%; the released model "
        f"adapted to the same 25-per-class draws {listed(r['seed'] for r in rels)}, all "
        f"{loso['released_model']['kit_test']['n']} kit test slices: "
        f"{loso['released_model']['kit_test']['accuracy']:.2%} -> {rel})",
    ]


def test_the_readme_reads_the_leave_one_source_out_site_from_its_json():
    readme = " ".join((SPACE / "README.md").read_text().split())
    for phrase in loso_reading():
        assert phrase in readme, phrase


def figshare_reading() -> list[str]:
    """The README's reading of the figshare fold (the fold model trained without the figshare tumours), from its
    JSON: the unadapted errors, every draw per size, the targets at 25 per class, time and memory."""
    fig = json.loads((SPACE / FIGSHARE).read_text())
    none, kit = fig["no_adaptation"]["site"], fig["no_adaptation"]["kit"]
    kinds = none["errors_by_kind"]
    runs = sorted((r for r in fig["runs"] if r["mode"] == "recipe"), key=lambda r: (r["per_class"], r["seed"]))
    curve = {c["per_class"]: c for c in fig["learning_curve"]}

    def pct(x: float) -> str:
        return f"{100 * x:.1f}%"

    def at(k: int) -> list[dict]:
        return [r for r in runs if r["per_class"] == k]

    def size(k: int) -> str:
        return (
            f"at {k} per class the {len(at(k))} draws made {listed(r['site']['errors'] for r in at(k))} errors "
            f"({listed(pct(r['errors_removed']['value']) for r in at(k))} removed, {pct(curve[k]['removed']['mean'])} "
            "on average)"
        )

    def delivered(k: int) -> float:
        """Errors removed on average when a draw adapt.py refused counts as the fold model's own errors."""
        got = [r["site"]["errors"] if r["shipped"] else none["errors"] for r in at(k)]
        return 1 - sum(got) / len(got) / none["errors"]

    c, r25, cli = curve[25], at(25), fig["cli_25_per_class"]
    half = sum(r["errors_removed"]["value"] >= 0.5 for r in r25)
    recal = sorted({r["recalibration_only_site"]["errors"] for r in runs})
    shipped = [r for r in runs if r["shipped"]]
    refused = [r for r in runs if not r["shipped"]]
    rels = [r for r in r25 if "released_adapted" in r]
    return [
        f"25 slices per class removed {pct(c['removed']['mean'])} of the fold model's {none['errors']} errors on "
        "average",
        f"the fold model makes {none['errors']} errors on the {none['n']} held-out grayscale slices "
        f"({pct(none['errors'] / none['n'])}; {kinds['wrong_class_answered']} a wrong class answered, "
        f'{kinds["wrong_class_uncertain"]} a wrong class "uncertain", {kinds["refused"]} refused; tumours told '
        f'"no tumour" {pct(none["notumor_on_tumours"])}, ECE {none["ece"]:.3f})',
        "; ".join(size(k) for k in sorted(curve)) + f"; recalibration alone left {listed(recal)} errors in every draw",
        f"{half} of the {len(r25)} draws at 25 per class removed at least half of the errors (paired bootstrap "
        f"intervals from {min(r['errors_removed']['ci95'][0] for r in r25):.0%} to "
        f"{max(r['errors_removed']['ci95'][1] for r in r25):.0%})",
        f'tumours told "no tumour" {pct(c["notumor_on_tumours"]["min"])}-{pct(c["notumor_on_tumours"]["max"])} '
        f"(<= 3%), ECE {c['ece']['min']:.3f}-{c['ece']['max']:.3f} (<= 0.05), non-MRI refused "
        f"{pct(min(r['non_mri_refused'] for r in r25))} (>= 99%)",
        f"the fold model on the 3-channel test slices {pct(kit['accuracy'])} -> {pct(c['kit_accuracy']['min'])}-"
        f"{pct(c['kit_accuracy']['max'])}, their healthy slices cleared {pct(kit['notumor_cleared'])} -> "
        f"{pct(min(r['kit']['notumor_cleared'] for r in r25))}-{pct(max(r['kit']['notumor_cleared'] for r in r25))}; "
        f"the released model adapted to the same draws {listed(r['seed'] for r in rels)}, all "
        f"{fig['released_model']['kit_test']['n']} kit test slices: "
        f"{fig['released_model']['kit_test']['accuracy']:.2%} -> "
        f"{listed(format(r['released_adapted']['kit_test']['accuracy'], '.2%') for r in rels)}",
        f"adapt.py on 100 slices, one thread: {cli['wall_s']} s wall, {cli['cpu_s']} s CPU, peak memory "
        f"{cli['peak_rss_mb']} MB",
        f"adapt.py's own out-of-fold check shipped {len(shipped)} of {len(runs)} draws and refused "
        + (
            listed(f"{r['per_class']}/class draw {r['seed']} ({r['site']['errors']} errors)" for r in refused) or "none"
        ),
        "what a hospital would have received removed "
        + listed(f"{pct(delivered(k))} at {k}" + (" per class" if k == min(curve) else "") for k in sorted(curve))
        + " on average",
    ]


def test_the_readme_reads_the_figshare_fold_from_its_json():
    readme = " ".join((SPACE / "README.md").read_text().split())
    for phrase in figshare_reading():
        assert phrase in readme, phrase

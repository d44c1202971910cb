"""Issue 18, third round: hard-example sampling (train.py --hard) and the no-tumour trials' arithmetic
(notumor_trials.py report), on tiny synthetic inputs (no data kit)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from tumor_detect_helpers import load_script, tiny_model

import harness
from braintumor import CLASSES
from braintumor.training import hardness, prefix_features, upweight_hard

SPACE = harness.SPACES / "tumor_detect"


def _trials() -> dict:
    """notumor_trials.json, the validation-side trial rows."""
    import json

    return json.loads((SPACE / "notumor_trials.json").read_text())


def _readme() -> str:
    """The Space README with line breaks as spaces (sentences wrap)."""
    return " ".join((SPACE / "README.md").read_text().split())


NT = CLASSES.index("notumor")


def test_upweight_hard_multiplies_the_hardest_share_and_keeps_each_class_weight():
    labels = np.array([NT] * 10 + [0] * 10)
    weights = torch.full((20,), 1 / 20, dtype=torch.float64)
    hard = np.r_[np.linspace(0, 0.9, 10), np.linspace(0, 0.9, 10)]
    out = upweight_hard(weights, labels, hard, share=0.2, factor=4.0, classes=[NT]).numpy()
    assert out.sum() == pytest.approx(1.0)
    assert out[labels == NT].sum() == pytest.approx(0.5) and out[labels == 0].sum() == pytest.approx(0.5)
    nt = out[:10]
    assert nt[8] == pytest.approx(4 * nt[0]) and nt[9] == pytest.approx(4 * nt[0])  # the hardest 20%
    assert np.allclose(nt[:8], nt[0])
    assert np.allclose(out[10:], 0.05)  # a class not listed is untouched
    same = upweight_hard(weights, labels, hard, share=0.2, factor=1.0, classes=[NT])
    assert torch.allclose(same, weights)


def test_hardness_is_one_minus_the_true_class_probability_over_the_views():
    model = tiny_model()
    xs = torch.rand(6, 64, 64)
    h = prefix_features(model, xs, 3)
    labels = np.array([0, 1, 2, 3, 2, 0])
    one = hardness(model, [h], labels, 3)
    two = hardness(model, [h, h], labels, 3)
    assert one.shape == (6,) and np.all((one >= 0) & (one <= 1))
    assert np.allclose(one, two)  # an average over identical views


def test_trial_scores_follow_the_app_rule():
    mod = load_script("notumor_trials")
    labels = np.array(["notumor", "notumor", "glioma", "glioma"])
    probs = np.array([[0.05, 0.05, 0.85, 0.05], [0.7, 0.1, 0.1, 0.1], [0.1, 0.0, 0.9, 0.0], [0.9, 0.0, 0.1, 0.0]])
    decided = [("ok", "notumor"), ("ok", "glioma"), ("ok", "notumor"), ("refused", None)]
    s = mod.score(labels, probs, decided)
    assert s["notumor_cleared"] == 0.5 and s["notumor_called_tumour"] == 1
    assert s["tumour_told_no_tumour"] == 0.5 and s["tumour_named"] == 0.0 and s["refused"] == 0.25
    assert s["accuracy"] == 0.25


def test_trial_decisions_refuse_before_the_rule(tiny_predictor):
    mod = load_script("notumor_trials")
    probs = np.array([[0.02, 0.02, 0.94, 0.02], [0.02, 0.02, 0.94, 0.02]])
    out = mod.decisions(tiny_predictor, probs, np.array([0.5, 2.0]), np.array([0.1, 0.1]), np.array([0.9, 0.9]))
    assert out[1] == ("refused", None)
    assert out[0] == ("ok", "notumor")


def test_trial_consults_the_equalised_view_only_when_the_calibration_does(tiny_predictor):
    """As the app: a calibration without consistency views computes none, so none can hold "no tumour" back."""
    mod = load_script("notumor_trials")
    eq = np.array([[5.0, 0.0, 0.0, 0.0], [0.0, 0.0, 5.0, 0.0]])  # the equalised view: a tumour, then no tumour
    assert tiny_predictor.cal["consistency_views"] == []
    assert mod.views_notumor(tiny_predictor, eq, 1.0) == [None, None]
    probs = np.array([[0.02, 0.02, 0.94, 0.02]] * 2)
    assert mod.decisions(tiny_predictor, probs, np.zeros(2), np.zeros(2), [None, None]) == [("ok", "notumor")] * 2
    tiny_predictor.cal.update(consistency_views=["equalised"], consistency_min_confidence=0.5)
    views = mod.views_notumor(tiny_predictor, eq, 1.0)
    assert views[0] < 0.1 < 0.9 < views[1]
    out = mod.decisions(tiny_predictor, probs, np.zeros(2), np.zeros(2), views)
    assert out == [("uncertain", "notumor"), ("ok", "notumor")]
    tiny_predictor.cal["consistency_views"] = ["inverted"]
    with pytest.raises(SystemExit, match="equalised view only"):
        mod.views_notumor(tiny_predictor, eq, 1.0)


def test_an_ensemble_averages_every_networks_view_logits():
    mod = load_script("notumor_trials")
    one = {
        "clean/plain/logits": np.array([[1.0, 0.0], [0.0, 2.0]]),
        "clean/mirror/logits": np.array([[3.0, 0.0], [0.0, 0.0]]),
    }
    two = {
        "clean/plain/logits": np.array([[5.0, 0.0], [0.0, 4.0]]),
        "clean/mirror/logits": np.array([[7.0, 0.0], [0.0, 2.0]]),
    }
    assert np.allclose(mod.mean_logits([one], "clean", ["plain"]), one["clean/plain/logits"])
    assert np.allclose(mod.mean_logits([one, one], "clean", ["plain", "mirror"]), [[2.0, 0.0], [0.0, 1.0]])
    assert np.allclose(mod.mean_logits([one, two], "clean", ["plain", "mirror"]), [[4.0, 0.0], [0.0, 2.0]])


def test_readme_and_card_trial_tables_come_from_the_trials_json():
    """The README's and the card's no-tumour trial tables are what notumor_trials.py card writes from its JSON."""
    mod = load_script("notumor_trials")
    result = _trials()
    assert mod.table(result, all_views=False) in (SPACE / "README.md").read_text()
    assert mod.table(result) in (SPACE / "MODEL_CARD.md").read_text()
    shipped = result["shipped"]["views"]["plain"]["clean"]
    assert shipped["notumor_slices"] > 0 and 0 < shipped["notumor_cleared"] < 1


def test_merge_keeps_earlier_trials_and_requires_the_shared_rows_to_reproduce():
    mod = load_script("notumor_trials")
    look = {"accuracy": 0.9, "notumor_cleared": 0.93, "slices": 10}
    row = {"temperature": 1.2, **dict.fromkeys(mod.LOOKS, look)}
    earlier = {"shipped": {"model": "m", "how": "today's", "views": {"plain": row, "plain+mirror": row}}}
    new = {"shipped": {"model": "m", "views": {"plain": row}}, "160 px": {"model": "x", "views": {"plain": row}}}
    out = mod.merge(earlier, new)
    assert list(out) == ["shipped", "160 px"]
    assert list(out["shipped"]["views"]) == ["plain", "plain+mirror"] and out["shipped"]["how"] == "today's"
    other = {**row, "clean": {**look, "notumor_cleared": 0.95}}
    with pytest.raises(SystemExit, match="does not reproduce"):
        mod.merge(earlier, {"shipped": {"model": "m", "views": {"plain": other}}})


def test_a_network_trained_at_another_size_runs_at_it():
    """train.py --size writes input_size into config.json; the Predictor preprocesses at that size, and refuses a
    calibration fitted at another one (a silent run at 128 px would measure nothing)."""
    from braintumor.predictor import Predictor

    model = tiny_model()
    model.config.input_size = 160
    pred = Predictor(model, None, {"temperature": 1.0})
    assert pred.model_array(np.random.default_rng(0).random((200, 180))).shape == (160, 160)
    assert Predictor(model, None, {"size": 160}).cal["size"] == 160
    with pytest.raises(ValueError, match="128 px"):
        Predictor(model, None, {"size": 128})


def test_readme_sentence_on_the_160_px_trial_quotes_its_json_rows():
    result = _trials()
    rows = [result[name]["views"]["plain"] for name in ("160 px: 3 more epochs", "160 px, seed 1")]
    shipped = result["shipped"]["views"]["plain"]
    cleared = " and ".join(f"{r['clean']['notumor_cleared']:.1%}" for r in rows)
    missed = " and ".join(f"{r['web_t2']['tumour_told_no_tumour']:.1%}" for r in rows)
    readme = _readme()
    assert f"it clears {cleared} of the healthy validation slices, but tells {missed} of web-style T2" in readme
    assert f"against today's {shipped['web_t2']['tumour_told_no_tumour']:.1%}, so it does not ship" in readme
    pair = result["shipped + 160 px (2 networks)"]["views"]["plain"]
    assert (
        f"clears {pair['clean']['notumor_cleared']:.1%} of the healthy validation slices and tells "
        f"{pair['web_t2']['tumour_told_no_tumour']:.1%} of web-style T2 screenshot tumours"
    ) in readme


def test_readme_latency_of_the_160_px_trial_is_its_json():
    import json

    run = json.loads((SPACE / "latency_unfamiliar.json").read_text())[
        "160 px trial (seed 0) vs this release, validation side"
    ]
    this, shipped = run["latency_ms"], run["latency_ms_against"]
    plain, heat = this["without_heatmap"]["p50"], this["with_heatmap"]["p50"]
    before, before_heat = shipped["without_heatmap"]["p50"], shipped["with_heatmap"]["p50"]
    readme = _readme()
    assert (
        f"{plain / before:.2f}x per slice (p50 {plain:.1f} ms against {before:.1f} ms, {heat:.1f} ms against "
        f"{before_heat:.1f} ms with the heatmap; one thread, the two models taking turns on "
        f"{this['with_heatmap']['n']} validation slices"
    ) in readme


def test_readme_sentence_on_the_lite2_trial_quotes_its_json_rows():
    import json

    result = _trials()
    seeds = [result[name]["views"]["plain"] for name in ("Lite2 backbone", "Lite2 backbone, seed 1")]
    today = result["shipped"]["views"]["plain"]

    def both(look: str, key: str) -> str:
        return " and ".join(f"{r[look][key]:.1%}" for r in seeds)

    readme = _readme()
    assert (
        f"it clears {both('clean', 'notumor_cleared')} of the healthy validation slices (today "
        f"{today['clean']['notumor_cleared']:.1%}) and tells {both('web_t2', 'tumour_told_no_tumour')} of web-style T2 "
        f'screenshot tumours "no tumour" (today {today["web_t2"]["tumour_told_no_tumour"]:.1%}); it names '
        f"{both('web_t2', 'tumour_named')} of them (today {today['web_t2']['tumour_named']:.1%}) but "
        f"{both('t2_like', 'tumour_named')} of the T2-like tumours (today {today['t2_like']['tumour_named']:.1%})"
    ) in readme
    hints = [result[name]["views"]["plain"]["clean"]["notumor_cleared"] for name in (
        "Lite2, no equalised view (chosen after seeing it)", "Lite2 seed 1, no equalised view")]  # fmt: skip
    assert f"seed 0 would clear {hints[0]:.1%} and seed 1 {hints[1]:.1%}" in readme
    latency = json.loads((SPACE / "latency_unfamiliar.json").read_text())
    runs = [latency[f"Lite2 backbone trial vs this release, validation side{tag}"] for tag in ("", ", repeat")]

    def p50(key: str, heat: str) -> str:
        return " and ".join(f"{run[key][heat]['p50']:.1f}" for run in runs)

    ratios = [
        r["latency_ms"][h]["p50"] / r["latency_ms_against"][h]["p50"]
        for r in runs
        for h in ("without_heatmap", "with_heatmap")
    ]
    assert f"It would cost {min(ratios):.2f}-{max(ratios):.2f}x per slice" in readme
    for heat in ("without_heatmap", "with_heatmap"):
        assert f"{p50('latency_ms', heat)} ms against {p50('latency_ms_against', heat)} ms" in readme


def test_readme_sentence_on_the_lite2_pairs_quotes_their_json_rows():
    result = _trials()
    seeds, mixed = (
        result[name]["views"]["plain"]
        for name in ("Lite2 seeds 0 + 1 (2 networks)", "shipped + Lite2 seed 0 (2 networks)")
    )
    readme = _readme()
    assert (
        f"the two Lite2 seeds together clear {seeds['clean']['notumor_cleared']:.1%} and tell "
        f"{seeds['web_t2']['tumour_told_no_tumour']:.1%} of web-style T2 screenshot tumours"
    ) in readme
    assert (
        f"today's network with Lite2 seed 0 clears {mixed['clean']['notumor_cleared']:.1%} and tells "
        f"{mixed['web_t2']['tumour_told_no_tumour']:.1%}"
    ) in readme


def test_readme_sentence_on_the_third_lite2_seed_quotes_its_json_row():
    row = _trials()["Lite2 backbone, seed 2"]["views"]["plain"]
    readme = _readme()
    assert (
        f"A third seed, run after the first two were read, clears {row['clean']['notumor_cleared']:.1%} of the healthy "
        f"validation slices, names {row['web_t2']['tumour_named']:.1%} of the web-style T2 screenshot tumours and "
        f"tells {row['web_t2']['tumour_told_no_tumour']:.1%} of them"
    ) in readme


def test_readme_sentence_on_the_copy_paste_trial_quotes_its_json_rows():
    result = _trials()
    seeds = [result[name]["views"]["plain"] for name in ("lesion copy-paste 30%", "lesion copy-paste 30%, seed 1")]
    today = result["shipped"]["views"]["plain"]

    def both(look: str, key: str, fmt: str = ".1%") -> str:
        return " and ".join(f"{r[look][key]:{fmt}}" for r in seeds)

    readme = " ".join(_readme().split())
    assert (
        f"it names {both('web_t2', 'tumour_named')} of the web-style T2 screenshot tumours (today "
        f"{today['web_t2']['tumour_named']:.1%}) and tells {both('web_t2', 'tumour_told_no_tumour')} of them "
        f'"no tumour" (today {today["web_t2"]["tumour_told_no_tumour"]:.1%}), but clears only '
        f"{both('clean', 'notumor_cleared')} of the healthy validation slices (today "
        f"{today['clean']['notumor_cleared']:.1%}; the network itself calls "
        f"{both('clean', 'notumor_called_tumour', 'd')} of {today['clean']['notumor_slices']} a tumour, today "
        f"{today['clean']['notumor_called_tumour']}) at "
        f"{both('clean', 'accuracy')} accuracy (today {today['clean']['accuracy']:.1%}), so it does not ship"
    ) in readme


def test_readme_sentence_on_the_second_copy_paste_round_quotes_its_json_rows():
    result = _trials()
    today = result["shipped"]["views"]["plain"]

    def both(names: list[str], look: str, key: str) -> str:
        return " and ".join(f"{result[n]['views']['plain'][look][key]:.1%}" for n in names)

    def seeds(name: str) -> list[str]:
        return [name, f"{name}, seed 1"]

    variants = [
        seeds("copy-paste 10%"),
        seeds("copy-paste 30%, loss weight 0.3"),
        seeds("copy-paste 30%, visible only"),
    ]
    weighted = variants[1]
    averaged = [f"shipped + {n} (2 networks)" for n in weighted]
    readme = " ".join(_readme().split())
    assert (
        "still clears fewer healthy validation slices than today: "
        + ", ".join(both(v, "clean", "notumor_cleared") for v in variants)
        + f" (today {today['clean']['notumor_cleared']:.1%}); the closest, the loss-weighted one, names "
        f"{both(weighted, 'web_t2', 'tumour_named')} of the web-style T2 screenshot tumours (today "
        f"{today['web_t2']['tumour_named']:.1%}) and tells {both(weighted, 'web_t2', 'tumour_told_no_tumour')} of them "
        f'"no tumour" (today {today["web_t2"]["tumour_told_no_tumour"]:.1%}), and averaged with today\'s network it '
        f"clears {both(averaged, 'clean', 'notumor_cleared')}, so none ships"
    ) in readme
    for names in [*variants, averaged]:  # the sentence's "fewer" holds for every row
        assert all(
            result[n]["views"]["plain"]["clean"]["notumor_cleared"] < today["clean"]["notumor_cleared"] for n in names
        )


def test_readme_sentence_on_the_mirrored_hemisphere_trial_quotes_its_json_rows():
    result = _trials()
    today = result["shipped"]["views"]["plain"]
    variants = [[name, f"{name}, seed 1"] for name in ("mirrored hemisphere 30%", "mirrored hemisphere 50%")]

    def rows(look: str, key: str, fmt: str = ".1%") -> list[str]:
        return [" and ".join(f"{result[n]['views']['plain'][look][key]:{fmt}}" for n in v) for v in variants]

    called = ", ".join(f"{result[n]['views']['plain']['clean']['notumor_called_tumour']}" for v in variants for n in v)
    cleared = rows("clean", "notumor_cleared")
    readme = " ".join(_readme().split())
    assert (
        f"They clear {cleared[0]} (30%), {cleared[1]} (50%) of the healthy validation slices (today "
        f"{today['clean']['notumor_cleared']:.1%}; the network itself still calls {called.rsplit(', ', 1)[0]} and "
        f"{called.rsplit(', ', 1)[1]} of {today['clean']['notumor_slices']} a tumour, today "
        f'{today["clean"]["notumor_called_tumour"]}), and they teach "no tumour" on tumours of other looks: web-style '
        f'T2 screenshot tumours told "no tumour" {", ".join(rows("web_t2", "tumour_told_no_tumour"))} (today '
        f"{today['web_t2']['tumour_told_no_tumour']:.1%}), named {', '.join(rows('web_t2', 'tumour_named'))} (today "
        f"{today['web_t2']['tumour_named']:.1%}), at {', '.join(rows('clean', 'accuracy'))} accuracy (today "
        f"{today['clean']['accuracy']:.1%}), so neither ships"
    ) in readme


def test_the_mirrored_hemisphere_trial_fails_its_pre_registered_rule_on_every_seed():
    mod = load_script("notumor_trials")
    result = _trials()
    today = result["shipped"]["views"]["plain"]
    for share in ("30%", "50%"):
        for name in (f"mirrored hemisphere {share}", f"mirrored hemisphere {share}, seed 1"):
            assert not all(mod.mirror_rule(result[name]["views"]["plain"], today).values()), name


def test_readme_sentence_on_the_same_run_control_of_the_mirror_trial_quotes_its_json_row():
    row = _trials()["control: released recipe again"]["views"]["plain"]
    readme = " ".join(_readme().split())
    assert (
        f"clears {row['clean']['notumor_cleared']:.1%} of the healthy validation slices, names "
        f"{row['web_t2']['tumour_named']:.1%} of the web-style T2 screenshot tumours and tells "
        f'{row["web_t2"]["tumour_told_no_tumour"]:.1%} of them "no tumour" at {row["clean"]["accuracy"]:.1%} accuracy: '
        "the losses above come with the twins"
    ) in readme

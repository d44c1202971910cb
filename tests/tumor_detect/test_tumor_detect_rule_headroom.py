"""Issue 18, fourth round: which answer rule decided each slice, the candidates' calibrations and the
pre-registered shipping rule of rule_headroom.py, on hand-made answers (no data kit)."""

from __future__ import annotations

import numpy as np
import pytest
from tumor_detect_helpers import load_script, tiny_model

from braintumor import CLASSES
from braintumor.predictor import InputCheck, Prediction, Predictor, Status

NT = CLASSES.index("notumor")
CAL = {
    "min_confidence": 0.6,
    "tumour_min_confidence": 0.8,
    "notumor_min_confidence": 0.8,
    "ood_threshold": 100.0,
    "ood_threshold_low": 10.0,
    "fitted_on": {"input_check_margins": [1.5, 1.2]},
}


@pytest.fixture(scope="module")
def headroom():
    return load_script("rule_headroom")


def answer(status: Status, probs: list[float] | None, ood_score: float = 0.5) -> Prediction:
    """A Prediction as the app builds it (label = the top class; no probabilities when refused)."""
    if probs is None:
        return Prediction(status, None, {}, ood_score, "")
    return Prediction(status, CLASSES[int(np.argmax(probs))], dict(zip(CLASSES, probs, strict=True)), ood_score, "")


def signal(pooled: float = 0.5, low: float = 0.5, notumor: float = 0.5) -> dict:
    return {"ratio_pooled": pooled, "ratio_low": low, "notumor_ratio": notumor}


def notumor_top(p: float) -> list[float]:
    probs = [(1 - p) / 3] * 4
    probs[NT] = p
    return probs


def test_rule_path_names_the_rule_that_decided(headroom):
    path = headroom.rule_path
    assert path(answer(Status.REFUSED, None, 1.4), signal(pooled=1.4), CAL) == "refused_pooled"
    assert path(answer(Status.REFUSED, None, 2.0), signal(low=2.0), CAL) == "refused_low"
    assert path(answer(Status.REFUSED, None, 2.0), signal(pooled=1.1, low=2.0), CAL) == "refused_both"
    assert path(answer(Status.REFUSED, None, float("inf")), signal(), CAL) == "refused_blank"
    assert path(answer(Status.OK, [0.9, 0.05, 0.03, 0.02]), signal(), CAL) == "named_tumour"
    assert path(answer(Status.UNCERTAIN, [0.4, 0.3, 0.3, 0.0]), signal(), CAL) == "tumour_top_any_below_floor"
    assert path(answer(Status.UNCERTAIN, notumor_top(0.7)), signal(), CAL) == "notumor_below_floor"
    assert path(answer(Status.UNCERTAIN, notumor_top(0.9)), signal(notumor=1.3), CAL) == "notumor_distance"
    assert path(answer(Status.UNCERTAIN, notumor_top(0.9)), signal(), CAL) == "notumor_equalised_view"
    assert path(answer(Status.OK, notumor_top(0.9)), signal(), CAL) == "told_no_tumour"


def test_rule_path_agrees_with_decide(headroom):
    """The breakdown's reading of an "uncertain" answer follows Predictor.decide's own order."""
    pred = Predictor(tiny_model(), None, CAL)
    for probs, nt_ratio in (([0.5, 0.2, 0.25, 0.05], 0.5), (notumor_top(0.85), 1.2), (notumor_top(0.65), 0.5)):
        status, message = pred.decide(np.array(probs), nt_ratio)
        path = headroom.rule_path(answer(status, probs), signal(notumor=nt_ratio), CAL)
        expected = {"notumor_distance": "does not look like", "notumor_below_floor": "leans towards no tumour"}
        assert status is Status.UNCERTAIN and expected.get(path, "No class reaches") in message


def test_any_tumour_histogram_bins(headroom):
    h = headroom.any_tumour_histogram([0.1, 0.49, 0.5, 0.65, 0.79, 0.8])
    assert h == {"<0.5": 2, "0.5-0.6": 1, "0.6-0.7": 1, "0.7-0.8": 1, ">=0.8": 1}


def test_candidate_calibration_scales_each_threshold_with_its_margin(headroom):
    cal = headroom.candidate_calibration(CAL, {"pooled_margin": 3.0, "tumour_min_confidence": 0.7})
    assert cal["ood_threshold"] == pytest.approx(200.0) and cal["ood_threshold_low"] == pytest.approx(10.0)
    assert cal["tumour_min_confidence"] == 0.7 and CAL["tumour_min_confidence"] == 0.8  # the shipped one untouched
    assert headroom.candidate_calibration(CAL, {"low_margin": 1.8})["ood_threshold_low"] == pytest.approx(15.0)
    assert headroom.candidate_calibration(CAL, {}) == CAL


def _run(web_named: float, told: float = 0.01, cleared: float = 0.93, acc: float = 0.96, ece: float = 0.02) -> dict:
    fam = {"named_tumour": web_named, "told_no_tumour": told, "notumor_told_no_tumour": cleared}
    return {
        "families": {"clean": dict(fam, named_tumour=0.98), "web_t2": fam},
        "clean": {"accuracy": acc, "ece": ece},
        "non_mri_refused": {"seed1": 1.0, "examples": 1.0},
        "newly_named": {"count": 10, "truly_tumour": 0.95, "mean_any_tumour": 0.75},
    }


def test_shipping_rule_needs_every_check(headroom):
    shipped = _run(0.77)
    assert all(headroom.passes(shipped, _run(0.80)).values())
    assert not headroom.passes(shipped, _run(0.79))["a_web_t2_named"]  # +2 points is not enough
    assert not headroom.passes(shipped, _run(0.85, told=0.012))["b_no_more_no_tumour"]
    assert not headroom.passes(shipped, _run(0.85, cleared=0.92))["b_no_more_no_tumour"]
    assert not headroom.passes(shipped, _run(0.85, acc=0.956))["c_clean"]
    assert not headroom.passes(shipped, _run(0.85, ece=0.031))["c_clean"]
    one_passes = _run(0.85)
    one_passes["non_mri_refused"]["seed1"] = 338 / 339
    assert not headroom.passes(shipped, one_passes)["d_non_mri"]
    overclaiming = _run(0.85)
    overclaiming["newly_named"] = {"count": 10, "truly_tumour": 0.8, "mean_any_tumour": 0.85}
    assert not headroom.passes(shipped, overclaiming)["e_honest"]


def test_newly_named_counts_only_slices_the_shipped_rules_did_not_name(headroom):
    shipped = {"named": np.array([1, 0, 0, 0], bool)}
    cand = {
        "named": np.array([1, 1, 1, 0], bool),
        "any_tumour": np.array([0.99, 0.7, 0.8, 0.1]),
        "is_tumour": np.array([True, True, False, False]),
    }
    new = headroom.newly_named(shipped, cand)
    assert new["count"] == 2 and new["truly_tumour"] == pytest.approx(0.5)
    assert new["mean_any_tumour"] == pytest.approx(0.75)


def test_each_input_check_ratio_is_reported_and_the_stricter_decides():
    model = tiny_model()
    rng = np.random.default_rng(1)
    check = InputCheck.fit(rng.normal(size=(40, 64)).astype(np.float32), np.arange(40) % 4, k=4)
    n_low = 2 * model.efficientnet.encoder.blocks[Predictor(model).gradcam_block].projection.project_conv.out_channels
    low = InputCheck.fit(rng.normal(size=(40, n_low)).astype(np.float32), np.arange(40) % 4, k=4)
    pred = Predictor(model, check, {"ood_threshold": 1e3, "ood_threshold_low": 1e2}, low_check=low)
    out = pred.batch_outputs(rng.random((3, 128, 128)).astype(np.float32))
    assert (out["ratio_pooled"] > 0).all() and (out["ratio_low"] > 0).all()
    assert np.allclose(out["ratio"], np.maximum(out["ratio_pooled"], out["ratio_low"]))
    assert not np.allclose(out["ratio_pooled"], out["ratio_low"])


def test_card_tables_come_from_the_json(headroom):
    hist = {"<0.5": 0, "0.5-0.6": 1, "0.6-0.7": 2, "0.7-0.8": 3, ">=0.8": 0}
    group = {"slices": 20, "paths": {"named_tumour": 9, "refused_low": 4, "told_no_tumour": 1}}
    result = {"breakdown": {"web_t2": {"tumour": {**group, "any_tumour_when_tumour_top_uncertain": hist}}}}
    row = headroom.breakdown_table(result, "tumour").splitlines()[-1]
    assert row == "| web_t2 | 20 | 9 | 0 / 4 / 0 | 0 / 1 / 2 / 3 | 0 / 0 / 0 | 1 |"
    shipped, cand = _run(0.77), _run(0.80)
    shipped["newly_named"] = {"count": 0, "truly_tumour": None, "mean_any_tumour": None}
    cand["checks"] = headroom.passes(shipped, cand)
    table = headroom.candidates_table({"candidates": {"rules": {"shipped": shipped, "floor 0.7": cand}}})
    assert (
        "| floor 0.7 | 80.0% | 1.0% | +0.0% / +0.0% | 96.0% / 0.020 | 100% / 100% | 10, 95.0%, 75.0% | ✓✓✓✓✓ |" in table
    )


def test_replayed_network_gives_the_same_answers_for_one_pass(headroom, mri_like):
    pred = Predictor(tiny_model(), None, {"min_confidence": 0.5})
    grays = [mri_like, mri_like[::-1].copy(), mri_like.T.copy()]
    direct = pred.predict_arrays(grays)
    calls = []
    forward = pred._forward
    pred._forward = lambda x, track: calls.append(1) or forward(x, track)
    with headroom.network_replayed(pred):
        first, again = pred.predict_arrays(grays), pred.predict_arrays(grays)
    assert len(calls) == 1  # one batch of three, computed once
    for a, b, c in zip(direct, first, again, strict=True):
        assert a.status == b.status == c.status and a.label == b.label == c.label
        assert np.allclose(list(a.probabilities.values()), list(c.probabilities.values()), atol=1e-6)


def test_calibration_drift_is_relative_and_skips_the_settings(headroom):
    shipped = {"temperature": 0.8, "ood_threshold": 1000.0, "size": 128, "consistency_views": ["equalised"]}
    refit = {"temperature": 0.8, "ood_threshold": 1000.002, "size": 128, "consistency_views": ["equalised"]}
    drift = headroom.calibration_drift(shipped, refit)
    assert set(drift) == {"temperature", "ood_threshold"}
    assert drift["temperature"] == 0.0 and drift["ood_threshold"] == pytest.approx(2e-6)
    assert drift["ood_threshold"] > headroom.REFIT_TOLERANCE

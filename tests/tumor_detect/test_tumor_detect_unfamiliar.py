"""The "unfamiliar look" shifts, contrast randomisation, test-time contrast views, bar trimming and the
asymmetric "no tumour" answer (no data kit needed)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from tumor_detect_helpers import SPACE, tiny_model

from braintumor import CLASSES
from braintumor.augment import contrast_randomise, random_lut
from braintumor.consistency import VIEWS, consistency_views
from braintumor.predictor import LIKELY_TUMOUR, Predictor, Status
from braintumor.preprocess import to_model_array, trim_bars
from braintumor.unfamiliar import FAMILIES, PARAMS, shifted


def head_slice(s: int = 224) -> np.ndarray:
    """A bright head with darker ventricles and a bright lesion, on a dark background (0..255)."""
    yy, xx = np.mgrid[0:s, 0:s]
    img = np.full((s, s), 5.0, np.float32)
    img[np.hypot(yy - s / 2, xx - s / 2) < s * 0.4] = 120.0
    img[np.hypot(yy - s / 2, xx - s / 2) < s * 0.1] = 30.0  # fluid: dark on T1
    img[np.hypot(yy - s * 0.35, xx - s * 0.65) < s * 0.07] = 240.0  # an enhancing lesion
    return img + np.random.default_rng(0).normal(0, 2, img.shape).astype(np.float32)


@pytest.mark.parametrize("family", FAMILIES)
def test_every_shift_is_seeded_and_returns_a_slice(family):
    g = head_slice()
    a, b = shifted(g, family, "test", 3), shifted(g, family, "test", 3)
    assert a.ndim == 2 and a.dtype == np.float32 and np.array_equal(a, b)
    assert np.isfinite(a).all() and a.max() > a.min()
    assert not np.array_equal(shifted(g, family, "val", 3), a) or family == "annotated"


def test_val_and_test_variants_use_disjoint_parameter_ranges():
    for key, (lo_v, hi_v) in ((k, v) for k, v in PARAMS["val"].items() if isinstance(v, tuple)):
        lo_t, hi_t = PARAMS["test"][key]
        assert hi_v <= lo_t or hi_t <= lo_v, key
    assert PARAMS["val"]["seed"] != PARAMS["test"]["seed"]


def test_t2_like_turns_fluid_bright_and_keeps_the_background_dark():
    g = head_slice()
    t2 = shifted(g, "t2_like", "test", 0)
    s = g.shape[0]
    fluid, tissue, bg = t2[s // 2, s // 2], t2[s // 2, int(s * 0.2)], t2[3, 3]
    assert fluid > tissue > bg  # T2: fluid brightest, the background dark
    assert t2[int(s * 0.35), int(s * 0.65)] > tissue  # the lesion stays bright


def test_trim_bars_cuts_bright_bars_but_keeps_dark_backgrounds():
    g = head_slice(200)
    boxed = np.full((200, 360), 200.0, np.float32)
    boxed[:, 80:280] = g
    trimmed = trim_bars(boxed)
    assert trimmed.shape == (200, 200)
    assert trim_bars(g).shape == g.shape  # a dark MRI background is never cut
    # letterboxed or not, the model sees nearly the same input
    assert np.abs(to_model_array(boxed, crop=True) - to_model_array(g, crop=True)).mean() < 0.02


def test_random_lut_is_often_non_monotonic_and_contrast_randomise_keeps_a_model_input():
    rng = np.random.default_rng(0)
    monotone = [np.all(np.diff(random_lut(rng)[1]) >= 0) for _ in range(50)]
    assert sum(monotone) < 25
    x = to_model_array(head_slice(), crop=True)
    a = contrast_randomise(x, np.random.default_rng(5))
    b = contrast_randomise(x, np.random.default_rng(5))
    assert np.array_equal(a, b) and a.shape == x.shape and 0 <= a.min() and a.max() <= 1
    assert a[:3, :3].mean() < 0.2  # the background stays dark


def test_consistency_views_change_the_contrast_inside_the_head():
    x = to_model_array(head_slice(), crop=True)
    views = consistency_views(x, list(VIEWS))
    assert len(views) == len(VIEWS)
    for v in views:
        assert v.shape == x.shape and 0 <= v.min() and v.max() <= 1 and not np.allclose(v, x)
    inv = VIEWS["inverted"](x)
    c = x.shape[0] // 2
    assert inv[c, c] > inv[c, int(x.shape[1] * 0.2)]  # the dark fluid turns bright


def _predictor(cal: dict) -> Predictor:
    return Predictor(tiny_model(), None, {"min_confidence": 0.5, "notumor_min_confidence": 0.9, **cal})


def test_no_tumour_needs_every_contrast_view_to_agree():
    nt = CLASSES.index("notumor")
    probs = np.full(4, 0.02)
    probs[nt] = 0.94
    pred = _predictor({})
    assert pred.decide(probs, 0.5, views_notumor=0.95)[0] is Status.OK
    status, message = pred.decide(probs, 0.5, views_notumor=0.4)
    assert status is Status.UNCERTAIN and "another contrast" in message and "radiologist" in message
    assert "60%" in message  # the tumour probability under the other contrast
    tumour = np.roll(probs, 1)  # a tumour answer is never held back by the views
    assert pred.decide(tumour, 0.5, views_notumor=0.0)[0] is Status.OK
    # the views may have their own floor: "leans towards no tumour" there, "sure" on the slice itself
    lenient = _predictor({"consistency_min_confidence": 0.5})
    assert lenient.decide(probs, 0.5, views_notumor=0.6)[0] is Status.OK
    assert lenient.decide(probs, 0.5, views_notumor=0.4)[0] is Status.UNCERTAIN


def test_a_likely_tumour_of_uncertain_type_is_named_not_left_uncertain():
    probs = np.array([0.45, 0.40, 0.10, 0.05])  # glioma leads; any tumour 90%; no class reaches 50%
    status, message = _predictor({"tumour_min_confidence": 0.8}).decide(probs, 0.5)
    assert status is Status.OK and message.startswith(LIKELY_TUMOUR) and "90%" in message and "glioma" in message
    assert _predictor({"tumour_min_confidence": 0.95}).decide(probs, 0.5)[0] is Status.UNCERTAIN
    assert _predictor({}).decide(probs, 0.5)[0] is Status.UNCERTAIN  # off unless calibrated (earlier releases)
    # never when "no tumour" leads, however the rest is spread
    leaning_clear = np.array([0.30, 0.25, 0.35, 0.10])
    assert _predictor({"tumour_min_confidence": 0.6}).decide(leaning_clear, 0.5)[0] is Status.UNCERTAIN


def _shipped_calibration() -> dict:
    return json.loads((SPACE / "model" / "calibration.json").read_text())


def test_the_shipped_type_uncertain_rule_is_the_pre_registered_60_percent():
    # issue 18, rule-headroom step: chosen by rule_headroom.py's pre-registered rule; calibrate.py writes it
    assert _shipped_calibration()["tumour_min_confidence"] == 0.6


def test_the_shipped_rule_names_a_tumour_when_the_tumour_classes_reach_60_percent():
    cal = _shipped_calibration()
    pred = _predictor({k: cal[k] for k in ("min_confidence", "tumour_min_confidence", "notumor_min_confidence")})
    glioma_leads = np.array([0.50, 0.07, 0.38, 0.05])  # below min_confidence; any tumour 62%
    status, message = pred.decide(glioma_leads, 0.5)
    assert status is Status.OK and message.startswith(LIKELY_TUMOUR) and "62%" in message and "glioma" in message
    below_the_floor = np.array([0.50, 0.03, 0.45, 0.02])  # any tumour 55%: still "uncertain"
    status, message = pred.decide(below_the_floor, 0.5)
    assert status is Status.UNCERTAIN and "55%" in message


def test_views_run_only_for_slices_about_to_be_cleared():
    pred = _predictor({"consistency_views": ["inverted", "equalised"]})
    nt = CLASSES.index("notumor")
    xs = [to_model_array(head_slice(), crop=True)] * 3
    probs = torch.full((3, 4), 0.02)
    probs[0, nt] = probs[2, nt] = 0.94  # slice 1 is a tumour answer
    probs[1, 0] = 0.94
    scores = torch.tensor([0.5, 0.5, 2.0])  # slice 2 is refused by the input check
    out = pred._views_notumor(xs, probs, scores, torch.zeros(3))
    assert out[1] is None and out[2] is None and 0.0 <= out[0] <= 1.0
    assert _predictor({})._views_notumor(xs, probs, scores, torch.zeros(3)) == [None] * 3


def test_heatmap_is_never_empty_when_every_weighted_sum_is_negative():
    from braintumor.predictor import class_maps

    act = torch.ones(1, 2, 4, 4)
    act[:, 1] = -3.0  # the first channel's positive evidence is outweighed everywhere
    act.requires_grad_(True)
    logits = torch.stack([act.sum((1, 2, 3)), torch.zeros(1)], 1)
    (cam,) = class_maps(logits, act, torch.tensor([0]), (8, 8))
    assert cam.shape == (8, 8) and cam.max() == 1.0


@pytest.mark.slow
def test_latency_times_every_model_on_the_same_slices_in_turn():
    """evaluate_unfamiliar.py --latency-against: both models see each slice one after the other (shared load)."""
    from tumor_detect_helpers import load_script

    module = load_script("evaluate_unfamiliar")
    calls: list[str] = []

    class Timed:
        def __init__(self, name: str) -> None:
            self.pred, self.name = _predictor({}), name

        def predict_array(self, gray, heatmap=False):
            calls.append(self.name)
            return self.pred.predict_array(gray, heatmap=heatmap)

    out = module.latency({"this": Timed("this"), "against": Timed("against")}, [head_slice(96)] * 3, 4)
    assert set(out) == {"this", "against"}
    for res in out.values():
        assert res["without_heatmap"]["n"] == res["with_heatmap"]["n"] == 5  # 4 slices + 1 web-style screenshot
        assert 0 < res["without_heatmap"]["p50"] <= res["without_heatmap"]["p95"]
    timed = calls[2:]  # after one warm-up call each
    assert timed[:4] == ["this", "against", "this", "against"]

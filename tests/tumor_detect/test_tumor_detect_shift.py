"""Head crop, "other scanner" augmentation, held-out-source folds and the asymmetric "no tumour" rule."""

from __future__ import annotations

import numpy as np
from tumor_detect_helpers import tiny_model

from braintumor import CLASSES
from braintumor.augment import filled_head_mask, strong_augment
from braintumor.predictor import InputCheck, Predictor, Status
from braintumor.preprocess import head_box, to_model_array
from braintumor.sources import FIGSHARE, OTHER, held_out_mask
from braintumor.training import source_balanced_weights


def framed_head(s: int = 300) -> np.ndarray:
    """A head (bright disc) off-centre in a large black field, inside a thin white frame with a label."""
    img = np.zeros((s, s), np.float32)
    yy, xx = np.mgrid[0:s, 0:s]
    img[np.hypot(yy - 170, xx - 120) < 70] = 150.0
    img[[0, 1, s - 2, s - 1], :] = 255.0  # the frame some collections draw
    img[:, [0, 1, s - 2, s - 1]] = 255.0
    img[20:24, 220:280] = 255.0  # a thin ruler / text line
    return img


def test_head_box_finds_the_head_and_ignores_frames_and_text():
    top, bottom, left, right = head_box(framed_head())
    assert 85 <= top <= 100 and 240 <= bottom <= 260  # disc rows 100..240, 4% margin
    assert 35 <= left <= 50 and 190 <= right <= 205  # disc columns 50..190


def test_crop_makes_framing_irrelevant():
    head = framed_head()
    moved = np.zeros_like(head)
    moved[40:260, 100:300] = head[80:300, 0:200]  # the same head, elsewhere and without the frame
    a, b = to_model_array(head, crop=True), to_model_array(moved, crop=True)
    assert np.abs(a - b).mean() < 0.03
    assert np.abs(to_model_array(head) - to_model_array(moved)).mean() > 0.1  # without the crop they differ


def test_head_box_keeps_the_whole_image_when_there_is_no_head():
    assert head_box(np.zeros((64, 80), np.float32)) == (0, 64, 0, 80)
    speck = np.zeros((100, 100), np.float32)
    speck[50:53, 50:53] = 1.0  # far below 10% of the area
    assert head_box(speck) == (0, 100, 0, 100)


def test_strong_augment_is_seeded_and_stays_a_model_input():
    x = to_model_array(framed_head(), crop=True)
    a = strong_augment(x, np.random.default_rng(3), ref=x[::-1].copy())
    b = strong_augment(x, np.random.default_rng(3), ref=x[::-1].copy())
    assert a.shape == x.shape and a.dtype == np.float32
    np.testing.assert_allclose(a, b, rtol=0, atol=1e-6)  # same seed, same picture (another seed: 0.12 on average)
    assert a.min() >= 0.0 and a.max() <= 1.0 and not np.allclose(a, x)
    mask = filled_head_mask(x)
    assert mask[64, 64] > 0.9 and mask[2, 2] < 0.1  # the head, holes filled; not the background


def test_held_out_mask_takes_one_sources_tumours_only():
    items = [{"label": "glioma"}, {"label": "notumor"}, {"label": "pituitary"}, {"label": "meningioma"}]
    sources = [OTHER, OTHER, FIGSHARE, OTHER]
    assert held_out_mask(items, sources, "other_tumours").tolist() == [True, False, False, True]
    assert held_out_mask(items, sources, "figshare_tumours").tolist() == [False, False, True, False]
    assert not held_out_mask(items, sources, None).any()


def test_source_balanced_weights_favour_the_rarer_source_within_a_class():
    labels = np.array([0] * 90 + [0] * 10 + [2] * 50)
    sources = np.array([FIGSHARE] * 90 + [OTHER] * 10 + [OTHER] * 50)
    w = source_balanced_weights(labels, sources).numpy()
    assert abs(w.sum() - 1) < 1e-9 and abs(w[labels == 0].sum() - w[labels == 2].sum()) < 1e-9
    assert w[95] > w[0] * 2.5  # each of the 10 is drawn 3x as often as each of the 90 (n ** -0.5)


def _notumor_predictor(cal: dict, check: InputCheck | None = None) -> Predictor:
    return Predictor(tiny_model(), None, {"min_confidence": 0.5, **cal}, notumor_check=check)


def test_no_tumour_needs_confidence_and_a_familiar_slice():
    nt = CLASSES.index("notumor")
    probs = np.full(4, 0.02)
    probs[nt] = 0.94
    familiar, unfamiliar = 0.5, 3.0
    pred = _notumor_predictor({"notumor_min_confidence": 0.9})
    assert pred.decide(probs, familiar) == (Status.OK, "No tumour found (94% calibrated confidence).")
    status, message = pred.decide(probs, unfamiliar)
    assert status is Status.UNCERTAIN and "radiologist" in message and "does not look like" in message
    status, message = _notumor_predictor({"notumor_min_confidence": 0.97}).decide(probs, familiar)
    assert status is Status.UNCERTAIN and "97%" in message
    # a tumour answer is not held to the no-tumour rule
    tumour = np.roll(probs, 1)
    assert pred.decide(tumour, unfamiliar)[0] is Status.OK


def test_notumor_check_travels_with_the_model_folder(tmp_path, mri_like):
    import json

    from safetensors.torch import save_file

    model = tiny_model()
    model.config.head_crop = True
    model.save_pretrained(tmp_path)
    check = InputCheck.fit(np.random.default_rng(0).normal(size=(30, 64)).astype(np.float32), np.zeros(30, int), k=4)
    save_file({f"notumor.{k}": v for k, v in check.tensors().items()}, str(tmp_path / "input_check.safetensors"))
    (tmp_path / "calibration.json").write_text(json.dumps({"notumor_threshold": 1e-12}))
    pred = Predictor.from_folder(tmp_path)
    assert pred.crop and pred.notumor_check is not None
    out = pred.predict_array(mri_like)
    assert out.status in (Status.OK, Status.UNCERTAIN)
    if out.label == "notumor":  # every slice is far from the (random) no-tumour slices: never "no tumour"
        assert out.status is Status.UNCERTAIN

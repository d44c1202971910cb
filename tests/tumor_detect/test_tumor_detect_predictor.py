"""Prediction plumbing with a tiny random EfficientNet: probabilities, refusal, uncertainty, Grad-CAM."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image
from tumor_detect_helpers import tiny_model

from braintumor import CLASSES
from braintumor.evaluation import expected_calibration_error, macro_f1, summarise
from braintumor.heatmap import overlay
from braintumor.imageio import write_dicom
from braintumor.lite0 import lite0_config
from braintumor.predictor import InputCheck, Predictor, gradcam_block_index


def test_probabilities_sum_to_one_and_heatmap(tiny_predictor, mri_like):
    pred = tiny_predictor.predict_array(mri_like, heatmap=True)
    assert pred.status in ("ok", "uncertain")
    assert set(pred.probabilities) == set(CLASSES)
    assert abs(sum(pred.probabilities.values()) - 1.0) < 1e-5
    assert pred.label in CLASSES
    assert pred.heatmap is not None and pred.heatmap.shape == pred.image.shape
    assert 0.0 <= pred.heatmap.min() and pred.heatmap.max() <= 1.0
    img = overlay(pred.image, pred.heatmap)
    assert img.shape == (384, 384, 3) and img.dtype == np.uint8
    # no heatmap requested -> none computed, same probabilities
    again = tiny_predictor.predict_array(mri_like, heatmap=False)
    assert again.heatmap is None
    for c in CLASSES:
        assert abs(again.probabilities[c] - pred.probabilities[c]) < 1e-5


def test_model_is_left_clean_after_gradcam(tiny_predictor, mri_like):
    tiny_predictor.predict_array(mri_like, heatmap=True)
    assert all(p.grad is None for p in tiny_predictor.model.parameters())
    assert not tiny_predictor.model.efficientnet.encoder.blocks[tiny_predictor.gradcam_block]._forward_hooks


def test_blank_image_is_refused(tiny_predictor):
    pred = tiny_predictor.predict_array(np.full((100, 100), 3.0))
    assert pred.status == "refused" and not pred.probabilities and "blank" in pred.message


@pytest.mark.slow
def test_input_check_threshold_refuses(mri_like):
    model = tiny_model()
    feats = np.random.default_rng(1).normal(size=(40, 64)).astype(np.float32)
    check = InputCheck.fit(feats, np.arange(40) % 4, k=4)
    pred = Predictor(model, check, {"ood_threshold": 1e-12}).predict_array(mri_like, heatmap=True)
    assert pred.status == "refused" and pred.label is None and pred.heatmap is None
    assert "brain MRI" in pred.message and pred.ood_score > 1
    # the low-level (texture) check refuses on its own too
    n_low = 2 * model.efficientnet.encoder.blocks[Predictor(model).gradcam_block].projection.project_conv.out_channels
    low = InputCheck.fit(np.random.default_rng(2).normal(size=(40, n_low)).astype(np.float32), np.arange(40) % 4, k=4)
    pred = Predictor(model, None, {"ood_threshold_low": 1e-12}, low_check=low).predict_array(mri_like)
    assert pred.status == "refused"
    # generous thresholds accept the same image
    pred = Predictor(model, check, {"ood_threshold": 1e30, "ood_threshold_low": 1e30}, low).predict_array(mri_like)
    assert pred.status != "refused" and pred.ood_score < 1


def test_uncertain_when_no_class_is_confident(mri_like):
    pred = Predictor(tiny_model(), None, {"min_confidence": 0.99}).predict_array(mri_like)
    assert pred.status == "uncertain" and "Uncertain" in pred.message


@pytest.mark.slow
def test_temperature_softens(mri_like):
    sharp = Predictor(tiny_model(), None, {"temperature": 0.05}).predict_array(mri_like)
    soft = Predictor(tiny_model(), None, {"temperature": 50.0}).predict_array(mri_like)
    assert max(soft.probabilities.values()) < max(sharp.probabilities.values())


def test_input_check_ranks_outliers_higher():
    rng = np.random.default_rng(0)
    feats = rng.normal(size=(400, 16)).astype(np.float32)
    check = InputCheck.fit(feats, np.arange(400) % 4, k=4)
    inlier = check.score(torch.from_numpy(rng.normal(size=(50, 16)).astype(np.float32)))
    outlier = check.score(torch.from_numpy(rng.normal(5, 1, size=(50, 16)).astype(np.float32)))
    assert float(outlier.min()) > float(inlier.max())
    again = InputCheck.from_tensors(check.tensors())
    assert torch.allclose(again.score(torch.ones(2, 16)), check.score(torch.ones(2, 16)))


def test_predict_file_for_png_and_dicom(tiny_predictor, mri_like, tmp_path):
    Image.fromarray(mri_like.astype(np.uint8)).save(tmp_path / "a.png")
    write_dicom((mri_like * 10).astype(np.uint16), tmp_path / "a.dcm", window=(1100, 2300))
    a = tiny_predictor.predict_file(tmp_path / "a.png")
    b = tiny_predictor.predict_file(tmp_path / "a.dcm")
    assert a.status != "refused" and b.status != "refused"
    assert "read" in a.timings_ms and a.timings_ms["total"] >= a.timings_ms["read"]


def test_from_folder_roundtrip(tmp_path, mri_like):
    from safetensors.torch import save_file

    model = tiny_model()
    model.half().save_pretrained(tmp_path)
    check = InputCheck.fit(np.random.default_rng(2).normal(size=(40, 64)).astype(np.float32), np.arange(40) % 4, k=4)
    save_file(check.tensors(), str(tmp_path / "input_check.safetensors"))
    (tmp_path / "calibration.json").write_text('{"temperature": 2.0, "ood_threshold": 1e30}')
    pred = Predictor.from_folder(tmp_path)
    assert pred.cal["temperature"] == 2.0 and pred.input_check is not None
    assert next(pred.model.parameters()).dtype == torch.float32
    assert pred.predict_array(mri_like).status != "refused"


def test_gradcam_block_is_the_stride16_block():
    assert gradcam_block_index(lite0_config()) == 10


def test_metrics():
    assert expected_calibration_error([1.0, 1.0], [True, True]) == 0.0
    assert abs(expected_calibration_error([0.9, 0.9], [True, False]) - 0.4) < 1e-9
    assert macro_f1(list(CLASSES), list(CLASSES)) == 1.0
    assert macro_f1(["notumor"], ["notumor"]) == 1.0  # absent classes do not count as zeros
    assert macro_f1(["glioma", "glioma"], ["glioma", "meningioma"]) == pytest.approx((2 / 3 + 0) / 2)
    rows = [
        {"label": "glioma", "status": "ok", "pred": "glioma", "probs": {"glioma": 0.9}, "ms": 1.0},
        {"label": "notumor", "status": "ok", "pred": "meningioma", "probs": {"meningioma": 0.6}, "ms": 2.0},
        {"label": "tumor", "status": "refused", "pred": None, "probs": {}, "ms": 3.0},
        {"label": "pituitary", "status": "uncertain", "pred": "pituitary", "probs": {"pituitary": 0.5}, "ms": 4.0},
    ]
    s = summarise(rows)
    assert s["accuracy"] == pytest.approx(2 / 3)
    assert s["tumor_sensitivity"] == pytest.approx(2 / 3)  # the refused tumour counts as missed
    assert s["tumor_specificity"] == 0.0
    assert s["rejected_rate"] == 0.25


@pytest.mark.slow
def test_fast_paths_give_the_network_s_own_answers():
    """The shipped network through the predictor's two paths (the frozen CPU graph without Grad-CAM, the eager
    modules with it; network.py leaves out the identity squeeze-excite) against transformers' own forward."""
    from braintumor.model_spec import MODEL_DIR

    if not (MODEL_DIR / "model.safetensors").is_file():
        pytest.skip("the shipped model is not in this checkout")
    predictor = Predictor.from_folder(MODEL_DIR)
    assert not any(".squeeze_excite." in n for n, _ in predictor.model.named_parameters())  # Lite0: none runs
    x = torch.rand(3, 3, 128, 128, generator=torch.Generator().manual_seed(0)) * 2 - 1
    with torch.no_grad():
        reference = predictor.model(pixel_values=x).logits
        frozen = predictor._forward(x, track=False)[1]
    eager = predictor._forward(x, track=True)[1].detach()
    assert (frozen - reference).abs().max().item() < 1e-4
    assert (eager - reference).abs().max().item() < 1e-5
    assert torch.equal(frozen.argmax(1), reference.argmax(1))


def test_layercam_keeps_locations_that_grad_cam_averages_away():
    """One channel whose gradient is positive at a single corner and negative elsewhere: Grad-CAM's mean weight is
    negative, so its map is empty; LayerCAM weights every location by its own gradient and peaks at the corner."""
    from braintumor.predictor import class_maps

    act = torch.ones(1, 1, 4, 4, requires_grad=True)
    w = -torch.ones(1, 1, 4, 4)
    w[..., 0, 0] = 5.0
    logits = torch.stack([(act * w).sum(), torch.zeros(())])[None]
    (layer,) = class_maps(logits, act, torch.tensor([0]), (4, 4), "layercam")
    logits = torch.stack([(act * w).sum(), torch.zeros(())])[None]
    (grad,) = class_maps(logits, act, torch.tensor([0]), (4, 4), "gradcam")
    assert layer[0, 0] == 1.0 and layer.max() == 1.0 and layer[3, 3] == 0.0
    assert grad.max() == 0.0

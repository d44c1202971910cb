"""The gradio adapter with a tiny random model in the process-wide cache: fresh heatmap files, refusals,
friendly errors; and the warm-up leaves the shared model clean."""

from __future__ import annotations

import sys

import gradio as gr
import numpy as np
import pytest
from PIL import Image

from braintumor import SPACE
from braintumor.handlers import classify
from braintumor.heatmap import OVERLAY_SIZE
from braintumor.predictor import Status
from shared.model_source import models


@pytest.fixture
def tiny_in_cache(tiny_predictor):
    models.inject(SPACE, tiny_predictor)
    yield tiny_predictor
    models.clear(SPACE)  # the next user of get_predictor() loads the shipped model again


@pytest.fixture
def mri_png(tmp_path, mri_like):
    path = tmp_path / "slice.png"
    Image.fromarray(mri_like.astype(np.uint8)).save(path)
    return str(path)


def test_heatmap_is_a_fresh_complete_file_per_call(tiny_in_cache, mri_png):
    probs, verdict, first, details = classify(mri_png, True)
    _, _, second, _ = classify(mri_png, True)
    assert first != second  # identical inputs never share (and rewrite) one result file
    assert details["status"] in (Status.OK.value, Status.UNCERTAIN.value)
    assert set(probs) == set(details["probabilities"]) and "not a medical device" in verdict
    for path in (first, second):
        with Image.open(path) as im:
            im.load()  # raises on a truncated file
            assert im.size == (OVERLAY_SIZE, OVERLAY_SIZE) and im.mode == "RGB"
    # the same picture, to one 8-bit level (a last-bit difference in the map may round a pixel the other way)
    same = np.abs(np.asarray(Image.open(first), int) - np.asarray(Image.open(second), int))
    assert same.max() <= 1 and np.mean(same > 0) < 0.01


def test_without_heatmap_the_picture_is_the_plain_slice(tiny_in_cache, mri_png):
    _, _, path, _ = classify(mri_png, False)
    img = np.asarray(Image.open(path)).astype(int)
    assert np.abs(img[..., 0] - img[..., 2]).max() == 0  # gray: no Grad-CAM tint


def test_refusal_has_no_picture(tiny_in_cache, tmp_path):
    blank = tmp_path / "blank.png"
    Image.new("L", (64, 64), 7).save(blank)
    probs, verdict, heat, details = classify(str(blank), True)
    assert probs is None and heat is None and details["status"] == Status.REFUSED.value
    assert verdict.startswith("### Not analysed")


def test_bad_inputs_give_friendly_errors(tiny_in_cache, tmp_path):
    with pytest.raises(gr.Error, match="upload"):
        classify(None, True)
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 50)
    with pytest.raises(gr.Error) as info:
        classify(str(broken), True)
    assert "Traceback" not in str(info.value)


def test_warm_up_leaves_the_model_clean(tiny_predictor):
    assert tiny_predictor.warm_up(rounds=1) > 0
    assert all(p.grad is None for p in tiny_predictor.model.parameters())
    block = tiny_predictor.model.efficientnet.encoder.blocks[tiny_predictor.gradcam_block]
    assert not block._forward_hooks


def test_start_up_warm_up_runs_a_whole_request_and_leaves_no_files(tiny_in_cache):
    from braintumor.runtime import warm_up
    from shared.results import results_root

    before = set(results_root(SPACE).iterdir())
    warm_up()
    assert set(results_root(SPACE).iterdir()) == before
    assert "pydicom" in sys.modules  # the DICOM reader was exercised too

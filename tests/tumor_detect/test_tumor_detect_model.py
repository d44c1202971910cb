"""The shipped model: pinned files, and its answers on the bundled examples."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import pytest
from tumor_detect_helpers import EXAMPLES, SPACE

from braintumor.predictor import Status


@pytest.fixture(scope="module")
def predictor():
    from braintumor.runtime import get_predictor

    return get_predictor()


def test_weights_are_small_fp16_safetensors_and_pinned():
    from braintumor.model_spec import MODEL_DIR, MODEL_FILES, MODEL_SPEC, PINS
    from shared.model_source import resolve, sha256_of

    folder = resolve(MODEL_SPEC)
    assert folder == MODEL_DIR and set(PINS) == set(MODEL_FILES) and MODEL_SPEC.pinned is PINS
    weights = folder / "model.safetensors"
    assert weights.stat().st_size < 10 * 2**20
    cfg = json.loads((folder / "config.json").read_text())
    assert cfg["model_type"] == "efficientnet" and cfg["hidden_act"] == "relu6"
    assert cfg.get("dtype", cfg.get("torch_dtype")) == "float16"
    for name, digest in PINS.items():
        assert sha256_of(folder / name) == digest


def test_pins_block_is_what_the_scripts_write(tmp_path):
    """calibrate.py rewrites the PINS block from the shipped files: doing so now must change nothing."""
    import braintumor.model_spec as model_spec
    from shared.model_source import write_pins

    module = Path(model_spec.__file__)
    copy = tmp_path / "model_spec.py"
    shutil.copy(module, copy)
    write_pins(copy, model_spec.MODEL_DIR, model_spec.MODEL_FILES)
    assert copy.read_text() == module.read_text()
    assert model_spec.pin_shipped_files(tmp_path / "elsewhere") is None  # an experiment's folder pins nothing


def test_tampered_weights_are_refused(tmp_path):
    from braintumor.model_spec import MODEL_SPEC
    from shared.model_source import ModelSourceError, resolve

    copy = tmp_path / "model"
    shutil.copytree(SPACE / "model", copy)
    data = bytearray((copy / "model.safetensors").read_bytes())
    data[-10] ^= 0xFF
    (copy / "model.safetensors").write_bytes(bytes(data))
    spec = dataclasses.replace(MODEL_SPEC, local_candidates=(copy,), env_var="TUMOR_DETECT_TEST_UNSET")
    with pytest.raises(ModelSourceError):
        resolve(spec)


@pytest.mark.parametrize(
    "name,label",
    [
        ("glioma_1.jpg", "glioma"),
        ("meningioma_1.jpg", "meningioma"),
        ("pituitary_1.jpg", "pituitary"),
        ("notumor_1.jpg", "notumor"),
        ("glioma_2.dcm", "glioma"),
    ],
)
def test_examples_are_classified(predictor, name, label):
    pred = predictor.predict_file(EXAMPLES / name, heatmap=False)
    assert pred.status in (Status.OK, Status.UNCERTAIN)
    assert pred.label == label


def test_non_mri_example_is_refused(predictor):
    assert predictor.predict_file(EXAMPLES / "not_mri_document.png").status is Status.REFUSED


@pytest.mark.slow
def test_generated_non_mri_images_are_refused(predictor, tmp_path):
    import numpy as np

    from braintumor.ood import chart_images, document_images, noise_images, ultrasound_like, xray_like

    rng = np.random.default_rng(123)
    refused = total = 0
    for gen in (noise_images, document_images, ultrasound_like, xray_like, chart_images):
        for name, im in gen(rng, 3):
            path = tmp_path / f"{name}.png"
            im.save(path)
            total += 1
            refused += predictor.predict_file(path).status is Status.REFUSED
    assert refused == total

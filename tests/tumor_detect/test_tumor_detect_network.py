"""The inference network (plain PyTorch, braintumor/network.py) gives transformers' numbers for the same files."""

import json

import pytest
import torch
from safetensors.torch import save_file

from braintumor.model_spec import MODEL_DIR
from braintumor.network import LiteNet


def transformers_model(folder):
    from transformers import EfficientNetForImageClassification

    return EfficientNetForImageClassification.from_pretrained(folder, dtype=torch.float32).eval()


@pytest.mark.slow
def test_shipped_network_matches_transformers():
    if not (MODEL_DIR / "model.safetensors").is_file():
        pytest.skip("the shipped model is not in this checkout")
    ours, theirs = LiteNet.from_folder(MODEL_DIR), transformers_model(MODEL_DIR)
    x = torch.rand(2, 3, 128, 128, generator=torch.Generator().manual_seed(0)) * 2 - 1
    with torch.no_grad():
        a, b = ours(pixel_values=x).logits, theirs(pixel_values=x).logits
    assert (a - b).abs().max().item() < 1e-5
    assert ours.config.id2label == {int(k): v for k, v in theirs.config.id2label.items()}


@pytest.mark.slow
def test_odd_sizes_and_a_fresh_lite0(tmp_path):
    """A Lite0 straight from lite0.py (identity squeeze-excite), saved as train.py saves, at an odd input size."""
    from transformers import EfficientNetForImageClassification

    from braintumor.lite0 import lite0_config, neutralise_se

    torch.manual_seed(0)
    model = EfficientNetForImageClassification(lite0_config(num_labels=4, id2label={i: f"c{i}" for i in range(4)}))
    neutralise_se(model)
    model.eval().save_pretrained(tmp_path)
    ours = LiteNet.from_folder(tmp_path)
    x = torch.randn(1, 3, 97, 101)
    with torch.no_grad():
        assert (ours(pixel_values=x).logits - model(pixel_values=x).logits).abs().max().item() < 1e-5


def test_a_working_squeeze_excite_is_refused(tmp_path):
    from transformers import EfficientNetForImageClassification

    from braintumor.lite0 import lite0_config

    model = EfficientNetForImageClassification(lite0_config(num_labels=2))  # random squeeze-excite weights
    model.save_pretrained(tmp_path)
    with pytest.raises(ValueError, match="squeeze-and-excite"):
        LiteNet.from_folder(tmp_path)


def test_unknown_activation_is_refused(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps({"hidden_act": "gelu", "pooling_type": "mean"}))
    save_file({}, tmp_path / "model.safetensors")
    with pytest.raises(ValueError, match="unsupported network"):
        LiteNet.from_folder(tmp_path)

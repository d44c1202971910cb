"""Helpers for the tumor_detect tests (a uniquely named module; pytest's pythonpath setting finds it)."""

from __future__ import annotations

from pathlib import Path

SPACE = Path(__file__).resolve().parents[2] / "spaces" / "tumor_detect"
EXAMPLES = SPACE / "examples"


def tiny_model(seed: int = 0):
    import torch
    from transformers import EfficientNetForImageClassification

    from braintumor import CLASSES
    from braintumor.lite0 import lite0_config, neutralise_se

    torch.manual_seed(seed)
    cfg = lite0_config(
        num_labels=4,
        id2label=dict(enumerate(CLASSES)),
        width_coefficient=0.05,
        depth_coefficient=0.3,
        hidden_dim=64,
    )
    model = EfficientNetForImageClassification(cfg)
    neutralise_se(model)
    with torch.no_grad():  # a random head with visible preferences (the default init is near zero)
        model.classifier.weight.normal_(0.0, 1.0)
        model.classifier.bias.normal_(0.0, 1.0)
    return model.eval()

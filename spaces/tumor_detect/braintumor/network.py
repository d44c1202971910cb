"""The shipped classifier's network in plain PyTorch, loaded from ``config.json`` + ``model.safetensors``.

The model folder is a transformers ``EfficientNetForImageClassification`` (what ``train.py`` fine-tunes and what
anyone can open with ``from_pretrained``). Importing transformers takes about 3 s of CPU, which every start of the
Space and every batch worker would pay for a 3.4M-parameter network, so inference builds the same modules here:
same parameter names, same operations in the same order (TensorFlow "SAME" padding, ReLU6), hence the same
numbers (``tests/tumor_detect/test_tumor_detect_network.py`` checks it against transformers). One difference:
EfficientNet-Lite has no squeeze-and-excite, which transformers' block always builds and ``lite0.py`` sets to an
exact identity; here it is left out, and a file whose squeeze-excite is not that identity is refused.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import torch
from torch import nn

# SE_GATE_BIAS: sigmoid(30) == 1.0 in float32, the gate of lite0.py's identity squeeze-excite
from .lite0 import SE_GATE_BIAS, scaled_channels, variant_of

ACTIVATIONS = {"relu6": nn.ReLU6, "swish": nn.SiLU, "silu": nn.SiLU}


def round_filters(config: SimpleNamespace, channels: int) -> int:
    """Channels scaled by the width coefficient, rounded to the divisor (as transformers and the original)."""
    return scaled_channels(channels, config.width_coefficient, config.depth_divisor)


def same_padding(kernel: int, adjust: bool) -> tuple[int, int, int, int]:
    """TensorFlow "SAME" padding for a stride-2 depthwise convolution (more on the right and bottom)."""
    k = kernel // 2
    return (k - 1, k, k - 1, k) if adjust else (k, k, k, k)


class Stem(nn.Module):
    def __init__(self, config: SimpleNamespace, act: type[nn.Module]):
        super().__init__()
        out = round_filters(config, 32)
        self.padding = nn.ZeroPad2d((0, 1, 0, 1))
        self.convolution = nn.Conv2d(config.num_channels, out, 3, stride=2, padding="valid", bias=False)
        self.batchnorm = nn.BatchNorm2d(out, eps=config.batch_norm_eps)
        self.activation = act()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.activation(self.batchnorm(self.convolution(self.padding(x))))


class Expansion(nn.Module):
    def __init__(self, config: SimpleNamespace, act: type[nn.Module], dim: int, out: int):
        super().__init__()
        self.expand_conv = nn.Conv2d(dim, out, 1, padding="same", bias=False)
        self.expand_bn = nn.BatchNorm2d(out, eps=config.batch_norm_eps)
        self.expand_act = act()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.expand_act(self.expand_bn(self.expand_conv(x)))


class Depthwise(nn.Module):
    def __init__(self, config: SimpleNamespace, act: type[nn.Module], dim: int, stride: int, kernel: int, adjust: bool):
        super().__init__()
        self.stride = stride
        self.depthwise_conv_pad = nn.ZeroPad2d(same_padding(kernel, adjust))
        padding = "valid" if stride == 2 else "same"
        self.depthwise_conv = nn.Conv2d(dim, dim, kernel, stride=stride, padding=padding, groups=dim, bias=False)
        self.depthwise_norm = nn.BatchNorm2d(dim, eps=config.batch_norm_eps)
        self.depthwise_act = act()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.stride == 2:
            x = self.depthwise_conv_pad(x)
        return self.depthwise_act(self.depthwise_norm(self.depthwise_conv(x)))


class Projection(nn.Module):
    def __init__(self, config: SimpleNamespace, dim: int, out: int, residual: bool):
        super().__init__()
        self.residual = residual
        self.project_conv = nn.Conv2d(dim, out, 1, padding="same", bias=False)
        self.project_bn = nn.BatchNorm2d(out, eps=config.batch_norm_eps)

    def forward(self, block_input: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        x = self.project_bn(self.project_conv(x))
        return x + block_input if self.residual else x


class Block(nn.Module):
    """Inverted residual block without squeeze-and-excite: expand (1x1), depthwise, project (1x1), skip."""

    def __init__(self, config, act, dim: int, out: int, stride: int, expand_ratio: int, kernel: int, first: bool,
                 adjust: bool):  # fmt: skip
        super().__init__()
        self.expand = expand_ratio != 1
        wide = dim * expand_ratio
        if self.expand:
            self.expansion = Expansion(config, act, dim, wide)
        self.depthwise_conv = Depthwise(config, act, wide, stride, kernel, adjust)
        self.projection = Projection(config, wide, out, residual=stride == 1 and not first)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.expansion(x) if self.expand else x
        return self.projection(x, self.depthwise_conv(h))


class Encoder(nn.Module):
    def __init__(self, config: SimpleNamespace, act: type[nn.Module]):
        super().__init__()
        blocks = []
        for i, repeats in enumerate(config.num_block_repeats):
            dim, out = round_filters(config, config.in_channels[i]), round_filters(config, config.out_channels[i])
            for j in range(int(math.ceil(config.depth_coefficient * repeats))):
                stride = config.strides[i] if j == 0 else 1
                adjust = len(blocks) not in config.depthwise_padding
                blocks.append(
                    Block(config, act, dim if j == 0 else out, out, stride, config.expand_ratios[i],
                          config.kernel_sizes[i], first=j == 0, adjust=adjust)
                )  # fmt: skip
        self.blocks = nn.ModuleList(blocks)
        self.top_conv = nn.Conv2d(out, round_filters(config, 1280), 1, padding="same", bias=False)
        self.top_bn = nn.BatchNorm2d(config.hidden_dim, eps=config.batch_norm_eps)
        self.top_activation = act()


class Backbone(nn.Module):
    def __init__(self, config: SimpleNamespace, act: type[nn.Module]):
        super().__init__()
        self.embeddings = Stem(config, act)
        self.encoder = Encoder(config, act)
        self.pooler = nn.AvgPool2d(config.hidden_dim, ceil_mode=True)  # global mean, as transformers pools


@dataclass
class Output:
    logits: torch.Tensor


class LiteNet(nn.Module):
    """EfficientNet-Lite classifier with transformers' module names (``efficientnet.*``, ``classifier``)."""

    def __init__(self, config: SimpleNamespace):
        super().__init__()
        if config.hidden_act not in ACTIVATIONS or config.pooling_type != "mean":
            raise ValueError(f"unsupported network: activation {config.hidden_act!r}, pooling {config.pooling_type!r}")
        variant_of(config)  # an unknown backbone, or a stage table that is not its own, is refused before building
        self.config = config
        self.efficientnet = Backbone(config, ACTIVATIONS[config.hidden_act])
        self.dropout = nn.Dropout(config.dropout_rate)
        self.classifier = nn.Linear(config.hidden_dim, config.num_labels)

    def forward(self, pixel_values: torch.Tensor) -> Output:
        net = self.efficientnet
        h = net.embeddings(pixel_values)
        for block in net.encoder.blocks:
            h = block(h)
        h = net.encoder.top_activation(net.encoder.top_bn(net.encoder.top_conv(h)))
        return Output(self.classifier(self.dropout(net.pooler(h).flatten(1))))

    @classmethod
    def from_folder(cls, folder: str | Path) -> LiteNet:
        """Build the network from ``config.json`` and load ``model.safetensors`` (any float dtype -> float32)."""
        from safetensors.torch import load_file

        folder = Path(folder)
        raw = json.loads((folder / "config.json").read_text())
        id2label = raw.get("id2label") or {}
        config = SimpleNamespace(**{**raw, "num_labels": len(id2label) or raw.get("num_labels", 2)})
        config.id2label = {int(k): v for k, v in id2label.items()}
        state = load_file(folder / "model.safetensors")
        check_identity_squeeze_excite(state)
        state = {k: v.float() for k, v in state.items() if ".squeeze_excite." not in k}
        model = cls(config)
        model.load_state_dict(state, strict=True)
        return model.eval()


def check_identity_squeeze_excite(state: dict[str, torch.Tensor]) -> None:
    """Refuse a file whose squeeze-excite layers do something (not an EfficientNet-Lite from ``lite0.py``)."""
    for name, t in state.items():
        if ".squeeze_excite." not in name:
            continue
        is_gate_bias = name.endswith("squeeze_excite.expand.bias")
        if (is_gate_bias and bool((t.float() < SE_GATE_BIAS).any())) or (not is_gate_bias and bool(t.any())):
            raise ValueError(
                f"{name}: this network has a working squeeze-and-excite layer; only EfficientNet-Lite models "
                "(whose squeeze-excite is an exact identity) load here"
            )

"""A per-site input intensity curve: a smooth look-up table g: [0, 1] -> [0, 1] on the normalised slice.

Another MRI sequence mostly changes how tissue maps to intensity, not the anatomy. So adaptation can learn, from
the site's labelled slices, a piecewise-linear curve (``knots`` values at evenly spaced intensities, initialised to
the identity) that turns the site's contrast back into one the frozen early blocks know. It is applied to the
model array (after ``preprocess.normalise_intensity``), right before the network's input scaling. A penalty on the
curve's second differences keeps it smooth; about 20 numbers cannot memorise a hundred slices.

``fit_curve`` learns it through the frozen network (every weight fixed, gradients to the curve only).
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from ..training import warm_cosine


class IntensityCurve(torch.nn.Module):
    """Piecewise-linear g: [0, 1] -> [0, 1] with ``knots`` values at 0, 1/(knots-1), ..., 1."""

    def __init__(self, knots: int = 24, values: torch.Tensor | list[float] | None = None):
        super().__init__()
        if knots < 2:
            raise ValueError("an intensity curve needs at least 2 knots")
        start = torch.linspace(0.0, 1.0, knots) if values is None else torch.as_tensor(values, dtype=torch.float32)
        if start.shape != (knots,):
            raise ValueError(f"expected {knots} knot values, got {tuple(start.shape)}")
        self.values = torch.nn.Parameter(start.clone().float())

    @property
    def knots(self) -> int:
        return int(self.values.numel())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pos = x.clamp(0.0, 1.0) * (self.knots - 1)
        i = pos.detach().floor().clamp(0, self.knots - 2).long()
        t = pos - i
        v = self.values
        return v[i] * (1 - t) + v[i + 1] * t

    def roughness(self) -> torch.Tensor:
        """Sum of squared second differences, scaled so that the penalty does not grow with the knot count."""
        d2 = self.values[2:] - 2 * self.values[1:-1] + self.values[:-2]
        return (d2**2).sum() * (self.knots - 1) ** 3 / 1000.0

    @torch.no_grad()
    def project(self) -> None:
        self.values.clamp_(0.0, 1.0)

    def to_list(self) -> list[float]:
        return [round(float(v), 5) for v in self.values.detach()]

    @torch.no_grad()
    def apply_array(self, arrays: np.ndarray) -> np.ndarray:
        """The curve on model arrays (any shape, values in [0, 1]), as float32."""
        return self(torch.as_tensor(np.asarray(arrays, np.float32))).numpy().astype(np.float32)


def curve_from_list(values: list[float] | None) -> IntensityCurve | None:
    """The curve stored in a calibration (``"input_curve"``), or None when there is none."""
    return None if not values else IntensityCurve(len(values), values).requires_grad_(False)


def fit_curve(
    logits_of,
    views: list[torch.Tensor],
    labels: np.ndarray,
    knots: int,
    steps: int,
    lr: float,
    smooth: float,
    batch: int = 32,
    seed: int = 0,
    mirror: bool = True,
) -> IntensityCurve:
    """A curve learnt through a frozen network: ``logits_of(x)`` maps (N, H, W) arrays in [0, 1] to logits with
    gradients to ``x``; ``views``: (N, H, W) model arrays of the site's slices (one tensor per view) aligned with
    ``labels``. Class-balanced batches, mirrored half the time (``mirror``), cross-entropy plus ``smooth`` x
    roughness."""
    curve = IntensityCurve(knots)
    opt = torch.optim.Adam(curve.parameters(), lr=lr)
    gen = torch.Generator().manual_seed(seed)
    y = torch.as_tensor(labels)
    weights = 1.0 / torch.bincount(y).float()[y]
    for step in range(steps):
        for g in opt.param_groups:
            g["lr"] = lr * warm_cosine(step, steps)
        idx = torch.multinomial(weights, batch, replacement=True, generator=gen)
        view = torch.randint(len(views), (batch,), generator=gen)
        x = torch.stack([views[int(v)][int(i)] for i, v in zip(idx, view, strict=True)]).float()
        flip = torch.rand(batch, generator=gen) < 0.5
        if mirror:
            x[flip] = x[flip].flip(-1)
        loss = F.cross_entropy(logits_of(curve(x)), y[idx]) + smooth * curve.roughness()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        curve.project()
    return curve.requires_grad_(False)

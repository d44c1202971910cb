"""The per-site input intensity curve (braintumor/adaptation/curve.py): identity at start, learns an inverted
look-up table through a frozen stand-in network on synthetic slices, stays in [0, 1], round-trips through a list,
and the fine-tuning's joint mode trains it without touching the early blocks."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from braintumor.adaptation.curve import IntensityCurve, curve_from_list, fit_curve


def test_the_curve_starts_as_the_identity_and_interpolates_between_knots():
    x = torch.rand(3, 16, 16)
    assert torch.allclose(IntensityCurve(17)(x), x, atol=1e-6)
    c = IntensityCurve(3, [0.0, 1.0, 0.0])  # a tent: 0 -> 0, 0.5 -> 1, 1 -> 0
    got = c(torch.tensor([0.0, 0.25, 0.5, 0.75, 1.0, 1.2, -0.1]))
    assert torch.allclose(got, torch.tensor([0.0, 0.5, 1.0, 0.5, 0.0, 0.0, 0.0]), atol=1e-6)
    assert float(IntensityCurve(24).roughness().detach()) == pytest.approx(0.0, abs=1e-9)
    assert float(c.roughness().detach()) > 0
    with pytest.raises(ValueError):
        IntensityCurve(4, [0.0, 1.0])


def _halves(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Class 0: the left half bright (0.55-1) and the right half dark (0-0.45); class 1 the other way round."""
    labels = np.arange(n) % 2
    bright = rng.uniform(0.55, 1.0, (n, 8, 8))
    dark = rng.uniform(0.0, 0.45, (n, 8, 8))
    left = np.where(labels[:, None, None] == 0, bright, dark)
    right = np.where(labels[:, None, None] == 0, dark, bright)
    return np.concatenate([left, right], 2).astype(np.float32), labels


def _frozen_net(x: torch.Tensor) -> torch.Tensor:
    """A "network" that learned the kit: class 0 when the left half is brighter (so mirroring is off here)."""
    d = x[..., :8].mean((-1, -2)) - x[..., 8:].mean((-1, -2))
    return torch.stack([8 * d, -8 * d], 1)


@pytest.mark.slow
def test_fit_curve_learns_an_inverted_look_up_table():
    """The site shows every slice with inverted intensities, so the frozen network calls every class the other;
    the curve fitted on the site's labelled slices turns the intensities back (it decreases) and every slice is
    right again."""
    rng = np.random.default_rng(0)
    kit, labels = _halves(64, rng)
    site = 1.0 - kit
    assert (_frozen_net(torch.from_numpy(site)).argmax(1).numpy() != labels).all()
    curve = fit_curve(_frozen_net, [torch.from_numpy(site)], labels, 16, 150, 0.05, 0.01, mirror=False)
    v = torch.tensor(curve.to_list())
    assert v[:6].mean() > 0.6 and v[-6:].mean() < 0.4  # dark turns bright, bright turns dark
    assert float(v.min()) >= 0.0 and float(v.max()) <= 1.0
    fixed = _frozen_net(torch.from_numpy(curve.apply_array(site))).argmax(1).numpy()
    assert (fixed == labels).mean() == 1.0
    assert not curve.values.requires_grad


@pytest.mark.slow
def test_the_roughness_penalty_keeps_the_curve_smoother():
    rng = np.random.default_rng(1)
    kit, labels = _halves(64, rng)
    site = [torch.from_numpy(1.0 - kit)]
    common = {"knots": 24, "steps": 60, "lr": 0.05, "mirror": False}
    free = fit_curve(_frozen_net, site, labels, smooth=0.0, **common)
    held = fit_curve(_frozen_net, site, labels, smooth=10.0, **common)
    assert float(held.roughness()) < 0.5 * float(free.roughness())


def test_the_curve_round_trips_through_a_list():
    c = IntensityCurve(5, [0.1, 0.5, 0.3, 0.9, 1.0])
    back = curve_from_list(c.to_list())
    x = np.random.default_rng(2).random((2, 4, 4), dtype=np.float32)
    np.testing.assert_allclose(back.apply_array(x), c.apply_array(x), atol=1e-5)
    assert curve_from_list(None) is None and curve_from_list([]) is None


@pytest.mark.slow
def test_the_joint_fit_trains_the_curve_and_leaves_the_early_blocks_alone():
    """Recipe.curve_knots with curve_fit "joint": the curve is learnt through the released early blocks together
    with blocks 11-15; the early blocks and the released model are not changed. (The shipped network on random
    arrays: a random tiny network's activations vanish through its blocks.)"""
    from braintumor.adaptation.tuning import Recipe, finetune, prefix, site_curve
    from braintumor.model_spec import MODEL_DIR
    from braintumor.predictor import Predictor

    released = Predictor.from_folder(MODEL_DIR)
    base, n = released.model, released.gradcam_block + 1
    rng = np.random.default_rng(0)
    arrays = rng.random((8, 128, 128), dtype=np.float32)
    labels = np.array([0, 1, 2, 3, 0, 1, 2, 3])
    h = prefix(base, arrays, n).float()
    stem = base.efficientnet.embeddings.convolution.weight.detach().clone()
    recipe = Recipe(steps=4, batch=8, lr=1e-3, norms="kept", curve_knots=8, curve_fit="joint", curve_lr=0.05)
    curve = IntensityCurve(8)
    tuned = finetune(base, [h], labels, recipe, n, raw=[torch.from_numpy(arrays)], curve=curve)
    assert not torch.allclose(curve.values, torch.linspace(0, 1, 8))
    assert torch.equal(tuned.efficientnet.embeddings.convolution.weight, stem)
    assert torch.equal(base.efficientnet.embeddings.convolution.weight, stem)
    with pytest.raises(ValueError, match="arrays"):
        finetune(base, [h], labels, recipe, n, curve=IntensityCurve(8))
    first = site_curve(base, [torch.from_numpy(arrays)], labels, Recipe(curve_knots=8, curve_steps=3), n)
    assert first.knots == 8 and not torch.allclose(first.values, torch.linspace(0, 1, 8))
    assert site_curve(base, [torch.from_numpy(arrays)], labels, Recipe(), n) is None


def test_adapt_refuses_the_curve_trial():
    """adapt()'s checks and report read the released blocks' features of the slices as they are: the curve is a
    screening trial (adapt_benchmark.py --screen), not an adaptation recipe."""
    from braintumor.adaptation.pipeline import adapt
    from braintumor.adaptation.site_slices import SiteSlices
    from braintumor.adaptation.tuning import Recipe

    with pytest.raises(ValueError, match="screening trials"):
        adapt(None, SiteSlices(), Recipe(curve_knots=24))

"""Mirrored-hemisphere healthy twins (issue 18's trial): the midline is found off-centre, a one-sided lesion is
replaced by the healthy side's reflection, a lesion at the midline or a head without symmetry is rejected; the
twins' sampling share and loss weight."""

from __future__ import annotations

import numpy as np
import torch
from tumor_detect_helpers import load_script

from braintumor.mirror import Rule, cells_to_pixels, find_axis, healthy_twin, lesion_side, mirror_healthy, reflect
from braintumor.mirror_draw import with_share

SIZE = 128


def brain(cx: float = 64.0, tilt: float = 0.0) -> np.ndarray:
    """An elliptic head, symmetric about a vertical line at column ``cx`` (tilted ``tilt`` degrees): a skull ring,
    tissue with a left-right symmetric pattern (ventricles), black background."""
    yy, xx = np.mgrid[0:SIZE, 0:SIZE].astype(np.float32)
    t = np.deg2rad(tilt)
    u = (xx - cx) * np.cos(t) - (yy - 64) * np.sin(t)  # across the midline
    v = (xx - cx) * np.sin(t) + (yy - 64) * np.cos(t)  # along it
    r = (u / 46) ** 2 + (v / 56) ** 2
    x = np.where(r < 1, 0.45 + 0.1 * np.cos(v / 7), 0.0)
    x = np.where((r > 0.8) & (r < 1), 0.9, x)  # skull
    x = np.where(((np.abs(u) - 10) / 5) ** 2 + (v / 14) ** 2 < 1, 0.15, x)  # two ventricles, one per side
    return x.astype(np.float32)


def blob(x: np.ndarray, cy: int, cx: int, r: int = 8) -> tuple[np.ndarray, np.ndarray]:
    yy, xx = np.mgrid[0:SIZE, 0:SIZE]
    m = (yy - cy) ** 2 + (xx - cx) ** 2 <= r * r
    return np.where(m, 1.0, x).astype(np.float32), m


def cells_of(m: np.ndarray, grid: int = 8) -> np.ndarray:
    """The (grid, grid) cells a pixel mask touches, as hand marks would cover a lesion."""
    return m.reshape(grid, SIZE // grid, grid, SIZE // grid).any(axis=(1, 3)).astype(np.float32)


def test_the_axis_is_found_off_centre_and_tilted():
    for cx, tilt in ((58.5, 0.0), (70.5, 0.0), (63.5, 6.0)):
        axis = find_axis(brain(cx, tilt))
        assert abs(63.5 + axis.offset - cx) <= 1.0 and abs(axis.angle - tilt) <= 2.0
        assert axis.head_iou > 0.95 and axis.corr > 0.9


def test_reflect_is_its_own_inverse_inside_the_image():
    x = brain(66.5, 4.0)
    r, s = reflect(x, 4.0, 3.0)
    back, _ = reflect(r, 4.0, 3.0)
    inner = np.abs(s) < 30  # away from the border, where the reflection leaves the image
    assert np.abs(back - x)[inner].mean() < 0.02


def test_a_one_sided_blob_is_removed_and_the_healthy_side_kept():
    healthy = brain(67.5)
    x, m = blob(healthy, 48, 95)  # right hemisphere
    out = healthy_twin(x, cells_to_pixels(cells_of(m), x.shape), Rule())
    assert out is not None
    twin, axis, side = out
    assert side == 1
    assert twin.shape == x.shape and twin.dtype == np.float32 and twin.min() >= 0 and twin.max() <= 1
    assert np.abs(twin - healthy)[m].max() < 0.15  # the blob is gone: healthy tissue again
    left = np.arange(SIZE) < 60
    assert np.array_equal(twin[:, left], x[:, left])  # the healthy side is untouched


def test_a_blob_on_the_midline_or_both_sides_is_rejected():
    healthy = brain(64.0)
    centred, m = blob(healthy, 40, 64)
    assert healthy_twin(centred, cells_to_pixels(cells_of(m), centred.shape), Rule()) is None
    both, m1 = blob(healthy, 40, 30)
    both, m2 = blob(both, 90, 98)
    assert healthy_twin(both, cells_to_pixels(cells_of(m1 | m2), both.shape), Rule()) is None


def test_an_asymmetric_head_is_rejected():
    yy, xx = np.mgrid[0:SIZE, 0:SIZE].astype(np.float32)
    lopsided = np.where(((xx - 40) / 30) ** 2 + ((yy - 64) / 50) ** 2 < 1, 0.5, 0.0)
    lopsided = np.where(((xx - 80) / 40) ** 2 + ((yy - 90) / 25) ** 2 < 1, 0.7, lopsided).astype(np.float32)
    x, m = blob(lopsided, 50, 40, 5)
    assert healthy_twin(x, cells_to_pixels(cells_of(m), x.shape), Rule(min_iou=0.9, min_corr=0.5)) is None


def test_lesion_side_needs_the_share_and_a_cold_band():
    s = np.tile(np.arange(SIZE, dtype=np.float32) - 63.5, (SIZE, 1))
    w = np.zeros((SIZE, SIZE), np.float32)
    w[:, 10:30] = 1.0
    assert lesion_side(w, s, 10, 0.9, 0.05) == -1
    w[:, 60:66] = 0.3  # heat at the midline
    assert lesion_side(w, s, 10, 0.9, 0.05) == 0
    w[:, 60:66] = 0
    w[:, 100:110] = 0.5  # a fifth of the mass on the other side
    assert lesion_side(w, s, 10, 0.9, 0.05) == 0
    assert lesion_side(np.zeros_like(w), s, 10, 0.9, 0.05) == 0


def test_mirror_healthy_is_symmetric_about_the_axis():
    x, _ = blob(brain(63.5), 50, 90)
    twin = mirror_healthy(x, find_axis(x), 1)
    assert np.abs(twin - twin[:, ::-1]).mean() < 0.02


def test_with_share_gives_the_twins_their_share_of_their_class_only():
    labels = np.array([0, 0, 1, 1, 1, 1, 1])
    extra = np.array([False, False, False, False, False, True, True])
    w = with_share(torch.full((7,), 1 / 7, dtype=torch.float64), labels, extra, 0.3).numpy()
    assert np.isclose(w.sum(), 1.0)
    assert np.isclose(w[labels == 0].sum(), 2 / 7) and np.isclose(w[labels == 1].sum(), 5 / 7)
    assert np.isclose(w[extra].sum(), 0.3 * 5 / 7)
    assert np.isclose(w[2], w[4])  # the kit's slices keep their proportions


def test_the_mirror_rule_edges():
    mirror_rule = load_script("notumor_trials").mirror_rule

    today = {
        "clean": {"notumor_cleared": 0.933, "accuracy": 0.945, "ece": 0.011},
        "web_t2": {"tumour_told_no_tumour": 0.005, "tumour_named": 0.785},
        "t2_like": {"tumour_told_no_tumour": 0.008},
        "flair_like": {"tumour_told_no_tumour": 0.014},
    }
    edge = {
        "clean": {"notumor_cleared": 0.948, "accuracy": 0.940, "ece": 0.03},
        "web_t2": {"tumour_told_no_tumour": 0.010, "tumour_named": 0.755},
        "t2_like": {"tumour_told_no_tumour": 0.013},
        "flair_like": {"tumour_told_no_tumour": 0.019},
    }
    assert all(mirror_rule(edge, today).values())
    worse = {look: dict(v) for look, v in edge.items()}
    worse["clean"]["notumor_cleared"] = 0.947
    assert mirror_rule(worse, today) == {**mirror_rule(edge, today), "clean/notumor_cleared": False}


def test_cached_views_makes_the_draw_once_and_only_for_views_not_cached(tmp_path, monkeypatch):
    """The pasted and mirrored draws share ``training.cached_views``: the slow image work (``arrays``) runs at most
    once, and not at all when every view's file holds the right key; each view's key is the draw's plus the view."""
    from braintumor import training

    def fake_prefix(model, xs, n_blocks, f, key, what):  # stands in for the network's prefix: the inputs' mean
        feats = torch.tensor([float(xs.mean())])
        torch.save({"meta": key, "feats": feats}, f)
        return feats

    monkeypatch.setattr(training, "saved_prefix", fake_prefix)
    monkeypatch.setattr(training, "view_arrays", lambda xs, labels, v, kind: xs + v)
    calls = []

    def arrays():
        calls.append(1)
        return np.ones((2, 4, 4), np.float32), np.array([0, 1])

    meta = {"backbone": "lite0", "mirror": {"seed": 0}}
    first = training.cached_views(None, ["clean", "strong", "lut"], 3, tmp_path, "t", meta, arrays, "mirrored")
    assert len(calls) == 1 and [round(float(f), 3) for f in first] == [1.0, 2.0, 3.0]
    again = training.cached_views(None, ["clean", "strong", "lut"], 3, tmp_path, "t", meta, arrays, "mirrored")
    assert len(calls) == 1 and all(torch.equal(a, b) for a, b in zip(first, again, strict=True))
    other = {**meta, "mirror": {"seed": 1}}  # another draw under the same name: computed anew, not read back
    training.cached_views(None, ["clean"], 3, tmp_path, "t", other, arrays, "mirrored")
    assert len(calls) == 2
    saved = torch.load(tmp_path / "t_view2_lut.pt", weights_only=True)
    assert saved["meta"] == {**meta, "view": 2, "kind": "lut"}


def test_with_twins_puts_the_twins_after_every_item_as_their_own_source():
    from braintumor.training import with_twins

    views = [torch.zeros(4, 2), torch.ones(4, 2)]
    tr, y, sources = np.array([0, 2]), np.array([0, 1, 2, 1]), ["a", "a", "b", "b"]
    extra = [torch.full((3, 2), 5.0), torch.full((3, 2), 6.0)]
    views, tr, y, sources = with_twins(views, tr, y, sources, extra, np.full(3, 2), "mirrored")
    assert [tuple(v.shape) for v in views] == [(7, 2), (7, 2)] and float(views[1][5, 0]) == 6.0
    assert tr.tolist() == [0, 2, 4, 5, 6] and y.tolist() == [0, 1, 2, 1, 2, 2, 2]
    assert sources == ["a", "a", "b", "b", "mirrored", "mirrored", "mirrored"]

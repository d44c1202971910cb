"""The answer's gates refitted on the site's own slices, out of fold: how sure "no tumour" must be, how far from
the no-tumour slices it may be, what the contrast-equalised view must say, and when a tumour of uncertain type is
named.

The released values were chosen on the kit's validation slices. A site's contrast moves the calibrated
probabilities and the distances, so the released gates can send most of the site's healthy slices to
"uncertain" (measured in adapt_benchmark.json). Each gate is picked from a short grid on slices the model being
gated never saw (out-of-fold probabilities), under one safety rule: tumours told "no tumour" never rise above what
the released gates give on the same slices, nor above ``MAX_NOTUMOR_ON_TUMOURS``. Among the safe settings, the one
that answers most slices rightly wins (healthy slices cleared, tumours named); ties keep the released value.
Whether the gates move the report's errors: no, an error is a wrong class or a refusal; they move "uncertain".
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from .. import CLASSES
from ..predictor import Status

NOTUMOR = CLASSES.index("notumor")
MAX_NOTUMOR_ON_TUMOURS = 0.03  # the limit on tumours told "no tumour"
GRID = {
    "notumor_min_confidence": (0.5, 0.6, 0.7, 0.8, 0.9),
    "consistency_min_confidence": (0.0, 0.3, 0.5, 0.7),
    "tumour_min_confidence": (0.6, 0.7, 0.8, 0.9),
    "notumor_threshold_scale": (1.0, 1.5, 2.0),  # times the refitted distance threshold (checks.py)
}
GATE_KEYS = ("notumor_min_confidence", "consistency_min_confidence", "tumour_min_confidence")


@dataclass
class Evidence:
    """What the gates look at, per slice: calibrated probabilities, the input check's ratio, the distance to the
    no-tumour slices over its threshold, and the lowest "no tumour" probability over the contrast views."""

    probs: np.ndarray  # (N, C)
    ratio: np.ndarray  # (N,)
    notumor_ratio: np.ndarray  # (N,)
    views_notumor: np.ndarray  # (N,), 1.0 where the model has no views

    def take(self, mask: np.ndarray) -> Evidence:
        return Evidence(self.probs[mask], self.ratio[mask], self.notumor_ratio[mask], self.views_notumor[mask])

    @staticmethod
    def concat(parts: list[Evidence]) -> Evidence:
        return Evidence(*(np.concatenate([getattr(p, f) for p in parts]) for f in Evidence.__dataclass_fields__))


def evidence(pred, arrays: np.ndarray) -> Evidence:
    """The gates' inputs for every slice (the contrast views computed for all of them, not only those about to be
    cleared, so that any setting can be replayed)."""
    import torch

    from ..consistency import consistency_views
    from ..preprocess import to_pixel_values

    out = pred.batch_outputs(arrays)
    names = list(pred.cal.get("consistency_views") or [])
    views = np.ones(len(arrays), np.float32)
    if names and len(arrays):
        stack = np.stack([v for x in arrays for v in consistency_views(x, names)])
        logits = np.concatenate(
            [pred._forward(to_pixel_values(stack[i : i + 64]), track=False)[1].float().numpy()
             for i in range(0, len(stack), 64)]
        )  # fmt: skip
        p = torch.softmax(torch.from_numpy(logits) / pred.cal["temperature"], -1)[:, NOTUMOR].numpy()
        views = p.reshape(len(arrays), len(names)).min(1)
    return Evidence(out["probs"], out["ratio"], out["notumor_ratio"], views)


def statuses(pred, ev: Evidence, gates: dict) -> list[str]:
    """The app's answer for every slice under ``gates`` (``pred.decide`` with those values; ``pred`` unchanged)."""
    cal = pred.cal
    scale = gates.get("notumor_threshold_scale", 1.0)
    pred.cal = {**cal, **{k: gates[k] for k in GATE_KEYS if k in gates}}
    try:
        out = []
        for p, r, nr, v in zip(ev.probs, ev.ratio, ev.notumor_ratio, ev.views_notumor, strict=True):
            out.append(Status.REFUSED.value if r > 1.0 else pred.decide(p, float(nr) / scale, float(v))[0].value)
        return out
    finally:
        pred.cal = cal


def counts(labels: np.ndarray, ev: Evidence, status: list[str]) -> dict[str, int]:
    """Told "no tumour" among tumours, healthy slices cleared, tumours named a tumour, healthy told a tumour."""
    st = np.asarray(status)
    top = ev.probs.argmax(1)
    said_notumor = (st == "ok") & (top == NOTUMOR)
    said_tumour = (st == "ok") & (top != NOTUMOR)
    tumour = labels != NOTUMOR
    return {
        "notumor_on_tumours": int((said_notumor & tumour).sum()),
        "healthy_cleared": int((said_notumor & ~tumour).sum()),
        "tumours_named": int((said_tumour & tumour).sum()),
        "healthy_told_tumour": int((said_tumour & ~tumour).sum()),
    }


def released_gates(cal: dict) -> dict:
    views_floor = cal.get("consistency_min_confidence")
    return {
        "notumor_min_confidence": float(cal["notumor_min_confidence"]),
        "consistency_min_confidence": float(cal["notumor_min_confidence"] if views_floor is None else views_floor),
        "tumour_min_confidence": cal.get("tumour_min_confidence"),
        "notumor_threshold_scale": 1.0,
    }


def choose(pred, labels: np.ndarray, ev: Evidence) -> dict:
    """The gates for ``pred`` chosen on (``labels``, ``ev``): slices none of the models that scored them saw.
    Returns the gate values and what they gave on those slices (and what the released gates gave)."""
    labels = np.asarray(labels)
    released = released_gates(pred.cal)
    if released["tumour_min_confidence"] is None:  # this model never names a tumour of uncertain type
        grid = {**GRID, "tumour_min_confidence": (None,)}
    else:
        grid = GRID
    base = counts(labels, ev, statuses(pred, ev, released))
    n_tumours = int((labels != NOTUMOR).sum())
    limit = min(base["notumor_on_tumours"], int(MAX_NOTUMOR_ON_TUMOURS * n_tumours))
    best, best_key = released, None
    for values in itertools.product(*grid.values()):
        gates = dict(zip(grid, values, strict=True))
        c = counts(labels, ev, statuses(pred, ev, gates))
        if c["notumor_on_tumours"] > limit:
            continue
        gain = c["healthy_cleared"] + c["tumours_named"] - c["healthy_told_tumour"]
        # ties: the setting closest to the released one (fewest changed values), then the stricter one
        changed = sum(gates[k] != released[k] for k in gates)
        strict = sum(gates[k] or 0.0 for k in GATE_KEYS) - gates["notumor_threshold_scale"]
        key = (gain, -changed, strict)
        if best_key is None or key > best_key:
            best, best_key = gates, key
    chosen = counts(labels, ev, statuses(pred, ev, best))
    return {"gates": best, "on_fitting_slices": chosen, "released_gates_gave": base}


def apply(cal: dict, gates: dict) -> dict:
    """A calibration with the chosen gates written in (the distance scale folded into its threshold)."""
    out = {**cal, **{k: gates[k] for k in GATE_KEYS if k in gates}}
    out["notumor_threshold"] = float(cal["notumor_threshold"]) * float(gates.get("notumor_threshold_scale", 1.0))
    return out

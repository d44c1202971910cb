"""Out-of-scope scores: how much a message looks like one of the bot's own intents (higher = more in scope),
the threshold below which the bot declines, and the gate that applies it. One module for both bots: Northwind's
distance gate (``nearest_similarity`` + ``threshold_at``, cut written by ``fit_floor.py``) and a company bot's
gate (a ``Space`` + ``choose_threshold`` per preset). Gradio-free, numpy only.

A softmax floor only asks "which of my intents is it most like?"; a question unlike all of them can still get
a confident answer. The scores come from the literature on out-of-distribution detection:

- ``msp``: the highest intent probability (the softmax floor; Hendrycks & Gimpel 2017);
- ``max_logit`` / ``energy``: the highest intent logit, log-sum-exp of the intent logits (Liu et al. 2020);
- ``knn``: mean cosine similarity to the k nearest in-scope training sentences in the fine-tuned space
  (Sun et al. 2022; the kNN baselines of Zhang et al. 2021 for few-shot intents);
- ``mahalanobis``: minus the distance to the nearest intent centre under a shared, shrunk covariance
  (Lee et al. 2018; Podolskiy et al. 2021 for intents);
- ``energy+knn``: the two together, each standardised on the company's own held-out examples and averaged
  (a logit score sees what the head learned, the distance what the examples cover).

Every rule also declines when the head's own ``out_of_scope`` class (trained on the built-in off-topic bank)
wins. Nobody types a threshold: ``threshold_at`` / ``choose_threshold`` take it from scores of in-scope rows the
model never trained on, so that at most a target share of them would be declined.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

METHODS = ("msp", "max_logit", "energy", "knn", "mahalanobis", "energy+knn")
# The company picks one of these instead of a number: the share of its own (held-out) questions the bot may
# decline, the price of declining more of the questions that are not its business.
PRESETS = {"answers more": 0.02, "balanced": 0.04, "declines more": 0.08}
# By default the bot picks its own preset: the one that answers most among those whose estimated decline rate on the
# unseen built-in topics reaches AUTO_DECLINE_TARGET (else the strictest). The estimate errs towards the company:
# unseen built-in topics are easier to decline than questions from a source missing from the bank (README).
DEFAULT_PRESET = "auto"
AUTO_DECLINE_TARGET = 0.95
DECLINED_TOP = 0.6  # a declined row's out_of_scope probability: above any other class after the gate
GATE_K = 10  # Northwind's gate: mean cosine to the 10 nearest in-scope training sentences (kNN-10) ...
GATE_SHARE = 0.005  # ... cut where it declines 0.5% of the in-scope validation questions (fit_floor.py);
# between that cut and a lower one (where GATE_LOW_SHARE of them fall) the head's evidence counts: a message there
# passes when the head is at least as sure of one in-scope intent as the policy's floor (``distance_declines``)
GATE_LOW_SHARE = 0.001
INTENT_PRIOR = 20.0  # intent_offsets: an intent's own level counts as much as the global one at this many rows


# --- scores on plain arrays (higher = more in scope) ---------------------------------------------------------


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def nearest_similarity(vectors: np.ndarray, memory: np.ndarray, k: int = 1, chunk: int = 2048) -> np.ndarray:
    """Mean cosine of each unit vector to its ``k`` nearest rows of ``memory`` (unit vectors): (n,)."""
    out = np.empty(len(vectors), np.float32)
    k = max(1, min(k, len(memory)))
    for start in range(0, len(vectors), chunk):
        sims = vectors[start : start + chunk] @ memory.T
        top = np.partition(-sims, k - 1, axis=1)[:, :k]
        out[start : start + chunk] = -top.mean(axis=1)
    return out


def max_logit(logits: np.ndarray, in_scope: np.ndarray) -> np.ndarray:
    """The largest logit among the in-scope labels (boolean mask over the label axis)."""
    return logits[:, in_scope].max(axis=1)


def neg_energy(logits: np.ndarray, in_scope: np.ndarray) -> np.ndarray:
    """log-sum-exp of the in-scope logits (minus the energy): low when no in-scope label fits."""
    z = logits[:, in_scope]
    m = z.max(axis=1)
    return m + np.log(np.exp(z - m[:, None]).sum(axis=1))


class MahalanobisScorer:
    """Class means and one shared covariance of in-scope training vectors; ``score`` = minus the smallest squared
    distance to a class mean. ``shrinkage`` pulls the covariance towards its mean variance (384 dimensions from a
    few hundred rows: the plain covariance is singular)."""

    def __init__(self, vectors: np.ndarray, targets: np.ndarray, shrinkage: float = 0.1) -> None:
        classes = np.unique(targets)
        self.means = np.stack([vectors[targets == c].mean(axis=0) for c in classes]).astype(np.float64)
        centred = vectors - self.means[np.searchsorted(classes, targets)]
        cov = centred.T @ centred / max(1, len(vectors) - len(classes))
        cov = (1 - shrinkage) * cov + shrinkage * np.trace(cov) / len(cov) * np.eye(len(cov))
        self.precision = np.linalg.inv(cov)

    def score(self, vectors: np.ndarray) -> np.ndarray:
        x = vectors.astype(np.float64)
        xp = x @ self.precision
        mp = self.means @ self.precision
        d = (xp * x).sum(1)[:, None] - 2 * xp @ self.means.T + (mp * self.means).sum(1)[None, :]
        return (-d.min(axis=1)).astype(np.float32)


# --- a company bot: its head and its own examples ------------------------------------------------------------


@dataclass
class Space:
    """What the scores need of a fitted bot: its linear head and its own examples' vectors."""

    weight: np.ndarray  # (labels, d), the out_of_scope row included
    bias: np.ndarray  # (labels,)
    oos_index: int  # the out_of_scope row of the head
    memory: np.ndarray  # (n, d) unit vectors of the company's own examples
    targets: np.ndarray  # (n,) their label indices
    k: int = 3
    mahalanobis: MahalanobisScorer | None = None  # fit_mahalanobis
    # energy+knn: (mean, std) of each part on the company's held-out examples (fit_standardisation)
    standardisation: dict[str, tuple[float, float]] = field(default_factory=dict)

    def logits(self, X: np.ndarray) -> np.ndarray:
        return X @ self.weight.T + self.bias

    @property
    def in_scope(self) -> np.ndarray:
        mask = np.ones(len(self.bias), bool)
        mask[self.oos_index] = False
        return mask

    def score(self, method: str, X: np.ndarray) -> np.ndarray:
        """The ``method`` score of each row of ``X`` (higher = more in scope)."""
        if method == "msp":
            return softmax(self.logits(X))[:, self.in_scope].max(axis=1)
        if method == "max_logit":
            return max_logit(self.logits(X), self.in_scope)
        if method == "energy":
            return neg_energy(self.logits(X), self.in_scope)
        if method == "knn":
            return nearest_similarity(X, self.memory, self.k).astype(np.float64)
        if method == "mahalanobis":
            if self.mahalanobis is None:
                raise ValueError("mahalanobis needs fit_mahalanobis first")
            return self.mahalanobis.score(X).astype(np.float64)
        if method == "energy+knn":
            if not self.standardisation:
                raise ValueError("energy+knn needs fit_standardisation first")
            parts = [(self.score(m, X) - mu) / sd for m, (mu, sd) in self.standardisation.items()]
            return np.mean(parts, axis=0)
        raise ValueError(f"unknown out-of-scope method {method!r}; one of {METHODS}")


def fit_mahalanobis(space: Space) -> Space:
    space.mahalanobis = MahalanobisScorer(space.memory, space.targets)
    return space


def fit_standardisation(space: Space, X_held_out: np.ndarray, parts=("energy", "knn")) -> Space:
    """Put each part of the combined score on one scale: its mean and spread on the company's own held-out
    examples (no off-topic row takes part)."""
    space.standardisation = {}
    for m in parts:
        s = space.score(m, X_held_out)
        space.standardisation[m] = (float(s.mean()), float(max(s.std(), 1e-6)))
    return space


def scores(space: Space, X: np.ndarray, methods=METHODS) -> dict[str, np.ndarray]:
    return {m: space.score(m, X) for m in methods}


def head_declines(space: Space, X: np.ndarray) -> np.ndarray:
    """Rows whose top class is the head's own out_of_scope class."""
    return space.logits(X).argmax(axis=1) == space.oos_index


def declines(space: Space, X: np.ndarray, method: str, threshold: float) -> np.ndarray:
    """A company bot's gate: decline when the head's out_of_scope class wins or the score is below the threshold."""
    return head_declines(space, X) | (space.score(method, X) < threshold)


# --- thresholds and the gate ---------------------------------------------------------------------------------


def threshold_at(in_scope_scores: np.ndarray, share: float) -> float:
    """The cut below which ``share`` of these in-scope rows fall (what the gate may cost in false declines)."""
    return float(np.quantile(in_scope_scores, share)) if share > 0 else float("-inf")


def gate_cuts(in_scope_similarity: np.ndarray, low_share: float | None = GATE_LOW_SHARE) -> tuple[float, float | None]:
    """Northwind's distance gate fitted on in-scope validation similarities (``nearest_similarity``): its cut, where
    ``GATE_SHARE`` of them fall, and its lower cut, where ``low_share`` do (None: no lower cut)."""
    low = None if low_share is None else threshold_at(in_scope_similarity, low_share)
    return threshold_at(in_scope_similarity, GATE_SHARE), low


def choose_threshold(in_scores: np.ndarray, max_false_decline: float, already_declined=None) -> float:
    """The highest threshold that declines at most ``max_false_decline`` of these in-scope rows (scores of the
    company's own examples the model never trained on), counting the rows the head declines anyway
    (``already_declined``) against the same budget. Declines are ``score < threshold``."""
    s = np.sort(np.asarray(in_scores, np.float64))
    if len(s) == 0:
        raise ValueError("no in-scope scores to choose a threshold from")
    if already_declined is not None:  # those rows are declined whatever the threshold: only the others count
        s = np.sort(np.asarray(in_scores, np.float64)[~np.asarray(already_declined, bool)])
        spent = len(in_scores) - len(s)
    else:
        spent = 0
    budget = int(np.floor(max_false_decline * len(in_scores) + 1e-9)) - spent
    if len(s) == 0 or budget <= 0:
        return float(np.min(in_scores))  # decline nothing more: the lowest in-scope score still passes
    if budget >= len(s):
        return float(s[-1]) + 1e-6
    # between the budget-th and the next lowest score: those below are declined
    return float((s[budget - 1] + s[budget]) / 2)


def distance_declines(
    similarity: np.ndarray,
    probs: np.ndarray,
    oos_index: int,
    cut,
    low,
    confident: float,
    offsets: np.ndarray | None = None,
    handoff: tuple[int, float] | None = None,
) -> np.ndarray:
    """Northwind's distance gate: decline what sits below ``cut`` (``nearest_similarity``), unless it is still above
    ``low`` and the head gives one in-scope intent at least ``confident`` (its out_of_scope class excluded). ``low``
    None: the plain cut (cuts: numbers, or one per row). ``offsets`` (``intent_offsets``, one per label): each row's
    cuts moved by its top in-scope intent's offset. A colloquial message phrased unlike any training row ("the
    takeaway took the money off my card twice") sits just below the cut; an off-topic one there rarely has a
    confident in-scope intent. ``handoff`` (label index, probability): a row whose top in-scope intent is that label
    with at least that probability is never declined by distance (a hand-over to staff is a safe answer)."""
    if offsets is not None:
        shift = offsets[top_in_scope(probs, oos_index)]
        cut, low = cut + shift, (None if low is None else low + shift)
    far = similarity < cut
    if low is not None:
        in_scope = np.delete(probs, oos_index, axis=1).max(axis=1)
        far &= (similarity < low) | (in_scope < confident)
    if handoff is not None:
        index, least = handoff
        far &= ~((top_in_scope(probs, oos_index) == index) & (probs[:, index] >= least))
    return far


def top_in_scope(probs: np.ndarray, oos_index: int) -> np.ndarray:
    """Each row's most likely in-scope label (its index among all labels; the out_of_scope class never wins)."""
    p = np.array(probs, np.float64, copy=True)
    p[:, oos_index] = -1.0
    return p.argmax(axis=1)


def intent_offsets(similarity: np.ndarray, top: np.ndarray, n_labels: int, prior: float = INTENT_PRIOR) -> np.ndarray:
    """A per-intent distance cut as one offset per label: how far the median similarity of the in-scope rows the head
    gives to an intent sits from the median of all of them, shrunk towards 0 by ``prior`` rows (an intent with few
    rows keeps nearly the global cut). Fitted on in-scope rows the head never trained on; a label with no row: 0.
    The cut of a row is then the global cut (chosen on ``similarity - offsets[top]``) plus its top intent's offset:
    where an intent's own questions sit far from the memory (broad topics, few training rows) its cut is lower."""
    offsets = np.zeros(n_labels, np.float64)
    centre = float(np.median(similarity))
    for label in np.unique(top):
        rows = similarity[top == label]
        offsets[label] = len(rows) / (len(rows) + prior) * (float(np.median(rows)) - centre)
    return offsets


def gate(probs: np.ndarray, declined: np.ndarray, oos_index: int, top: float = DECLINED_TOP) -> np.ndarray:
    """Probabilities with the declined rows' out_of_scope class put on top with probability at least ``top``; the
    other classes keep their order (so the top-3 topics still show what the message looked like), or vanish when
    ``top`` is 1 (Northwind's gate: a certain out_of_scope)."""
    out = np.array(probs, np.float64, copy=True)
    rows = np.flatnonzero(declined)
    out[rows] *= 1.0 - top
    out[rows, oos_index] += top
    return out


def auto_preset(presets: dict[str, dict]) -> str:
    """The preset a company gets unless it picks one: the first (answering most) whose measured decline rate on the
    unseen built-in topics reaches AUTO_DECLINE_TARGET, else the last (declining most)."""
    for name in PRESETS:
        if name in presets and presets[name]["decline_rate"] >= AUTO_DECLINE_TARGET:
            return name
    return [name for name in PRESETS if name in presets][-1]


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """95% confidence interval of a proportion (Wilson score), sensible for small n."""
    if n == 0:
        return (0.0, 1.0)
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (round(float(max(0.0, centre - half)), 4), round(float(min(1.0, centre + half)), 4))

"""How far a message sits from the bot's own training questions: out-of-scope scores beside the softmax floor.

The floor (``conversation.policy``) and the ``out_of_scope`` class only know the off-topic questions they were shown;
a question from a topic no training row covers can still land near a banking intent with a confident softmax.
Scores from the literature that look at the in-scope data instead (higher = more in-scope):

- ``nearest_similarity``: cosine to the k nearest in-scope training sentences (kNN distance; Sun et al. 2022,
  "Out-of-distribution detection with deep nearest neighbors");
- ``MahalanobisScorer``: minus the smallest Mahalanobis distance to an in-scope intent's mean, with one shared,
  shrunk covariance (Lee et al. 2018; Podolskiy et al. 2021 for intents);
- ``max_logit`` and ``neg_energy``: the largest in-scope logit, and log-sum-exp of the in-scope logits (Hendrycks
  et al. 2022; Liu et al. 2020).

``threshold_at`` turns a score into a cut from in-scope rows only (the share of them it may decline), so no off-topic
source takes part in the choice; ``gate`` sends everything below the cut to ``out_of_scope``. ``northwind_oos.py``
compares them leave-one-source-out.
"""

from __future__ import annotations

import numpy as np

GATE_K = 10  # the shipped gate: mean cosine to the 10 nearest in-scope training sentences (kNN-10) ...
GATE_SHARE = 0.005  # ... cut where it declines 0.5% of the in-scope validation questions (fit_floor.py)


def nearest_similarity(vectors: np.ndarray, bank: np.ndarray, k: int = 1, chunk: int = 2048) -> np.ndarray:
    """Mean cosine of each unit vector to its ``k`` nearest rows of ``bank`` (unit vectors): (n,)."""
    out = np.empty(len(vectors), np.float32)
    k = max(1, min(k, len(bank)))
    for start in range(0, len(vectors), chunk):
        sims = vectors[start : start + chunk] @ bank.T
        top = np.partition(-sims, k - 1, axis=1)[:, :k]
        out[start : start + chunk] = -top.mean(axis=1)
    return out


class MahalanobisScorer:
    """Class means and one shared covariance of the in-scope training vectors; ``score`` = minus the smallest
    squared distance to a class mean. ``shrinkage`` pulls the covariance towards its mean variance (384
    dimensions, some intents with ~30 rows)."""

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


def max_logit(logits: np.ndarray, in_scope: np.ndarray) -> np.ndarray:
    """The largest logit among the in-scope labels (boolean mask over the label axis)."""
    return logits[:, in_scope].max(axis=1)


def neg_energy(logits: np.ndarray, in_scope: np.ndarray) -> np.ndarray:
    """log-sum-exp of the in-scope logits (minus the energy): low when no in-scope label fits."""
    z = logits[:, in_scope]
    m = z.max(axis=1)
    return m + np.log(np.exp(z - m[:, None]).sum(axis=1))


def threshold_at(in_scope_scores: np.ndarray, share: float) -> float:
    """The cut below which ``share`` of these in-scope rows fall (what the gate may cost in false declines)."""
    return float(np.quantile(in_scope_scores, share)) if share > 0 else float("-inf")


def gate(probs: np.ndarray, scores: np.ndarray, threshold: float | np.ndarray, oos_index: int) -> np.ndarray:
    """Rows scoring below ``threshold`` (one cut, or one per row) become certain ``out_of_scope`` (the policy then
    declines them)."""
    out = probs.copy()
    low = scores < threshold
    out[low] = 0.0
    out[low, oos_index] = 1.0
    return out


def in_scope_memory(head) -> np.ndarray:
    """The neighbour memory's vectors of every label but ``out_of_scope`` (a ``bankbot.models.model.Head``)."""
    oos = head.labels.index("out_of_scope")
    return head.memory.vectors[head.memory.targets != oos]

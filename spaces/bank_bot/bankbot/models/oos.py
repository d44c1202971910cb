"""Out-of-scope scores: how much a message looks like one of the bot's own intents (higher = more in scope),
the threshold below which the bot declines, and the gate that applies it. Gradio-free, numpy only (the
Mahalanobis fit uses scikit-learn, training scripts only).

A softmax floor only asks "which of my intents is it most like?"; a question unlike all of them can still get
a confident answer. The scores here come from the literature on out-of-distribution detection:

- ``msp``: the highest intent probability (the softmax floor; Hendrycks & Gimpel 2017);
- ``max_logit`` / ``energy``: the highest intent logit, log-sum-exp of the intent logits (Liu et al. 2020);
- ``knn``: mean cosine similarity to the k nearest of the company's own examples in the fine-tuned space
  (Sun et al. 2022; the kNN baselines of Zhang et al. 2021 for few-shot intents);
- ``mahalanobis``: minus the distance to the nearest intent centre under a shared, shrunk covariance
  (Lee et al. 2018; Podolskiy et al. 2021 for intents).

Every rule also declines when the head's own ``out_of_scope`` class (trained on the built-in off-topic bank)
wins. The threshold is never typed by a person: ``choose_threshold`` takes it from scores of the company's
own examples that the model never trained on, so that at most a target share of them would be declined.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

METHODS = ("msp", "max_logit", "energy", "knn", "mahalanobis")
# The company picks one of these instead of a number: the share of its own (held-out) questions the bot may
# decline, the price of declining more of the questions that are not its business.
PRESETS = {"answers more": 0.02, "balanced": 0.04, "declines more": 0.08}
DEFAULT_PRESET = "answers more"  # measured: the stricter presets cost correct answers (README)
DECLINED_TOP = 0.6  # a declined row's out_of_scope probability: above any other class after the gate


@dataclass
class Space:
    """What the scores need of a fitted bot: its linear head and its own examples' vectors."""

    weight: np.ndarray  # (labels, d), the out_of_scope row included
    bias: np.ndarray  # (labels,)
    oos_index: int  # the out_of_scope row of the head
    memory: np.ndarray  # (n, d) unit vectors of the company's own examples
    targets: np.ndarray  # (n,) their label indices
    k: int = 3
    means: np.ndarray | None = None  # (intents, d) for mahalanobis
    precision: np.ndarray | None = None  # (d, d)
    intents: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # label index of each mean

    def logits(self, X: np.ndarray) -> np.ndarray:
        return X @ self.weight.T + self.bias


def _intent_logits(space: Space, X: np.ndarray) -> np.ndarray:
    return np.delete(space.logits(X), space.oos_index, axis=1)


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def msp(space: Space, X: np.ndarray) -> np.ndarray:
    p = softmax(space.logits(X))
    return np.delete(p, space.oos_index, axis=1).max(axis=1)


def max_logit(space: Space, X: np.ndarray) -> np.ndarray:
    return _intent_logits(space, X).max(axis=1)


def energy(space: Space, X: np.ndarray) -> np.ndarray:
    z = _intent_logits(space, X)
    top = z.max(axis=1)
    return top + np.log(np.exp(z - top[:, None]).sum(axis=1))


def knn(space: Space, X: np.ndarray) -> np.ndarray:
    sims = X @ space.memory.T
    k = max(1, min(space.k, sims.shape[1]))
    return -np.partition(-sims, k - 1, axis=1)[:, :k].mean(axis=1)


def mahalanobis(space: Space, X: np.ndarray) -> np.ndarray:
    if space.means is None or space.precision is None:
        raise ValueError("mahalanobis needs fit_mahalanobis first")
    diff = X[:, None, :] - space.means[None, :, :]  # (n, intents, d)
    d2 = np.einsum("nid,de,nie->ni", diff, space.precision, diff)
    return -d2.min(axis=1)


SCORERS = {"msp": msp, "max_logit": max_logit, "energy": energy, "knn": knn, "mahalanobis": mahalanobis}


def fit_mahalanobis(space: Space) -> Space:
    """Class means and a shared Ledoit-Wolf-shrunk precision from the company's own examples (few rows per
    intent: the plain covariance of 384 dimensions from a few hundred rows is singular)."""
    from sklearn.covariance import LedoitWolf

    labels = np.unique(space.targets)
    means = np.stack([space.memory[space.targets == c].mean(axis=0) for c in labels])
    centred = space.memory - means[np.searchsorted(labels, space.targets)]
    space.means, space.intents = means.astype(np.float32), labels
    space.precision = LedoitWolf().fit(centred).precision_.astype(np.float32)
    return space


def scores(space: Space, X: np.ndarray, methods=METHODS) -> dict[str, np.ndarray]:
    return {m: SCORERS[m](space, X) for m in methods}


def head_declines(space: Space, X: np.ndarray) -> np.ndarray:
    """Rows whose top class is the head's own out_of_scope class."""
    return space.logits(X).argmax(axis=1) == space.oos_index


def choose_threshold(in_scores: np.ndarray, max_false_decline: float, already_declined=None) -> float:
    """The highest threshold that declines at most ``max_false_decline`` of these in-scope rows (scores of the
    company's own examples the model never trained on), counting the rows the head declines anyway
    (``already_declined``) against the same budget. Declines are ``score < threshold``."""
    s = np.sort(np.asarray(in_scores, np.float64))
    if len(s) == 0:
        raise ValueError("no in-scope scores to choose a threshold from")
    spent = 0 if already_declined is None else int(np.asarray(already_declined).sum())
    budget = int(np.floor(max_false_decline * len(s) + 1e-9)) - spent
    if budget <= 0:
        return float(s[0])  # decline nothing more: the lowest in-scope score still passes
    if budget >= len(s):
        return float(s[-1]) + 1e-6
    # between the budget-th and the next lowest score: those below are declined
    return float((s[budget - 1] + s[budget]) / 2)


def declines(space: Space, X: np.ndarray, method: str, threshold: float) -> np.ndarray:
    """The gate: decline when the head's out_of_scope class wins or the score is below the threshold."""
    return head_declines(space, X) | (SCORERS[method](space, X) < threshold)


def gate(probs: np.ndarray, declined: np.ndarray, oos_index: int) -> np.ndarray:
    """Probabilities with the declined rows' out_of_scope class put on top (the others keep their order, so the
    top-3 topics still show what the message looked like)."""
    out = np.array(probs, np.float64, copy=True)
    rows = np.flatnonzero(declined)
    out[rows] *= 1.0 - DECLINED_TOP
    out[rows, oos_index] += DECLINED_TOP
    return out


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """95% confidence interval of a proportion (Wilson score), sensible for small n."""
    if n == 0:
        return (0.0, 1.0)
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (round(float(max(0.0, centre - half)), 4), round(float(min(1.0, centre + half)), 4))

"""Scoring labelled messages through the app's policy: the numbers evaluate.py, train_multilingual.py and the
model card report. A message counts as answered when the bot commits to an intent's answer (answer, small talk
or handoff); a decline, a clarifying question or a request to rephrase commits to nothing."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..models.data import OUT_OF_SCOPE
from .policy import Action, Decision, Thresholds, decide

ANSWERING = (Action.ANSWER, Action.SMALL_TALK, Action.HANDOFF)


def _share(flags) -> float | None:
    flags = list(flags)
    return round(sum(flags) / len(flags), 4) if flags else None


def decision_metrics(gold: Sequence[str], decisions: Sequence[Decision]) -> dict:
    """accuracy: in-scope rows answered with the right intent; intent_accuracy: in-scope rows whose top intent is
    right (also when the bot then asked to clarify or to rephrase); decline_rate: out_of_scope rows declined;
    false_decline_rate: in-scope rows declined; confident_wrong_rate: rows (of all) answered with a wrong
    intent, off-topic rows answered with a banking answer included."""
    pairs = list(zip(gold, decisions, strict=True))
    inside = [(g, d) for g, d in pairs if g != OUT_OF_SCOPE]
    outside = [d for g, d in pairs if g == OUT_OF_SCOPE]
    return {
        "n": len(pairs),
        "n_in_scope": len(inside),
        "n_out_of_scope": len(outside),
        "accuracy": _share(d.intent == g and d.action in ANSWERING for g, d in inside),
        "intent_accuracy": _share(d.intent == g for g, d in inside),
        "decline_rate": _share(d.action == Action.DECLINE for d in outside),
        "false_decline_rate": _share(d.action == Action.DECLINE for _, d in inside),
        "confident_wrong_rate": _share(d.action in ANSWERING and d.intent != g for g, d in pairs),
    }


def by_language(languages: Sequence[str], gold: Sequence[str], decisions: Sequence[Decision]) -> dict:
    """decision_metrics per language ("" = rows without a language)."""
    out = {}
    for lang in sorted(set(languages)):
        rows = [i for i, x in enumerate(languages) if x == lang]
        out[lang or "unknown"] = decision_metrics([gold[i] for i in rows], [decisions[i] for i in rows])
    return out


def example_report(examples, probs: np.ndarray, labels: list[str], table, th: Thresholds | None = None) -> dict:
    """Per-language metrics of hand-written examples from class probabilities (one row each)."""
    decisions = [decide(p, labels, table, th=th or Thresholds()) for p in probs]
    return by_language([e.language for e in examples], [e.intent for e in examples], decisions)


def kit_report(
    split, rows: Sequence[int], probs: np.ndarray, labels: list[str], table, th: Thresholds | None = None
) -> dict:
    """The English kit validation rows: Banking77 accuracy, CLINC150 banking accuracy, off-topic declines."""
    decisions = [decide(p, labels, table, th=th or Thresholds()) for p in probs]
    src = [split.sources[i] for i in rows]
    gold = [split.labels[i] for i in rows]
    right = [d.intent == g for d, g in zip(decisions, gold, strict=True)]
    declined = [d.action == Action.DECLINE for d in decisions]
    off = [s in ("clinc_other", "oos") and g == OUT_OF_SCOPE for s, g in zip(src, gold, strict=True)]
    return {
        "banking77_accuracy": _share(r for r, s in zip(right, src, strict=True) if s == "banking77"),
        "banking_accuracy": _share(r for r, s in zip(right, src, strict=True) if s == "clinc_bank"),
        "decline_rate": _share(x for x, o in zip(declined, off, strict=True) if o),
        "false_decline_rate": _share(x for x, s in zip(declined, src, strict=True) if s in ("banking77", "clinc_bank")),
        "n_banking77": src.count("banking77"),
        "n_off_topic": sum(off),
    }

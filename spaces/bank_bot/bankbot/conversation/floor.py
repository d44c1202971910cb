"""Fitting the confidence floor: below it the bot gives no answer from the table (fit_floor.py, train.py).

The floor is chosen on validation rows the scored head never trained on, through the app's own policy
(``decide``), against two stated limits: at most ``MAX_WRONG`` of the in-scope questions may get a wrong
answer and at most ``MAX_OFF_TOPIC_ANSWERED`` of the off-topic ones any answer. Among the floors that keep
both, the one that answers the most in-scope questions correctly wins (ties: the lower floor). Higher floors
trade right answers for fewer wrong ones (see the table fit_floor.py prints).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from ..models.data import OUT_OF_SCOPE, Source, Split
from .policy import Action, AnswerTable, Thresholds, decide

MAX_WRONG = 0.04  # at most 1 in 25 in-scope questions answered with a wrong topic ...
MAX_OFF_TOPIC_ANSWERED = 0.005  # ... and at most 1 in 200 off-topic questions answered at all
FLOORS = tuple(round(0.30 + 0.05 * i, 2) for i in range(13))  # 0.30 ... 0.90


@dataclass(frozen=True)
class FloorRow:
    floor: float
    in_scope_right: float  # in-scope rows (Banking77 + CLINC150 banking/credit cards) answered with the right intent
    in_scope_wrong: float  # ... answered with a wrong intent
    in_scope_clarify: float  # ... asked "did you mean A or B?"
    in_scope_declined: float  # ... given no answer at all (declined, rephrase, clarify)
    off_topic_answered: float  # off-topic rows (CLINC150 other domains + oos) answered from the table
    off_topic_declined: float  # ... declined, asked to rephrase or to choose

    @property
    def within_limits(self) -> bool:
        return self.in_scope_wrong <= MAX_WRONG and self.off_topic_answered <= MAX_OFF_TOPIC_ANSWERED


def score_floor(probs: np.ndarray, split: Split, labels: list[str], table: AnswerTable, floor: float) -> FloorRow:
    decisions = [decide(p, labels, table, th=Thresholds(floor=floor)) for p in probs]
    src, gold = np.array(split.sources), np.array(split.labels)
    action = np.array([d.action.value for d in decisions])
    intent = np.array([d.intent or "" for d in decisions])
    declined = np.array([not d.action.answers for d in decisions])
    inside = np.isin(src, [Source.BANKING77, Source.CLINC_BANK])
    off = np.isin(src, Source.OFF_TOPIC) & (gold == OUT_OF_SCOPE)
    answered = action == Action.ANSWER.value
    right, wrong = answered & (intent == gold), answered & (intent != gold)
    return FloorRow(
        floor=floor,
        in_scope_right=float(right[inside].mean()),
        in_scope_wrong=float(wrong[inside].mean()),
        in_scope_clarify=float((action == Action.CLARIFY.value)[inside].mean()),
        in_scope_declined=float(declined[inside].mean()),
        off_topic_answered=float(answered[off].mean()),
        off_topic_declined=float(declined[off].mean()),
    )


def fit_floor(
    probs: np.ndarray, split: Split, labels: list[str], table: AnswerTable, floors: tuple[float, ...] = FLOORS
) -> tuple[float, list[FloorRow]]:
    """The chosen floor and the whole table (the highest floor when none keeps the limits)."""
    rows = [score_floor(probs, split, labels, table, f) for f in floors]
    ok = [r for r in rows if r.within_limits] or rows[-1:]
    best = max(ok, key=lambda r: (round(r.in_scope_right, 6), -r.floor))
    return best.floor, rows


def markdown_table(rows: list[FloorRow], chosen: float) -> str:
    lines = [
        "| floor | in-scope right | in-scope wrong | in-scope clarify | in-scope not answered | off-topic answered "
        "| off-topic declined | within limits |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        mark = " **(chosen)**" if r.floor == chosen else ""
        lines.append(
            f"| {r.floor:.2f}{mark} | {100 * r.in_scope_right:.2f}% | {100 * r.in_scope_wrong:.2f}% | "
            f"{100 * r.in_scope_clarify:.2f}% | {100 * r.in_scope_declined:.2f}% | {100 * r.off_topic_answered:.2f}% | "
            f"{100 * r.off_topic_declined:.2f}% | {'yes' if r.within_limits else 'no'} |"
        )
    return "\n".join(lines)


def as_dicts(rows: list[FloorRow]) -> list[dict]:
    return [asdict(r) for r in rows]

"""What the bot says: a reviewed answer table plus a small, explicit decision policy."""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field, replace
from enum import Enum
from pathlib import Path

import numpy as np

from .. import SPACE_DIR
from ..languages.language import ANSWERED, ENGLISH
from ..languages.translations import table_data
from ..model_spec import CONFIDENCE_FLOOR, LEAD_MIN, LEAD_RATIO
from ..models.data import HUMAN, OUT_OF_SCOPE, SMALL_TALK
from .safety import Harm

ANSWERS_FILE = SPACE_DIR / "answers.json"


class Action(str, Enum):
    """What the bot does with one message. The value is the name the API shows (``predict_intent``)."""

    ANSWER = "answer"  # an answer from the table
    SMALL_TALK = "small_talk"  # a greeting, thanks, goodbye ...
    DECLINE = "decline"  # not a banking question
    CLARIFY = "clarify"  # "did you mean A or B?"
    LOW_CONFIDENCE = "low_confidence"  # "could you rephrase?"
    HANDOFF = "handoff"  # passed to a person
    EMPTY = "empty"  # nothing typed
    NO_WORDS = "no_words"  # only emoji or symbols
    OTHER_LANGUAGE = "other_language"  # a language the bot does not answer in (see bankbot.languages.language)

    @property
    def summary(self) -> str:
        """How the panel beside the chat describes the action."""
        return _SUMMARIES[self]

    @property
    def answers(self) -> bool:
        """Did the bot act on the message itself (an answer, small talk, or the person asked for)?
        Everything else declines: not banking, unsure, asked to choose, or could not read it."""
        return self in (Action.ANSWER, Action.SMALL_TALK, Action.HANDOFF)


_SUMMARIES = {
    Action.ANSWER: "answered from the table",
    Action.SMALL_TALK: "small talk",
    Action.DECLINE: "declined (not a banking question)",
    Action.CLARIFY: "asked which topic you meant",
    Action.LOW_CONFIDENCE: "asked you to rephrase",
    Action.HANDOFF: "handed over to a person",
    Action.EMPTY: "empty message",
    Action.NO_WORDS: "no words found",
    Action.OTHER_LANGUAGE: "language not supported",
}


@dataclass(frozen=True)
class Thresholds:
    """``floor`` is fitted on validation data by fit_floor.py (MODEL_CARD.md); the clarify rule was set by hand."""

    floor: float = CONFIDENCE_FLOOR  # no answer from the table below this top-1 probability
    clarify_min: float = 0.30  # below the floor, offer the top two topics when the first is at least this ...
    clarify_margin: float = 0.20  # ... the two are this close, and together they reach the floor
    # the clear-lead rule (margin_trial.py): below the floor, answer the top in-scope intent when it has at least
    # ``lead_min`` and at least ``lead_ratio`` times the second in-scope intent; None (either): off
    lead_min: float | None = LEAD_MIN
    lead_ratio: float | None = LEAD_RATIO

    def without_lead(self) -> Thresholds:
        """The same thresholds with the clear-lead rule off (a path it was not measured on)."""
        return replace(self, lead_min=None, lead_ratio=None)


@dataclass
class Decision:
    action: Action
    intent: str | None = None
    confidence: float = 0.0
    top3: list[tuple[str, float]] = field(default_factory=list)
    reply: str = ""
    options: list[str] = field(default_factory=list)  # the two topics offered by a clarifying question
    harm: Harm | None = None  # set when the message was refused as harmful or fraud-seeking


class AnswerTable:
    """The bank-editable answer table (answers.json): topics, answers, policy sentences; in English, or in another
    language when it was read with its translation (``answers.<language>.json``, bankbot.languages.translations)."""

    def __init__(self, data: dict, source: Path | None = None) -> None:
        self.source = source  # the English answers.json it was read from (None: built in memory)
        self.language = data.get("language") or ENGLISH
        self.bank_name = data.get("bank_name", "")
        self.policy = data["policy"]
        self.intents: dict[str, dict] = data["intents"]
        self._by_topic = {v["topic"].casefold(): k for k, v in self.intents.items()}
        a, b = "\x00A\x00", "\x00B\x00"
        pattern = re.escape(self.policy["clarify"].format(a=a, b=b))
        pattern = pattern.replace(re.escape(a), "(?P<a>.+?)").replace(re.escape(b), "(?P<b>.+?)")
        self._clarify_re = re.compile(pattern, re.DOTALL)

    @classmethod
    def load(cls, path: Path = ANSWERS_FILE) -> AnswerTable:
        return cls(json.loads(Path(path).read_text(encoding="utf-8")), Path(path))

    def translated(self, language: str) -> AnswerTable:
        """This table in ``language`` (its translation file beside it), or this table when there is none."""
        if language == self.language or self.source is None or language not in ANSWERED:
            return self
        return _translated(self.source, language)

    def all_languages(self) -> list[AnswerTable]:
        """This table first, then its translations (to read back an earlier bot message in any of them)."""
        return [self] + [t for t in (self.translated(lang) for lang in ANSWERED) if t is not self]

    def check(self, labels: list[str]) -> None:
        """Every label the model can predict needs at least one answer."""
        missing = [lab for lab in labels if not self.intents.get(lab, {}).get("answers")]
        if missing:
            raise ValueError(f"answers.json has no answer for: {', '.join(missing)}")

    def topic(self, intent: str) -> str:
        return self.intents.get(intent, {}).get("topic", intent.replace("_", " ").strip("?").capitalize())

    def answer(self, intent: str, turn: int = 0) -> str:
        answers = self.intents[intent]["answers"]
        return answers[turn % len(answers)]

    def is_handoff(self, intent: str) -> bool:
        return bool(self.intents.get(intent, {}).get("handoff"))

    def intent_for_topic(self, text: str) -> str | None:
        return self._by_topic.get(text.strip().strip(".!?").casefold())

    def text(self, key: str, **kwargs) -> str:
        return self.policy[key].format(**kwargs)

    def clarify_options(self, bot_text: str) -> list[str] | None:
        """The two intents a clarifying question offered, read back from the bot's message."""
        m = self._clarify_re.search(bot_text or "")
        if not m:
            return None
        found = [self.intent_for_topic(m.group("a")), self.intent_for_topic(m.group("b"))]
        return found if all(found) else None

    def was_low_confidence(self, bot_text: str) -> bool:
        """Did this earlier bot message ask to rephrase or to choose (a low-confidence turn)?"""
        if not bot_text:
            return False
        return self.policy["low_confidence"] in bot_text or self.clarify_options(bot_text) is not None


@functools.cache
def answer_table() -> AnswerTable:
    """The shipped answer table, read once per process."""
    return AnswerTable.load()


@functools.cache
def _translated(source: Path, language: str) -> AnswerTable:
    return AnswerTable(table_data(language, source), source)


def decide(
    probs: np.ndarray,
    labels: list[str],
    table: AnswerTable,
    previous_low_confidence: bool = False,
    turn: int = 0,
    th: Thresholds = Thresholds(),
) -> Decision:
    """Turn the class probabilities of one message into an action and a reply from the table.

    Only a topic the model is at least ``th.floor`` sure of gets its answer, or, with the clear-lead rule on, one
    far ahead of the second in-scope topic (``clear_lead``); otherwise the bot offers the two closest topics (when
    they are close and together reach the floor) or asks to rephrase, and a second unclear message in a row goes to
    a person. The distance gate and the harm cues act before this (an out_of_scope top declines).
    """
    order = np.argsort(-probs)
    top3 = [(labels[i], float(probs[i])) for i in order[:3]]
    (first, p1), (second, p2) = top3[0], top3[1] if len(top3) > 1 else ("", 0.0)
    d = Decision(action=Action.ANSWER, intent=first, confidence=p1, top3=top3)
    not_topics = (OUT_OF_SCOPE, HUMAN, *SMALL_TALK)

    if first == HUMAN:
        d.action, d.reply = Action.HANDOFF, table.answer(HUMAN, turn)
    elif first == OUT_OF_SCOPE:
        d.action, d.reply = Action.DECLINE, table.answer(OUT_OF_SCOPE, turn)
    elif first in SMALL_TALK:
        d.action, d.reply = Action.SMALL_TALK, table.answer(first, turn)
    elif p1 >= th.floor or clear_lead(probs, labels, order[0], th):
        d.action = Action.HANDOFF if table.is_handoff(first) else Action.ANSWER
        d.reply = table.answer(first, turn)
    elif previous_low_confidence:  # two unclear messages in a row: hand over to a person
        d.action, d.reply = Action.HANDOFF, table.text("handoff_low_confidence")
    elif p1 >= th.clarify_min and p1 - p2 < th.clarify_margin and p1 + p2 >= th.floor and second not in not_topics:
        d.action, d.options = Action.CLARIFY, [first, second]
        d.reply = table.text("clarify", a=table.topic(first), b=table.topic(second))
    else:
        d.action, d.reply = Action.LOW_CONFIDENCE, table.text("low_confidence")
    return d


def clear_lead(probs: np.ndarray, labels: list[str], top: int, th: Thresholds) -> bool:
    """Is the top intent (index ``top``, an in-scope topic) far ahead: at least ``th.lead_min``, at least
    ``th.lead_ratio`` times the second in-scope intent, and above the out_of_scope class? Below the floor, most
    colloquial messages the bot held back had the right intent on top (README "Colloquial levers"), so a wide lead
    may carry an answer where a narrow one should not. Off when either threshold is None."""
    if th.lead_min is None or th.lead_ratio is None or probs[top] < th.lead_min:
        return False
    in_scope = [i for i, label in enumerate(labels) if label != OUT_OF_SCOPE and i != top]
    second = float(probs[in_scope].max()) if in_scope else 0.0
    out_of_scope = float(probs[labels.index(OUT_OF_SCOPE)]) if OUT_OF_SCOPE in labels else 0.0
    return probs[top] >= th.lead_ratio * second and probs[top] > out_of_scope


def ask_between(d: Decision, first: str, second: str, table: AnswerTable) -> Decision:
    """The same decision turned into "did you mean A or B?" (no answer from the table)."""
    reply = table.text("clarify", a=table.topic(first), b=table.topic(second))
    return Decision(Action.CLARIFY, d.intent, d.confidence, d.top3, reply, [first, second])


# The policy sentence of each kind of refusal that has its own; every other kind gets "harmful".
_REFUSAL_KEY = {Harm.PROMPT_TRICK: "prompt_trick", Harm.OTHERS_DATA: "others_data", Harm.DANGEROUS: "dangerous"}


def refuse(harm: Harm, table: AnswerTable) -> Decision:
    """A harmful or fraud-seeking request: declined, with the way to the fraud team (never a how-to). A request for
    another person's data, a prompt trick or a dangerous request (weapons, drugs, breaking in) gets its own sentence
    when the table has one (an older company table may not: then the general one)."""
    key = _REFUSAL_KEY.get(harm, "harmful")
    key = key if key in table.policy else "harmful"
    return Decision(action=Action.DECLINE, reply=table.text(key), harm=harm)


# Ways to pick one of the two topics of a clarifying question, in the five languages the bot answers in.
_FIRSTS = {"1", "one", "first", "the first", "the first one", "first one", "option 1", "a"}
_FIRSTS |= {"un", "le premier", "la première", "premier", "première", "uno", "il primo", "la prima", "primo", "prima"}
_FIRSTS |= {"el primero", "la primera", "primero", "primera", "eins", "der erste", "die erste", "das erste", "erste"}
_SECONDS = {"2", "two", "second", "the second", "the second one", "second one", "option 2", "b"}
_SECONDS |= {"deux", "le deuxième", "la deuxième", "le second", "la seconde", "deuxième", "second", "seconde"}
_SECONDS |= {"due", "il secondo", "la seconda", "secondo", "seconda", "dos", "el segundo", "la segunda", "segundo"}
_SECONDS |= {"segunda", "zwei", "der zweite", "die zweite", "das zweite", "zweite"}


def choose_option(message: str, options: list[str], table: AnswerTable) -> str | None:
    """Read the customer's answer to a clarifying question: '1', 'the second one', 'le premier', or a topic name
    in the table's language)."""
    m = message.strip().strip(".!").casefold()
    if m in _FIRSTS:
        return options[0]
    if m in _SECONDS:
        return options[1]
    intent = table.intent_for_topic(message)
    return intent if intent in options else None

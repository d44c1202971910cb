"""One turn of the conversation, end to end: clean -> classify -> policy -> reply.

Entry points (the app, the evaluation and the benchmark all go through them):
- ``respond(message, history, model, table)``: one turn of a conversation -> ``Reply`` (text + ``Decision``);
- ``classify(message)``: one message on its own, with the shipped model and table -> a plain dict.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

from .policy import Action, AnswerTable, Decision, answer_table, choose_option, decide, refuse
from .safety import harm_cue
from .text import MAX_CHARS, CleanText, clean


@dataclass
class Reply:
    text: str  # markdown shown in the chat; only table text, never the user's words
    decision: Decision
    notices: list[str] = field(default_factory=list)
    cleaned: CleanText | None = None


def _content_text(content) -> str:
    """History content is a str, a {"type": "text", "text": ...} dict, or a list of those."""
    if isinstance(content, str):
        return content
    if isinstance(content, dict):
        return str(content.get("text") or content.get("value") or "")
    if isinstance(content, (list, tuple)):
        return " ".join(_content_text(c) for c in content)
    return ""


def last_bot_message(history) -> str:
    for item in reversed(history or []):
        role = item.get("role") if isinstance(item, dict) else getattr(item, "role", None)
        if role == "assistant":
            content = item.get("content") if isinstance(item, dict) else getattr(item, "content", "")
            return _content_text(content)
    return ""


def count_turns(history) -> int:
    return sum(1 for item in history or [] if (item.get("role") if isinstance(item, dict) else None) == "user")


def respond(message: object, history: list | None, model, table: AnswerTable) -> Reply:
    """Answer one message, given the conversation so far (used to read a pending clarifying
    question and to count low-confidence turns; nothing is stored on the server)."""
    c = clean(message)
    notices = []
    if c.truncated:
        notices.append(table.text("truncated", n=f"{MAX_CHARS:,}"))
    if c.masked:
        notices.append(table.text("masked"))

    def special(action: Action) -> Reply:
        return Reply(_join(notices, table.text(action.value)), Decision(action=action), notices, c)

    if not c.text:
        return special(Action.EMPTY)
    if not c.has_words:
        return special(Action.NO_WORDS)
    harm = harm_cue(c.text)
    if harm:  # before anything else reads the message: never answer a how-to for harm or fraud
        d = refuse(harm, table)
        return Reply(_join(notices, d.reply), d, notices, c)
    if c.other_language:
        return special(Action.OTHER_LANGUAGE)

    turn = count_turns(history)
    previous = last_bot_message(history)
    options = table.clarify_options(previous)
    if options:  # the customer is answering "did you mean A or B?"
        chosen = choose_option(c.text, options, table)
        if chosen:
            d = Decision(Action.ANSWER, chosen, 1.0, [(chosen, 1.0)], table.answer(chosen, turn))
            return Reply(_join(notices, d.reply), d, notices, c)

    probs = model.predict_proba([c.text])[0]
    d = decide(probs, model.labels, table, table.was_low_confidence(previous), turn)
    return Reply(_join(notices, d.reply), d, notices, c)


def _join(notices: list[str], reply: str) -> str:
    return "\n\n".join([reply, *notices]) if notices else reply


def topic_panel(reply: Reply, table: AnswerTable) -> tuple[dict, str]:
    """(gr.Label value {topic: confidence}, markdown line) for the panel beside the chat.
    Topic names come from the table and are HTML-escaped all the same."""
    d = reply.decision
    if d.harm:
        return {}, f"**Action:** declined (harmful or fraud-seeking request: {html.escape(d.harm.value)})"
    if not d.top3:
        return {}, f"**Action:** {html.escape(d.action.summary)}"
    label = {table.topic(i): round(p, 4) for i, p in d.top3}
    md = (
        f"**Detected topic:** {html.escape(table.topic(d.intent))} (`{html.escape(d.intent)}`), "
        f"confidence {d.confidence:.0%}  \n**Action:** {html.escape(d.action.summary)}"
    )
    return label, md


def prediction_dict(reply: Reply, table: AnswerTable) -> dict:
    """The structured view of one reply (what ``/predict_intent`` returns)."""
    d = reply.decision
    return {
        "intent": d.intent,
        "topic": table.topic(d.intent) if d.intent else None,
        "confidence": round(d.confidence, 4),
        "top3": [{"intent": i, "topic": table.topic(i), "confidence": round(p, 4)} for i, p in d.top3],
        "action": d.action.value,
        "declined": not d.action.answers,
        "harm": d.harm.value if d.harm else None,
        "clarify_options": d.options,
        "masked_sensitive_data": bool(reply.cleaned and reply.cleaned.masked),
        "truncated": bool(reply.cleaned and reply.cleaned.truncated),
    }


def classify(message: object) -> dict:
    """One message on its own (no conversation) through the shipped model, table and policy."""
    from .model import get_model

    table = answer_table()
    return prediction_dict(respond(message, [], get_model(), table), table)


__all__ = ["Reply", "classify", "prediction_dict", "respond", "topic_panel"]

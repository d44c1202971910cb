"""One turn of the conversation, end to end: clean -> classify -> policy -> reply.

Entry points (the app, the evaluation and the benchmark all go through them):
- ``respond(message, history, model, table)``: one turn of a conversation -> ``Reply`` (text + ``Decision``);
- ``respond_many(messages, model, table)``: many single messages at once (the batch job);
- ``prediction_dict(reply, table)``: a reply as the plain dict of ``/predict_intent``
  (``bankbot.served.classify`` gives it for one message through the bot this process serves).
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

from ..languages.language import ENGLISH, NAMES, OTHER, detect_language
from .action_words import contradicted
from .policy import Action, AnswerTable, Decision, Thresholds, ask_between, choose_option, decide, refuse
from .safety import harm_cue
from .text import MAX_CHARS, CleanText, clean


@dataclass
class Reply:
    text: str  # markdown shown in the chat; only table text, never the user's words
    decision: Decision
    notices: list[str] = field(default_factory=list)
    cleaned: CleanText | None = None
    language: str = ENGLISH  # the detected language of the message ("other": one the bot does not answer in)
    table: AnswerTable | None = None  # the table the reply came from (its language's)


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
    question and to count low-confidence turns; nothing is stored on the server).

    The message's language picks the model path (``model.predict_proba(texts, language=...)`` for anything
    but English) and the answer table (``table.translated(language)``)."""
    c = clean(message)
    language = detect_language(c.text) if c.has_words else ENGLISH
    if language != ENGLISH and getattr(model, "english_only", False):
        language = OTHER  # a company's own bot (specialize.py) reads English only
    local = table.translated(language)
    notices = []
    if c.truncated:
        notices.append(local.text("truncated", n=f"{MAX_CHARS:,}"))
    if c.masked:
        notices.append(local.text("masked"))

    def reply(d: Decision, t: AnswerTable = local) -> Reply:
        return Reply(_join(notices, d.reply), d, notices, c, language, t)

    def special(action: Action) -> Reply:
        return reply(Decision(action=action, reply=local.text(action.value)))

    if not c.text:
        return special(Action.EMPTY)
    if not c.has_words:
        return special(Action.NO_WORDS)
    harm = harm_cue(c.text)
    if harm:  # before anything else reads the message: never answer a how-to for harm or fraud
        return reply(refuse(harm, local))
    if language == OTHER:
        return special(Action.OTHER_LANGUAGE)

    turn = count_turns(history)
    previous = last_bot_message(history)
    for asked in table.all_languages():  # the customer may answer "did you mean A or B?" in any language
        options = asked.clarify_options(previous)
        if options:
            chosen = choose_option(c.text, options, asked)
            if chosen:  # answered in the language the question was asked in
                return reply(Decision(Action.ANSWER, chosen, 1.0, [(chosen, 1.0)], asked.answer(chosen, turn)), asked)
            break

    if language == ENGLISH:
        probs = model.predict_proba([c.text])[0]
    else:
        probs = model.predict_proba([c.text], language=language)[0]
    unclear_before = any(t.was_low_confidence(previous) for t in table.all_languages())
    th = path_thresholds(model, language)
    return reply(check_action_words(c.text, decide(probs, model.labels, local, unclear_before, turn, th), local))


def path_thresholds(model, language: str) -> Thresholds:
    """The policy's thresholds for a message in ``language``: a company's own bot (specialize.py) brings its own;
    Northwind's e5 path (other languages) has its own floor and no clear-lead rule (measured on English only); the
    English path takes its model's own (``IntentModel.thresholds``, set by a trial) or the defaults
    (bankbot/model_spec.py)."""
    own = getattr(model, "thresholds", None)
    if own is not None:
        return own
    floor = model.floor(language) if hasattr(model, "floor") else None
    if floor is not None:
        return Thresholds(floor=floor).without_lead()
    return getattr(getattr(model, "english", None), "thresholds", None) or Thresholds()


def check_action_words(text: str, d: Decision, table: AnswerTable) -> Decision:
    """An answer about closing an account to a message that only says "freeze" (or the reverse) becomes a question
    between the two (``action_words``): never the other action's answer."""
    other = contradicted(text, d.intent) if d.action == Action.ANSWER else None
    return ask_between(d, other, d.intent, table) if other else d


def respond_many(messages: list, model, table: AnswerTable, encode=None) -> list[Reply]:
    """``respond(m, [], model, table)`` for each message (each on its own, no conversation). English messages that
    reach the model share one run of the encoder, ``encode(texts) -> (n, dim) unit vectors`` (by default the
    model's own numpy encoder; the batch job passes a batched or GPU one); every other message (empty, harmful,
    another language) takes ``respond`` itself, so the answers are the same either way."""
    replies: list[Reply | None] = [None] * len(messages)
    batched, cleaned = [], {}
    for i, m in enumerate(messages):
        c = clean(m)
        english = c.has_words and detect_language(c.text) == ENGLISH
        if c.text and english and not harm_cue(c.text):
            batched.append(i)
            cleaned[i] = c
        else:
            replies[i] = respond(m, [], model, table)
    if batched:
        local = table.translated(ENGLISH)
        th = path_thresholds(model, ENGLISH)
        english_model = getattr(model, "english", model)  # the MiniLM path of a multilingual model
        texts = [cleaned[i].text for i in batched]
        prepare = getattr(english_model, "texts_for_encoder", None)  # what the encoder reads (colloquial normaliser)
        vectors = (encode or english_model.encoder.encode)(prepare(texts) if prepare else texts)
        for i, probs in zip(batched, english_model.proba_from_vectors(vectors), strict=True):
            c = cleaned[i]
            notices = []
            if c.truncated:
                notices.append(local.text("truncated", n=f"{MAX_CHARS:,}"))
            if c.masked:
                notices.append(local.text("masked"))
            d = check_action_words(c.text, decide(probs, model.labels, local, False, 0, th), local)
            replies[i] = Reply(_join(notices, d.reply), d, notices, c, ENGLISH, local)
    return replies  # type: ignore[return-value]


def _join(notices: list[str], reply: str) -> str:
    return "\n\n".join([reply, *notices]) if notices else reply


def topic_panel(reply: Reply, table: AnswerTable) -> tuple[dict, str]:
    """(gr.Label value {topic: confidence}, markdown line) for the panel beside the chat.
    Topic names come from the table and are HTML-escaped all the same."""
    d = reply.decision
    table = reply.table or table
    language = f"  \n**Language:** {html.escape(NAMES.get(reply.language, reply.language))}"
    if d.harm:
        return {}, f"**Action:** declined (harmful or fraud-seeking request: {html.escape(d.harm.value)}){language}"
    if not d.top3:
        return {}, f"**Action:** {html.escape(d.action.summary)}{language}"
    label = {table.topic(i): round(p, 4) for i, p in d.top3}
    md = (
        f"**Detected topic:** {html.escape(table.topic(d.intent))} (`{html.escape(d.intent)}`), "
        f"confidence {d.confidence:.0%}  \n**Action:** {html.escape(d.action.summary)}{language}"
    )
    return label, md


def prediction_dict(reply: Reply, table: AnswerTable) -> dict:
    """The structured view of one reply (what ``/predict_intent`` returns)."""
    d = reply.decision
    table = reply.table or table
    return {
        "language": reply.language,
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


__all__ = ["Reply", "prediction_dict", "respond", "respond_many", "topic_panel"]

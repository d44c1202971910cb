"""The API and MCP tools: what an agent or a script calls. Each returns one JSON text (an MCP client gets it
as is; a Python dict would reach it as a repr). The screen's events are in ``handlers``; these reuse them.
"Make it yours" (train, try, publish) stays on the screen: its trained bot lives in the visitor's session,
which an API client cannot hold."""

from __future__ import annotations

import csv
import json

import gradio as gr

from shared.ui import result_url
from shared.warmup import wait_until_warm

from . import handlers
from .conversation.batch_job import LABEL_COLUMNS, label_names
from .conversation.bot import prediction_dict, respond
from .handlers import SPACE
from .served import served_bot


def chat(message: str, history: list | None = None) -> str:
    """Send one message to the Northwind Bank support bot and get its reply.

    The bot answers only banking questions (cards, payments, transfers, top-ups, exchange, fees, account,
    credit cards) from a reviewed answer table, and only when it is confident; other questions get a polite
    decline, and harmful or fraud-seeking requests are declined with the way to the fraud team. It reads and
    answers English, French, Italian, Spanish and German. Card numbers and IBANs are masked before processing.

    Args:
        message: the customer's message, in English, French, Italian, Spanish or German.
        history: the conversation so far as a list of {"role": "user" | "assistant", "content": text} (may be
            empty); a reply to the bot's clarifying question is read against it.

    Returns:
        JSON: {"reply": the bot's answer (Markdown, in the message's language), "language", "intent", "topic",
        "confidence", "top3", "action", "declined", "harm", "clarify_options" (topics offered when the bot
        asks which one is meant), "masked_sensitive_data", "truncated"}.
    """
    wait_until_warm(SPACE)
    try:
        model, table = served_bot()
        reply = respond(message, list(history or []), model, table)
    except Exception as exc:  # never show a stack trace; never log the message itself
        raise gr.Error("Sorry, something went wrong while reading your message. Please try again.") from exc
    return json.dumps({"reply": reply.text, **prediction_dict(reply, table)}, ensure_ascii=False)


def predict_intent(message: str) -> str:
    """Classify one customer message and return the structured prediction (no conversation state).

    Args:
        message: a customer message in English, French, Italian, Spanish or German, e.g. "my card was declined
            at the shop" or "ma carte a été refusée".

    Returns:
        JSON: {"language" (en, fr, it, es, de, or other), "intent" (the top intent id), "topic" (its readable
        name, in the message's language), "confidence" (0-1), "top3" (list of {"intent", "topic",
        "confidence"}), "action" (answer, small_talk, decline, clarify, low_confidence, handoff, empty,
        no_words, other_language), "declined" (true when the bot gives no answer of its own), "harm" (why a
        harmful or fraud-seeking request was refused, else null), "clarify_options", "masked_sensitive_data",
        "truncated"}.
    """
    return json.dumps(handlers.predict_intent(message), ensure_ascii=False)


def label_messages(
    file: str | None,
    request: gr.Request = None,
    progress: gr.Progress = gr.Progress(),  # noqa: B008  (Gradio's documented pattern)
) -> str:
    """Label a CSV of customer messages with the bot's topic, intent, confidence and action.

    Each message is classified on its own, exactly as the bot would for a first message.

    Args:
        file: URL (or base64 data URL) of a CSV file with a "text" column (one customer message a row, up to
            2000 rows); other columns are kept.

    Returns:
        JSON: {"url": where to download the labelled CSV (the same rows plus intent, topic, confidence, action
        and error columns; kept about 30 minutes), "labels": [{"intent", "topic", "confidence", "action", "error"}]
        one per row in order, "top_topics": [{"topic", "messages"}, ...]}.
    """
    labelled, chart = handlers.label_messages(file, progress)
    with open(labelled, newline="", encoding="utf-8") as fh:
        rows = csv.reader(fh)
        header = next(rows)
        at = {label: header.index(name) for label, name in label_names(header[: -len(LABEL_COLUMNS)]).items()}
        labels = [{label: row[i] or None for label, i in at.items()} for row in rows]
    for label in labels:
        label["confidence"] = float(label["confidence"]) if label["confidence"] else None
    top = [{"topic": t, "messages": int(n)} for t, n in zip(chart["topic"], chart["messages"], strict=True)]
    return json.dumps({"url": result_url(request, labelled), "labels": labels, "top_topics": top}, ensure_ascii=False)

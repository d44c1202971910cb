"""The Gradio adapters of the bank_bot Space: event functions (their docstrings become the API and MCP
tool descriptions) and the friendly errors. The logic lives in gradio-free modules (``bankbot.bot``)."""

from __future__ import annotations

from pathlib import Path

import gradio as gr

from .batch_job import TEXT, MessageTask, message_items, read_table  # registers the @gpu encoder at import
from .bot import classify, respond, topic_panel
from .model import get_model
from .policy import Action, answer_table


def load() -> None:
    """Load (and warm) the model at start-up, and check every intent it can predict has an answer.
    (Gradio's own first-event work is warmed by ``shared.ui.with_limits``.)"""
    answer_table().check(get_model().labels)


def chat(message: str, history: list):
    """Send one message to the Northwind Bank support bot and get its reply.

    The bot answers only banking questions (cards, payments, transfers, top-ups, exchange, fees,
    account, credit cards) from a reviewed answer table, and only when it is confident; other questions
    get a polite decline, and harmful or fraud-seeking requests are declined with the way to the fraud team.
    It reads and answers English, French, Italian, Spanish and German (the language is detected per message).
    Card numbers and IBANs in the message are masked before processing.

    Args:
        message: the customer's message, in English, French, Italian, Spanish or German.
        history: the conversation so far as a list of {"role", "content"} messages (may be empty).

    Returns:
        The bot's reply (in the message's language), the top-3 detected topics with their confidence, and a
        short summary of the detected topic, the action taken and the detected language.
    """
    table = answer_table()
    try:
        reply = respond(message, history, get_model(), table)
    except Exception as exc:  # never show a stack trace; never log the message itself
        raise gr.Error("Sorry, something went wrong while reading your message. Please try again.") from exc
    label, summary = topic_panel(reply, table)
    out = reply.text
    if reply.decision.action == Action.CLARIFY:
        topics = [(reply.table or table).topic(i) for i in reply.decision.options]
        out = gr.ChatMessage(content=reply.text, options=[{"value": t, "label": t} for t in topics])
    return out, label, summary


def predict_intent(message: str) -> dict:
    """Classify one customer message and return the structured prediction (no conversation state).

    Args:
        message: a customer message in English, French, Italian, Spanish or German, e.g. "my card was declined
            at the shop" or "ma carte a été refusée".

    Returns:
        A dict with "language" (the detected language: en, fr, it, es, de, or other), "intent" (the top
        intent id), "topic" (its readable name, in the message's language), "confidence" (0-1), "top3" (list of
        {"intent", "topic", "confidence"}), "action" (what the bot would do: answer, small_talk, decline,
        clarify, low_confidence, handoff, empty, no_words, other_language for a language it does not answer
        in), "declined" (true when the bot gives no answer of its own: not banking, unsure, asking to choose,
        or unreadable), "harm" (why a harmful or fraud-seeking request was refused, else null),
        "masked_sensitive_data" and "truncated" (bools).
    """
    try:
        return classify(message)
    except Exception as exc:
        raise gr.Error("Sorry, the message could not be classified. Please try again.") from exc


MAX_BATCH_MESSAGES = 2000  # about 10-30 s on a free 2-vCPU Space; the batch script has no limit
CHART_TOPICS = 15


def label_messages(
    file: str | None,
    progress: gr.Progress = gr.Progress(),  # noqa: B008  (Gradio's documented pattern)
):
    """Label a CSV of customer messages with the bot's topic, intent, confidence and action.

    Each message is classified on its own, exactly as the bot would for a first message. Use it to see what
    customers ask about.

    Args:
        file: Path or URL of a CSV file with a "text" column (one customer message a row, up to 2000 rows);
            other columns are kept.

    Returns:
        The labelled CSV (the same rows plus intent, topic, confidence, action and error columns) and a table
        of the most frequent topics with their number of messages.
    """
    import pandas as pd

    from shared.batch import run_batch
    from shared.results import fresh_path

    path = getattr(file, "path", file)
    if not path:
        raise gr.Error("Please upload a CSV file with a 'text' column first.")
    if not str(path).lower().endswith(".csv"):
        raise gr.Error("Please upload a .csv file (with a 'text' column).")
    try:
        table = read_table(path)
    except Exception:
        raise gr.Error("This file could not be read as a CSV. Please check it and try again.") from None
    if TEXT not in table.columns:
        raise gr.Error("The CSV needs a column named 'text' (one customer message a row).")
    if len(table) > MAX_BATCH_MESSAGES:
        raise gr.Error(
            f"The file has {len(table):,} rows; at most {MAX_BATCH_MESSAGES:,} here (the batch script has no limit)."
        )
    out = fresh_path("bank_bot", "labelled.csv")
    try:
        result = run_batch(
            MessageTask(Path(path), out),
            message_items(table[TEXT].tolist()),
            workers=1,
            show_progress=False,
            on_progress=lambda done, n: progress(done / max(1, n), desc="Labelling messages"),
        )
    except Exception as exc:  # never show a stack trace; never log the messages
        raise gr.Error("Sorry, the messages could not be labelled. Please try again.") from exc
    topics = [r["topic"] or f"({r['action'] or 'error'})" for r in result.rows]
    counts = pd.Series(topics, dtype=str).value_counts().head(CHART_TOPICS)
    chart = pd.DataFrame({"topic": counts.index, "messages": counts.values})
    return str(out), chart


__all__ = ["chat", "label_messages", "load", "predict_intent"]

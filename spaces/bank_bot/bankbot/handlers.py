"""The Gradio adapters of the bank_bot Space: event functions (their docstrings become the API and MCP
tool descriptions) and the friendly errors. The logic lives in gradio-free modules (``bankbot.bot``)."""

from __future__ import annotations

import gradio as gr

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


__all__ = ["chat", "load", "predict_intent"]

"""The Gradio adapters of the bank_bot Space: event functions (their docstrings become the API and MCP
tool descriptions) and the friendly errors. The logic lives in gradio-free modules (``bankbot.conversation.bot``)."""

from __future__ import annotations

import html
import os
from pathlib import Path

import gradio as gr

from shared.warmup import wait_until_warm

from .company import data as company_data
from .company import service as company_service
from .conversation.batch_job import (  # registers the @gpu encoder at import
    TEXT,
    MessageTask,
    count_csv_rows,
    label_names,
    message_items,
    read_table,
    renamed_note,
)
from .conversation.bot import respond, topic_panel
from .conversation.policy import Action
from .models.oos import DEFAULT_PRESET, PRESETS
from .served import classify, served_bot

SPACE = "bank_bot"
PRESET_NAMES = list(PRESETS)  # "answers more", "balanced", "declines more"


def load() -> None:
    """Load (and warm) the model at start-up, and check every intent it can predict has an answer.
    (Gradio's own first-event work is warmed by ``shared.ui.with_limits``.)"""
    model, table = served_bot()
    table.check(model.labels)
    # one message through the whole path (language detector, masking, safety cues, policy): the first
    # visitor's message then costs what every later one does (measured: 0.62 s against 0.08 s before);
    # and one in French for the multilingual encoder's path (its first message: 0.17 s against 0.07 s)
    classify("my card has not arrived yet")
    classify("ma carte n'est pas encore arrivée")


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
    wait_until_warm(SPACE)  # a message in the server's first seconds waits for the model
    try:
        model, table = served_bot()
        reply = respond(message, history, model, table)
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
    wait_until_warm(SPACE)
    try:
        return classify(message)
    except Exception as exc:
        raise gr.Error("Sorry, the message could not be classified. Please try again.") from exc


MAX_BATCH_MESSAGES = 2000  # about 10-30 s on a free 2-vCPU Space; the batch script has no limit
MAX_BATCH_BYTES = 2 * 1024 * 1024  # 2000 messages of up to 1000 characters
CHART_TOPICS = 15


def label_messages(
    file: str | None,
    progress: gr.Progress = gr.Progress(),  # noqa: B008  (Gradio's documented pattern)
):
    """Label a CSV of customer messages with the bot's topic, intent, confidence and action.

    Each message is classified on its own, exactly as the bot would for a first message. Use it to see what
    customers ask about.

    Args:
        file: Path or URL of a CSV file with a "text" column (one customer message a row, up to 2000 rows and
            2 MB); other columns are kept as they are.

    Returns:
        The labelled CSV (the same rows plus intent, topic, confidence, action and error columns; bot_intent and
        so on where the file already has a column of that name) and a table of the most frequent topics with
        their number of messages.
    """
    import pandas as pd

    from shared.batch import run_batch
    from shared.results import fresh_path

    path = getattr(file, "path", file)
    if not path:
        raise gr.Error("Please upload a CSV file with a 'text' column first.")
    if not str(path).lower().endswith(".csv"):
        raise gr.Error("Please upload a .csv file (with a 'text' column).")
    limits = f"at most {MAX_BATCH_MESSAGES:,} rows and {MAX_BATCH_BYTES // 2**20} MB here"
    too_many = f"{limits} (the batch script has no limit)"
    try:  # the limits before the table is built
        size = Path(path).stat().st_size
        rows = count_csv_rows(Path(path), stop_after=MAX_BATCH_MESSAGES + 1) if size <= MAX_BATCH_BYTES else 0
        table = read_table(path) if size <= MAX_BATCH_BYTES and rows <= MAX_BATCH_MESSAGES else None
    except Exception:
        raise gr.Error("This file could not be read as a CSV. Please check it and try again.") from None
    if size > MAX_BATCH_BYTES:
        raise gr.Error(f"The file is {size / 2**20:.1f} MB; {too_many}.")
    if table is None:
        raise gr.Error(f"The file has more than {MAX_BATCH_MESSAGES:,} rows; {too_many}.")
    if TEXT not in table.columns:
        raise gr.Error("The CSV needs a column named 'text' (one customer message a row).")
    note = renamed_note(label_names(table.columns))
    if note:
        gr.Warning(note)
    out = fresh_path(SPACE, "labelled.csv", "batch_output")
    wait_until_warm(SPACE)
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


# ---- "Make it yours": a visitor trains, tries, downloads and publishes their own company bot ----


def _rows(table, width: int = 2) -> list[tuple[str, ...]]:
    """Rows of a gr.Dataframe value (pandas DataFrame, list of lists or None), blanks dropped."""
    if table is None:
        return []
    values = table.values.tolist() if hasattr(table, "values") else list(table)
    out = []
    for row in values:
        cells = tuple("" if c is None else str(c) for c in list(row)[:width])
        if len(cells) == width and any(c.strip() for c in cells):
            out.append(cells)
    return out


def _read_upload(path) -> bytes:
    if not path:
        raise gr.Error("No file was uploaded.")
    p = Path(path)
    if p.stat().st_size > company_data.MAX_FILE_BYTES:
        raise gr.Error(
            f"The file is {p.stat().st_size / 2**20:.1f} MB; the limit is {company_data.MAX_FILE_BYTES // 2**20} MB. "
            "A few dozen examples per intent are enough."
        )
    return p.read_bytes()


def _warnings_md(title: str, warnings: list[str]) -> str:
    if not warnings:
        return f"**{title}**: no problems found."
    return f"**{title}**:\n" + "\n".join(f"- {html.escape(w)}" for w in warnings)


def load_examples_csv(path):
    """Read an uploaded examples CSV (text,intent) into the editable table, with the checks' findings."""
    try:
        ex = company_data.read_examples(_read_upload(path))
    except company_data.DataError as exc:
        raise gr.Error(str(exc)) from exc
    rows = list(zip(ex.texts, ex.intents, strict=True))
    return rows, _warnings_md(f"Read {len(rows):,} examples for {len(ex.labels)} intents", ex.warnings)


def load_answers_csv(path):
    """Read an uploaded answers CSV (intent,answer) into the answers table."""
    try:
        text, warnings = company_data.decode(_read_upload(path), "answers file")
        pairs = company_data.read_rows(text, (company_data.INTENT_HEADERS, company_data.ANSWER_HEADERS), "answers file")
    except company_data.DataError as exc:
        raise gr.Error(str(exc)) from exc
    rows = [(company_data.normalise_intent(i), company_data.clean_cell(a)) for i, a in pairs if i.strip()]
    return rows, _warnings_md(f"Read {len(rows):,} answers", warnings)


def load_example_company():
    """The shipped example company (a fictional energy supplier) in the tables."""
    ex = company_data.read_examples(company_data.EXAMPLE_CSV.read_bytes())
    answers, _ = company_data.read_answers(company_data.EXAMPLE_ANSWERS_CSV.read_bytes(), ex.labels)
    return list(zip(ex.texts, ex.intents, strict=True)), list(answers.items()), "Brightside Energy", ""


def _checked(examples_table, answers_table):
    try:
        ex = company_data.check_examples(_rows(examples_table))
        answers, answer_warnings = company_data.check_answers(_rows(answers_table), ex.labels)
    except company_data.DataError as exc:
        raise gr.Error(str(exc)) from exc
    return ex, answers, answer_warnings


def check_examples_table(examples_table, answers_table) -> str:
    """Check the examples (and answers) tables before training; returns plain-language findings."""
    ex, _, answer_warnings = _checked(examples_table, answers_table)
    warnings = ex.warnings + answer_warnings + company_service.lookalikes(ex)
    return _warnings_md(f"{len(ex.texts):,} examples for {len(ex.labels)} intents", warnings)


def train_company_bot(examples_table, answers_table, company: str, progress=gr.Progress()):  # noqa: B008
    """Train this visitor's own bot from the tables (one training at a time per Space)."""
    ex, answers, answer_warnings = _checked(examples_table, answers_table)
    company = company_data.clean_cell(company)[:60] or "Our company"
    progress(0.0, desc="Starting")
    try:
        folder, summary = company_service.train_in_child(
            ex, answers, company, progress=lambda f, m: progress(f, desc=m)
        )
    except company_service.TrainingError as exc:
        raise gr.Error(str(exc)) from exc
    report = company_service.report_markdown(folder, answer_warnings)
    zip_path = company_service.zip_folder(folder)
    greeting = [{"role": "assistant", "content": f"Hi! I'm your new bot for {html.escape(company)}. Ask me something."}]
    return report, str(folder), gr.DownloadButton(value=str(zip_path), visible=True), greeting


def set_company_preset(model_dir, preset: str):
    """Make the trained bot answer more or decline more (one of the presets measured during training)."""
    if not model_dir:
        raise gr.Error("Train your bot first; then pick how careful it should be.")
    try:
        report = company_service.set_preset(model_dir, preset)
    except (ValueError, OSError) as exc:
        raise gr.Error("Could not change the preset of this bot. Please train it again.") from exc
    zip_path = company_service.zip_folder(Path(model_dir))
    return report, gr.DownloadButton(value=str(zip_path), visible=True)


def chat_company_bot(message: str, history: list, model_dir):
    """Send a message to the bot this visitor trained (in this session only)."""
    if not model_dir:
        raise gr.Error("Train your bot first (the Train button above).")
    try:
        model, table = company_service.session_bot(model_dir)
        reply = respond(message, history, model, table)
    except Exception as exc:  # never show a stack trace; never log the message itself
        raise gr.Error("Sorry, your bot could not answer that. Please try again.") from exc
    history = list(history or []) + [{"role": "user", "content": message}, {"role": "assistant", "content": reply.text}]
    return history, ""


def oauth_enabled() -> bool:
    """True on a Space whose card has ``hf_oauth: true`` (the Hub sets these variables): visitors sign in
    with Hugging Face there, and the token field is not shown."""
    return bool(os.environ.get("OAUTH_CLIENT_ID") and os.environ.get("SPACE_ID"))


def publish_company_bot(
    model_dir,
    token: str | None,
    repo_id: str,
    public: bool = False,
    replace: bool = False,
    share_examples: bool = False,
    profile: gr.OAuthProfile | None = None,
    oauth_token: gr.OAuthToken | None = None,
) -> str:
    """Stage bank_bot with this visitor's bot and push it to a Space of their own: under the account they signed
    in with (Sign in with Hugging Face), or, running locally without it, with the token they paste."""
    if not model_dir:
        raise gr.Error("Train your bot first.")
    if profile is not None and oauth_token is not None:
        secret, owner = oauth_token.token, profile.username
    elif oauth_enabled():  # on the Space: only the sign-in, never a pasted token
        raise gr.Error("Sign in with Hugging Face first (the button above), then press Publish.")
    else:
        secret, owner = (token or "").strip(), None
    try:
        url = company_service.publish(
            model_dir, repo_id, secret, owner, bool(public), bool(replace), bool(share_examples)
        )
    except company_service.PublishError as exc:
        raise gr.Error(str(exc)) from None
    seen = "public" if public else "private (only you can see it; change it in the Space's settings)"
    return f"Published: [{html.escape(url)}]({html.escape(url)}), {seen}. The Space builds in a few minutes."


__all__ = [
    "DEFAULT_PRESET",
    "PRESET_NAMES",
    "chat",
    "chat_company_bot",
    "check_examples_table",
    "label_messages",
    "load",
    "load_answers_csv",
    "load_example_company",
    "load_examples_csv",
    "predict_intent",
    "publish_company_bot",
    "set_company_preset",
    "train_company_bot",
]

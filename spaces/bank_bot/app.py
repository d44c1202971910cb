"""A small banking support bot: a fast intent model, a reviewed answer table, and polite declines."""

from pathlib import Path

HERE = Path(__file__).resolve().parent

import gradio as gr

from bankbot.bot import prediction_dict, respond, topic_panel
from bankbot.model import get_model
from bankbot.policy import CLARIFY, AnswerTable
from bankbot.ui import plain_text_user_chatbot
from shared.ui import ModelFacts, footer, header, launch_kwargs

FACTS = ModelFacts(
    title="Northwind Bank support bot",
    what_it_does=(
        "Ask a banking question (cards, payments, transfers, top-ups, fees, your account). A small model finds "
        "the topic and the bot answers from a reviewed answer table; it declines questions that are not about "
        "banking. Northwind Bank is fictional."
    ),
    model_name="all-MiniLM-L6-v2 (fine-tuned) + trained intent head",
    model_url="https://huggingface.co/sentence-transformers/all-MiniLM-L6-v2",
    size="22.7M parameters (90 MB) + 21 MB fine-tuned delta + 22 MB head and neighbour memory",
    speed="~14 ms per message on one CPU thread",
    license="Apache-2.0 (encoder); CC BY 4.0 / CC BY 3.0 (training data)",
    license_url="https://www.apache.org/licenses/LICENSE-2.0",
)

# One example question a line: a bank can edit them without touching code.
EXAMPLES = (HERE / "examples" / "questions.txt").read_text(encoding="utf-8").split("\n")
EXAMPLES = [q.strip() for q in EXAMPLES if q.strip()]

TABLE = AnswerTable.load()


def _table() -> AnswerTable:
    return TABLE


def chat(message: str, history: list):
    """Send one message to the Northwind Bank support bot and get its reply.

    The bot answers only banking questions (cards, payments, transfers, top-ups, exchange, fees,
    account, credit cards) from a reviewed answer table; other questions get a polite decline.
    Card numbers and IBANs in the message are masked before processing.

    Args:
        message: the customer's message, in English.
        history: the conversation so far as a list of {"role", "content"} messages (may be empty).

    Returns:
        The bot's reply, the top-3 detected topics with their confidence, and a one-line summary
        of the detected topic and the action taken.
    """
    try:
        reply = respond(message, history, get_model(), _table())
    except Exception as exc:  # never show a stack trace; never log the message itself
        raise gr.Error("Sorry, something went wrong while reading your message. Please try again.") from exc
    label, summary = topic_panel(reply, _table())
    out = reply.text
    if reply.decision.action == CLARIFY:
        topics = [_table().topic(i) for i in reply.decision.options]
        out = gr.ChatMessage(content=reply.text, options=[{"value": t, "label": t} for t in topics])
    return out, label, summary


def predict_intent(message: str) -> dict:
    """Classify one customer message and return the structured prediction (no conversation state).

    Args:
        message: a customer message in English, e.g. "my card was declined at the shop".

    Returns:
        A dict with "intent" (the top intent id), "topic" (its readable name), "confidence" (0-1),
        "top3" (list of {"intent", "topic", "confidence"}), "action" (what the bot would do:
        answer, small_talk, decline, clarify, low_confidence, handoff, empty, no_words,
        other_language), "declined" (bool), "masked_sensitive_data" and "truncated" (bools).
    """
    try:
        return prediction_dict(respond(message, [], get_model(), _table()), _table())
    except Exception as exc:
        raise gr.Error("Sorry, the message could not be classified. Please try again.") from exc


def build_demo() -> gr.Blocks:
    _table().check(get_model().labels)  # load the model once at startup, and check every intent has an answer
    with gr.Blocks(title="Northwind Bank support bot (bank_bot)") as demo:
        header(FACTS)
        topic = gr.Label(label="Detected topic (top 3)", num_top_classes=3, render=False)
        summary = gr.Markdown("Ask a question to see the detected topic here.", render=False)
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=320):
                gr.ChatInterface(
                    chat,
                    chatbot=plain_text_user_chatbot(label="Northwind Bank assistant", height=460, sanitize_html=True),
                    textbox=gr.Textbox(placeholder="Type your banking question…", submit_btn=True, show_label=False),
                    additional_outputs=[topic, summary],
                    examples=EXAMPLES,
                    cache_examples=False,
                    api_name="chat",
                    flagging_mode="never",
                    autofocus=False,
                    fill_height=False,
                )
            with gr.Column(scale=1, min_width=240):
                topic.render()
                summary.render()
                gr.Markdown(
                    "The bot only picks answers from a table the bank reviewed: it never writes free text. "
                    "Please don't type full card numbers or passwords (they are masked anyway)."
                )
        with gr.Accordion("For developers: structured prediction", open=False):
            q = gr.Textbox(label="Message", placeholder="e.g. my card was declined")
            btn = gr.Button("Predict intent")
            out = gr.JSON(label="Prediction")
            btn.click(predict_intent, inputs=q, outputs=out, api_name="predict_intent")
            q.submit(predict_intent, inputs=q, outputs=out, api_name=False)
        footer(FACTS)
    return demo


demo = build_demo()

if __name__ == "__main__":
    demo.queue(default_concurrency_limit=4).launch(**launch_kwargs())

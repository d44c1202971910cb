"""Gradio pieces of the bank_bot Space: a Chatbot that shows what the customer typed as plain text (tags are
never rendered), and the "Make it yours" tab's layout (its event functions are in ``bankbot.handlers``)."""

from __future__ import annotations

import html
import types

import gradio as gr
from gradio.components.chatbot import TextMessage

from . import handlers


def _postprocess(self, value):
    data = gr.Chatbot.postprocess(self, value)
    for message in data.root:
        if message.role == "user":
            for part in message.content:
                if isinstance(part, TextMessage):
                    part.text = html.escape(part.text, quote=False)
    return data


def _preprocess(self, payload):
    value = gr.Chatbot.preprocess(self, payload)
    for message in value or []:
        if isinstance(message, dict) and message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, str):
                message["content"] = html.unescape(content)
            elif isinstance(content, list):
                for part in content:
                    if isinstance(part, dict) and part.get("type") == "text":
                        part["text"] = html.unescape(part["text"])
    return value


def _history_api_info(self) -> dict:
    message = {"type": "object", "properties": {"role": {"type": "string"}, "content": {"type": "string"}}}
    return {"type": "array", "items": message, "description": "the conversation so far (may be empty)"}


def history_input(**kwargs) -> gr.JSON:
    """The chat tool's conversation so far, as plain {"role", "content"} messages: a hidden gr.JSON whose API
    schema says so (gr.JSON's own, ``"type": {}``, is not valid JSON Schema, and MCP clients reject the tool;
    gr.Chatbot's wants content as a list of parts, which an agent would not send). Patched on the instance,
    like :func:`plain_text_user_chatbot`: a subclass would make Gradio write a .pyi file next to this one."""
    history = gr.JSON(visible=False, **kwargs)
    history.api_info = types.MethodType(_history_api_info, history)
    return history


def plain_text_user_chatbot(**kwargs) -> gr.Chatbot:
    """A standard ``gr.Chatbot`` whose user messages go to the browser HTML-escaped (so ``<b>`` or
    ``<script>`` show up exactly as typed) and come back unescaped (the server sees the raw text).
    Done per instance rather than by subclassing, so gradio does not generate a stub file."""
    chatbot = gr.Chatbot(**kwargs)
    chatbot.postprocess = types.MethodType(_postprocess, chatbot)
    chatbot.preprocess = types.MethodType(_preprocess, chatbot)
    return chatbot


INTRO = """### Make it yours: train a support bot for your own company, here, in a few minutes
1. **Give examples**: upload a CSV with the columns `text,intent` (5 to 50 ways customers ask each thing), or type
   them into the table. Optional: rows with the intent `out_of_scope` for questions you do not handle, and an
   answers table (`intent,answer`).
2. **Check**, then **Train**: a small model learns your intents on this Space's CPU (one training at a time;
   you see your place in the queue). Questions that are not your business are declined for you.
3. Read the **report**, **try** your bot, **download** it, or **publish** it as your own Space. Your bot stays
   on this Space for {kept}; your examples are deleted as soon as training ends.

Your examples and your bot stay in your browser session: other visitors keep the stock bot. Don't upload
personal data."""


def make_it_yours_tab() -> None:
    """The tab's components and events (call inside a ``gr.Tab``)."""
    model_dir = gr.State(None)  # this visitor's trained bot (a server-side folder); never shared
    gr.Markdown(INTRO.format(kept=handlers.company_service.kept_for()))
    with gr.Row():
        upload = gr.File(
            label="Examples CSV (text,intent)",
            file_types=[".csv", ".txt"],
            type="filepath",
            elem_id="company-examples-upload",
        )
        answers_upload = gr.File(
            label="Answers CSV (intent,answer), optional", file_types=[".csv", ".txt"], type="filepath"
        )
    example_btn = gr.Button("Load an example company (an energy supplier)", size="sm")
    examples = _editable_table(["text", "intent"], rows=3, label="Examples", max_height=320)
    answers = _editable_table(["intent", "answer"], rows=1, label="Answers (optional)", max_height=240)
    company = gr.Textbox(label="Company name", value="Our company", max_length=60)
    with gr.Row():
        check_btn = gr.Button("Check my examples")
        train_btn = gr.Button("Train my bot", variant="primary")
    checks = gr.Markdown(label="Checks")
    report = gr.Markdown(label="Report", elem_id="company-report")
    preset = gr.Radio(  # none ticked: training picks one (the report marks it "in use"); a click switches it
        handlers.PRESET_NAMES, value=None, label="How careful should your bot be?", visible=True
    )
    with gr.Group():
        gr.Markdown("#### Try it: chat with your new bot (only you see it)")
        chatbot = plain_text_user_chatbot(label="Your bot", height=320, sanitize_html=True, elem_id="company-chat")
        message = gr.Textbox(label="Message to your bot", placeholder="Ask your bot something…", submit_btn=True)
    download = gr.DownloadButton("Download my bot (.zip)", visible=False)
    with gr.Accordion("Publish as my own Space", open=False):
        oauth = handlers.oauth_enabled()
        gr.Markdown(
            "Creates a Space under your Hugging Face account that serves this bot. It is **private** unless you "
            "choose public. "
            + (
                "Sign in below: this Space may then create Spaces in your account and change only the ones it "
                "created; nothing else of yours."
                if oauth
                else "Running locally: paste a token with write access; it is used once for this push and never stored."
            )
        )
        if oauth:  # only where the Hub runs the sign-in (a local run has no OAuth app: the token field instead)
            gr.LoginButton()
        token = gr.Textbox(label="Hugging Face write token", type="password", visible=not oauth)
        repo = gr.Textbox(
            label="Space name",
            placeholder="my-support-bot" if oauth else "your-name/my-support-bot",
        )
        public = gr.Checkbox(label="Public: anyone can see and use the Space", value=False)
        replace = gr.Checkbox(label="Replace it if I published a Space with this name before", value=False)
        share = gr.Checkbox(
            label="Also publish the example messages from my report (the confused ones and the checks)", value=False
        )
        publish_btn = gr.Button("Publish")
        published = gr.Markdown(label="Publish result")

    # screen-only events: not API or MCP tools ("private"); training needs the visitor's session to be any use
    upload.upload(
        handlers.load_examples_csv, upload, [examples, checks], api_name="load_examples_csv", api_visibility="private"
    )
    answers_upload.upload(
        handlers.load_answers_csv,
        answers_upload,
        [answers, checks],
        api_name="load_answers_csv",
        api_visibility="private",
    )
    example_btn.click(handlers.load_example_company, None, [examples, answers, company, checks], api_name=False)
    check_btn.click(
        handlers.check_examples_table, [examples, answers], checks, api_name="check_examples", api_visibility="private"
    )
    train_btn.click(
        handlers.train_company_bot,
        [examples, answers, company],
        [report, model_dir, download, chatbot],
        api_name="train_company_bot",
        api_visibility="private",
        concurrency_limit=1,
        concurrency_id="company_training",
    )
    preset.change(handlers.set_company_preset, [model_dir, preset], [report, download], api_name=False)
    message.submit(handlers.chat_company_bot, [message, chatbot, model_dir], [chatbot, message], api_name=False)
    publish_btn.click(
        handlers.publish_company_bot, [model_dir, token, repo, public, replace, share], published, api_name=False
    )


def _editable_table(headers: list[str], rows: int, label: str, max_height: int) -> gr.Dataframe:
    """A two-column text table a visitor can type into and grow."""
    return gr.Dataframe(
        headers=headers,
        datatype=["str"] * len(headers),
        column_count=(len(headers), "fixed"),
        row_count=(rows, "dynamic"),
        interactive=True,
        label=label,
        wrap=True,
        max_height=max_height,
    )

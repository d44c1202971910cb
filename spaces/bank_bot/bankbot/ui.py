"""A Chatbot that shows what the customer typed as plain text (tags are never rendered)."""

from __future__ import annotations

import html
import types

import gradio as gr
from gradio.components.chatbot import TextMessage


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


def plain_text_user_chatbot(**kwargs) -> gr.Chatbot:
    """A standard ``gr.Chatbot`` whose user messages go to the browser HTML-escaped (so ``<b>`` or
    ``<script>`` show up exactly as typed) and come back unescaped (the server sees the raw text).
    Done per instance rather than by subclassing, so gradio does not generate a stub file."""
    chatbot = gr.Chatbot(**kwargs)
    chatbot.postprocess = types.MethodType(_postprocess, chatbot)
    chatbot.preprocess = types.MethodType(_preprocess, chatbot)
    return chatbot

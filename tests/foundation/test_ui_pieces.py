"""Header, footer and launch settings shared by the Spaces."""

from __future__ import annotations

import gradio as gr

from shared.ui import ModelFacts, footer, header, launch_kwargs

FACTS = ModelFacts(
    title="Demo <b>",
    what_it_does="Does one thing & well",
    model_name="tiny",
    model_url="https://huggingface.co/x/y",
    size="1 MB",
    speed="5 ms",
    license="MIT",
    license_url="https://opensource.org/licenses/MIT",
)


def test_header_escapes_and_names_the_model():
    with gr.Blocks():
        block = header(FACTS)
    assert "Demo &lt;b&gt;" in block.value
    assert "Does one thing &amp; well" in block.value
    assert "tiny" in block.value and "1 MB" in block.value and "5 ms" in block.value


def test_footer_has_duplicate_button_only_on_a_space(monkeypatch):
    monkeypatch.delenv("SPACE_ID", raising=False)
    with gr.Blocks() as local:
        footer(FACTS)
    monkeypatch.setenv("SPACE_ID", "someone/demo")
    with gr.Blocks() as hosted:
        footer(FACTS)
    local_html = next(b for b in local.blocks.values() if isinstance(b, gr.HTML)).value
    hosted_html = next(b for b in hosted.blocks.values() if isinstance(b, gr.HTML)).value
    assert "duplicate=true" not in local_html and "Model card" in local_html and "MIT" in local_html
    assert "spaces/someone/demo?duplicate=true" in hosted_html


def test_launch_settings_carry_theme_and_mcp():
    kwargs = launch_kwargs()
    assert isinstance(kwargs["theme"], gr.themes.Base)
    assert kwargs["mcp_server"] is True and kwargs["css"]

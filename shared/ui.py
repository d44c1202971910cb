"""UI pieces every Space shows: a header, a footer, one theme, and launch settings."""

from __future__ import annotations

import html
import os
from dataclasses import dataclass

import gradio as gr

from .mcp_files import accept_file_lists
from .memory import keep_rss_flat
from .serving import exit_now, stop_demo_on_sigterm
from .warmup import serving_started, warm_in_background

accept_file_lists()  # tools that take several files, over MCP

THEME = gr.themes.Soft(primary_hue="indigo", secondary_hue="blue")

CSS = """
.demo-header h1 {margin-bottom: 0.2rem;}
.demo-header .facts {display: flex; flex-wrap: wrap; gap: 0.4rem; margin-top: 0.4rem;}
.demo-header .fact {border: 1px solid var(--border-color-primary); border-radius: 999px;
  padding: 0.1rem 0.6rem; font-size: 0.85rem;}
.demo-footer {font-size: 0.85rem; opacity: 0.85; margin-top: 0.5rem;}
.notice {border-left: 4px solid #d97706; padding: 0.4rem 0.8rem; background: rgba(217,119,6,0.08);}
"""

COLLECTION_URL = "https://huggingface.co/spaces"


@dataclass(frozen=True)
class ModelFacts:
    """What the header and footer say about a Space's model."""

    title: str
    what_it_does: str
    model_name: str
    model_url: str
    size: str
    speed: str
    license: str
    license_url: str


def header(facts: ModelFacts) -> gr.HTML:
    e = html.escape
    return gr.HTML(
        f"""<div class="demo-header">
<h1>{e(facts.title)}</h1>
<p>{e(facts.what_it_does)}</p>
<div class="facts">
<span class="fact">Model: <a href="{e(facts.model_url)}" target="_blank"
 rel="noopener">{e(facts.model_name)}</a></span>
<span class="fact">Size: {e(facts.size)}</span>
<span class="fact">Speed: {e(facts.speed)}</span>
</div></div>""",
        padding=False,
    )


def space_id() -> str | None:
    """The Space's own id on Hugging Face (set by the Spaces runtime), else None."""
    return os.environ.get("SPACE_ID") or None


def footer(facts: ModelFacts) -> None:
    """Model card and licence links, plus a Duplicate button when running on a Space."""
    e = html.escape
    sid = space_id()
    duplicate = (
        f'<a href="https://huggingface.co/spaces/{e(sid)}?duplicate=true" target="_blank" rel="noopener">'
        '<img src="https://huggingface.co/datasets/huggingface/badges/resolve/main/duplicate-this-space-sm.svg"'
        ' alt="Duplicate this Space"></a>'
        if sid
        else "Duplicate it from its page on Hugging Face, or run it yourself: see the repository README."
    )
    gr.HTML(
        f"""<div class="demo-footer">
<a href="{e(facts.model_url)}" target="_blank" rel="noopener">Model card</a> ·
Licence: <a href="{e(facts.license_url)}" target="_blank" rel="noopener">{e(facts.license)}</a> ·
{duplicate}
</div>""",
        padding=False,
    )


def warm_event_wrapper() -> None:
    """Enter, once, the matplotlib backend switch Gradio wraps around every event: the first one imports
    matplotlib (when installed), measured at about 3 s of a 3.5 s first call on noise_removal."""
    with gr.utils.MatplotlibBackendMananger():  # (sic: Gradio's spelling)
        pass


@dataclass(frozen=True)
class ServingLimits:
    """How much one Space takes on at once. Set by its own ``build_demo()``, so ``python app.py``, the
    launcher and a Space on Hugging Face all serve the same thing."""

    concurrency: int  # events of one kind that run at the same time
    max_queue: int  # waiting events beyond which new visitors are told the queue is full
    max_file_size: str  # uploads larger than this are refused before they reach the app


def with_limits(demo: gr.Blocks, limits: ServingLimits) -> gr.Blocks:
    """Configure the queue of ``demo``, remember its upload cap for :func:`launch_kwargs`, keep the
    serving process's memory flat under load (:func:`shared.memory.keep_rss_flat`) and do the one-time
    work of Gradio's first event (:func:`warm_event_wrapper`) in the background, not on the first
    visitor's request nor before the server answers."""
    keep_rss_flat()
    warm_in_background("gradio-events", warm_event_wrapper)
    demo.queue(default_concurrency_limit=limits.concurrency, max_size=limits.max_queue)
    demo.serving_limits = limits
    return demo


def launch_kwargs(demo: gr.Blocks | None = None) -> dict:
    """Arguments for ``demo.launch()`` or ``gr.mount_gradio_app``: the theme and CSS go here in
    Gradio 6, not to Blocks; the upload cap comes from the demo's own :class:`ServingLimits`."""
    kwargs = {
        "theme": THEME,
        "css": CSS,
        "mcp_server": True,
        "show_error": False,
    }
    limits = getattr(demo, "serving_limits", None)
    if limits is not None:
        kwargs["max_file_size"] = limits.max_file_size
    result_dirs = getattr(demo, "result_dirs", None)
    if result_dirs:
        kwargs["allowed_paths"] = [str(d) for d in result_dirs]
    return kwargs


def serve(demo: gr.Blocks) -> None:
    """``python app.py``: serve ``demo`` with its own settings until SIGTERM or Ctrl+C, then stop within a few
    seconds (:func:`shared.serving.stop_demo_on_sigterm`)."""
    stop_demo_on_sigterm(demo)
    demo.launch(prevent_thread_lock=True, **launch_kwargs(demo))
    serving_started()  # the page answers: now warm the models (shared.warmup)
    demo.block_thread()  # returns once the server is closed
    exit_now()


def tool(fn, inputs: list, *, api_name: str, **event_kwargs) -> None:
    """Offer ``fn`` as an API and MCP tool, apart from the screen's events (which are private): a hidden
    trigger, the screen's input components, one JSON text out. One output, because Gradio's MCP server
    hands a client several outputs as the repr of a Python list. The MCP tool's name is ``fn.__name__``:
    keep it equal to ``api_name``."""
    result = gr.Textbox(visible=False, label=f"{api_name} (JSON)")
    gr.Button(visible=False).click(fn, inputs, result, api_name=api_name, **event_kwargs)


def result_url(request: gr.Request, path) -> str:
    """The URL a client downloads a result file from: the app's own URL (as the client reached it, proxies
    included) + Gradio's file route. The file must be in one of the demo's ``result_dirs`` (served through
    ``launch_kwargs``); those folders have random names per request, like Gradio's own cache."""
    from gradio.route_utils import get_root_url

    req = request.request
    route = req.url.path
    route = route[route.index("/gradio_api") :] if "/gradio_api" in route else route
    return f"{get_root_url(req, route, None)}/gradio_api/file={path}"

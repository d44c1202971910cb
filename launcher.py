"""Serve all three Spaces from one local server: ``python launcher.py`` (or ``make serve``).

Each app is mounted at its own path (/bank_bot, /tumor_detect, /noise_removal) with its own API
and MCP server; the root page links to them.
"""

from __future__ import annotations

import argparse
import html
import importlib.util
import logging
import os
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent
SPACES_DIR = ROOT / "spaces"
SPACE_NAMES = ("bank_bot", "tumor_detect", "noise_removal")

log = logging.getLogger("launcher")


def load_space_app(name: str) -> ModuleType:
    """Import ``spaces/<name>/app.py`` under a unique module name: all three files are app.py."""
    module_name = f"{name}_app"
    if module_name in sys.modules:
        return sys.modules[module_name]
    spec = importlib.util.spec_from_file_location(module_name, SPACES_DIR / name / "app.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(module_name, None)
        raise
    return module


def _space_title(name: str) -> tuple[str, str]:
    from huggingface_hub import SpaceCard

    data = SpaceCard.load(SPACES_DIR / name / "README.md").data
    return f"{data.get('emoji', '')} {data.get('title', name)}".strip(), data.get("short_description", "")


def index_page(loaded: dict[str, str | None]) -> str:
    rows = []
    for name, error in loaded.items():
        title, blurb = _space_title(name)
        if error is None:
            rows.append(f'<li><a href="/{name}/">{html.escape(title)}</a>: {html.escape(blurb)}</li>')
        else:
            rows.append(f"<li>{html.escape(title)}: could not start ({html.escape(error)})</li>")
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>Small specialists</title>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'></head>"
        "<body style='font-family: system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; padding: 0 1rem'>"
        "<h1>Small specialists</h1><p>Three demos, each a small model trained for one job.</p>"
        f"<ul>{''.join(rows)}</ul></body></html>"
    )


def build_app(names: tuple[str, ...] = SPACE_NAMES):
    """A FastAPI app with every Space mounted at /<name>; a Space that fails to load is listed as such."""
    import gradio as gr
    from fastapi import FastAPI
    from fastapi.responses import HTMLResponse

    from shared.ui import launch_kwargs

    app = FastAPI(title="Small specialists")
    loaded: dict[str, str | None] = {}
    for name in names:
        try:
            demo = load_space_app(name).build_demo()  # a fresh Blocks: one Blocks cannot serve two apps
        except Exception as exc:  # keep the other Spaces up; the page says which one failed
            log.exception("%s failed to load", name)
            loaded[name] = type(exc).__name__
            continue
        settings = launch_kwargs(demo)  # the Space's own limits, exactly as `python app.py` serves it
        settings.pop("show_error", None)
        gr.mount_gradio_app(app, demo, path=f"/{name}", **settings)
        loaded[name] = None

    page = index_page(loaded)

    @app.get("/", response_class=HTMLResponse)
    def index() -> str:
        return page

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default=os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("GRADIO_SERVER_PORT", 7860)))
    parser.add_argument("--only", nargs="*", choices=SPACE_NAMES, help="serve only these Spaces")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    import uvicorn

    app = build_app(tuple(args.only) if args.only else SPACE_NAMES)
    print(f"Serving on http://{args.host}:{args.port}/ (one path per Space)", flush=True)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()

"""Serve all three Spaces from one local server: ``python launcher.py`` (or ``make serve``).

Each app is mounted at its own path (/bank_bot, /tumor_detect, /noise_removal) with its own API
and MCP server; the root page is a gallery of them (collection.py).
"""

from __future__ import annotations

import argparse
import importlib.util
import logging
import os
import sys
from pathlib import Path
from types import ModuleType

from collection import SPACE_NAMES
from shared.serving import GRACEFUL_STOP_S, end_session_streams
from shared.warmup import serving_started

ROOT = Path(__file__).resolve().parent
SPACES_DIR = ROOT / "spaces"

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


def build_app(names: tuple[str, ...] = SPACE_NAMES):
    """A FastAPI app with every Space mounted at /<name>; a Space that fails to load is listed as such."""
    import gradio as gr
    from fastapi import FastAPI, HTTPException
    from fastapi.responses import FileResponse, HTMLResponse

    from collection import index_page, thumbnail
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

    @app.get("/thumbs/{name}.png")
    def thumb(name: str) -> FileResponse:
        path = thumbnail(name) if name in loaded else None
        if path is None:
            raise HTTPException(status_code=404)
        return FileResponse(path, media_type="image/png", headers={"Cache-Control": "max-age=3600"})

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default=os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("GRADIO_SERVER_PORT", 7860)))
    parser.add_argument("--only", nargs="*", choices=SPACE_NAMES, help="serve only these Spaces")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    import uvicorn

    class Server(uvicorn.Server):
        def handle_exit(self, sig: int, frame) -> None:
            end_session_streams(self.config.app)  # else an MCP call's heartbeat stream holds the stop
            super().handle_exit(sig, frame)

        async def startup(self, sockets=None) -> None:
            await super().startup(sockets)
            serving_started()  # the pages answer: now warm the models (shared.warmup)

    app = build_app(tuple(args.only) if args.only else SPACE_NAMES)
    print(f"Serving on http://{args.host}:{args.port}/ (one path per Space)", flush=True)
    # A bounded stop (shared.serving): requests in flight get GRACEFUL_STOP_S, then the process exits.
    config = uvicorn.Config(
        app, host=args.host, port=args.port, log_level="warning", timeout_graceful_shutdown=GRACEFUL_STOP_S
    )
    Server(config).run()


if __name__ == "__main__":
    main()

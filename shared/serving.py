"""Stopping a server promptly: on SIGTERM (a Space restart, a container stop) requests in flight get a few
seconds to finish, the session streams that would otherwise hold the server open are ended, and the
process exits.

Why: after one MCP tool call, the server holds a gradio_client heartbeat stream open to itself (the MCP
server calls the app through a loopback client); uvicorn's graceful stop waits for it without a bound.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
from typing import Any

GRACEFUL_STOP_S = 3.0  # for requests in flight; well inside the 5 s a container stop should take


def end_session_streams(app: Any) -> None:
    """End the heartbeat streams of every Gradio app mounted in ``app`` (the launcher's FastAPI app) or of
    ``app`` itself: Gradio closes them when its app's ``stop_event`` is set."""
    apps = [app, *(getattr(route, "app", None) for route in getattr(app, "routes", []))]
    for sub in apps:
        event = getattr(sub, "stop_event", None)
        if event is not None:
            event.set()


def stop_demo_on_sigterm(demo: Any) -> None:
    """For ``python app.py``: on SIGTERM close ``demo`` (queue, heartbeat streams, server) within
    GRACEFUL_STOP_S, so the blocked ``launch()`` returns; then :func:`exit_now`."""

    def stop(signum: int, frame: object) -> None:
        server = getattr(demo, "server", None)
        if server is not None:
            server.config.timeout_graceful_shutdown = GRACEFUL_STOP_S
        # demo.close() ends the streams of demo.app, which queue() replaced: the served app is server_app
        end_session_streams(getattr(demo, "server_app", None))
        demo.close()

    signal.signal(signal.SIGTERM, stop)


def exit_now(code: int = 0) -> None:
    """Exit once the server is closed, skipping the interpreter's teardown of the loaded models and thread
    pools: measured at 2.5-3.5 s after one MCP call on tumor_detect, with nothing left to save."""
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)

"""A real MCP client (the ``mcp`` package, streamable HTTP) against a Space's ``/gradio_api/mcp/``."""

from __future__ import annotations

import asyncio
import base64
import json
import mimetypes
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any


def mcp_url(space_url: str) -> str:
    return space_url.rstrip("/") + "/gradio_api/mcp/"


def _run(coro, timeout: float):
    """Run ``coro`` to completion in its own thread and loop: a session-wide Playwright keeps an event loop
    running in the main thread, where asyncio.run() refuses to start."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, asyncio.wait_for(coro, timeout)).result()


async def _with_session(url: str, work):
    from mcp import ClientSession
    from mcp.client.streamable_http import streamablehttp_client

    async with streamablehttp_client(url, timeout=60) as (read, write, _), ClientSession(read, write) as session:
        await session.initialize()
        return await work(session)


def list_tools(space_url: str) -> dict[str, Any]:
    """The tools an MCP client sees, by name."""

    async def work(session):
        return {tool.name: tool for tool in (await session.list_tools()).tools}

    return _run(_with_session(mcp_url(space_url), work), 120)


def call_tool(space_url: str, name: str, arguments: dict) -> Any:
    """Call one tool in a fresh session; returns the MCP CallToolResult."""

    async def work(session):
        return await session.call_tool(name, arguments)

    return _run(_with_session(mcp_url(space_url), work), 300)


def json_result(result: Any) -> Any:
    """The tool's answer as JSON: its structured content, else its one text item parsed (fails on a repr)."""
    assert not result.isError, [getattr(c, "text", c) for c in result.content]
    if result.structuredContent is not None:
        return result.structuredContent
    texts = [c.text for c in result.content if c.type == "text"]
    assert len(texts) == 1, texts
    return json.loads(texts[0])


def data_url(path: Path) -> str:
    """A file as a base64 data URL, the way an MCP client without a public URL sends a file."""
    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return f"data:{mime};base64," + base64.b64encode(path.read_bytes()).decode()

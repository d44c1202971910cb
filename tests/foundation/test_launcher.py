"""One local server serves all three Spaces, each with its API and MCP tools."""

from __future__ import annotations

import html
import json
import threading
import time
import urllib.request

import pytest
import uvicorn
from gradio_client import Client
from smoke_calls import SMOKE

from harness import SPACE_NAMES, SPACES, free_port, wait_for_http

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server():
    import launcher

    app = launcher.build_app()
    port = free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    wait_for_http(base + "/", timeout=60)
    yield base
    srv.should_exit = True
    thread.join(timeout=10)


def test_index_links_every_space(server):
    page = urllib.request.urlopen(server + "/").read().decode()
    for name in SPACE_NAMES:
        assert f'href="/{name}/"' in page, page


@pytest.mark.parametrize("name", SPACE_NAMES)
def test_each_space_answers_its_api(server, name):
    client = Client(f"{server}/{name}/", verbose=False)
    SMOKE[name](client, SPACES / name)


@pytest.mark.parametrize("name", SPACE_NAMES)
def test_each_space_exposes_mcp_tools(server, name):
    with urllib.request.urlopen(f"{server}/{name}/gradio_api/mcp/schema") as resp:
        tools = json.loads(resp.read())
    assert tools, f"{name} exposes no MCP tools"


@pytest.mark.browser
@pytest.mark.parametrize("name", SPACE_NAMES)
def test_each_space_renders_in_a_phone_browser(server, phone_page, name):
    phone_page.goto(f"{server}/{name}/")
    phone_page.locator(".demo-header h1").wait_for(state="visible", timeout=60_000)
    time.sleep(0.5)
    overflow = phone_page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 2, f"{name} scrolls sideways on a phone by {overflow}px"
    assert phone_page.locator(".demo-footer").count() == 1


@pytest.mark.browser
def test_index_navigates_to_a_space_in_the_browser(server, page):
    page.goto(server + "/")
    page.get_by_role("link").first.click()
    page.locator(".demo-header h1").wait_for(state="visible", timeout=60_000)


def test_index_is_a_gallery_with_numbers_and_thumbnails(server):
    from collection import space_card

    page = urllib.request.urlopen(server + "/").read().decode()
    for name in SPACE_NAMES:
        for label, value in space_card(name)["headline"]:
            assert html.escape(value) in page, (name, label)
        with urllib.request.urlopen(f"{server}/thumbs/{name}.png") as resp:
            assert resp.headers["content-type"] == "image/png" and resp.read(8) == b"\x89PNG\r\n\x1a\n"


@pytest.mark.browser
def test_gallery_reads_on_a_phone(server, phone_page):
    phone_page.goto(server + "/")
    phone_page.locator(".card").first.wait_for(state="visible")
    assert phone_page.locator(".card").count() == len(SPACE_NAMES)
    overflow = phone_page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 2, f"the gallery scrolls sideways on a phone by {overflow}px"

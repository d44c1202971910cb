"""Take the README's screenshots: serve all Spaces, drive Debian's Chromium, save PNGs in docs/.

.venv/bin/python scripts/screenshots.py
"""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import uvicorn
from conftest import CHROMIUM, CHROMIUM_ARGS
from playwright.sync_api import sync_playwright

import launcher
from harness import wait_for_http

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(launcher.build_app(), host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    base = f"http://127.0.0.1:{port}"
    wait_for_http(base + "/")
    out = ROOT / "docs"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        for name in launcher.SPACE_NAMES:
            page.goto(f"{base}/{name}/")
            page.locator(".demo-header h1").wait_for(timeout=60_000)
            time.sleep(1.5)
            page.screenshot(path=str(out / f"{name}.png"))
            print(f"wrote docs/{name}.png")
        browser.close()
    server.should_exit = True


if __name__ == "__main__":
    main()

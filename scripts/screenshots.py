"""Take the README's screenshots: serve all Spaces, drive Debian's Chromium, save PNGs in docs/.

.venv/bin/python scripts/screenshots.py
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from load_test import Server  # the launcher on a free local port, stopped at the end
from playwright.sync_api import sync_playwright

from collection import SPACE_NAMES

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"  # Debian's; Playwright cannot download its own here
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]


def main() -> None:
    server = Server()
    base = server.url
    out = ROOT / "docs"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        for name in SPACE_NAMES:
            page.goto(f"{base}/{name}/")
            page.locator(".demo-header h1").wait_for(timeout=60_000)
            time.sleep(1.5)
            page.screenshot(path=str(out / f"{name}.png"))
            print(f"wrote docs/{name}.png")
        browser.close()
    server.stop()


if __name__ == "__main__":
    main()

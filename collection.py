"""The collection: the names of its Spaces, and the front door of ``make serve``: a card per Space with
its job, its measured headline numbers and a thumbnail. The numbers are read from each Space's
``headline.json`` (written from its evaluation), so they are never retyped here."""

from __future__ import annotations

import html
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent
SPACES_DIR = ROOT / "spaces"
SPACE_NAMES = ("bank_bot", "tumor_detect", "noise_removal")
THUMBS = ROOT / "docs"

CSS = """
body {font-family: system-ui, -apple-system, sans-serif; margin: 0; background: #f6f7fb; color: #1f2330;}
main {max-width: 72rem; margin: 0 auto; padding: 1.5rem 1rem 3rem;}
h1 {margin: 0 0 .3rem; font-size: 1.8rem;} .lede {margin: 0 0 1.5rem; color: #4a5068;}
.grid {display: grid; grid-template-columns: repeat(auto-fit, minmax(18rem, 1fr)); gap: 1rem;}
.card {background: #fff; border-radius: .8rem; box-shadow: 0 1px 4px rgba(0,0,0,.08); overflow: hidden;
  display: flex; flex-direction: column; text-decoration: none; color: inherit;}
.card:hover {box-shadow: 0 3px 12px rgba(0,0,0,.14);}
.card img {width: 100%; aspect-ratio: 16 / 10; object-fit: cover; object-position: top; background: #e8eaf2;}
.body {padding: .9rem 1rem 1rem;} .body h2 {margin: 0 0 .4rem; font-size: 1.15rem;}
.body p {margin: 0 0 .7rem; font-size: .95rem; line-height: 1.4;}
dl {display: grid; grid-template-columns: 1fr auto; gap: .2rem .8rem; margin: 0; font-size: .9rem;}
dt {color: #4a5068;} dd {margin: 0; font-weight: 600; text-align: right;}
.src {font-size: .78rem; color: #6b7088; margin-top: .6rem;} .down {color: #b42318;}
"""


def space_card(name: str) -> dict:
    """Title, emoji and short description from the Space card; job and numbers from headline.json."""
    from huggingface_hub import SpaceCard

    meta = SpaceCard.load(SPACES_DIR / name / "README.md").data
    info = json.loads((SPACES_DIR / name / "headline.json").read_text(encoding="utf-8"))
    return {
        "title": f"{meta.get('emoji', '')} {meta.get('title', name)}".strip(),
        "blurb": meta.get("short_description", ""),
        **info,
    }


def thumbnail(name: str) -> Path | None:
    path = THUMBS / f"{name}.png"
    return path if path.is_file() else None


def _card_html(name: str, error: str | None) -> str:
    e = html.escape
    card = space_card(name)
    numbers = "".join(f"<dt>{e(k)}</dt><dd>{e(v)}</dd>" for k, v in card["headline"])
    img = f'<img src="/thumbs/{e(name)}.png" alt="Screenshot of {e(card["title"])}">' if thumbnail(name) else ""
    status = "" if error is None else f'<p class="down">Could not start here ({e(error)}).</p>'
    inner = (
        f'{img}<div class="body"><h2>{e(card["title"])}</h2><p>{e(card["job"])}</p>{status}'
        f'<dl>{numbers}</dl><div class="src">Measured with {e(card["measured_by"])}.</div></div>'
    )
    if error is not None:
        return f'<div class="card">{inner}</div>'
    return f'<a class="card" href="/{e(name)}/">{inner}</a>'


def index_page(loaded: dict[str, str | None]) -> str:
    """``loaded`` maps each Space name to None when it is up, or to the error that kept it down."""
    cards = "".join(_card_html(name, error) for name, error in loaded.items())
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Small specialists</title>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<style>{CSS}</style></head><body><main><h1>Small specialists</h1>"
        "<p class='lede'>Each demo wraps one small model trained for one job. It runs on a free 2-vCPU "
        "machine, starts in seconds and can be made your own.</p>"
        f"<div class='grid'>{cards}</div></main></body></html>"
    )

"""One cheap, real API call per Space, used by the launcher and staging tests."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from gradio_client import Client, handle_file


def _bank_bot(client: Client, folder: Path) -> None:
    result = json.loads(client.predict("I lost my card yesterday", api_name="/predict_intent"))
    assert "card" in result["intent"], result


def _tumor_detect(client: Client, folder: Path) -> None:
    image = next(p for p in sorted((folder / "examples").iterdir()) if p.suffix.lower() in {".jpg", ".png"})
    result = json.loads(client.predict(handle_file(str(image)), api_name="/classify"))
    assert result["status"] in ("ok", "uncertain", "refused"), result


def _noise_removal(client: Client, folder: Path) -> None:
    clip = next(p for p in sorted((folder / "examples").iterdir()) if p.suffix.lower() in {".wav", ".flac"})
    result = json.loads(client.predict(handle_file(str(clip)), 100, api_name="/clean"))
    assert result["seconds"] > 0 and result["url"], result


SMOKE: dict[str, Callable[[Client, Path], Any]] = {
    "bank_bot": _bank_bot,
    "tumor_detect": _tumor_detect,
    "noise_removal": _noise_removal,
}

"""bank_bot: a small banking intent model, an answer table and a conversation policy."""

from pathlib import Path

SPACE_DIR = Path(__file__).resolve().parents[1]

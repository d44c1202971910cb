"""bank_bot: a small banking intent model, an answer table and a conversation policy.

Folders by capability, each importing only those before it: ``languages/`` (which language, its route, the
translated answers), ``models/`` (data, encoders, heads, their training), ``conversation/`` (one turn, the policy,
how it is measured), ``company/`` (a company's own bot: "Make it yours"). ``model_spec.py`` holds the model files'
specs and sha256 pins; ``served.py``, ``handlers.py`` and ``ui.py`` are the Space's faces (the last two the only
gradio code)."""

from pathlib import Path

SPACE_DIR = Path(__file__).resolve().parents[1]

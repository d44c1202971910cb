"""Publishing is safe by default (deploy.push / stage_company, with a stand-in for the Hub's HfApi): private
unless asked, never replaces a Space without confirmation nor one it did not create, a generated card with the
company's name, no customer text in the pushed files unless asked for, and it works from a staged Space."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from huggingface_hub import SpaceCard

import deploy
from harness import FakeHub

CUSTOMER_TEXT = "my card ending 4242 was charged twice by Mr Smith"


@pytest.fixture
def bot(tmp_path):
    """A trained bot's folder as specialize.py writes it: listed files, and the held-out examples beside them."""
    folder = tmp_path / "bot"
    folder.mkdir()
    report = {
        "company": "-Acme <b>Energy</b> {{x}}",
        "metrics": {"accuracy": 0.93, "decline_rate": 0.97, "false_decline_rate": 0.02, "n_in_scope": 40},
        "data": {"intents": 8, "examples": 200},
        "confusions": [{"intent": "billing", "answered_as": "refund", "count": 2}],
    }
    (folder / "report.json").write_text(json.dumps(report))
    (folder / "answers.json").write_text(json.dumps({"billing": "See your account page."}))
    (folder / "held_out_mistakes.json").write_text(json.dumps([{"intent": "billing", "example": CUSTOMER_TEXT}]))
    listed = {name: "0" * 64 for name in ("report.json", "answers.json")}
    (folder / "manifest.json").write_text(json.dumps({"format": 1, "sha256": listed}))
    return folder


def _publish(bot, tmp_path, hub, **kw) -> str:
    include = kw.pop("include_examples", False)
    folder = deploy.stage_company(bot, tmp_path / "stage", include_examples=include)
    return deploy.push(folder, "someone/acme-bot", api=hub, **kw)


def test_a_new_space_is_private_marked_and_carries_no_customer_text(bot, tmp_path):
    hub = FakeHub()
    assert _publish(bot, tmp_path, hub) == "https://huggingface.co/spaces/someone/acme-bot"
    repo = hub.repos["someone/acme-bot"]
    assert repo["private"] is True and deploy.MARKER in repo["files"]
    assert "company_model/answers.json" in repo["files"] and "app.py" in repo["files"]
    assert not any(CUSTOMER_TEXT.encode() in data for data in repo["files"].values())
    card = SpaceCard(repo["files"]["README.md"].decode())
    assert card.data.title == "-Acme <b>Energy</b> {{x}} support bot"  # YAML keeps the name as it is
    assert "Northwind" not in card.content and "&lt;b&gt;Energy" in card.text  # the body shows it as text
    assert deploy.MARKER_TAG in card.data.tags and len(card.data.short_description) <= 60
    assert "93%" in card.text  # aggregate numbers from report.json


def test_public_and_examples_only_when_asked(bot, tmp_path):
    hub = FakeHub()
    _publish(bot, tmp_path, hub, private=False, include_examples=True)
    repo = hub.repos["someone/acme-bot"]
    assert repo["private"] is False and "company_model/held_out_mistakes.json" in repo["files"]


def test_an_existing_space_needs_confirmation(bot, tmp_path):
    hub = FakeHub({"someone/acme-bot": {"private": True, "files": {deploy.MARKER: b"{}", "old.txt": b"x"}}})
    with pytest.raises(deploy.PublishRefused, match="already exists"):
        _publish(bot, tmp_path, hub)
    assert hub.calls == []  # nothing changed on the Hub
    _publish(bot, tmp_path, hub, replace=True)
    assert ("upload_folder", "someone/acme-bot", "*") in hub.calls
    assert "old.txt" not in hub.repos["someone/acme-bot"]["files"]


def test_a_space_this_tool_did_not_create_is_never_replaced(bot, tmp_path):
    theirs = {"app.py": b"print('their own app')"}
    hub = FakeHub({"someone/acme-bot": {"private": False, "files": dict(theirs)}})
    with pytest.raises(deploy.PublishRefused, match="not created by this publishing tool"):
        _publish(bot, tmp_path, hub, replace=True)
    assert hub.calls == [] and hub.repos["someone/acme-bot"]["files"] == theirs


def test_cli_is_private_by_default(bot, tmp_path, monkeypatch):
    hub = FakeHub()
    import huggingface_hub

    monkeypatch.setattr(huggingface_hub, "HfApi", lambda token=None: hub)
    assert deploy.main(["bank_bot", "--model", str(bot), "--repo-id", "me/bot", "--out", str(tmp_path)]) == 0
    assert hub.repos["me/bot"]["private"] is True
    with pytest.raises(SystemExit):  # exists: refused without --replace, with the reason on stderr
        deploy.main(["bank_bot", "--model", str(bot), "--repo-id", "me/bot", "--out", str(tmp_path)])


def test_a_staged_space_can_stage_and_publish_itself(bot, tmp_path):
    """In a staged bank_bot there is no collection.py (nor anything else only the repository has)."""
    staged = deploy.stage("bank_bot", tmp_path / "space")
    code = (
        "import sys; sys.modules['collection'] = None\n"  # importing it would fail, as on a Space
        "import deploy\n"
        f"folder = deploy.stage_company({str(bot)!r}, {str(tmp_path / 'again')!r})\n"
        "print((folder / 'company_model' / 'report.json').is_file(), deploy.space_names())\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=staged, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["True", "('bank_bot',)"]

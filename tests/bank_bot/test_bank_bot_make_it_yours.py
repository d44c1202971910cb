"""The "Make it yours" tab without a browser: capped training jobs, visitors kept apart, the report, the zip,
publishing through deploy.py (dry run and a mocked HfApi), and the tab's adapters on bad input."""

from __future__ import annotations

import json
import zipfile

import gradio as gr
import pytest

from bankbot import handlers
from bankbot.company import jobs
from bankbot.company.data import EXAMPLE_CSV
from harness import FakeHub

pytestmark = pytest.mark.slow

QUICK = ["--layers", "1", "--epochs", "1", "--negatives", "300"]


@pytest.fixture(scope="module")
def quick_training(monkeypatch_module):
    monkeypatch_module.setattr(jobs, "EXTRA_ARGS", QUICK)


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as mp:
        yield mp


@pytest.fixture(scope="module")
def example_tables():
    examples, answers, company, _ = handlers.load_example_company()
    return examples, answers, company


@pytest.fixture(scope="module")
def trained_dir(quick_training, example_tables):
    examples, answers, company = example_tables
    seen = []
    report, model_dir, download, chat = handlers.train_company_bot(
        examples, answers, company, progress=lambda f, desc=None: seen.append((f, desc))
    )
    assert any("Fine-tuning" in (d or "") for _, d in seen)  # the progress bar follows the child's steps
    return report, model_dir, download, chat


def test_time_cap_stops_the_child_and_says_so(tmp_path):
    with pytest.raises(jobs.TrainingError, match="stopped after"):
        jobs.run_training(EXAMPLE_CSV, tmp_path / "m", time_cap_s=1.0)


def test_memory_cap_stops_the_child_and_says_so(tmp_path):
    with pytest.raises(jobs.TrainingError, match="more than 50 MB of memory"):
        jobs.run_training(EXAMPLE_CSV, tmp_path / "m", memory_cap_mb=50)


def test_bad_data_in_the_child_comes_back_as_its_message(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("text,intent\nhello,a\nhi,a\nhey,a\n")
    with pytest.raises(jobs.TrainingError, match="at least 2"):
        jobs.run_training(bad, tmp_path / "m")


def test_report_is_honest_and_escaped(trained_dir):
    report = trained_dir[0]
    for phrase in ("Accuracy on", "95% confidence interval", "Unrelated questions declined", "Simple baseline"):
        assert phrase in report
    for preset in ("answers more", "balanced", "declines more"):
        assert preset in report
    assert sum(f"{p} (in use)" in report for p in ("answers more", "balanced", "declines more")) == 1
    assert "<script" not in report


def test_a_preset_picked_after_training_applies_to_the_trained_bot(tmp_path, trained_dir):
    import json
    import shutil

    from bankbot.company.folder import load_company

    model_dir = tmp_path / "bot"
    shutil.copytree(trained_dir[1], model_dir)
    before = load_company(model_dir)[0].info["oos"]  # the preset training picked by itself (oos.auto_preset)
    presets = json.loads((model_dir / "report.json").read_text())["out_of_scope"]["presets"]
    assert before["preset"] in presets and before["threshold"] == presets[before["preset"]]["threshold"]
    picked = "answers more" if before["preset"] != "answers more" else "declines more"
    report, download = handlers.set_company_preset(str(model_dir), picked)
    after = load_company(model_dir)[0].info["oos"]  # manifest and sha256 still check out
    assert after["preset"] == picked and after["threshold"] == presets[picked]["threshold"]
    assert f"{picked} (in use)" in report and f"{before['preset']} (in use)" not in report and download.visible
    with pytest.raises(gr.Error, match="preset"):
        handlers.set_company_preset(str(model_dir), "whatever")
    with pytest.raises(gr.Error, match="Train your bot first"):
        handlers.set_company_preset(None, "balanced")


def test_download_is_a_zip_of_the_model_folder(trained_dir):
    value = trained_dir[2].value  # gr.DownloadButton(value=zip path) keeps the file as {"path": ...}
    with zipfile.ZipFile(value["path"] if isinstance(value, dict) else value) as z:
        names = set(z.namelist())
    assert {"manifest.json", "intent_head.safetensors", "answers.json", "MODEL_CARD.md"} <= names


def test_try_it_answers_in_this_session_only_and_the_stock_bot_is_unchanged(trained_dir):
    from bankbot.models.model import get_model

    model_dir = trained_dir[1]
    history, cleared = handlers.chat_company_bot("there is a gas smell in my kitchen", trained_dir[3], model_dir)
    assert cleared == "" and "0800 111 999" in history[-1]["content"]
    with pytest.raises(gr.Error, match="Train your bot first"):
        handlers.chat_company_bot("hello", [], None)  # another visitor, no bot of their own
    assert "gas_leak" not in get_model().labels  # the stock bot never changes
    out, _, _ = handlers.chat("my card has not arrived", [])
    assert "card" in str(out).lower()


def test_user_text_is_not_rendered_as_html(trained_dir):
    history, _ = handlers.chat_company_bot("<img src=x onerror=alert(1)> gas smell", [], trained_dir[1])
    assert "onerror" not in history[-1]["content"]


@pytest.mark.parametrize(
    "table, message",
    [
        (None, "No usable rows"),
        ([["", ""]], "No usable rows"),
        ([["hello", "a"], ["hi", "a"], ["hey", "a"]], "at least 2"),
        ([[f"question {i}", f"intent {i}"] for i in range(10_000)], "10,000 intents"),
        ([["=1+1", "=cmd|' /C calc'!A0"]] * 3 + [["q", "b"]] * 3, "intent name"),
    ],
)
def test_tab_refuses_bad_tables_with_a_clear_message(table, message):
    with pytest.raises(gr.Error, match=message):
        handlers.train_company_bot(table, None, "Acme")


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "empty"),
        (b"question,answer\na,b\n", "'text' and 'intent'"),
        (b"text,intent\n" + b"x" * (50 * 1024 * 1024), "the limit is 5 MB"),
        (b"\x00\x01\x02PK\x03\x04" * 100, "binary"),
    ],
)
def test_tab_refuses_bad_uploads_with_a_clear_message(tmp_path, content, message):
    path = tmp_path / "upload.csv"
    path.write_bytes(content)
    with pytest.raises(gr.Error, match=message):
        handlers.load_examples_csv(str(path))


def test_upload_fills_the_table_and_lists_the_checks(tmp_path):
    path = tmp_path / "upload.csv"
    path.write_bytes(EXAMPLE_CSV.read_bytes() + b"<b>bold</b> gas smell,gas_leak\n")
    rows, checks = handlers.load_examples_csv(str(path))
    assert len(rows) > 60 and "HTML" in checks and "<b>" not in checks


def test_check_finds_look_alike_intents():
    table = [[f"what time is it in city {k}", "time"] for k in range(5)]
    table += [[f"what is the time in town {k}", "timezone"] for k in range(5)]
    table += [[f"book a hotel room number {k}", "hotel"] for k in range(5)]
    checks = handlers.check_examples_table(table, None)
    assert "look alike" in checks and "time" in checks


def test_publish_dry_run_stages_the_space_with_the_company_bot(trained_dir, tmp_path):
    import deploy

    assert deploy.main(["bank_bot", "--model", trained_dir[1], "--dry-run", "--out", str(tmp_path)]) == 0
    staged = tmp_path / "bank_bot"
    assert (staged / "app.py").is_file() and (staged / "company_model" / "manifest.json").is_file()
    assert (staged / "shared" / "model_source.py").is_file() and (staged / "deploy.py").is_file()


@pytest.fixture
def hub(monkeypatch):
    """The Hub, in memory: every HfApi(token=...) publishing makes is this one; the tokens it got are kept."""
    import huggingface_hub

    fake = FakeHub()
    fake.tokens = []

    def make(token=None):
        fake.tokens.append(token)
        return fake

    monkeypatch.setattr(huggingface_hub, "HfApi", make)
    _oauth(monkeypatch, False)
    return fake


def _oauth(monkeypatch, on: bool) -> None:
    """As on a Space with ``hf_oauth: true`` (the variables the Hub sets, which gradio reads at import), or as on
    a laptop (none of them)."""
    import gradio.oauth

    env = {
        "SPACE_ID": "someone/bank-bot",
        "OAUTH_CLIENT_ID": "stand-in",
        "OAUTH_CLIENT_SECRET": "stand-in",
        "OAUTH_SCOPES": "openid profile contribute-repos",
        "OPENID_PROVIDER_URL": "https://huggingface.co",
    }
    for key, value in env.items():
        if on:
            monkeypatch.setenv(key, value)
        else:
            monkeypatch.delenv(key, raising=False)
        if hasattr(gradio.oauth, key):
            monkeypatch.setattr(gradio.oauth, key, value if on else None)
    monkeypatch.setattr(gradio.oauth, "get_space", lambda: env["SPACE_ID"] if on else None)


def _customer_texts() -> list[str]:
    examples, _, _, _ = handlers.load_example_company()
    return [text for text, _ in examples if len(text) > 15]


def test_publish_pushes_with_the_visitors_token(trained_dir, hub):
    md = handlers.publish_company_bot(trained_dir[1], "hf_secret_token", "someone/my-energy-bot")
    assert "https://huggingface.co/spaces/someone/my-energy-bot" in md and "private" in md
    repo = hub.repos["someone/my-energy-bot"]
    assert hub.tokens == ["hf_secret_token"] and repo["private"] is True
    assert "company_model/manifest.json" in repo["files"] and "app.py" in repo["files"]
    card = repo["files"]["README.md"].decode()
    assert "Brightside Energy support bot" in card and "Northwind" not in card
    ours = {name: data for name, data in repo["files"].items() if name.startswith("company_model/")}
    ours["README.md"] = repo["files"]["README.md"]
    for text in _customer_texts():  # the examples, the confused ones and the checks' findings stay behind
        assert not any(text.encode() in data for data in ours.values()), text
    assert "company_model/private_report.json" not in repo["files"]


def test_publish_shares_the_examples_and_goes_public_only_when_asked(trained_dir, hub):
    handlers.publish_company_bot(trained_dir[1], "hf_x", "someone/bot", public=True, share_examples=True)
    repo = hub.repos["someone/bot"]
    assert repo["private"] is False and "company_model/private_report.json" in repo["files"]
    with pytest.raises(gr.Error, match="already exists"):
        handlers.publish_company_bot(trained_dir[1], "hf_x", "someone/bot")
    handlers.publish_company_bot(trained_dir[1], "hf_x", "someone/bot", replace=True)
    assert hub.repos["someone/bot"]["private"] is True
    assert "company_model/private_report.json" not in hub.repos["someone/bot"]["files"]


def test_publish_never_replaces_a_space_it_did_not_make(trained_dir, hub):
    hub.repos["someone/their-app"] = {"private": False, "files": {"app.py": b"theirs"}}
    with pytest.raises(gr.Error, match="not created by this publishing tool"):
        handlers.publish_company_bot(trained_dir[1], "hf_x", "someone/their-app", replace=True)
    assert hub.repos["someone/their-app"]["files"] == {"app.py": b"theirs"}


def _signed_in(username: str = "visitor"):
    profile = gr.OAuthProfile(
        {
            "preferred_username": username,
            "name": "A Visitor",
            "profile": f"https://huggingface.co/{username}",
            "picture": "",
        }
    )
    token = gr.OAuthToken(token="hf_oauth_token_of_the_visitor", scope="openid profile contribute-repos",
                          expires_at=2_000_000_000)  # fmt: skip
    return profile, token


def test_signed_in_visitor_publishes_under_their_account(trained_dir, hub, monkeypatch):
    _oauth(monkeypatch, True)
    profile, token = _signed_in()
    md = handlers.publish_company_bot(trained_dir[1], None, "energy-bot", profile=profile, oauth_token=token)
    assert "spaces/visitor/energy-bot" in md
    assert hub.tokens == ["hf_oauth_token_of_the_visitor"] and hub.repos["visitor/energy-bot"]["private"] is True
    with pytest.raises(gr.Error, match="under your account"):
        handlers.publish_company_bot(trained_dir[1], None, "someone-else/bot", profile=profile, oauth_token=token)


def test_on_a_space_the_token_field_is_not_a_way_in(trained_dir, hub, monkeypatch):
    _oauth(monkeypatch, True)
    with pytest.raises(gr.Error, match="Sign in with Hugging Face"):
        handlers.publish_company_bot(trained_dir[1], "hf_pasted", "someone/bot")
    assert hub.calls == []


def test_the_tab_signs_in_on_a_space_and_takes_a_token_only_locally(hub, monkeypatch):
    from bankbot.ui import make_it_yours_tab

    for oauth, want in ((True, (1, False)), (False, (0, True))):
        _oauth(monkeypatch, oauth)
        with gr.Blocks() as demo:
            make_it_yours_tab()
        login = [b for b in demo.blocks.values() if isinstance(b, gr.LoginButton)]
        token = [b for b in demo.blocks.values() if isinstance(b, gr.Textbox) and b.type == "password"]
        assert (len(login), token[0].visible) == want


@pytest.mark.parametrize(
    "token, repo, message",
    [("", "a/b", "Sign in"), ("hf_x", "not a repo", "your-name/my-support-bot"), ("hf_x", "../../etc", "your-name")],
)
def test_publish_explains_what_is_missing(trained_dir, hub, token, repo, message):
    with pytest.raises(gr.Error, match=message):
        handlers.publish_company_bot(trained_dir[1], token, repo)


def test_publish_failure_never_shows_the_token(trained_dir, hub, monkeypatch):
    def fail(repo_id, **kw):
        raise RuntimeError(f"401 Unauthorized for token hf_secret_token on {repo_id}")

    monkeypatch.setattr(hub, "create_repo", fail)
    with pytest.raises(gr.Error) as err:
        handlers.publish_company_bot(trained_dir[1], "hf_secret_token", "someone/bot")
    assert "hf_secret_token" not in str(err.value) and "Publishing failed" in str(err.value)


def test_a_bot_lives_its_promised_time_whatever_else_runs(trained_dir, hub, tmp_path, monkeypatch):
    """Trained at 0 min, a Batch-tab run at 15 min, published at 30 min (fake clock): each sweeps only its own
    kind, so the bot is still there to publish. The report says how long it stays."""
    from pathlib import Path

    from shared import results

    start = results.now()
    clock = [start]
    monkeypatch.setattr(results, "now", lambda: clock[0])
    monkeypatch.setattr(results, "_last_sweep", {})
    assert "2 hours" in trained_dir[0]
    clock[0] = start + 15 * 60
    messages = tmp_path / "messages.csv"
    messages.write_text("text\nmy card has not arrived\n", encoding="utf-8")
    handlers.label_messages(str(messages), progress=lambda *a, **k: None)
    clock[0] = start + 30 * 60
    assert "spaces/someone/later" in handlers.publish_company_bot(trained_dir[1], "hf_x", "someone/later")
    assert (Path(trained_dir[1]) / "manifest.json").is_file()


def test_no_visitor_file_remains_after_a_failed_training(monkeypatch, example_tables):
    """Stopped at the time cap, or failed on bad data: the examples, the answers and the half-made bot all go."""
    import functools

    from bankbot.company import service
    from shared.results import results_root

    root = results_root("bank_bot", "trained_bot")
    before = set(root.iterdir())
    examples, answers, company = example_tables
    monkeypatch.setattr(service, "run_training", functools.partial(jobs.run_training, time_cap_s=1.0))
    with pytest.raises(gr.Error, match="stopped after"):
        handlers.train_company_bot(examples, answers, company, progress=lambda *a, **k: None)
    monkeypatch.setattr(service, "run_training", functools.partial(jobs.run_training, memory_cap_mb=50))
    with pytest.raises(gr.Error, match="memory"):
        handlers.train_company_bot(examples, answers, company, progress=lambda *a, **k: None)
    assert set(root.iterdir()) == before
    assert not [p for p in root.rglob("*") if p.name in ("examples.csv", "answers.csv")]


@pytest.mark.parametrize("company", ["-Acme", "--out=/etc", 'Ä & <b>Co</b> "quoted" --name x'])
def test_any_company_name_reaches_specialize_as_it_is(company, tmp_path):
    import importlib.util

    from bankbot import SPACE_DIR

    spec = importlib.util.spec_from_file_location("specialize_script", SPACE_DIR / "specialize.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    cmd = jobs.training_command(tmp_path / "-examples.csv", tmp_path / "out", tmp_path / "answers.csv", company)
    args = script.arguments().parse_args(cmd[2:])
    assert args.name == company and args.examples == tmp_path / "-examples.csv" and args.out == tmp_path / "out"


def test_report_json_has_what_the_tab_shows(trained_dir):
    from pathlib import Path

    report = json.loads((Path(trained_dir[1]) / "report.json").read_text())
    assert {"metrics", "baseline", "confusions", "data", "timings"} <= set(report)

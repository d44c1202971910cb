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
    for preset in ("answers more (in use)", "balanced", "declines more"):
        assert preset in report
    assert "<script" not in report


def test_a_preset_picked_after_training_applies_to_the_trained_bot(tmp_path, trained_dir):
    import json
    import shutil

    from bankbot.company.folder import load_company

    model_dir = tmp_path / "bot"
    shutil.copytree(trained_dir[1], model_dir)
    before = load_company(model_dir)[0].info["oos"]
    report, download = handlers.set_company_preset(str(model_dir), "declines more")
    after = load_company(model_dir)[0].info["oos"]  # manifest and sha256 still check out
    presets = json.loads((model_dir / "report.json").read_text())["out_of_scope"]["presets"]
    assert before["preset"] == "answers more" and after["preset"] == "declines more"
    assert after["threshold"] == presets["declines more"]["threshold"] >= before["threshold"]
    assert "declines more (in use)" in report and download.visible
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


class FakeHfApi:
    calls: list = []

    def __init__(self, token=None):
        self.token = token

    def create_repo(self, repo_id, **kw):
        FakeHfApi.calls.append(("create_repo", repo_id, self.token, kw))

    def upload_folder(self, **kw):
        from pathlib import Path

        files = sorted(str(p.relative_to(kw["folder_path"])) for p in Path(kw["folder_path"]).rglob("*"))
        FakeHfApi.calls.append(("upload_folder", kw["repo_id"], self.token, files))


def test_publish_pushes_with_the_visitors_token(trained_dir, monkeypatch):
    import huggingface_hub

    FakeHfApi.calls = []
    monkeypatch.setattr(huggingface_hub, "HfApi", FakeHfApi)
    md = handlers.publish_company_bot(trained_dir[1], "hf_secret_token", "someone/my-energy-bot")
    assert "https://huggingface.co/spaces/someone/my-energy-bot" in md
    (create, repo, token, kw), (upload, repo2, token2, files) = FakeHfApi.calls
    assert create == "create_repo" and kw["repo_type"] == "space" and token == token2 == "hf_secret_token"
    assert "company_model/manifest.json" in files and "app.py" in files


@pytest.mark.parametrize(
    "token, repo, message",
    [("", "a/b", "token"), ("hf_x", "not a repo", "your-name/my-support-bot"), ("hf_x", "../../etc", "your-name")],
)
def test_publish_explains_what_is_missing(trained_dir, token, repo, message):
    with pytest.raises(gr.Error, match=message):
        handlers.publish_company_bot(trained_dir[1], token, repo)


def test_publish_failure_never_shows_the_token(trained_dir, monkeypatch):
    import huggingface_hub

    class Failing(FakeHfApi):
        def create_repo(self, repo_id, **kw):
            raise RuntimeError(f"401 Unauthorized for token {self.token}")

    monkeypatch.setattr(huggingface_hub, "HfApi", Failing)
    with pytest.raises(gr.Error) as err:
        handlers.publish_company_bot(trained_dir[1], "hf_secret_token", "someone/bot")
    assert "hf_secret_token" not in str(err.value) and "Publishing failed" in str(err.value)


def test_report_json_has_what_the_tab_shows(trained_dir):
    from pathlib import Path

    report = json.loads((Path(trained_dir[1]) / "report.json").read_text())
    assert {"metrics", "baseline", "confusions", "data", "timings"} <= set(report)

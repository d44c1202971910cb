"""A visitor makes the bot theirs in a real browser: upload a CSV, train, read the report, chat with the new
bot, download the zip. Training runs for real (a short recipe: this checks the flow, not the quality)."""

from __future__ import annotations

import zipfile

import pytest

from bankbot.company import jobs
from bankbot.company.data import EXAMPLE_CSV
from harness import launched, load_app

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server():
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(jobs, "EXTRA_ARGS", ["--layers", "1", "--epochs", "1", "--negatives", "300"])
        with launched(load_app("bank_bot").build_demo()) as url:
            yield url


def test_upload_train_report_chat_download(server, page, tmp_path):
    page.goto(server)
    page.get_by_role("tab", name="Make it yours").click()
    page.locator("#company-examples-upload input[type=file]").set_input_files(str(EXAMPLE_CSV))
    page.get_by_text("Read 200 examples for 10 intents").wait_for(timeout=60_000)
    page.get_by_role("button", name="Train my bot").click()
    page.get_by_text("Your bot is ready").wait_for(timeout=600_000)
    report = page.locator("#company-report").inner_text()
    assert "95% confidence interval" in report and "Simple baseline" in report

    box = page.get_by_label("Message to your bot")
    box.fill("I can smell gas in the kitchen")
    box.press("Enter")
    # no answers table was given: the default answer names the topic and offers a person
    page.locator("#company-chat").get_by_text("Gas leak").wait_for(timeout=60_000)

    with page.expect_download(timeout=60_000) as download:
        page.get_by_role("button", name="Download my bot (.zip)").click()
    path = tmp_path / "bot.zip"
    download.value.save_as(path)
    with zipfile.ZipFile(path) as z:
        assert {"manifest.json", "intent_head.safetensors", "answers.json"} <= set(z.namelist())

"""A hospital makes the model its own in a real browser: upload a zip of labelled slices, adapt (for real, with
fast settings: this checks the flow, not the quality), read the report, try a slice, download the model."""

from __future__ import annotations

import shutil
import zipfile

import pytest
from tumor_detect_helpers import EXAMPLES, make_site

import harness

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server():
    from braintumor.adaptation import service

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(service, "EXTRA_ARGS", ["--steps", "5", "--folds", "2", "--views", "1"])
        with harness.launched(harness.load_app("tumor_detect").build_demo()) as url:
            yield url


def test_upload_adapt_report_try_download(server, page, tmp_path):
    site = make_site(tmp_path / "site", per_class=6)
    upload = shutil.make_archive(str(tmp_path / "my_slices"), "zip", root_dir=site)
    page.goto(server)
    page.get_by_role("tab", name="Adapt to your scanner").click()
    page.get_by_text("do not upload patient slices to a public Space").wait_for()
    page.locator("#td-adapt-upload input[type=file]").set_input_files(upload)
    page.locator("#td-adapt-upload").get_by_text("my_slices").first.wait_for()
    page.get_by_role("button", name="Adapt the model").click()
    page.get_by_text("Your adapted model is ready").wait_for(timeout=600_000)
    report = page.locator("#td-adapt-report").inner_text()
    assert "released model" in report and "adapted" in report and "calibration error" in report

    page.locator("#td-adapt-try-file input[type=file]").set_input_files(str(EXAMPLES / "pituitary_1.jpg"))
    page.locator("#td-adapt-try-file").get_by_text("pituitary_1").first.wait_for()
    page.get_by_role("button", name="Analyse with my model").click()
    page.get_by_text("Answered by the model adapted to your slices").wait_for(timeout=60_000)

    with page.expect_download(timeout=60_000) as download:
        page.get_by_role("button", name="Download the adapted model (.zip)").click()
    path = tmp_path / "model.zip"
    download.value.save_as(path)
    with zipfile.ZipFile(path) as z:
        assert {"pins.json", "model.safetensors", "report.json", "MODEL_CARD.md"} <= set(z.namelist())

"""Browser flow: upload an example slice, press Analyse, see the label and the heatmap."""

from __future__ import annotations

import pytest
from tumor_detect_helpers import EXAMPLES

import harness

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def url():
    app = harness.load_app("tumor_detect")
    with harness.launched(app.build_demo()) as u:
        yield u


def test_upload_and_see_label_and_heatmap(page, url):
    page.goto(url)
    page.get_by_text("not a medical device").first.wait_for()
    harness.upload(page, "#td-upload input[type=file]", EXAMPLES / "meningioma_1.jpg", shown="meningioma_1.jpg")
    page.get_by_role("button", name="Analyse").click()
    page.locator("#td-heatmap img").first.wait_for(state="visible", timeout=60_000)
    verdict = page.locator("#td-verdict").inner_text()
    assert "Most likely" in verdict or "Uncertain" in verdict
    probs = page.locator("#td-probs").inner_text()
    assert any(c in probs for c in ("glioma", "meningioma", "notumor", "pituitary"))


def test_refusal_is_shown(page, url):
    page.goto(url)
    page.get_by_text("not a medical device").first.wait_for()  # the app is drawn: its upload takes the file
    harness.upload(page, "#td-upload input[type=file]", EXAMPLES / "not_mri_document.png", shown="not_mri_document.png")
    page.get_by_role("button", name="Analyse").click()
    page.get_by_text("Not analysed").first.wait_for(timeout=60_000)


@pytest.mark.parametrize("viewport", [(1280, 900), (390, 844)])
def test_examples_are_pictures_that_analyse_on_click(chromium, url, viewport):
    """The examples are thumbnails (a DICOM shows as its PNG preview), the non-MRI one included; a click
    analyses that slice."""
    width, height = viewport
    context = chromium.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    try:
        page.goto(url)
        pictures = page.locator("#td-examples img")
        pictures.first.wait_for(state="visible", timeout=60_000)
        assert pictures.count() == 6
        # Loaded pictures. Each is scrolled into view first (a narrow screen may load them lazily) and waited for:
        # on a busy machine a thumbnail can still be on its way when the first one shows.
        for i in range(6):
            pictures.nth(i).scroll_into_view_if_needed()
        page.wait_for_function(
            "() => [...document.querySelectorAll('#td-examples img')].every(i => i.complete && i.naturalWidth > 50)",
            timeout=60_000,
        )
        page.locator("#td-examples").get_by_text("Not an MRI").wait_for()
        pictures.nth(1).click()  # meningioma_1.jpg
        page.locator("#td-heatmap img").first.wait_for(state="visible", timeout=60_000)
        assert "meningioma" in page.locator("#td-verdict").inner_text()
        pictures.nth(5).click()  # the document: refused
        page.get_by_text("Not analysed").first.wait_for(timeout=60_000)
    finally:
        context.close()

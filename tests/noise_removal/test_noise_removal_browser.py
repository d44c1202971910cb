"""Browser tests (headless Chromium): upload a clip and get a playable result; record from a fake mic."""

from __future__ import annotations

import pytest
from conftest import CHROMIUM, CHROMIUM_ARGS

import harness

pytestmark = pytest.mark.browser

EXAMPLE = harness.SPACES / "noise_removal" / "examples" / "podcast_fan_noise_48k.wav"

# Fetch the result like the player does and decode it with the browser's own audio decoder.
DECODE_JS = """async (href) => {
  const buf = await (await fetch(href)).arrayBuffer();
  const ctx = new OfflineAudioContext(1, 1, 44100);
  const audio = await ctx.decodeAudioData(buf);
  return [audio.duration, audio.sampleRate, audio.numberOfChannels];
}"""


@pytest.fixture(scope="module")
def app_url():
    app = harness.load_app("noise_removal")
    with harness.launched(app.build_demo()) as url:
        yield url


def _result_href(page) -> str:
    link = page.locator("#cleaned-audio a[href*='_cleaned.wav']").first
    link.wait_for(state="attached", timeout=90_000)
    return link.get_attribute("href")


def test_upload_gives_playable_result(page, app_url):
    page.goto(app_url)
    page.locator("#noisy-audio input[type=file]").set_input_files(str(EXAMPLE))
    page.locator("#noisy-audio button[aria-label='Clear']").wait_for()  # the upload is loaded
    page.get_by_role("button", name="Clean", exact=True).click()
    href = _result_href(page)
    duration, rate, channels = page.evaluate(DECODE_JS, href)
    assert abs(duration - 3.75) < 0.05 and channels == 1
    page.get_by_text("Done.").wait_for()
    # both spectrograms are shown
    assert page.locator("img[src*='image']").count() >= 2


def test_record_from_fake_microphone(chromium, app_url):
    args = CHROMIUM_ARGS + [
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",
        f"--use-file-for-fake-audio-capture={EXAMPLE}",
    ]
    # its own browser (same Playwright as the session fixture), started with a fake microphone
    browser = chromium.browser_type.launch(executable_path=CHROMIUM, args=args, headless=True)
    try:
        context = browser.new_context(viewport={"width": 1280, "height": 900}, permissions=["microphone"])
        page = context.new_page()
        page.set_default_timeout(30_000)
        page.goto(app_url)
        box = page.locator("#noisy-audio")
        box.get_by_label("Record audio").click()
        box.get_by_role("button", name="Record", exact=True).click()
        page.wait_for_timeout(3_000)
        # Clean pressed before the recording reaches the server is answered "No audio yet" (by design),
        # so wait for the recording's upload to finish before pressing it.
        with page.expect_response(lambda r: "/gradio_api/upload" in r.url and r.ok, timeout=60_000):
            box.get_by_role("button", name="Stop", exact=True).first.click()
        box.locator("button[aria-label='Clear']").wait_for(timeout=60_000)
        page.get_by_role("button", name="Clean", exact=True).click()
        href = _result_href(page)
        duration, _, _ = page.evaluate(DECODE_JS, href)
        assert 0.5 < duration < 15.0  # about 3 s were recorded (a loaded machine starts the mic late)
    finally:
        browser.close()


def test_live_tab_streams_cleaned_audio(chromium, app_url):
    args = CHROMIUM_ARGS + [
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",
        f"--use-file-for-fake-audio-capture={EXAMPLE}",
        "--autoplay-policy=no-user-gesture-required",
    ]
    browser = chromium.browser_type.launch(executable_path=CHROMIUM, args=args, headless=True)
    try:
        context = browser.new_context(viewport={"width": 1280, "height": 900}, permissions=["microphone"])
        page = context.new_page()
        page.set_default_timeout(30_000)
        errors = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(app_url)
        page.get_by_role("tab", name="Live (microphone)").click()
        page.locator("#live-mic").get_by_role("button", name="Record", exact=True).click()
        # the cleaned stream starts playing in the output player
        page.locator("#live-out button[aria-label='Pause']").wait_for(timeout=90_000)
        page.wait_for_timeout(1_500)
        page.locator("#live-mic").get_by_role("button", name="Stop", exact=True).first.click()
        assert not page.get_by_text("Live cleaning stopped").count()
        assert not errors
    finally:
        browser.close()

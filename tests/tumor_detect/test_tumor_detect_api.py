"""The app through its HTTP API (gradio_client) and its MCP schema, with the shipped model."""

from __future__ import annotations

import json
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from gradio_client import Client, handle_file
from PIL import Image
from tumor_detect_helpers import EXAMPLES

import harness

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def url():
    app = harness.load_app("tumor_detect")
    with harness.launched(app.build_demo()) as u:
        yield u


@pytest.fixture(scope="module")
def client(url):
    return Client(url, verbose=False)


def test_classify_an_example_with_heatmap(client):
    probs, verdict, heat, details = client.predict(
        handle_file(str(EXAMPLES / "pituitary_1.jpg")), True, api_name="/analyse"
    )
    assert details["status"] in ("ok", "uncertain")
    assert set(details["probabilities"]) == {"glioma", "meningioma", "notumor", "pituitary"}
    assert abs(sum(details["probabilities"].values()) - 1) < 1e-3
    assert probs["label"] in details["probabilities"]
    assert "not a medical device" in verdict
    img = np.asarray(Image.open(heat))
    assert img.ndim == 3 and img.shape[2] == 3
    # the heatmap tints the image: some pixels are coloured, not gray
    assert np.abs(img[..., 0].astype(int) - img[..., 2].astype(int)).max() > 30


def test_dicom_upload(client):
    details = json.loads(client.predict(handle_file(str(EXAMPLES / "glioma_2.dcm")), api_name="/classify"))
    assert details["status"] in ("ok", "uncertain") and details["label"]


def test_non_mri_is_refused(client):
    probs, verdict, heat, details = client.predict(
        handle_file(str(EXAMPLES / "not_mri_document.png")), True, api_name="/analyse"
    )
    assert details["status"] == "refused" and heat is None
    assert "brain MRI" in verdict


def test_bad_file_gives_a_friendly_error(client, tmp_path):
    bad = tmp_path / "broken.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 50)
    with pytest.raises(Exception) as info:
        client.predict(handle_file(str(bad)), api_name="/classify")
    assert "damaged" in str(info.value) or "not an image" in str(info.value)


def test_missing_file_gives_a_friendly_error(client):
    with pytest.raises(Exception) as info:
        client.predict(None, api_name="/classify")
    assert "upload" in str(info.value)


def test_mcp_schema_lists_the_tool(url):
    with urllib.request.urlopen(url.rstrip("/") + "/gradio_api/mcp/schema", timeout=30) as resp:
        schema = json.loads(resp.read())
    text = json.dumps(schema)
    assert "classify" in text and "brain MRI" in text


def test_every_api_output_has_a_name(client):
    info = client.view_api(print_info=False, return_format="dict")
    text = json.dumps(info)
    assert "value_" not in text, text
    assert set(info["named_endpoints"]) == {"/classify", "/classify_many"}  # the screen's events are unlisted
    for endpoint in info["named_endpoints"].values():
        assert [r["python_type"]["type"] for r in endpoint["returns"]] == ["str"]  # one JSON text


def test_identical_calls_under_load_give_complete_files(url):
    """Regression: 16 clients sending the same slice at once for a few seconds, 0 errors, every heatmap
    whole (an image returned as an array used to be rewritten in place while another client read it)."""
    clients = 16
    deadline = time.monotonic() + 6.0
    example = handle_file(str(EXAMPLES / "meningioma_1.jpg"))

    def hammer(_: int) -> tuple[int, int, list[str]]:
        client = Client(url, verbose=False)
        calls, errors, problems = 0, 0, []
        while time.monotonic() < deadline:
            calls += 1
            try:
                _, _, heat, details = client.predict(example, True, api_name="/analyse")
                with Image.open(heat) as im:
                    im.load()  # raises on a truncated file
                    if im.size != (384, 384) or details["label"] != "meningioma":
                        problems.append(f"{im.size} {details['label']}")
            except Exception as exc:
                errors += 1
                problems.append(f"{type(exc).__name__}: {exc}")
        return calls, errors, problems

    with ThreadPoolExecutor(clients) as pool:
        results = list(pool.map(hammer, range(clients)))
    calls = sum(r[0] for r in results)
    problems = [p for r in results for p in r[2]]
    assert calls >= clients and not problems, f"{len(problems)} problems in {calls} calls: {problems[:5]}"


def test_batch_tab_returns_a_table_and_a_csv(client, tmp_path):
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not an image")
    names = ["glioma_1.jpg", "not_mri_document.png", "glioma_1.jpg"]
    files = [handle_file(str(EXAMPLES / n)) for n in names] + [handle_file(str(broken))]
    table, csv_path = client.predict(files, api_name="/analyse_many")
    rows = table["data"]
    assert [r[0] for r in rows] == ["glioma_1.jpg", "not_mri_document.png", "glioma_1.jpg (2)", "broken.png"]
    assert [r[1] for r in rows] == ["ok", "refused", "ok", "unreadable"] and rows[0][2] == "glioma"
    with open(csv_path, encoding="utf-8") as fh:
        header = fh.readline().strip().split(",")
    assert header[:4] == ["path", "status", "label", "confidence"] and "p_pituitary" in header
    slices = json.loads(client.predict(files, api_name="/classify_many"))["slices"]  # the tool: the same, as JSON
    assert [(s["path"], s["status"]) for s in slices] == [(r[0], r[1]) for r in rows]
    assert slices[0]["p_glioma"] > 0.5 and slices[3]["p_glioma"] is None


def test_batch_tab_refuses_too_many_files(client):
    from braintumor.handlers import MAX_BATCH_FILES

    files = [handle_file(str(EXAMPLES / "glioma_1.jpg"))] * (MAX_BATCH_FILES + 1)
    with pytest.raises(Exception, match="at most"):
        client.predict(files, api_name="/classify_many")

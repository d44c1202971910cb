"""Limits before work: a real decompression bomb (a 200 KB PNG of 8000 x 8000 RGB pixels, 192 MB once decoded)
is refused from its header, before any pixel is decoded, through the Analyse handler, the API and the Batch
tab: under 1 s of CPU and under 20 MB of new temporary disk (measured). The batch CLI never overwrites a
table it did not write."""

from __future__ import annotations

import json
import struct
import subprocess
import sys
import zlib

import gradio as gr
import pytest
from gradio_client import Client, handle_file
from tumor_detect_helpers import EXAMPLES, SPACE

import harness

SIDE = 8000  # 64 M pixels: over the app's 40 M, under Pillow's own bomb limit (so the app's check is the one tested)


@pytest.fixture(scope="module")
def bomb(tmp_path_factory):
    """A valid PNG whose every row is really there (black), deflated: a real bomb, not a header alone."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    deflate = zlib.compressobj(9)
    row = b"\0" * (1 + 3 * SIDE)  # filter byte + RGB
    idat = b"".join(deflate.compress(row) for _ in range(SIDE)) + deflate.flush()
    png = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", SIDE, SIDE, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", idat)
        + chunk(b"IEND", b"")
    )
    path = tmp_path_factory.mktemp("bomb") / "bomb.png"
    path.write_bytes(png)
    return path


@pytest.fixture(scope="module")
def warm():
    """The model is loaded once when the Space starts; measure the requests, not the start."""
    from braintumor.runtime import get_predictor

    get_predictor()


def test_the_bomb_is_real(bomb):
    from PIL import Image

    assert bomb.stat().st_size < 400_000
    with Image.open(bomb) as im:
        assert im.size == (SIDE, SIDE) and im.mode == "RGB"  # Pillow would decode it: 192 MB of pixels


def test_analyse_refuses_the_bomb_before_decoding(bomb, warm):
    from braintumor.handlers import classify

    harness.assert_cheap(harness.refused(lambda: classify(str(bomb), True), f"{SIDE} x {SIDE}", "decompression bomb"))


def test_batch_tab_refuses_bombs_fast(bomb, warm):
    from braintumor.handlers import MAX_BATCH_FILES, classify_many

    with harness.Spent(harness.gradio_temp()) as spent:
        table, _ = classify_many([str(bomb)] * 10, progress=lambda *a, **k: None)
    assert all(row[1] == "unreadable" and "decompression bomb" in row[4] for row in table)
    harness.assert_cheap(spent)
    with pytest.raises(gr.Error):
        classify_many([str(bomb)] * (MAX_BATCH_FILES + 1))


@pytest.mark.slow
def test_api_refuses_the_bomb_fast(bomb, warm):
    app = harness.load_app("tumor_detect")
    with harness.launched(app.build_demo()) as url:
        client = Client(url, verbose=False)
        harness.assert_cheap(harness.refused(lambda: client.predict(handle_file(str(bomb)), api_name="/classify"),
                                 "decompression bomb"))  # fmt: skip
        with harness.Spent(harness.gradio_temp()) as spent:
            result = json.loads(client.predict([handle_file(str(bomb))], api_name="/classify_many"))
        assert result["slices"][0]["status"] == "unreadable"
        harness.assert_cheap(spent)


def test_cli_never_overwrites_a_table_it_did_not_write(tmp_path):
    """A user's own labels (``label``, ``confidence``) given as OUTPUT stay byte for byte; the CLI says why."""
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "glioma_1.jpg").write_bytes((EXAMPLES / "glioma_1.jpg").read_bytes())
    labels = tmp_path / "labels.csv"
    labels.write_bytes(b"path,label,confidence\r\nglioma_1.jpg,glioma,0.99\r\n")
    before = labels.read_bytes()
    out = subprocess.run(
        [sys.executable, str(SPACE / "batch.py"), str(tmp_path / "in"), str(labels), "--quiet"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 2 and "not a table this script wrote" in out.stderr
    assert labels.read_bytes() == before
    out = subprocess.run(
        [sys.executable, str(SPACE / "batch.py"), str(tmp_path / "in"), str(tmp_path / "t.csv"),
         "--heatmaps", str(tmp_path / "in" / "maps")],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert out.returncode == 2 and "outside the input folder" in out.stderr

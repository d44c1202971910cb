"""The tumor_detect batch job (shipped model): same verdicts as one slice at a time, unreadable files in their
own rows, heatmaps, resume, the CLI's JSON line, Ray equal to the local run, and the ZeroGPU registration."""

from __future__ import annotations

import csv
import shutil

import numpy as np
import pytest
from tumor_detect_helpers import EXAMPLES, SPACE

from harness import assert_same_rows, run_batch_cli, run_with_standin
from shared.batch import run_batch

CLI = SPACE / "batch.py"


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """The examples, one of them twice in a subfolder, a file that is not an image, and a blank slice."""
    from PIL import Image

    root = tmp_path_factory.mktemp("slices")
    for f in EXAMPLES.iterdir():
        if f.suffix in (".jpg", ".png", ".dcm"):
            shutil.copy(f, root / f.name)
    (root / "scans" / "b").mkdir(parents=True)
    shutil.copy(EXAMPLES / "glioma_1.jpg", root / "scans" / "b" / "again.JPG")
    (root / "scans" / "broken.png").write_bytes(b"not an image at all")
    Image.fromarray(np.full((64, 64), 90, np.uint8)).save(root / "blank.png")
    (root / "notes.txt").write_text("not a slice")
    return root


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.slow
def test_batch_rows_match_one_slice_at_a_time(folder, tmp_path):
    from braintumor import CLASSES
    from braintumor.batch_job import COLUMNS, SliceTask, list_slices
    from braintumor.imageio import InputError
    from braintumor.runtime import get_predictor

    items = list_slices(folder)
    assert [i["path"] for i in items][:2] == ["blank.png", "glioma_1.jpg"] and len(items) == 9
    out = tmp_path / "slices.csv"
    result = run_batch(SliceTask(out, tmp_path / "heat"), items, workers=1, show_progress=False)
    rows = read_csv(out)
    assert list(rows[0]) == list(COLUMNS) and [r["path"] for r in rows] == [i["path"] for i in items]

    predictor = get_predictor()
    for item, row in zip(items, rows, strict=True):
        try:
            single = predictor.predict_file(item["file"])
        except InputError as exc:
            assert row["status"] == "unreadable" and row["message"] == str(exc)
            continue
        assert row["status"] == single.status.value and row["label"] == (single.label or "")
        for c in CLASSES:
            if single.probabilities:
                assert abs(float(row[f"p_{c}"]) - single.probabilities[c]) < 1e-4
            else:
                assert row[f"p_{c}"] == ""
    by_path = {r["path"]: r for r in rows}
    assert by_path["glioma_1.jpg"]["label"] == "glioma" and by_path["scans/b/again.JPG"]["label"] == "glioma"
    assert by_path["not_mri_document.png"]["status"] == "refused"
    assert by_path["blank.png"]["status"] == "refused"
    assert result.summary.failed == 1 and result.summary.ok == 8
    assert (tmp_path / "heat" / "scans" / "b" / "again.JPG.png").is_file()
    assert not (tmp_path / "heat" / "not_mri_document.png.png").exists()

    again = run_batch(SliceTask(out), items, workers=1, show_progress=False)
    assert again.summary.skipped == 8 and read_csv(out) == rows  # only the unreadable file was tried again


@pytest.mark.slow
def test_cli_prints_one_json_line_and_ray_agrees(folder, tmp_path):
    pytest.importorskip("ray")
    from braintumor import CLASSES
    from shared.batch import local_ray_head

    local = run_batch_cli(CLI, folder, tmp_path / "local.csv", "--workers", "2")
    assert {k: local[k] for k in ("items", "ok", "failed", "engine")} == {
        "items": 9,
        "ok": 8,
        "failed": 1,
        "engine": "local",
    }
    with local_ray_head(num_cpus=2) as address:
        ray_run = run_batch_cli(CLI, folder, tmp_path / "ray.csv", "--ray", address, "--workers", "1")
    assert ray_run["engine"] == "ray" and ray_run["ok"] == 8
    numbers = ("confidence", *(f"p_{c}" for c in CLASSES))
    assert_same_rows(read_csv(tmp_path / "ray.csv"), read_csv(tmp_path / "local.csv"), numbers, 1e-4)


@pytest.mark.slow
def test_a_gpu_function_is_registered_at_import_for_zero_gpu():
    code = "import json, spaces, braintumor.handlers; print(json.dumps(spaces.REGISTERED))"
    names = [r["name"] for r in run_with_standin(code)]
    assert "braintumor.runtime.predict_grays" in names

"""The noise_removal batch job: same relative paths and formats, same length/rate/channels, the same samples as
the app's one-file path, a bad file in its own row, resume, the CLI's JSON line, Ray equal to the local run,
the ONNX Runtime provider, and the ZeroGPU registration."""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys

import pytest
import soundfile as sf
from nr_signals import assert_same_audio

import harness
from harness import run_batch_cli, run_with_standin
from shared.batch import run_batch

SPACE = harness.SPACES / "noise_removal"
EXAMPLES = SPACE / "examples"
CLI = SPACE / "batch.py"


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    root = tmp_path_factory.mktemp("recordings")
    shutil.copy(EXAMPLES / "interview_stereo_44k.wav", root / "interview.wav")
    (root / "show" / "ep1").mkdir(parents=True)
    shutil.copy(EXAMPLES / "voice_note_16k.flac", root / "show" / "ep1" / "note.flac")
    x, rate = sf.read(str(EXAMPLES / "podcast_fan_noise_48k.wav"), dtype="float32")
    sf.write(str(root / "show" / "fan.ogg"), x[: 2 * rate], rate, format="OGG", subtype="VORBIS")
    (root / "show" / "broken.mp3").write_bytes(b"\x00" * 2048)
    (root / "readme.txt").write_text("not audio")
    return root


def read_report(folder):
    with open(folder / "report.csv", newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_folder_in_folder_out(folder, tmp_path):
    from voiceclean.batch_job import RecordingTask, list_recordings
    from voiceclean.clean import clean_file

    items = list_recordings(folder)
    assert [i["path"] for i in items] == ["interview.wav", "show/broken.mp3", "show/ep1/note.flac", "show/fan.ogg"]
    out = tmp_path / "clean"
    result = run_batch(RecordingTask(out), items, workers=1, show_progress=False)
    rows = read_report(out)
    assert [r["path"] for r in rows] == [i["path"] for i in items]
    assert [r["status"] for r in rows] == ["ok", "failed", "ok", "ok"] and "could not be read" in rows[1]["message"]
    assert (result.summary.ok, result.summary.failed) == (3, 1)
    for name, fmt in (("interview.wav", "WAV"), ("show/ep1/note.flac", "FLAC"), ("show/fan.ogg", "OGG")):
        a, b = sf.info(str(folder / name)), sf.info(str(out / name))
        assert (b.format, b.samplerate, b.channels, b.frames) == (fmt, a.samplerate, a.channels, a.frames)
    # the same samples as the app's one-file path
    single = clean_file(folder / "interview.wav", tmp_path / "single.wav")
    assert_same_audio(sf.read(str(out / "interview.wav"))[0], sf.read(str(single.path))[0])

    (out / "show" / "fan.ogg").unlink()  # a deleted output is made again; the rest is skipped
    again = run_batch(RecordingTask(out), items, workers=1, show_progress=False)
    assert again.summary.skipped == 2 and (out / "show" / "fan.ogg").is_file()


def test_onnx_runtime_says_which_provider():
    from shared.device import ort_providers
    from voiceclean import networks

    assert networks.provider() == ort_providers()[0] or networks.provider() == "CPUExecutionProvider"


def test_cli_refuses_an_output_inside_the_input(folder):
    out = subprocess.run([sys.executable, str(CLI), str(folder), str(folder / "out")], capture_output=True, text=True)
    assert out.returncode == 2 and "must not contain each other" in out.stderr


@pytest.mark.slow
def test_cli_json_line_and_ray_agrees(folder, tmp_path):
    pytest.importorskip("ray")
    from shared.batch import local_ray_head

    local = run_batch_cli(CLI, folder, tmp_path / "local", "--workers", "2")
    assert (local["items"], local["ok"], local["failed"], local["engine"]) == (4, 3, 1, "local")
    assert local["audio_seconds"] > 8 and local["real_time_factor"] > 0
    with local_ray_head(num_cpus=2) as address:
        ray_run = run_batch_cli(CLI, folder, tmp_path / "ray", "--ray", address, "--workers", "2")
    assert ray_run["engine"] == "ray" and ray_run["ok"] == 3
    assert read_report(tmp_path / "ray") == read_report(tmp_path / "local")
    for name in ("interview.wav", "show/ep1/note.flac"):
        assert_same_audio(sf.read(str(tmp_path / "ray" / name))[0], sf.read(str(tmp_path / "local" / name))[0])


@pytest.mark.slow
def test_a_gpu_function_is_registered_at_import_for_zero_gpu():
    code = "import json, spaces, voiceclean.handlers; print(json.dumps(spaces.REGISTERED))"
    names = [r["name"] for r in run_with_standin(code)]
    assert "voiceclean.batch_job.clean_to" in names

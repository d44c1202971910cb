"""Helpers every Space's tests use: paths, app loading, a live server."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from collection import SPACE_NAMES  # noqa: F401  (one list of Spaces, re-exported for the tests)

ROOT = Path(__file__).resolve().parents[1]
SPACES = ROOT / "spaces"

_tmp = Path(tempfile.mkdtemp(prefix="gradio-tests-"))
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("GRADIO_TEMP_DIR", str(_tmp / "tmp"))
os.environ.setdefault("GRADIO_EXAMPLES_CACHE", str(_tmp / "examples-cache"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")


def load_app(name: str):
    """Import ``spaces/<name>/app.py`` under a unique module name (all three are app.py), as the launcher does."""
    from launcher import load_space_app

    return load_space_app(name)


def wait_for_http(url: str, timeout: float = 60.0) -> None:
    """'Running on local URL' prints before the server answers, so poll."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as resp:
                if resp.status == 200:
                    return
        except Exception:
            if time.monotonic() > deadline:
                raise
        time.sleep(0.3)


@contextlib.contextmanager
def launched(demo) -> Iterator[str]:
    """Serve a Blocks on a free local port for the duration of the block; yields its URL."""
    from shared.ui import launch_kwargs

    kwargs = launch_kwargs(demo)  # the Space's own upload cap, as served
    kwargs.pop("show_error", None)
    _, url, _ = demo.launch(prevent_thread_lock=True, quiet=True, show_error=True, **kwargs)
    try:
        wait_for_http(url)
        yield url
    finally:
        demo.close()


def upload(page, selector: str, file: Path, shown: str, tries: int = 3) -> None:
    """Put a file into an upload and wait until the page shows `shown`.

    Under a loaded machine the page can be drawn before its upload is wired, and a file given then is dropped
    without a trace: set it again rather than wait longer for something that will never come. Once the upload
    has taken a file its input is gone, and the page is only slow to show the name: then just wait. The last wait
    raises, so a page that never takes the file still fails."""
    from playwright.sync_api import TimeoutError as NotShown

    for attempt in range(tries):
        inputs = page.locator(selector)
        if attempt and inputs.count() == 0:
            break  # taken: only the name is late
        inputs.first.set_input_files(str(file))
        try:
            page.get_by_text(shown).first.wait_for(timeout=20_000)
            return
        except NotShown:
            pass
    page.get_by_text(shown).first.wait_for(timeout=60_000)


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def staged_app(
    folder: Path, timeout: float = 180.0, drop_env: tuple[str, ...] = (), python: str | Path = sys.executable
) -> Iterator[str]:
    """Start a staged Space with ``python app.py`` in a clean subprocess, as a Space runs it (its folder
    first on the path), with ``python`` (another venv's, for one built from the Space's requirements); yield its
    URL; stop it and fail if it printed a traceback."""
    import subprocess

    port = free_port()
    prefixes = ("PYTHON", "GRADIO_", "SPACE", *drop_env)
    env = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
    env.update(
        GRADIO_SERVER_NAME="127.0.0.1",
        GRADIO_SERVER_PORT=str(port),
        GRADIO_ANALYTICS_ENABLED="False",
        HF_HUB_OFFLINE="1",
        PYTHONNOUSERSITE="1",
    )
    log_path = folder.parent / f"{folder.name}-server.log"
    with log_path.open("w+") as log:
        proc = subprocess.Popen([str(python), "app.py"], cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            url = f"http://127.0.0.1:{port}/"
            try:
                wait_for_http(url, timeout=timeout)
            except Exception as exc:
                log.seek(0)
                raise AssertionError(f"{folder.name} did not start:\n{log.read()[-3000:]}") from exc
            yield url
        finally:
            proc.terminate()
            proc.wait(timeout=30)
        log.seek(0)
        output = log.read()
    assert "Traceback" not in output, output[-3000:]


def run_batch_cli(cli: Path, *args: object, env: dict | None = None) -> dict:
    """Run a Space's ``batch.py`` quietly on one thread; return the JSON object it prints last."""
    import json
    import subprocess

    out = subprocess.run(
        [sys.executable, str(cli), *map(str, args), "--quiet"],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "OMP_NUM_THREADS": "1", **(env or {})},
    )
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def run_with_standin(code: str, timeout: float = 300) -> object:
    """Run ``code`` in a fresh interpreter that finds the stand-in ``spaces`` package (tests/standins), as on
    ZeroGPU; return the JSON it prints last."""
    import json
    import subprocess

    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "tests" / "standins"), os.environ.get("PYTHONPATH", "")]),
        "SPACES_ZERO_GPU": "true",
    }
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=timeout)
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


class Spent:
    """CPU seconds (this process and its finished children) and the peak of new bytes in a folder, while the
    ``with`` block runs; the folder is measured by walking it every few milliseconds, not guessed."""

    def __init__(self, folder: Path | str) -> None:
        self.folder = Path(folder)
        self.cpu_s = 0.0
        self.peak_new_mb = 0.0

    @staticmethod
    def _bytes(folder: Path) -> int:
        total = 0
        for root, _, files in os.walk(folder):
            for name in files:
                with contextlib.suppress(OSError):
                    total += os.path.getsize(os.path.join(root, name))
        return total

    @staticmethod
    def _cpu() -> float:
        import resource

        me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime

    def __enter__(self) -> Spent:
        import threading

        self.folder.mkdir(parents=True, exist_ok=True)
        self._start_bytes, self._peak = self._bytes(self.folder), 0
        self._stop = threading.Event()

        def watch() -> None:
            while not self._stop.is_set():
                self._peak = max(self._peak, self._bytes(self.folder))
                self._stop.wait(0.005)

        self._watcher = threading.Thread(target=watch, daemon=True)
        self._watcher.start()
        self._cpu0 = self._cpu()
        return self

    def __exit__(self, *exc) -> None:
        self.cpu_s = self._cpu() - self._cpu0
        self._stop.set()
        self._watcher.join()
        self._peak = max(self._peak, self._bytes(self.folder))
        self.peak_new_mb = max(0, self._peak - self._start_bytes) / 1e6


def gradio_temp() -> Path:
    """Where Gradio (and the Spaces' result folders) keep temporary files in this test run."""
    return Path(os.environ["GRADIO_TEMP_DIR"])


LIMIT_CPU_S, LIMIT_NEW_MB = 1.0, 20.0  # what refusing an input far over a limit may cost (issue: limits before work)


def assert_cheap(spent: Spent) -> None:
    assert spent.cpu_s < LIMIT_CPU_S, f"{spent.cpu_s:.2f} s of CPU"
    assert spent.peak_new_mb < LIMIT_NEW_MB, f"{spent.peak_new_mb:.1f} MB of new temporary files"


def refused(call, *words: str) -> Spent:
    """Run ``call``, which must fail with a message holding ``words`` (no trace); returns what it spent."""
    import pytest

    with Spent(gradio_temp()) as spent, pytest.raises(Exception) as info:
        call()
    message = str(getattr(info.value, "message", info.value))
    assert "Traceback" not in message
    for word in words:
        assert word in message, message
    return spent


class FakeHub:
    """What publishing asks of HfApi, on an in-memory Hub: {repo_id: {"private": bool, "files": {name: bytes}}}."""

    def __init__(self, repos: dict | None = None) -> None:
        self.repos = repos or {}
        self.calls: list[tuple] = []

    def repo_exists(self, repo_id, repo_type=None):
        return repo_id in self.repos

    def file_exists(self, repo_id, filename, repo_type=None):
        return filename in self.repos[repo_id]["files"]

    def create_repo(self, repo_id, repo_type=None, space_sdk=None, private=None, exist_ok=False):
        assert not exist_ok and repo_id not in self.repos
        self.calls.append(("create_repo", repo_id, private))
        self.repos[repo_id] = {"private": private, "files": {}}

    def update_repo_settings(self, repo_id, private=None, repo_type=None):
        self.calls.append(("update_repo_settings", repo_id, private))
        self.repos[repo_id]["private"] = private

    def upload_folder(self, repo_id, folder_path, delete_patterns=None, **kw):
        self.calls.append(("upload_folder", repo_id, delete_patterns))
        repo = self.repos[repo_id]
        if delete_patterns == "*":
            repo["files"] = {}
        for p in Path(folder_path).rglob("*"):
            if p.is_file() and "__pycache__" not in p.parts:
                repo["files"][p.relative_to(folder_path).as_posix()] = p.read_bytes()


def assert_same_rows(got: list[dict], want: list[dict], numbers: tuple[str, ...], atol: float) -> None:
    """Two runs' output rows agree: every column exactly (text, labels, counts) except the computed ``numbers``,
    which may differ in the last bits across processes, batch sizes and CPUs and are compared to ``atol``
    (a blank stays blank)."""
    assert len(got) == len(want) and [list(r) for r in got] == [list(r) for r in want]
    for g, w in zip(got, want, strict=True):
        assert {k: v for k, v in g.items() if k not in numbers} == {k: v for k, v in w.items() if k not in numbers}
        for k in numbers:
            assert (g[k] in ("", None)) == (w[k] in ("", None)), (k, g, w)
            if g[k] not in ("", None):
                assert abs(float(g[k]) - float(w[k])) <= atol, (k, g, w)


def requirement_lines(path: Path) -> list[str]:
    """A requirements file's requirements: comments, blank lines and pip options (``--extra-index-url``) left out."""
    lines = [line.split("#")[0].strip() for line in path.read_text().splitlines()]
    return [line for line in lines if line and not line.startswith("-")]


def pins(path: Path) -> dict[str, str]:
    """{normalised name: exact version} of a requirements file's ``==`` pins."""
    import re

    found = {}
    for line in requirement_lines(path):
        m = re.match(r"([A-Za-z0-9_.-]+)(?:\[[^\]]*\])?==([\w.+]+)$", line)
        if m:
            found[re.sub(r"[-_.]+", "-", m.group(1)).lower()] = m.group(2)
    return found

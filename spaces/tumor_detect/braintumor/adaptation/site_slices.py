"""A site's labelled slices, read safely from a folder or a zip, with plain-language checks.

Layout: one folder per class (``glioma/``, ``meningioma/``, ``pituitary/``, ``notumor/``; a few spellings
are accepted), anywhere in the folder or zip, holding images (PNG, JPEG, WebP, TIFF, BMP) or DICOM files; or
loose files whose names start with their class (``glioma_017.png``).
Problems that make adaptation impossible raise ``SiteDataError`` with a sentence a non-coder can act on;
the rest become warnings shown before training. Nothing here logs a file's content or name.
"""

from __future__ import annotations

import hashlib
import shutil
import stat
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import numpy as np

from .. import CLASSES
from ..imageio import IMAGE_SUFFIXES, MAX_FILE_BYTES, InputError, load_gray

ALIASES = {
    "glioma": "glioma",
    "glioma_tumor": "glioma",
    "meningioma": "meningioma",
    "meningioma_tumor": "meningioma",
    "pituitary": "pituitary",
    "pituitary_tumor": "pituitary",
    "notumor": "notumor",
    "no_tumor": "notumor",
    "notumour": "notumor",
    "no_tumour": "notumor",
    "normal": "notumor",
}
MIN_PER_CLASS = 5  # fewer cannot be split for the out-of-fold report
FEW_PER_CLASS = 20  # below this the report's intervals are very wide
MAX_SLICES = 2000  # bounds the job's time; 25-50 per class are enough
MAX_ZIP_BYTES = 200 * 2**20  # the zip file itself
MAX_UNPACKED_BYTES = 600 * 2**20  # all entries together, read from the zip's directory before extracting
MAX_ENTRIES = 5000
MAX_RATIO = 200  # uncompressed / compressed size of one entry: more is a zip bomb
NOT_MRI_RATIO = 2.0  # the low-level input check's distance / threshold above which a slice is "not MRI"
NEAR_DUPLICATE = 0.99  # thumbnail correlation: the same slice re-encoded, or its neighbour in the scan
IGNORED_PARTS = ("__MACOSX",)


class SiteDataError(ValueError):
    """The slices cannot be used; the message says why in plain language."""


@dataclass
class SiteSlices:
    """The usable slices: original 2-D grayscale arrays, labels (indices into CLASSES), display names (the
    path inside the upload), near-duplicate groups, and warnings for the visitor."""

    grays: list[np.ndarray] = field(default_factory=list)
    labels: list[int] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    groups: list[int] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        c = Counter(self.labels)
        return {name: c.get(i, 0) for i, name in enumerate(CLASSES)}

    def subset(self, keep: list[int]) -> SiteSlices:
        return SiteSlices(
            [self.grays[i] for i in keep],
            [self.labels[i] for i in keep],
            [self.names[i] for i in keep],
            [self.groups[i] for i in keep],
            list(self.warnings),
        )


def _alias(name: str) -> str | None:
    return ALIASES.get(name.strip().lower().replace(" ", "_").replace("-", "_"))


def class_of(relative: PurePosixPath) -> str | None:
    """The class of a file: the nearest folder above it with a class name, else a file name that starts with
    one (``glioma_017.png``, ``no_tumour-3.dcm``: what loose files uploaded through a browser keep), else None."""
    for part in reversed(relative.parts[:-1]):
        if _alias(part):
            return _alias(part)
    stem = relative.name.lower().replace(" ", "_").replace("-", "_")
    for alias in sorted(ALIASES, key=len, reverse=True):
        if stem.startswith(alias) and stem[len(alias) : len(alias) + 1] in ("_", "."):
            return ALIASES[alias]
    return None


def _hidden(relative: PurePosixPath) -> bool:
    return any(p.startswith(".") or p in IGNORED_PARTS for p in relative.parts)


def _names(items: list[str], n: int = 5) -> str:
    shown = ", ".join(f"'{x}'" for x in items[:n])
    return shown + (f" and {len(items) - n} more" if len(items) > n else "")


def safe_extract(zip_path: Path, dest: Path) -> Path:
    """Extract a zip into ``dest`` after checking it: the file size, the number of entries, the total and per-file
    uncompressed sizes and their ratio to the compressed size (zip bombs), all read from the zip's directory
    before anything is written; names that point outside the zip (absolute, ``..``, drive letters) and
    symbolic links. Each entry is copied with a byte budget, so a directory that lies about sizes still stops."""
    zip_path, dest = Path(zip_path), Path(dest)
    size = zip_path.stat().st_size
    if size > MAX_ZIP_BYTES:
        raise SiteDataError(f"The zip is {size / 2**20:.0f} MB; the limit is {MAX_ZIP_BYTES // 2**20} MB.")
    try:
        archive = zipfile.ZipFile(zip_path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise SiteDataError("The file is not a zip we can open (it may be damaged).") from exc
    with archive:
        infos = [i for i in archive.infolist() if not i.is_dir()]
        if len(infos) > MAX_ENTRIES:
            raise SiteDataError(f"The zip holds {len(infos):,} files; the limit is {MAX_ENTRIES:,}.")
        total = sum(i.file_size for i in infos)
        if total > MAX_UNPACKED_BYTES:
            raise SiteDataError(
                f"The zip would unpack to {total / 2**20:,.0f} MB; the limit is {MAX_UNPACKED_BYTES // 2**20} MB. "
                "25 to 50 slices per class are enough."
            )
        for info in infos:
            name = info.filename.replace("\\", "/")
            parts = PurePosixPath(name).parts
            if name.startswith("/") or (parts and ":" in parts[0]) or ".." in parts:
                raise SiteDataError(
                    "The zip contains a file whose path points outside the zip; it was refused for safety. "
                    "Make the zip again from the folder of class folders."
                )
            if stat.S_ISLNK(info.external_attr >> 16):
                raise SiteDataError("The zip contains a symbolic link; it was refused for safety.")
            if info.file_size > MAX_FILE_BYTES:
                raise SiteDataError(
                    f"A file in the zip unpacks to {info.file_size / 2**20:.0f} MB; the limit per slice is "
                    f"{MAX_FILE_BYTES // 2**20} MB."
                )
            if info.file_size > MAX_RATIO * max(info.compress_size, 1) and info.file_size > 2**20:
                raise SiteDataError("The zip looks like a 'zip bomb' (a file far larger unpacked); it was refused.")
        root = dest.resolve()
        for info in infos:
            target = (root / info.filename.replace("\\", "/")).resolve()
            if root not in target.parents:
                raise SiteDataError("The zip contains a file whose path points outside the zip; it was refused.")
            target.parent.mkdir(parents=True, exist_ok=True)
            budget = info.file_size
            with archive.open(info) as src, open(target, "wb") as out:
                while chunk := src.read(1 << 20):
                    budget -= len(chunk)
                    if budget < 0:
                        raise SiteDataError("The zip's sizes do not match its content; it was refused.")
                    out.write(chunk)
    return dest


def gather(paths: list[Path], work: Path) -> Path:
    """Put an upload (one zip, several zips, or loose files that keep their folder names) into ``work/slices``."""
    root = Path(work) / "slices"
    root.mkdir(parents=True, exist_ok=True)
    for i, p in enumerate(paths):
        p = Path(p)
        if p.suffix.lower() == ".zip":
            safe_extract(p, root / f"zip{i}")
        elif p.is_file():
            if p.stat().st_size > MAX_FILE_BYTES:
                raise SiteDataError(f"A file is over {MAX_FILE_BYTES // 2**20} MB; the limit per slice is that much.")
            target = root / "loose" / str(i) / p.name  # its class comes from its name (class_of)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(p, target)
    return root


def _thumb(x: np.ndarray) -> np.ndarray:
    v = x[:: max(1, x.shape[0] // 32), :: max(1, x.shape[1] // 32)][:32, :32].astype(np.float64).ravel()
    v = v - v.mean()
    n = np.linalg.norm(v)
    return v / n if n > 0 else v


def near_duplicate_groups(arrays: np.ndarray, threshold: float = NEAR_DUPLICATE) -> list[int]:
    """Union-find groups of model arrays whose thumbnails correlate >= threshold (kept on one side of a fold)."""
    t = np.stack([_thumb(a) for a in arrays]) if len(arrays) else np.zeros((0, 1))
    sims = t @ t.T
    parent = list(range(len(t)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j in zip(*np.nonzero(np.triu(sims >= threshold, 1)), strict=True):
        parent[find(int(i))] = find(int(j))
    roots = [find(i) for i in range(len(t))]
    index = {r: k for k, r in enumerate(dict.fromkeys(roots))}
    return [index[r] for r in roots]


def read_site(folder: Path, predictor=None, max_slices: int = MAX_SLICES) -> SiteSlices:
    """Read and check a folder of class folders. ``predictor``: the model to adapt; its low-level input check
    tells slices that are not MRI at all (left out, with a warning). Raises SiteDataError."""
    folder = Path(folder)
    if not folder.is_dir():
        raise SiteDataError("The slices folder does not exist.")
    files, unlabelled, seen_dirs = [], 0, set()
    for p in sorted(folder.rglob("*")):
        rel = PurePosixPath(p.relative_to(folder).as_posix())
        if _hidden(rel):
            continue
        if p.is_dir():
            key = _alias(p.name)
            if key:
                seen_dirs.add(key)
            continue
        label = class_of(rel)
        if label is None:
            unlabelled += 1
            continue
        files.append((rel.as_posix(), p, label))
    if not files:
        raise SiteDataError(
            "No labelled slices found. Put the slices in folders named glioma, meningioma, pituitary and notumor "
            "(in the zip you upload), or name each file after its class (glioma_017.png)."
        )
    if len(files) > max_slices:
        raise SiteDataError(f"{len(files):,} slices is more than this job takes ({max_slices:,}); 25 to 50 per class "
                            "are enough.")  # fmt: skip
    warnings = []
    if unlabelled:
        warnings.append(f"{unlabelled} file(s) are not inside a class folder and were left out.")
    unreadable, by_hash, dupes, conflicts = [], {}, 0, []
    grays, labels, names = [], [], []
    for name, path, label in files:
        if path.suffix.lower() not in IMAGE_SUFFIXES and path.suffix:
            unreadable.append(name)
            continue
        try:
            gray = load_gray(path)
        except InputError:
            unreadable.append(name)
            continue
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest in by_hash:
            first_label = by_hash[digest]
            if first_label != label:
                conflicts.append(name)
            dupes += 1
            continue
        by_hash[digest] = label
        grays.append(gray)
        labels.append(CLASSES.index(label))
        names.append(name)
    if unreadable:
        raise SiteDataError(
            f"{len(unreadable)} file(s) are not images or DICOM slices we can read: {_names(unreadable)}. "
            "Remove them (or save them as PNG, JPEG or DICOM) and upload again."
        )
    if conflicts:
        raise SiteDataError(
            f"The same file appears in two different class folders: {_names(conflicts)}. Each slice needs one label."
        )
    if dupes:
        warnings.append(f"{dupes} exact duplicate file(s) were found; each slice is used once.")
    site = SiteSlices(grays, labels, names, [0] * len(grays), warnings)
    if predictor is not None:
        site = _drop_not_mri(site, predictor)
    _check_counts(site, seen_dirs)
    sizes = Counter(g.shape for g in site.grays)
    if len(sizes) > 1:
        common = ", ".join(f"{w}x{h} ({n})" for (h, w), n in sizes.most_common(3))
        site.warnings.append(
            f"The slices come in {len(sizes)} different sizes ({common}). That is fine for one scanner with "
            "several protocols; slices from several machines make the adapted model a mix of them."
        )
    site.groups = near_duplicate_groups(to_arrays(site.grays))
    n_groups = len(set(site.groups))
    if n_groups < len(site.groups):
        site.warnings.append(
            f"{len(site.groups) - n_groups} slice(s) are near-copies of another (re-encoded, or neighbouring slices "
            "of one scan); they are kept together when the report holds slices out."
        )
    return site


def to_arrays(grays: list[np.ndarray], crop: bool = True, size: int | None = None) -> np.ndarray:
    from ..preprocess import SIZE, to_model_array

    return np.stack([to_model_array(g, size or SIZE, crop=crop) for g in grays])


def _drop_not_mri(site: SiteSlices, predictor) -> SiteSlices:
    arrays = np.stack([predictor.model_array(g) for g in site.grays])
    ratio = low_check_ratio(predictor, arrays)
    bad = [i for i, r in enumerate(ratio) if r > NOT_MRI_RATIO]
    if not bad:
        return site
    if len(bad) > len(site.grays) / 2:
        raise SiteDataError(
            f"{len(bad)} of the {len(site.grays)} images do not look like MRI slices at all (for example "
            f"{_names([site.names[i] for i in bad], 3)}): photos, documents or other kinds of scans cannot "
            "teach this model. Upload brain MRI slices."
        )
    keep = [i for i in range(len(site.grays)) if i not in set(bad)]
    out = site.subset(keep)
    out.warnings.append(
        f"{len(bad)} image(s) do not look like MRI slices and were left out: {_names([site.names[i] for i in bad])}."
    )
    return out


def low_check_ratio(predictor, arrays: np.ndarray) -> np.ndarray:
    """The low-level input check alone (frozen ImageNet blocks: unchanged by adaptation), distance / threshold."""
    import torch

    from ..preprocess import to_pixel_values

    if predictor.low_check is None:
        return np.zeros(len(arrays))
    out = []
    with torch.no_grad():
        for i in range(0, len(arrays), 32):
            _, _, act = predictor._features(to_pixel_values(arrays[i : i + 32]))
            low = predictor.low_features(act)
            out.append((predictor.low_check.score(low) / predictor.cal["ood_threshold_low"]).numpy())
    return np.concatenate(out)


def _check_counts(site: SiteSlices, seen_dirs: set[str]) -> None:
    counts = site.counts()
    present = [c for c, n in counts.items() if n]
    empty = sorted(c for c in seen_dirs if counts.get(c, 0) == 0)
    if empty:
        raise SiteDataError(
            f"The class folder(s) {', '.join(empty)} hold no usable slices. Add slices, or remove the empty folder."
        )
    if len(present) < 2:
        only = present[0] if present else "none"
        raise SiteDataError(
            f"Only one class has slices ({only}). The model learns to tell classes apart, so it needs labelled "
            "slices of at least two classes, ideally all four (glioma, meningioma, pituitary, notumor)."
        )
    few = [f"{c} ({n})" for c, n in counts.items() if 0 < n < MIN_PER_CLASS]
    if few:
        raise SiteDataError(
            f"Too few slices in {', '.join(few)}: at least {MIN_PER_CLASS} per class are needed (25 to 50 work well), "
            "so that some can be held out to check the adapted model."
        )
    missing = [c for c, n in counts.items() if n == 0]
    if missing:
        site.warnings.append(
            f"No slices for {', '.join(missing)}: the model keeps what it knew about it, but is not adapted for it."
        )
    small = [f"{c} ({n})" for c, n in counts.items() if MIN_PER_CLASS <= n < FEW_PER_CLASS]
    if small:
        site.warnings.append(
            f"Few slices in {', '.join(small)}: adaptation works, but the report's intervals will be wide. "
            "25 to 50 per class work well."
        )

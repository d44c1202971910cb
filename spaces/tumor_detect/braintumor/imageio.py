"""Reading user files safely into one 2-D grayscale float array.

Images: PNG, JPEG, WebP, TIFF, BMP (8/16-bit, grayscale, RGB, RGBA, palette), EXIF rotation
honoured, alpha composited on black. DICOM: modality LUT (rescale slope/intercept), then the
file's Window Center/Width when present, else a 0.5-99.5 percentile window; MONOCHROME1 inverted.
Every failure raises ``InputError`` with a sentence a user can act on.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".tif", ".tiff", ".bmp", ".dcm")  # what the app accepts
MAX_FILE_BYTES = 30 * 1024 * 1024
MAX_PIXELS = 40_000_000  # about 6300 x 6300; bigger is refused as a possible decompression bomb
MIN_SIDE = 32
ALLOWED_FORMATS = {"PNG", "JPEG", "MPO", "WEBP", "TIFF", "BMP", "DIB"}


class InputError(ValueError):
    """The file cannot be used; the message is meant for the user."""


def _is_dicom(data: bytes, name: str) -> bool:
    return data[128:132] == b"DICM" or name.lower().endswith((".dcm", ".dicom"))


def _read_bytes(path: str | Path) -> bytes:
    p = Path(path)
    if not p.is_file():
        raise InputError("The file could not be found. Please upload it again.")
    size = p.stat().st_size
    if size == 0:
        raise InputError("The file is empty.")
    if size > MAX_FILE_BYTES:
        raise InputError(f"The file is too large ({size / 1e6:.0f} MB); the limit is {MAX_FILE_BYTES // 2**20} MB.")
    return p.read_bytes()


def _check_size(w: int, h: int) -> None:
    if w * h > MAX_PIXELS:
        raise InputError(
            f"The image is {w} x {h} pixels, far larger than an MRI slice; it was refused "
            "(it could be a decompression bomb). Please upload a single slice."
        )
    if min(w, h) < MIN_SIDE:
        raise InputError(f"The image is only {w} x {h} pixels; at least {MIN_SIDE} x {MIN_SIDE} is needed.")


def _pil_to_gray(im: Image.Image) -> np.ndarray:
    im = ImageOps.exif_transpose(im)
    mode = im.mode
    if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        return np.asarray(im, dtype=np.float32)
    if mode == "P":
        im = im.convert("RGBA")
        mode = "RGBA"
    if mode in ("LA", "RGBA", "PA"):
        rgba = np.asarray(im.convert("RGBA"), dtype=np.float32)
        alpha = rgba[..., 3:4] / 255.0
        rgb = rgba[..., :3] * alpha  # composite on black, the MRI background
        return rgb @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    if mode in ("1", "L"):
        return np.asarray(im.convert("L"), dtype=np.float32)
    rgb = np.asarray(im.convert("RGB"), dtype=np.float32)
    return rgb @ np.array([0.299, 0.587, 0.114], dtype=np.float32)


def read_image_bytes(data: bytes) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as im:
                if im.format not in ALLOWED_FORMATS:
                    raise InputError(
                        f"{im.format} files are not supported; please upload PNG, JPEG, WebP, TIFF, BMP or DICOM."
                    )
                _check_size(*im.size)
                if getattr(im, "n_frames", 1) > 1:
                    im.seek(0)
                im.load()
                gray = _pil_to_gray(im)
        except InputError:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise InputError("The image is absurdly large and was refused (possible decompression bomb).") from exc
        except UnidentifiedImageError as exc:
            raise InputError(
                "This file is not an image we can read. Please upload PNG, JPEG, WebP, TIFF, BMP or DICOM (.dcm)."
            ) from exc
        except (OSError, SyntaxError, ValueError) as exc:
            raise InputError("The image file is damaged or truncated and could not be decoded.") from exc
    return gray


def read_dicom_bytes(data: bytes) -> np.ndarray:
    import pydicom
    from pydicom.errors import InvalidDicomError

    try:
        ds = pydicom.dcmread(io.BytesIO(data), force=True)
    except (InvalidDicomError, Exception) as exc:
        raise InputError("The DICOM file could not be read; it may be damaged.") from exc
    if "PixelData" not in ds:
        raise InputError("The DICOM file holds no image (no pixel data).")
    rows, cols = int(ds.get("Rows", 0) or 0), int(ds.get("Columns", 0) or 0)
    frames = int(ds.get("NumberOfFrames", 1) or 1)
    _check_size(cols, rows)
    if rows * cols * frames > MAX_PIXELS:
        raise InputError("The DICOM file is far too large for a single slice.")
    try:
        arr = ds.pixel_array
    except Exception as exc:
        raise InputError(
            "The DICOM pixel data could not be decoded (damaged, or a compression this demo cannot read)."
        ) from exc
    arr = np.asarray(arr)
    photometric = str(ds.get("PhotometricInterpretation", "MONOCHROME2")).upper()
    if frames > 1 and arr.ndim >= 3 and arr.shape[0] == frames:
        arr = arr[frames // 2]  # the middle slice of a multi-frame file
    if arr.ndim == 3 and arr.shape[-1] in (3, 4):  # colour DICOM
        arr = arr[..., :3].astype(np.float32) @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
        return arr.astype(np.float32)
    if arr.ndim != 2:
        raise InputError("The DICOM file does not hold a 2-D slice.")
    x = arr.astype(np.float32)
    slope = float(ds.get("RescaleSlope", 1) or 1)
    intercept = float(ds.get("RescaleIntercept", 0) or 0)
    x = x * slope + intercept
    x = apply_window(x, ds.get("WindowCenter"), ds.get("WindowWidth"))
    if photometric == "MONOCHROME1":
        x = 1.0 - x
    return x


def _first(value) -> float | None:
    if value is None:
        return None
    try:
        if isinstance(value, (list, tuple)) or hasattr(value, "__iter__") and not isinstance(value, (str, bytes)):
            value = list(value)[0]
        return float(value)
    except (TypeError, ValueError, IndexError):
        return None


def apply_window(x: np.ndarray, center, width) -> np.ndarray:
    """DICOM window (center/width, first value if several) else 0.5-99.5 percentiles -> [0, 1]."""
    c, w = _first(center), _first(width)
    if c is not None and w is not None and w > 1:
        lo, hi = c - 0.5 - (w - 1) / 2, c - 0.5 + (w - 1) / 2
    else:
        lo, hi = np.percentile(x, [0.5, 99.5])
    if hi - lo < 1e-6:
        return np.zeros_like(x, dtype=np.float32)
    return np.clip((x - lo) / (hi - lo), 0.0, 1.0).astype(np.float32)


def load_gray(path: str | Path) -> np.ndarray:
    """Any supported file -> 2-D float32 array (arbitrary scale; normalisation happens later)."""
    data = _read_bytes(path)
    if _is_dicom(data, str(path)):
        gray = read_dicom_bytes(data)
    else:
        gray = read_image_bytes(data)
    if gray.ndim != 2 or min(gray.shape) < MIN_SIDE:
        raise InputError("The image could not be turned into a 2-D slice of usable size.")
    if not np.isfinite(gray).all():
        raise InputError("The image holds invalid pixel values.")
    return gray


def write_dicom(
    pixels: np.ndarray,
    path: str | Path,
    window: tuple[float, float] | None = None,
    photometric: str = "MONOCHROME2",
    rescale: tuple[float, float] = (1.0, 0.0),
) -> Path:
    """Write a minimal single-frame MR DICOM (uncompressed, 16-bit unsigned) for examples and tests."""
    import pydicom
    from pydicom.dataset import FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, MRImageStorage, generate_uid

    arr = np.asarray(pixels)
    if arr.dtype != np.uint16:
        arr = np.clip(arr, 0, 65535).astype(np.uint16)
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = MRImageStorage
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = pydicom.Dataset()
    ds.file_meta = meta
    ds.SOPClassUID = MRImageStorage
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.Modality = "MR"
    ds.PatientName = "Anonymous^Example"
    ds.PatientID = "EXAMPLE"
    ds.StudyInstanceUID = generate_uid()
    ds.SeriesInstanceUID = generate_uid()
    ds.Rows, ds.Columns = arr.shape
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = photometric
    ds.BitsAllocated = 16
    ds.BitsStored = 16
    ds.HighBit = 15
    ds.PixelRepresentation = 0
    ds.RescaleSlope, ds.RescaleIntercept = rescale
    if window is not None:
        ds.WindowCenter, ds.WindowWidth = float(window[0]), float(window[1])
    ds.PixelData = arr.tobytes()
    path = Path(path)
    ds.save_as(path, enforce_file_format=True)
    return path

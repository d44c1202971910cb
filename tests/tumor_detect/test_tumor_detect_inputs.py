"""Reading every supported input, DICOM windowing, and a clear error for every bad input."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from braintumor.imageio import MAX_FILE_BYTES, InputError, apply_window, load_gray, write_dicom
from braintumor.preprocess import SIZE, pad_square, to_model_array, to_pixel_values


def _asym(h: int = 60, w: int = 90) -> np.ndarray:
    """An image whose orientation is recognisable: a bright square in the top-left corner."""
    a = np.full((h, w), 40, np.uint8)
    a[:20, :20] = 250
    return a


FORMAT_MODES = [
    (fmt, suffix, mode)
    for fmt, suffix in [("PNG", ".png"), ("JPEG", ".jpg"), ("WEBP", ".webp"), ("TIFF", ".tif"), ("BMP", ".bmp")]
    for mode in ["L", "RGB", "RGBA"]
    if not (fmt in ("JPEG", "BMP") and mode == "RGBA")  # these formats have no alpha channel
]


@pytest.mark.parametrize("fmt,suffix,mode", FORMAT_MODES)
def test_reads_formats_and_modes(tmp_path, fmt, suffix, mode):
    im = Image.fromarray(_asym()).convert(mode)
    path = tmp_path / f"x{suffix}"
    im.save(path, format=fmt)
    g = load_gray(path)
    assert g.shape == (60, 90)
    assert g[:20, :20].mean() > g[30:, 30:].mean() + 100  # content survives (and no transposition)


def test_rgba_transparent_pixels_become_background(tmp_path):
    a = np.zeros((64, 64, 4), np.uint8)
    a[..., :3] = 255
    a[:32, :, 3] = 255  # top half opaque white, bottom half fully transparent white
    Image.fromarray(a, "RGBA").save(tmp_path / "a.png")
    g = load_gray(tmp_path / "a.png")
    assert g[:32].mean() > 250 and g[32:].max() == 0


@pytest.mark.parametrize("suffix", [".png", ".tif"])
def test_sixteen_bit_keeps_its_range(tmp_path, suffix):
    a = (np.linspace(0, 60000, 64 * 64).reshape(64, 64)).astype(np.uint16)
    Image.fromarray(a).save(tmp_path / f"a{suffix}")
    g = load_gray(tmp_path / f"a{suffix}")
    assert g.max() > 50000  # not squashed to 8 bits
    x = to_model_array(g)
    assert x.shape == (SIZE, SIZE) and 0.0 <= x.min() and x.max() <= 1.0


def test_exif_rotation_is_honoured(tmp_path):
    im = Image.fromarray(_asym())  # 60 x 90 (h x w)
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    im.save(tmp_path / "r.jpg", exif=exif.tobytes())
    g = load_gray(tmp_path / "r.jpg")
    assert g.shape == (90, 60)
    assert g[:20, -20:].mean() > 200  # the bright corner moved to the top-right


def test_dicom_window_from_file(tmp_path):
    a = np.tile(np.linspace(0, 4000, 64), (64, 1)).astype(np.uint16)
    p = write_dicom(a, tmp_path / "w.dcm", window=(1000, 400))
    g = load_gray(p)
    assert g.shape == (64, 64)
    assert g.min() == 0.0 and g.max() == 1.0
    # everything above 1200 is white, below 800 black: the window was applied
    assert (g[:, a[0] > 1250] == 1.0).all() and (g[:, a[0] < 750] == 0.0).all()


def test_dicom_without_window_uses_percentiles_and_rescale(tmp_path):
    a = np.tile(np.linspace(100, 300, 64), (64, 1)).astype(np.uint16)
    p = write_dicom(a, tmp_path / "p.dcm", rescale=(2.0, -50.0))
    g = load_gray(p)
    assert 0.0 <= g.min() < 0.05 and 0.95 < g.max() <= 1.0
    assert np.all(np.diff(g[0]) >= 0)


def test_dicom_monochrome1_is_inverted(tmp_path):
    a = np.tile(np.linspace(0, 1000, 64), (64, 1)).astype(np.uint16)
    g = load_gray(write_dicom(a, tmp_path / "m1.dcm", photometric="MONOCHROME1"))
    assert g[0, 0] > g[0, -1]


def test_dicom_detected_by_magic_without_suffix(tmp_path):
    a = np.tile(np.linspace(0, 1000, 64), (64, 1)).astype(np.uint16)
    p = write_dicom(a, tmp_path / "noext.dcm")
    q = p.rename(tmp_path / "slice_without_suffix")
    assert load_gray(q).shape == (64, 64)


def test_apply_window_handles_multivalue_and_degenerate():
    x = np.arange(100, dtype=np.float32).reshape(10, 10)
    assert apply_window(x, [50, 60], [20, 30]).max() == 1.0
    assert np.all(apply_window(np.ones((8, 8)), None, None) == 0)


def _png_header_only(w: int, h: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 100)) + chunk(b"IEND", b"")
    )


def _bad_files(tmp_path):
    ok = io.BytesIO()
    Image.fromarray(_asym()).save(ok, format="PNG")
    good_png = ok.getvalue()
    bad = {
        "empty.png": b"",
        "garbage.jpg": bytes(np.random.default_rng(0).integers(0, 256, 5000, dtype=np.uint8)),
        "truncated.png": good_png[: len(good_png) // 2],
        "text.png": b"hello, this is not an image at all\n" * 20,
        "bomb.png": _png_header_only(20000, 20000),
        "tiny.png": None,
        "anim.gif": None,
        "nopixels.dcm": None,
        "broken.dcm": b"\0" * 128 + b"DICM" + b"\x02\x00\x10\x00garbage" * 10,
    }
    paths = {}
    for name, data in bad.items():
        p = tmp_path / name
        if name == "tiny.png":
            Image.new("L", (8, 8)).save(p)
        elif name == "anim.gif":
            Image.new("L", (64, 64)).save(p)
        elif name == "nopixels.dcm":
            import pydicom
            from pydicom.dataset import FileMetaDataset
            from pydicom.uid import ExplicitVRLittleEndian, generate_uid

            ds = pydicom.Dataset()
            ds.file_meta = FileMetaDataset()
            ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
            ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
            ds.file_meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.4"
            ds.Modality = "MR"
            ds.save_as(p, enforce_file_format=True)
        else:
            p.write_bytes(data)
        paths[name] = p
    return paths


BAD = [
    "empty.png",
    "garbage.jpg",
    "truncated.png",
    "text.png",
    "bomb.png",
    "tiny.png",
    "anim.gif",
    "nopixels.dcm",
    "broken.dcm",
]


@pytest.mark.parametrize("name", BAD)
def test_every_bad_input_gets_a_clear_error(tmp_path, name):
    path = _bad_files(tmp_path)[name]
    with pytest.raises(InputError) as info:
        load_gray(path)
    msg = str(info.value)
    assert msg and "Traceback" not in msg and len(msg) < 300


def test_bomb_message_mentions_size(tmp_path):
    with pytest.raises(InputError, match="decompression bomb"):
        load_gray(_bad_files(tmp_path)["bomb.png"])


def test_oversized_file_is_refused_before_reading(tmp_path):
    p = tmp_path / "huge.png"
    with open(p, "wb") as fh:
        fh.truncate(MAX_FILE_BYTES + 1)  # sparse: costs nothing
    with pytest.raises(InputError, match="too large"):
        load_gray(p)


def test_missing_file(tmp_path):
    with pytest.raises(InputError):
        load_gray(tmp_path / "nope.png")


def test_preprocess_pads_to_square_and_normalises():
    g = np.zeros((50, 100), np.float32)
    g[:, 40:60] = 1000
    sq = pad_square(g)
    assert sq.shape == (100, 100) and sq[:25].max() == 0
    x = to_model_array(g)
    assert x.shape == (SIZE, SIZE) and x.max() == 1.0 and x.min() == 0.0
    assert np.all(to_model_array(np.full((64, 64), 7.0)) == 0)
    pv = to_pixel_values(x)
    assert tuple(pv.shape) == (1, 3, SIZE, SIZE) and float(pv.min()) == -1.0 and float(pv.max()) == 1.0

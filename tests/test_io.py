"""Image I/O: every format and mode (made here), 16-bit and alpha round trips, bad input."""
from __future__ import annotations

import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from srkit.errors import SrkitError
from srkit.imaging import png16
from srkit.imaging.io import quantize, read_image, write_image

RNG = np.random.default_rng(0)
H, W = 13, 17


def _u8(c):
    return RNG.integers(0, 256, (H, W, c), dtype=np.uint8)


def _pil(mode):
    """A small PIL image in ``mode`` with random content, plus the uint8 (or uint16) values."""
    if mode == "1":
        arr = _u8(1)[..., 0] > 127
        return Image.fromarray(arr), arr.astype(np.uint8)[..., None] * 255
    if mode in ("L", "RGB", "RGBA", "LA", "CMYK"):
        arr = _u8(len(mode))
        if mode == "CMYK":
            return Image.frombytes("CMYK", (W, H), arr.tobytes()), arr
        return Image.fromarray(arr[..., 0] if mode == "L" else arr), arr
    if mode == "I;16":
        arr = RNG.integers(0, 65536, (H, W), dtype=np.uint16)
        return Image.fromarray(arr), arr[..., None]  # uint16 -> I;16
    if mode == "P":
        idx = _u8(1)[..., 0] % 16
        palette = RNG.integers(0, 256, (16, 3), dtype=np.uint8)
        im = Image.fromarray(idx).convert("P")
        im.putpalette(palette.ravel().tolist())
        return im, palette[idx]
    raise ValueError(mode)


CASES = [  # (extension, mode, lossless)
    ("png", "1", True), ("png", "L", True), ("png", "LA", True), ("png", "RGB", True),
    ("png", "RGBA", True), ("png", "P", True), ("png", "I;16", True),
    ("bmp", "1", True), ("bmp", "L", True), ("bmp", "RGB", True), ("bmp", "P", True),
    ("jpg", "L", False), ("jpg", "RGB", False), ("jpg", "CMYK", False),
    ("tif", "L", True), ("tif", "LA", True), ("tif", "RGB", True), ("tif", "RGBA", True),
    ("tif", "CMYK", True), ("tif", "I;16", True), ("tif", "P", True),
    ("webp", "RGB", True), ("webp", "RGBA", True),
]


@pytest.mark.parametrize("ext,mode,lossless", CASES, ids=[f"{e}-{m}" for e, m, _ in CASES])
def test_read_every_format_and_mode(tmp_path, ext, mode, lossless):
    im, values = _pil(mode)
    path = tmp_path / f"img.{ext}"
    options = {"jpg": {"quality": 100, "subsampling": 0}, "webp": {"lossless": True}}
    im.save(path, **options.get(ext, {}))
    pic = read_image(path)
    assert pic.pixels.dtype == np.float32 and pic.pixels.shape[:2] == (H, W)
    assert pic.bit_depth == (16 if mode == "I;16" else 8)
    if mode == "CMYK":
        assert pic.pixels.shape[-1] == 3  # converted to RGB
        return
    has_alpha = mode in ("LA", "RGBA")
    channels = {"1": 1, "L": 1, "LA": 1, "I;16": 1}.get(mode, 3)
    assert pic.pixels.shape[-1] == channels
    assert (pic.alpha is not None) == has_alpha
    colour = values[..., :channels]
    top = 65535.0 if mode == "I;16" else 255.0
    if lossless:
        np.testing.assert_allclose(pic.pixels, colour / top, atol=0.5 / top)
    else:  # noise through a lossy codec: close on average
        assert np.abs(pic.pixels - colour / top).mean() < 3 / 255
    if has_alpha:
        np.testing.assert_allclose(pic.alpha, values[..., -1] / 255.0, atol=0.5 / 255)
    native = read_image(path, native=True)
    assert native.pixels.dtype == (np.uint16 if mode == "I;16" else np.uint8)
    if lossless:
        np.testing.assert_array_equal(native.pixels, colour)


def test_palette_with_transparency_becomes_rgba(tmp_path):
    im, values = _pil("P")
    im.info["transparency"] = 0
    im.save(tmp_path / "p.png", transparency=0)
    pic = read_image(tmp_path / "p.png")
    assert pic.pixels.shape[-1] == 3 and pic.alpha is not None
    idx = np.asarray(im)
    np.testing.assert_array_equal(pic.alpha == 0, idx == 0)


@pytest.mark.parametrize("channels", [1, 3])
@pytest.mark.parametrize("with_alpha", [False, True])
@pytest.mark.parametrize("ext", ["png", "tif", "webp"])
def test_8bit_round_trip_keeps_alpha(tmp_path, channels, with_alpha, ext):
    if ext == "webp" and channels == 1:
        pytest.skip("WebP stores colour only")
    yy, xx = np.mgrid[0:H, 0:W]
    pixels = np.stack([(yy * 9 + xx * 5 + 40 * c) % 256 for c in range(channels)], -1).astype(np.uint8)
    alpha = ((yy + xx) * 7).astype(np.uint8) if with_alpha else None
    path = write_image(tmp_path / f"o.{ext}", pixels, alpha,
                       **({"quality": 100} if ext == "webp" else {}))
    pic = read_image(path, native=True)
    assert pic.pixels.shape == pixels.shape
    check = np.testing.assert_array_equal
    if ext == "webp":  # lossy: close on average
        def check(a, b):
            assert np.abs(a.astype(float) - b).mean() < 8
    check(pic.pixels, pixels)
    if with_alpha:
        check(pic.alpha, alpha)
    else:
        assert pic.alpha is None


@pytest.mark.parametrize("channels,with_alpha", [(1, False), (1, True), (3, False), (3, True)])
def test_16bit_png_round_trip(tmp_path, channels, with_alpha):
    pixels = RNG.integers(0, 65536, (H, W, channels), dtype=np.uint16)
    alpha = RNG.integers(0, 65536, (H, W), dtype=np.uint16) if with_alpha else None
    path = write_image(tmp_path / "deep.png", pixels, alpha, bit_depth=16)
    pic = read_image(path, native=True)
    assert pic.bit_depth == 16 and pic.pixels.dtype == np.uint16
    np.testing.assert_array_equal(pic.pixels, pixels)
    if with_alpha:
        np.testing.assert_array_equal(pic.alpha, alpha)
    floats = read_image(path)
    np.testing.assert_allclose(floats.pixels, pixels / 65535.0, atol=1e-7)


def _paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else (b if pb <= pc else c)


def _png_all_filters(pixels: np.ndarray) -> bytes:
    """A reference encoder: row y uses PNG filter y % 5, like files from other tools."""
    h, w, c = pixels.shape
    bpp = 2 * c
    rows = pixels.astype(">u2").view(np.uint8).reshape(h, w * bpp).astype(int)
    out, prev = bytearray(), np.zeros(w * bpp, int)
    for y in range(h):
        kind, cur = y % 5, rows[y]
        out.append(kind)
        for i in range(w * bpp):
            a = cur[i - bpp] if i >= bpp else 0
            b, cc = prev[i], prev[i - bpp] if i >= bpp else 0
            pred = [0, a, b, (a + b) // 2, _paeth(a, b, cc)][kind]
            out.append((cur[i] - pred) % 256)
        prev = cur

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    colour = {2: 4, 3: 2, 4: 6}[c]
    return (png16.SIGNATURE + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 16, colour, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(bytes(out))) + chunk(b"IEND", b""))


@pytest.mark.parametrize("channels", [2, 3, 4])
def test_png16_reader_handles_every_filter(tmp_path, channels):
    pixels = RNG.integers(0, 65536, (11, 7, channels), dtype=np.uint16)
    (tmp_path / "f.png").write_bytes(_png_all_filters(pixels))
    got, _, _ = png16.read_png16(tmp_path / "f.png")
    np.testing.assert_array_equal(got, pixels)


def test_16bit_colour_refused_where_it_would_be_lost(tmp_path):
    pixels = RNG.integers(0, 65536, (H, W, 3), dtype=np.uint16)
    for ext in ("jpg", "bmp", "webp", "tif"):
        with pytest.raises(SrkitError, match="cannot store 16-bit"):
            write_image(tmp_path / f"x.{ext}", pixels, bit_depth=16)
    assert list(tmp_path.iterdir()) == []


def test_16bit_gray_tiff_round_trip(tmp_path):
    pixels = RNG.integers(0, 65536, (H, W), dtype=np.uint16)
    path = write_image(tmp_path / "g.tif", pixels, bit_depth=16)
    np.testing.assert_array_equal(read_image(path, native=True).pixels[..., 0], pixels)


def _tiff_rgb16(h=4, w=5) -> bytes:
    """A minimal uncompressed 16-bit RGB TIFF (Pillow would read it truncated to 8 bits)."""
    data = RNG.integers(0, 65536, (h, w, 3), dtype=np.uint16).astype("<u2").tobytes()
    entries = [(256, 3, 1, w), (257, 3, 1, h), (258, 3, 3, 8 + 12 * 10 + 6 + 4), (259, 3, 1, 1),
               (262, 3, 1, 2), (273, 4, 1, 8 + 12 * 10 + 6 + 4 + 6), (277, 3, 1, 3),
               (278, 3, 1, h), (279, 4, 1, len(data)), (284, 3, 1, 1)]
    ifd = struct.pack("<H", len(entries))
    for tag, typ, count, value in entries:
        ifd += struct.pack("<HHII", tag, typ, count, value)
    ifd += struct.pack("<I", 0)
    return b"II*\x00" + struct.pack("<I", 8) + ifd + b"\0" * 4 + struct.pack("<HHH", 16, 16, 16) + data


def test_16bit_colour_tiff_refused_not_truncated(tmp_path):
    path = tmp_path / "deep.tif"
    path.write_bytes(_tiff_rgb16())
    with pytest.raises(SrkitError, match=r"deep\.tif: 16-bit colour TIFF"):
        read_image(path)


def _exif(orientation: int) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "srkit-test"  # Make, to check other tags survive
    return exif.tobytes()


@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_applied_and_reset(tmp_path, orientation):
    arr = _u8(3)
    Image.fromarray(arr).save(tmp_path / "o.png", exif=_exif(orientation))
    pic = read_image(tmp_path / "o.png", native=True)
    from PIL import ImageOps
    with Image.open(tmp_path / "o.png") as im:
        expected = np.asarray(ImageOps.exif_transpose(im))
    np.testing.assert_array_equal(pic.pixels, expected)
    tags = Image.Exif()
    tags.load(pic.exif)
    assert 0x0112 not in tags and tags[0x010F] == "srkit-test"


def test_exif_orientation_on_16bit_png(tmp_path):
    pixels = RNG.integers(0, 65536, (H, W, 3), dtype=np.uint16)
    write_image(tmp_path / "o.png", pixels, bit_depth=16, exif=_exif(6))
    pic = read_image(tmp_path / "o.png", native=True)
    np.testing.assert_array_equal(pic.pixels, np.rot90(pixels, -1))


def test_icc_and_exif_carried(tmp_path):
    icc = b"not-a-real-profile" * 4
    write_image(tmp_path / "c.png", _u8(3), icc_profile=icc, exif=_exif(1))
    pic = read_image(tmp_path / "c.png")
    assert pic.icc_profile == icc and pic.exif
    write_image(tmp_path / "d.png", _u8(3).astype(np.uint16) * 257, bit_depth=16, icc_profile=icc)
    assert read_image(tmp_path / "d.png").icc_profile == icc


def test_quantize():
    assert quantize(np.array([0.0, 0.5, 1.0, 2.0]), 8).tolist() == [0, 128, 255, 255]
    assert quantize(np.array([65535, 257], np.uint16), 8).tolist() == [255, 1]
    assert quantize(np.array([255], np.uint8), 16).tolist() == [65535]


# ---- bad input: one SrkitError naming the file and the reason ----

def _png_bytes():
    from io import BytesIO
    buf = BytesIO()
    Image.fromarray(_u8(3)).save(buf, format="PNG")
    return buf.getvalue()


def _jpg_bytes():
    from io import BytesIO
    buf = BytesIO()
    Image.fromarray(RNG.integers(0, 256, (64, 64, 3), dtype=np.uint8)).save(buf, format="JPEG")
    return buf.getvalue()


def _png16_bytes():
    from io import BytesIO
    buf = BytesIO()
    png16.write_png16(buf, RNG.integers(0, 65536, (H, W, 3), dtype=np.uint16))
    return buf.getvalue()


def _flip(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 0xFF]) + data[at + 1:]


BAD = {
    "empty": (b"", "empty file"),
    "text": (b"hello, I am not an image\n" * 10, "not an image"),
    "truncated-png": (_png_bytes()[:200], "truncated|corrupt"),
    "truncated-jpg": (_jpg_bytes()[:300], "truncated|corrupt"),
    "corrupt-png": (_flip(_png_bytes(), 100), "corrupt"),
    "truncated-png16": (_png16_bytes()[:300], "truncated"),
    "corrupt-png16": (_flip(_png16_bytes(), 120), "corrupt"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_files_raise_naming_file_and_reason(tmp_path, case):
    data, reason = BAD[case]
    path = tmp_path / f"{case}.png"
    path.write_bytes(data)
    with pytest.raises(SrkitError, match=reason) as err:
        read_image(path)
    msg = str(err.value)
    assert msg.startswith(str(path)) and "\n" not in msg


def test_missing_and_folder(tmp_path):
    with pytest.raises(SrkitError, match="no such file"):
        read_image(tmp_path / "nope.png")
    with pytest.raises(SrkitError, match="is a folder"):
        read_image(tmp_path)


def test_bomb_guard_and_override(tmp_path):
    path = write_image(tmp_path / "big.png", _u8(3))
    with pytest.raises(SrkitError, match="over the limit .*decompression bomb"):
        read_image(path, max_pixels=100)
    assert read_image(path, max_pixels=None).pixels.shape == (H, W, 3)


# ---- writing ----

def test_write_refuses_overwrite_and_is_atomic(tmp_path):
    path = write_image(tmp_path / "a.png", _u8(3))
    before = path.read_bytes()
    with pytest.raises(SrkitError, match="already exists"):
        write_image(path, _u8(3))
    assert path.read_bytes() == before
    write_image(path, _u8(3), overwrite=True)
    assert path.read_bytes() != before
    with pytest.raises(SrkitError, match="cannot store an alpha"):
        write_image(tmp_path / "b.jpg", _u8(3), _u8(1)[..., 0])
    with pytest.raises(SrkitError, match="unknown image extension"):
        write_image(tmp_path / "b.xyz", _u8(3))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.png"]


def test_interrupted_write_leaves_nothing(tmp_path, monkeypatch):
    def boom(*args, **kwargs):
        raise KeyboardInterrupt
    monkeypatch.setattr(png16, "_chunk", boom)
    with pytest.raises(KeyboardInterrupt):
        write_image(tmp_path / "c.png", _u8(3).astype(np.uint16), bit_depth=16)
    assert list(tmp_path.iterdir()) == []

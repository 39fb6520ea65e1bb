"""A small numpy + zlib codec for 16-bit colour PNG (grey+alpha, RGB, RGBA).

Pillow decodes these files to 8 bits per channel and cannot encode them, so
:mod:`srkit.imaging.io` routes them here instead of losing precision. The
reader handles every PNG row filter (Sub and Up vectorised, Average and Paeth
pixel by pixel) and the ``iCCP``/``eXIf`` chunks; interlaced (Adam7) files are
refused with a clear error. The writer streams rows through zlib with the Sub
filter, so its memory use is bounded by a strip, not the image.
"""
from __future__ import annotations

import struct
import zlib

import numpy as np

from srkit.errors import SrkitError

SIGNATURE = b"\x89PNG\r\n\x1a\n"
#: PNG colour type -> channels; 16-bit greyscale (type 0) stays with Pillow (mode I;16).
COLOUR_CHANNELS = {2: 3, 4: 2, 6: 4}
_CHANNELS_COLOUR = {v: k for k, v in COLOUR_CHANNELS.items()}


def png_header(head: bytes) -> tuple[int, int, int, int, int] | None:
    """(width, height, bit depth, colour type, interlace) from a file's first 33 bytes, or None."""
    if len(head) < 33 or not head.startswith(SIGNATURE) or head[12:16] != b"IHDR":
        return None
    w, h, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", head[16:29])
    return w, h, depth, colour, interlace


def needs_png16(path) -> bool:
    """True for a 16-bit colour PNG, which Pillow would silently truncate to 8 bits."""
    with open(path, "rb") as f:
        hdr = png_header(f.read(33))
    return hdr is not None and hdr[2] == 16 and hdr[3] in COLOUR_CHANNELS


def _chunks(data: bytes, path):
    pos = len(SIGNATURE)
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        crc = data[pos + 8 + length:pos + 12 + length]
        if len(body) < length or len(crc) < 4:
            raise SrkitError(f"{path}: corrupt image: truncated file (chunk {kind!r} cut short)")
        if zlib.crc32(kind + body) != struct.unpack(">I", crc)[0]:
            raise SrkitError(f"{path}: corrupt image: bad CRC in chunk {kind.decode('latin-1')!r}")
        yield kind, body
        if kind == b"IEND":
            return
        pos += 12 + length
    raise SrkitError(f"{path}: corrupt image: truncated file (no IEND chunk)")


def _unfilter(raw: np.ndarray, h: int, row_bytes: int, bpp: int, path) -> np.ndarray:
    """Undo the per-row PNG filters; ``raw`` holds h rows of 1 filter byte + row_bytes."""
    rows = raw.reshape(h, row_bytes + 1)
    out = np.zeros((h, row_bytes), dtype=np.uint8)
    prev = np.zeros(row_bytes, dtype=np.uint8)
    for y in range(h):
        kind, line = rows[y, 0], rows[y, 1:]
        if kind == 0:
            cur = line.copy()
        elif kind == 1:  # Sub: running sum per byte position, modulo 256
            cur = np.cumsum(line.reshape(-1, bpp), axis=0, dtype=np.uint8).reshape(-1)
        elif kind == 2:  # Up
            cur = line + prev
        elif kind in (3, 4):
            cur = _unfilter_sequential(kind, line, prev, bpp)
        else:
            raise SrkitError(f"{path}: corrupt image: unknown PNG filter type {kind} in row {y}")
        out[y] = cur
        prev = cur
    return out


def _unfilter_sequential(kind: int, line: np.ndarray, prev: np.ndarray, bpp: int) -> np.ndarray:
    """Average (3) and Paeth (4) filters, which depend on the pixel just decoded."""
    cur = np.zeros(line.size, dtype=np.int32)
    up = prev.astype(np.int32)
    x = line.astype(np.int32)
    left = np.zeros(bpp, dtype=np.int32)
    upleft = np.zeros(bpp, dtype=np.int32)
    for i in range(0, line.size, bpp):
        b = up[i:i + bpp]
        if kind == 3:
            pred = (left + b) >> 1
        else:
            p = left + b - upleft
            pa, pb, pc = np.abs(p - left), np.abs(p - b), np.abs(p - upleft)
            pred = np.where((pa <= pb) & (pa <= pc), left, np.where(pb <= pc, b, upleft))
        left = (x[i:i + bpp] + pred) & 0xFF
        cur[i:i + bpp] = left
        upleft = b
    return cur.astype(np.uint8)


def read_png16(path) -> tuple[np.ndarray, bytes | None, bytes | None]:
    """Decode a 16-bit colour PNG: (HxWxC uint16 pixels, ICC profile, EXIF bytes)."""
    data = open(path, "rb").read()
    hdr = png_header(data[:33])
    if hdr is None:
        raise SrkitError(f"{path}: not a PNG file")
    w, h, depth, colour, interlace = hdr
    if depth != 16 or colour not in COLOUR_CHANNELS:
        raise SrkitError(f"{path}: not a 16-bit colour PNG")
    if interlace:
        raise SrkitError(f"{path}: interlaced 16-bit colour PNG is not supported; save it non-interlaced")
    idat, icc, exif = [], None, None
    for kind, body in _chunks(data, path):
        if kind == b"IDAT":
            idat.append(body)
        elif kind == b"iCCP":
            name_end = body.index(b"\0")
            icc = zlib.decompress(body[name_end + 2:])
        elif kind == b"eXIf":
            exif = body
    channels = COLOUR_CHANNELS[colour]
    row_bytes = w * channels * 2
    try:
        raw = zlib.decompress(b"".join(idat))
    except zlib.error as exc:
        raise SrkitError(f"{path}: corrupt image: bad compressed data ({exc})") from None
    if len(raw) < h * (row_bytes + 1):
        raise SrkitError(f"{path}: corrupt image: truncated file (image data cut short)")
    raw = np.frombuffer(raw, dtype=np.uint8, count=h * (row_bytes + 1))
    rows = _unfilter(raw, h, row_bytes, channels * 2, path)
    pixels = rows.view(">u2").reshape(h, w, channels).astype(np.uint16)
    return pixels, icc, exif


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def write_png16(f, pixels: np.ndarray, *, icc_profile: bytes | None = None,
                exif: bytes | None = None, strip: int = 64) -> None:
    """Encode HxWxC uint16 ``pixels`` (C = 2, 3 or 4) as a 16-bit PNG into file object ``f``."""
    h, w, channels = pixels.shape
    if pixels.dtype != np.uint16 or channels not in _CHANNELS_COLOUR:
        raise SrkitError(f"16-bit PNG needs HxWx2/3/4 uint16 pixels, got {pixels.dtype} {pixels.shape}")
    f.write(SIGNATURE)
    f.write(_chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 16, _CHANNELS_COLOUR[channels], 0, 0, 0)))
    if icc_profile:
        f.write(_chunk(b"iCCP", b"icc\0\0" + zlib.compress(icc_profile)))
    if exif:
        f.write(_chunk(b"eXIf", exif[6:] if exif.startswith(b"Exif\0\0") else exif))
    z = zlib.compressobj(6)
    bpp = channels * 2
    for y0 in range(0, h, strip):
        rows = np.ascontiguousarray(pixels[y0:y0 + strip], dtype=">u2").view(np.uint8)
        rows = rows.reshape(rows.shape[0], w * bpp)
        sub = rows.copy()
        sub[:, bpp:] -= rows[:, :-bpp]  # Sub filter, modulo 256
        packed = np.concatenate([np.ones((rows.shape[0], 1), np.uint8), sub], axis=1)
        piece = z.compress(packed.tobytes())
        if piece:
            f.write(_chunk(b"IDAT", piece))
    f.write(_chunk(b"IDAT", z.flush()))
    f.write(_chunk(b"IEND", b""))

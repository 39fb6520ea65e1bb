"""Safe image reading and atomic writing (Pillow).

``read_image`` opens PNG, BMP, JPEG, TIFF, WebP (anything Pillow decodes) in
modes 1, L, LA, RGB, RGBA, P, CMYK, I;16 and I, applies the EXIF orientation,
and returns float32 pixels in [0, 1] (or the stored integers with
``native=True``) with alpha kept aside and the original bit depth recorded.
16-bit colour PNGs, which Pillow would truncate to 8 bits, are read and written
by :mod:`srkit.imaging.png16`; 16-bit colour TIFFs are refused. The EXIF
orientation is applied to the pixels and removed from the carried EXIF.
Every failure (missing, empty, not an image, truncated, corrupt, over the
pixel limit) raises :class:`~srkit.errors.SrkitError` naming the file and the
reason.

``write_image`` writes to a temporary file in the target folder, fsyncs it and
renames it over the target, so an error or Ctrl-C never leaves a partial
output, and it refuses to replace an existing file unless asked.
"""
from __future__ import annotations

import contextlib
import threading
import warnings
import zlib
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import numpy as np

from srkit.atomic import atomic_open, refuse_existing
from srkit.errors import SrkitError

#: Default pixel limit (width x height) that guards against decompression bombs.
MAX_PIXELS = 256_000_000

_PIL_LOCK = threading.Lock()

# extension -> Pillow format name
FORMATS = {
    ".png": "PNG", ".bmp": "BMP", ".jpg": "JPEG", ".jpeg": "JPEG",
    ".tif": "TIFF", ".tiff": "TIFF", ".webp": "WEBP",
}
_ALPHA_FORMATS = {"PNG", "TIFF", "WEBP"}


@dataclass
class Picture:
    """A decoded image: ``pixels`` HxWxC float32 in [0, 1] (C = 1 gray or 3 RGB)."""

    pixels: np.ndarray
    alpha: np.ndarray | None = None  # HxW float32 in [0, 1], or None
    bit_depth: int = 8  # 8 or 16: what the file stored
    mode: str = "RGB"  # the file's Pillow mode before conversion
    icc_profile: bytes | None = None
    exif: bytes | None = None
    info: dict = field(default_factory=dict)

    @property
    def is_gray(self) -> bool:
        return self.pixels.shape[-1] == 1


@contextlib.contextmanager
def _pillow_limit_off():
    """Let srkit, not Pillow's global limit, decide on decompression bombs."""
    from PIL import Image

    with _PIL_LOCK:
        saved = Image.MAX_IMAGE_PIXELS
        Image.MAX_IMAGE_PIXELS = None
        try:
            yield
        finally:
            Image.MAX_IMAGE_PIXELS = saved


def _to_planes(im) -> tuple[np.ndarray, np.ndarray | None, int]:
    """Native pixels (HxWxC uint8/uint16/float32), alpha (HxW or None) and bit depth of a PIL image."""
    mode = im.mode
    if mode in ("I;16", "I;16B", "I;16L", "I;16N"):
        return np.asarray(im, dtype=np.uint16)[..., None], None, 16
    if mode == "I":
        arr = np.asarray(im, dtype=np.int64)
        if arr.max(initial=0) > 255 or arr.min(initial=0) < 0:
            return np.clip(arr, 0, 65535).astype(np.uint16)[..., None], None, 16
        return arr.astype(np.uint8)[..., None], None, 8
    if mode == "F":
        return np.clip(np.asarray(im, dtype=np.float32), 0, 1)[..., None], None, 32
    if mode == "P":
        im = im.convert("RGBA" if "transparency" in im.info else "RGB")
    elif mode == "PA":
        im = im.convert("RGBA")
    elif mode == "1":
        im = im.convert("L")
    elif mode == "La":
        im = im.convert("LA")
    elif mode == "RGBa":
        im = im.convert("RGBA")
    elif im.mode not in ("L", "LA", "RGB", "RGBA"):  # CMYK, YCbCr, LAB, HSV, ...
        im = im.convert("RGB")
    arr = np.asarray(im, dtype=np.uint8)
    if arr.ndim == 2:
        return arr[..., None], None, 8
    if im.mode in ("LA", "RGBA"):
        return arr[..., :-1], arr[..., -1], 8
    return arr, None, 8


def _split_alpha(arr: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """HxWx{2,4} -> colour planes and alpha; HxWx{1,3} -> itself and None."""
    if arr.shape[-1] in (2, 4):
        return arr[..., :-1], arr[..., -1]
    return arr, None


# EXIF orientation -> numpy transform of an HxW[xC] array (what Pillow's exif_transpose does)
_ORIENT = {
    2: lambda a: a[:, ::-1],
    3: lambda a: a[::-1, ::-1],
    4: lambda a: a[::-1],
    5: lambda a: a.swapaxes(0, 1),
    6: lambda a: np.rot90(a, -1),
    7: lambda a: a[::-1, ::-1].swapaxes(0, 1),
    8: lambda a: np.rot90(a, 1),
}


def _exif_upright(exif: bytes | None) -> tuple[int, bytes | None]:
    """(orientation, EXIF bytes with the orientation tag removed) since srkit rotates the pixels."""
    if not exif:
        return 1, exif
    from PIL import Image

    tags = Image.Exif()
    try:
        tags.load(exif)
    except Exception:  # unreadable EXIF: keep the bytes as they were, ignore the orientation
        return 1, exif
    orientation = tags.pop(0x0112, 1)
    return (orientation if orientation in _ORIENT else 1), tags.tobytes()


def _check_deep_tiff(im, p: Path) -> None:
    """Refuse colour TIFFs with more than 8 bits per sample, which Pillow would truncate."""
    bits = getattr(im, "tag_v2", {}).get(258)
    if isinstance(bits, int):
        bits = (bits,)
    if bits and max(bits) > 8 and len(bits) > 1:
        raise SrkitError(f"{p}: {max(bits)}-bit colour TIFF cannot be read without precision loss; "
                         "convert it to a 16-bit PNG")


def _to_float(arr: np.ndarray) -> np.ndarray:
    if arr.dtype == np.uint8:
        return arr.astype(np.float32) / 255.0
    if arr.dtype == np.uint16:
        return arr.astype(np.float32) / 65535.0
    return arr.astype(np.float32, copy=False)


def read_image(path, *, max_pixels: int | None = MAX_PIXELS, native: bool = False) -> Picture:
    """Decode ``path`` into a :class:`Picture`; ``max_pixels=None`` lifts the bomb guard.

    ``native=True`` keeps the stored integers (uint8 or uint16 pixels and alpha)
    instead of float32 in [0, 1], which takes 2 to 4 times less memory.
    """
    from PIL import Image, UnidentifiedImageError

    from srkit.imaging import png16

    p = Path(path)
    if not p.exists():
        raise SrkitError(f"{p}: no such file")
    if p.is_dir():
        raise SrkitError(f"{p}: is a folder, not an image")
    if p.stat().st_size == 0:
        raise SrkitError(f"{p}: empty file")
    try:
        with _pillow_limit_off(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(p) as im:
                w, h = im.size
                if max_pixels is not None and w * h > max_pixels:
                    raise SrkitError(
                        f"{p}: {w}x{h} = {w * h:,} pixels is over the limit of {max_pixels:,} "
                        "(possible decompression bomb; raise the limit explicitly to allow it)")
                mode = im.mode
                if im.format == "PNG" and png16.needs_png16(p):
                    pixels, icc, exif = png16.read_png16(p)
                    pixels, alpha = _split_alpha(pixels)
                    depth = 16
                else:
                    if im.format == "TIFF":
                        _check_deep_tiff(im, p)
                    im.load()
                    icc, exif = im.info.get("icc_profile"), im.info.get("exif")
                    pixels, alpha, depth = _to_planes(im)
    except SrkitError:
        raise
    except UnidentifiedImageError:
        raise SrkitError(f"{p}: not an image Pillow can decode") from None
    except (OSError, SyntaxError, ValueError, EOFError, zlib.error) as exc:
        reason = str(exc) or type(exc).__name__
        if "truncated" in reason.lower() or isinstance(exc, EOFError):
            reason = f"truncated file ({reason})"
        raise SrkitError(f"{p}: corrupt image: {reason}") from None
    orientation, exif = _exif_upright(exif)
    if orientation != 1:
        pixels = _ORIENT[orientation](pixels)
        alpha = None if alpha is None else _ORIENT[orientation](alpha)
    if not native:
        pixels, alpha = _to_float(pixels), None if alpha is None else _to_float(alpha)
    alpha = None if alpha is None else np.ascontiguousarray(alpha)
    return Picture(np.ascontiguousarray(pixels), alpha, depth, mode, icc, exif)


def format_for(path, fmt: str | None = None) -> str:
    """The Pillow format name for ``path`` (or the explicit ``fmt``)."""
    if fmt:
        name = fmt.upper().replace("JPG", "JPEG").replace("TIF", "TIFF").replace("TIFFF", "TIFF")
        if name not in set(FORMATS.values()):
            raise SrkitError(f"{path}: unsupported output format {fmt!r}; choose from png, bmp, jpg, tiff, webp")
        return name
    ext = Path(path).suffix.lower()
    if ext not in FORMATS:
        raise SrkitError(f"{path}: unknown image extension {ext or '(none)'!r}; "
                         f"use one of {', '.join(sorted(FORMATS))}")
    return FORMATS[ext]


def quantize(x: np.ndarray, bits: int) -> np.ndarray:
    """Float [0, 1] -> uint8 / uint16 (round half up, saturated); integer input is rescaled."""
    x = np.asarray(x)
    dtype = np.uint16 if bits == 16 else np.uint8
    if x.dtype == dtype:
        return x
    if x.dtype in (np.uint8, np.uint16):
        return x.astype(np.uint16) * 257 if bits == 16 else ((x.astype(np.uint32) + 128) // 257).astype(np.uint8)
    top = 65535.0 if bits == 16 else 255.0
    return np.floor(np.clip(x, 0.0, 1.0) * top + 0.5).astype(dtype)


def _planes(pixels, alpha, bit_depth: int) -> np.ndarray:
    """HxW or HxWxC integer planes (alpha appended last) at ``bit_depth``."""
    arr = np.asarray(pixels)
    if arr.ndim == 3 and arr.shape[-1] == 1:
        arr = arr[..., 0]
    if arr.ndim not in (2, 3) or (arr.ndim == 3 and arr.shape[-1] != 3):
        raise SrkitError(f"image pixels must be HxW, HxWx1 or HxWx3, got shape {arr.shape}")
    planes = quantize(arr, bit_depth)
    if alpha is None:
        return planes
    a = quantize(np.asarray(alpha).reshape(arr.shape[:2]), bit_depth)
    return np.concatenate([planes.reshape(*arr.shape[:2], -1), a[..., None]], axis=-1)


def to_pil(pixels: np.ndarray, alpha: np.ndarray | None = None, bit_depth: int = 8):
    """A PIL image from float [0, 1] (or uint8/uint16) pixels (HxW, HxWx1, HxWx3) and optional alpha.

    16-bit is possible for grayscale without alpha only (Pillow's I;16); 16-bit
    colour raises :class:`SrkitError` (use :func:`write_image`, which has its own
    16-bit PNG encoder) rather than silently dropping precision.
    """
    from PIL import Image

    planes = _planes(pixels, alpha, 16 if bit_depth == 16 else 8)
    if bit_depth == 16:
        if planes.ndim != 2:
            raise SrkitError("Pillow holds 16 bits for grayscale without alpha only")
    return Image.fromarray(planes)  # uint16 HxW -> I;16; uint8 -> L, LA, RGB or RGBA


def max_bit_depth(fmt: str, channels: int) -> int:
    """Deepest integer bit depth srkit writes for Pillow format ``fmt`` and ``channels`` (incl. alpha)."""
    if fmt == "PNG" or (fmt == "TIFF" and channels == 1):
        return 16
    return 8


def write_image(path, pixels, alpha=None, *, bit_depth: int = 8, fmt: str | None = None,
                icc_profile: bytes | None = None, exif: bytes | None = None,
                overwrite: bool = False, quality: int = 95) -> Path:
    """Atomically write float [0, 1] (or uint8/uint16) ``pixels`` to ``path``.

    ``bit_depth`` 16 is written for PNG (any channels, colour through
    :mod:`srkit.imaging.png16`) and grayscale TIFF; elsewhere it is refused.
    Refuses to replace an existing file unless ``overwrite``; on any error the
    target is left as it was and no temporary file remains.
    """
    from srkit.imaging import png16

    p = Path(path)
    name = format_for(p, fmt)
    refuse_existing(p, overwrite)
    if alpha is not None and name not in _ALPHA_FORMATS:
        raise SrkitError(f"{p}: {name} cannot store an alpha channel; use PNG, TIFF or WebP")
    if bit_depth not in (8, 16):
        raise SrkitError(f"{p}: bit depth must be 8 or 16, not {bit_depth}")
    channels = (np.asarray(pixels).shape[-1] if np.ndim(pixels) == 3 else 1) + (alpha is not None)
    if bit_depth > max_bit_depth(name, channels):
        raise SrkitError(f"{p}: {name} cannot store {bit_depth}-bit {channels}-channel pixels; "
                         "use PNG (or write 8 bits)")
    if bit_depth == 16 and channels > 1:
        encode = partial(png16.write_png16, pixels=_planes(pixels, alpha, 16), icc_profile=icc_profile, exif=exif)
    else:
        options = {}
        if icc_profile and name in ("PNG", "JPEG", "TIFF", "WEBP"):
            options["icc_profile"] = icc_profile
        if exif and name in ("PNG", "JPEG", "TIFF", "WEBP"):
            options["exif"] = exif
        if name in ("JPEG", "WEBP"):
            options["quality"] = quality
        im = to_pil(pixels, alpha, bit_depth)

        def encode(f):
            im.save(f, format=name, **options)
    try:
        with atomic_open(p, overwrite) as f:
            encode(f)
    except (OSError, ValueError) as exc:
        raise SrkitError(f"{p}: could not write: {exc}") from None
    return p

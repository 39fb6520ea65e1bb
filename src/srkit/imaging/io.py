"""Safe image reading and atomic writing (Pillow).

``read_image`` opens PNG, BMP, JPEG, TIFF, WebP (anything Pillow decodes) in
modes 1, L, LA, RGB, RGBA, P, CMYK, I;16 and I, applies the EXIF orientation,
and returns float32 pixels in [0, 1] with alpha kept aside and the original
bit depth recorded. Every failure (missing, empty, not an image, truncated,
corrupt, over the pixel limit) raises :class:`~srkit.errors.SrkitError` naming
the file and the reason.

``write_image`` writes to a temporary file in the target folder, fsyncs it and
renames it over the target, so an error or Ctrl-C never leaves a partial
output, and it refuses to replace an existing file unless asked.
"""
from __future__ import annotations

import contextlib
import os
import tempfile
import threading
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

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
    """Pixels (HxWxC float32), alpha (HxW or None) and bit depth of a loaded PIL image."""
    mode = im.mode
    if mode in ("I;16", "I;16B", "I;16L", "I;16N"):
        arr = np.asarray(im, dtype=np.uint16).astype(np.float32) / 65535.0
        return arr[..., None], None, 16
    if mode == "I":
        arr = np.asarray(im, dtype=np.int64)
        top = 65535.0 if arr.max(initial=0) > 255 else 255.0
        return (np.clip(arr, 0, top).astype(np.float32) / top)[..., None], None, 16 if top > 255 else 8
    if mode == "F":
        return np.clip(np.asarray(im, dtype=np.float32), 0, 1)[..., None], None, 32
    if mode == "P":
        im = im.convert("RGBA" if "transparency" in im.info else "RGB")
    elif mode == "PA":
        im = im.convert("RGBA")
    elif mode == "1":
        im = im.convert("L")
    elif mode in ("CMYK", "YCbCr", "LAB", "HSV"):
        im = im.convert("RGB")
    elif mode == "La":
        im = im.convert("LA")
    elif mode == "RGBa":
        im = im.convert("RGBA")
    elif im.mode not in ("L", "LA", "RGB", "RGBA"):
        im = im.convert("RGB")
    arr = np.asarray(im, dtype=np.float32) / 255.0
    if arr.ndim == 2:
        return arr[..., None], None, 8
    if im.mode == "LA":
        return arr[..., :1], arr[..., 1], 8
    if im.mode == "RGBA":
        return arr[..., :3], arr[..., 3], 8
    return arr, None, 8


def read_image(path, *, max_pixels: int | None = MAX_PIXELS) -> Picture:
    """Decode ``path`` into a :class:`Picture`; ``max_pixels=None`` lifts the bomb guard."""
    from PIL import Image, ImageOps, UnidentifiedImageError

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
                im.load()
                mode = im.mode
                icc, exif = im.info.get("icc_profile"), im.info.get("exif")
                im = ImageOps.exif_transpose(im)
                pixels, alpha, depth = _to_planes(im)
    except SrkitError:
        raise
    except UnidentifiedImageError:
        raise SrkitError(f"{p}: not an image Pillow can decode") from None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        reason = str(exc) or type(exc).__name__
        if "truncated" in reason.lower() or isinstance(exc, EOFError):
            reason = f"truncated file ({reason})"
        raise SrkitError(f"{p}: corrupt image: {reason}") from None
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
        raise SrkitError(f"{path}: unknown image extension {ext or '(none)'!r}; use one of {', '.join(sorted(FORMATS))}")
    return FORMATS[ext]


def _quantize(x: np.ndarray, bits: int) -> np.ndarray:
    top = 65535.0 if bits == 16 else 255.0
    dtype = np.uint16 if bits == 16 else np.uint8
    return np.floor(np.clip(x, 0.0, 1.0) * top + 0.5).astype(dtype)


def to_pil(pixels: np.ndarray, alpha: np.ndarray | None = None, bit_depth: int = 8):
    """A PIL image from float [0, 1] pixels (HxW, HxWx1 or HxWx3) and optional alpha.

    16-bit output is supported for grayscale without alpha (Pillow's I;16); 16-bit
    colour raises :class:`SrkitError` rather than silently dropping precision.
    """
    from PIL import Image

    arr = np.asarray(pixels)
    if arr.ndim == 3 and arr.shape[-1] == 1:
        arr = arr[..., 0]
    if arr.dtype == np.uint8:
        arr = arr.astype(np.float32) / 255.0
    elif arr.dtype == np.uint16:
        arr = arr.astype(np.float32) / 65535.0
    if bit_depth == 16:
        if arr.ndim != 2 or alpha is not None:
            raise SrkitError("16-bit output is supported for grayscale images without alpha only")
        return Image.fromarray(_quantize(arr, 16), mode="I;16")
    planes = _quantize(arr, 8)
    if alpha is None:
        return Image.fromarray(planes, mode="L" if planes.ndim == 2 else "RGB")
    a = _quantize(np.asarray(alpha, dtype=np.float32), 8)
    if planes.ndim == 2:
        return Image.fromarray(np.stack([planes, a], -1), mode="LA")
    return Image.fromarray(np.concatenate([planes, a[..., None]], -1), mode="RGBA")


def write_image(path, pixels, alpha=None, *, bit_depth: int = 8, fmt: str | None = None,
                icc_profile: bytes | None = None, exif: bytes | None = None,
                overwrite: bool = False, quality: int = 95) -> Path:
    """Atomically write float [0, 1] (or uint8/uint16) ``pixels`` to ``path``.

    Refuses to replace an existing file unless ``overwrite``; on any error the
    target is left as it was and no temporary file remains.
    """
    p = Path(path)
    name = format_for(p, fmt)
    if p.exists() and not overwrite:
        raise SrkitError(f"{p}: already exists (pass overwrite to replace it)")
    if alpha is not None and name not in _ALPHA_FORMATS:
        raise SrkitError(f"{p}: {name} cannot store an alpha channel; use PNG, TIFF or WebP")
    im = to_pil(pixels, alpha, bit_depth)
    options = {}
    if icc_profile and name in ("PNG", "JPEG", "TIFF", "WEBP"):
        options["icc_profile"] = icc_profile
    if exif and name in ("PNG", "JPEG", "TIFF", "WEBP"):
        options["exif"] = exif
    if name in ("JPEG", "WEBP"):
        options["quality"] = quality
    if not p.parent.exists():
        raise SrkitError(f"{p}: folder {p.parent} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".part", dir=p.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            im.save(f, format=name, **options)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, p)
    except BaseException as exc:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        if isinstance(exc, (OSError, ValueError)) and not isinstance(exc, SrkitError):
            raise SrkitError(f"{p}: could not write: {exc}") from None
        raise
    return p

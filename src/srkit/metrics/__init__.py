"""PSNR and SSIM under the standard SR protocol.

Default protocol (the one every published SR table uses): compare the Y
channel of MATLAB ``rgb2ycbcr`` on 8-bit values, after shaving ``scale``
pixels from every border. A grayscale image is its own Y. ``channel="rgb"``
and an explicit ``shave`` are options, never silent defaults.

SSIM is Wang et al. 2004 (``ssim_index.m``): 11x11 Gaussian window with
sigma 1.5, K1 = 0.01, K2 = 0.03, L = 255, 'valid' filtering, mean of the map.
"""
from __future__ import annotations

import math

import numpy as np

from srkit.errors import SrkitError
from srkit.imaging.color import y_of
from srkit.imaging.io import quantize

__all__ = ["psnr", "ssim", "prepare", "to_uint8"]


def to_uint8(image) -> np.ndarray:
    """An image as 8-bit values: uint8 passes through, floats in [0, 1] are rounded."""
    if type(image).__module__.startswith("torch"):
        image = image.detach().cpu().numpy()
        if image.ndim == 4:
            if image.shape[0] != 1:
                raise SrkitError("metrics: pass one image at a time, not a batch")
            image = image[0]
        if image.ndim == 3:
            image = np.moveaxis(image, 0, -1)
    arr = np.asarray(image)
    if arr.dtype == np.uint8:
        return arr
    if arr.dtype.kind in "iu":
        raise SrkitError(f"metrics: integer images must be uint8, got {arr.dtype}")
    return quantize(arr, 8)


def prepare(image, channel: str = "y", shave: int = 0) -> np.ndarray:
    """The float64 8-bit-valued plane(s) the metric compares.

    ``channel="y"``: Y rounded to 8 bits, like MATLAB ``rgb2ycbcr`` on uint8.
    ``channel="rgb"``: all channels as they are.
    """
    img = to_uint8(image)
    if img.ndim == 3 and img.shape[-1] == 1:
        img = img[..., 0]
    if channel == "y":
        if img.ndim == 3:
            plane = np.floor(y_of(img[..., :3].astype(np.float64) / 255.0) * 255.0 + 0.5)
        else:
            plane = img.astype(np.float64)
    elif channel == "rgb":
        plane = img.astype(np.float64)
    else:
        raise SrkitError(f"metrics: channel must be 'y' or 'rgb', got {channel!r}")
    if shave:
        if min(plane.shape[:2]) <= 2 * shave:
            raise SrkitError(f"metrics: image {plane.shape[0]}x{plane.shape[1]} is too small to shave {shave} px")
        plane = plane[shave:-shave, shave:-shave]
    return plane


def _pair(sr, hr, channel, shave, scale):
    if shave is None:
        shave = int(scale) if scale else 0
    a, b = prepare(sr, channel, shave), prepare(hr, channel, shave)
    if a.shape != b.shape:
        raise SrkitError(f"metrics: shapes differ, {a.shape} vs {b.shape}")
    return a, b


def psnr(sr, hr, scale: int | None = None, *, shave: int | None = None, channel: str = "y") -> float:
    """PSNR in dB (peak 255) of ``sr`` against ``hr``; ``inf`` for identical images.

    ``scale`` sets the default border shave; ``shave`` overrides it.
    """
    a, b = _pair(sr, hr, channel, shave, scale)
    mse = float(np.mean((a - b) ** 2))
    return math.inf if mse == 0 else 10.0 * math.log10(255.0 ** 2 / mse)


def _gaussian_window(size: int = 11, sigma: float = 1.5) -> np.ndarray:
    x = np.arange(size) - (size - 1) / 2
    g = np.exp(-(x ** 2) / (2 * sigma ** 2))
    return g / g.sum()


def _filter_valid(x: np.ndarray, g: np.ndarray) -> np.ndarray:
    """2-D 'valid' correlation with the separable window g (x) g."""
    n = g.size
    rows = sum(g[i] * x[i:x.shape[0] - n + 1 + i] for i in range(n))
    return sum(g[j] * rows[:, j:rows.shape[1] - n + 1 + j] for j in range(n))


def _ssim_plane(a: np.ndarray, b: np.ndarray) -> float:
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    g = _gaussian_window()
    if min(a.shape) < g.size:
        raise SrkitError(f"metrics: SSIM needs at least 11x11 pixels, got {a.shape[0]}x{a.shape[1]}")
    mu_a, mu_b = _filter_valid(a, g), _filter_valid(b, g)
    saa = _filter_valid(a * a, g) - mu_a ** 2
    sbb = _filter_valid(b * b, g) - mu_b ** 2
    sab = _filter_valid(a * b, g) - mu_a * mu_b
    num = (2 * mu_a * mu_b + c1) * (2 * sab + c2)
    den = (mu_a ** 2 + mu_b ** 2 + c1) * (saa + sbb + c2)
    return float(np.mean(num / den))


def ssim(sr, hr, scale: int | None = None, *, shave: int | None = None, channel: str = "y") -> float:
    """SSIM (Wang et al. 2004) of ``sr`` against ``hr``; RGB averages the channels."""
    a, b = _pair(sr, hr, channel, shave, scale)
    if a.ndim == 2:
        return _ssim_plane(a, b)
    return float(np.mean([_ssim_plane(a[..., c], b[..., c]) for c in range(a.shape[-1])]))

"""Degradations that make a low-resolution image from a high-resolution one.

The deterministic part of each degradation (``downscale``) runs once per image
and scale; the random part (``add_noise`` and, for seed 000, the blur that
follows it) runs per training patch. Images are numpy HxWxC float in [0, 1].

- ``bicubic`` (BI): MATLAB ``imresize(hr, 1/s)``, the standard of every SR table.
- ``bd``: Gaussian blur (7x7, sigma 1.6, replicated borders) then keep every
  s-th pixel, the BD model of Zhang et al., RDN (CVPR 2018).
- ``dn``: bicubic, then additive Gaussian noise (sigma 30 of 255 in RDN).
- ``psnet``: seed 000 section 1.4: downscale 50 %, add standard-normal noise
  (sigma 1 of 255), then Gaussian blur (the paper gives no blur width; sigma 1
  here).
"""
from __future__ import annotations

import math

import numpy as np

from srkit.errors import SrkitError
from srkit.imaging.resize import imresize

#: name -> (deterministic downscale kind, noise sigma in 8-bit levels, blur after noise)
DEGRADATIONS = {
    "bicubic": ("bicubic", 0.0, 0.0),
    "bd": ("blur-decimate", 0.0, 0.0),
    "dn": ("bicubic", 30.0, 0.0),
    "psnet": ("bicubic", 1.0, 1.0),
}


def gaussian_kernel(sigma: float, size: int | None = None) -> np.ndarray:
    """Normalised 1-D Gaussian taps (MATLAB ``fspecial('gaussian')`` is their outer product)."""
    if sigma <= 0:
        raise SrkitError(f"degrade: blur sigma must be positive, got {sigma}")
    size = size or 2 * math.ceil(3 * sigma) + 1
    x = np.arange(size) - (size - 1) / 2
    g = np.exp(-(x ** 2) / (2 * sigma ** 2))
    return g / g.sum()


def gaussian_blur(image: np.ndarray, sigma: float, size: int | None = None) -> np.ndarray:
    """Separable Gaussian blur of an HxW(xC) array with replicated borders (``imfilter 'replicate'``)."""
    g = gaussian_kernel(sigma, size)
    r = g.size // 2
    pad = [(r, r), (r, r)] + [(0, 0)] * (image.ndim - 2)
    x = np.pad(np.asarray(image, dtype=np.float64), pad, mode="edge")
    h, w = image.shape[:2]
    x = sum(g[i] * x[i:i + h] for i in range(g.size))
    x = sum(g[j] * x[:, j:j + w] for j in range(g.size))
    return x.astype(np.float32)


def downscale(hr: np.ndarray, scale: int, kind: str = "bicubic", blur_sigma: float = 1.6) -> np.ndarray:
    """The deterministic LR of ``hr`` (HxW or HxWxC float, size a multiple of ``scale``)."""
    if kind == "bicubic":
        return imresize(hr.astype(np.float32), 1.0 / scale)
    if kind == "blur-decimate":
        size = 7 if blur_sigma == 1.6 else None  # RDN's 7x7 kernel for sigma 1.6
        blurred = gaussian_blur(hr, blur_sigma, size)
        o = (scale - 1) // 2  # the centre pixel of each s x s block (RDN takes index s-1, 1-based, for s = 3)
        return blurred[o::scale, o::scale]
    raise SrkitError(f"degrade: unknown downscale kind {kind!r}")


def add_noise(lr: np.ndarray, sigma: float, rng: np.random.Generator) -> np.ndarray:
    """``lr`` plus Gaussian noise of ``sigma`` (in 8-bit levels), clipped to [0, 1]."""
    noise = rng.standard_normal(lr.shape, dtype=np.float32) * np.float32(sigma / 255.0)
    return np.clip(lr + noise, 0.0, 1.0)


def degradation(name: str, noise: float | None = None, blur: float | None = None) -> tuple[str, float, float, float]:
    """(downscale kind, downscale blur sigma, noise sigma, post-noise blur sigma) of a degradation.

    ``noise`` overrides its noise sigma (8-bit levels); ``blur`` overrides its blur sigma
    (BD's pre-decimation blur, or seed 000's post-noise blur).
    """
    if name not in DEGRADATIONS:
        raise SrkitError(f"unknown degradation {name!r}; choose from {', '.join(DEGRADATIONS)}")
    kind, noise_sigma, post_blur = DEGRADATIONS[name]
    down_blur = blur if (blur and kind == "blur-decimate") else 1.6
    return (kind, down_blur, noise_sigma if noise is None else float(noise),
            (blur or post_blur) if post_blur else 0.0)


def degrade(hr: np.ndarray, scale: int, name: str = "bicubic", rng: np.random.Generator | None = None,
            noise: float | None = None, blur: float | None = None) -> np.ndarray:
    """LR of a whole image with degradation ``name`` (overrides as in :func:`degradation`)."""
    kind, down_blur, noise_sigma, post_blur = degradation(name, noise, blur)
    lr = downscale(hr, scale, kind, down_blur)
    if noise_sigma:
        lr = add_noise(lr, noise_sigma, rng if rng is not None else np.random.default_rng())
    if post_blur:
        lr = gaussian_blur(lr, post_blur)
    return lr.astype(np.float32)

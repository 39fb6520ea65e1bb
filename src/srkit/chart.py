"""A procedural test chart: text, fine lines, a zone plate and textures.

Everything is drawn from code (no files, no downloads), deterministic for a
given size, so ``srkit demo`` and tests have a hard, known HR image anywhere.
"""
from __future__ import annotations

import numpy as np


def _zone_plate(n: int) -> np.ndarray:
    """cos(pi r^2 / 2n): frequency rises linearly to half the Nyquist limit at the edge."""
    y, x = np.mgrid[0:n, 0:n] - (n - 1) / 2
    return 0.5 + 0.5 * np.cos(np.pi * (x * x + y * y) / (2 * n))


def _line_wedge(h: int, w: int) -> np.ndarray:
    """Black/white line pairs whose period shrinks from 12 px to 4 px left to right."""
    x = np.arange(w)
    period = 12 - 8 * x / max(w - 1, 1)
    phase = np.cumsum(1.0 / period)
    return np.tile((np.floor(2 * phase) % 2)[None, :], (h, 1))


def _textures(h: int, w: int, rng: np.random.Generator) -> np.ndarray:
    """Left: smoothed noise; right: a checkerboard of 4 px squares over a gradient."""
    noise = rng.random((h, w))
    for _ in range(2):
        noise = (noise + np.roll(noise, 1, 0) + np.roll(noise, 1, 1) + np.roll(noise, (1, 1), (0, 1))) / 4
    yy, xx = np.mgrid[0:h, 0:w]
    checker = ((yy // 4 + xx // 4) % 2) * 0.6 + 0.2 * xx / max(w - 1, 1)
    return np.where(xx < w // 2, noise, checker)


def _text(h: int, w: int) -> np.ndarray:
    from PIL import Image, ImageDraw, ImageFont

    im = Image.new("L", (w, h), 255)
    draw = ImageDraw.Draw(im)
    lines = ["srkit 0123", "Super-Res", "quick fox", "13 lazy dogs"]
    step = h // len(lines)
    for i, line in enumerate(lines):
        try:
            font = ImageFont.load_default(size=max(8, step // 2 - 2 * i))
        except TypeError:  # Pillow without FreeType: fixed bitmap font
            font = ImageFont.load_default()
        draw.text((4, i * step + 2), line, fill=0, font=font)
    return np.asarray(im, dtype=np.float64) / 255.0


def test_chart(size: int = 256, seed: int = 0) -> np.ndarray:
    """An RGB chart of ``size`` x ``size`` pixels, float32 in [0, 1]."""
    half = size // 2
    rng = np.random.default_rng(seed)
    gray = np.zeros((size, size))
    gray[:half, :half] = _zone_plate(half)
    gray[:half, half:] = _text(half, size - half)
    gray[half:, :half] = _line_wedge(size - half, half)
    gray[half:, half:] = _textures(size - half, size - half, rng)
    # A colour cast per quadrant so colour handling is visible too.
    tint = np.ones((size, size, 3))
    tint[half:, half:] = (1.0, 0.85, 0.7)
    tint[:half, :half] = (0.8, 0.9, 1.0)
    return (gray[..., None] * tint).astype(np.float32)

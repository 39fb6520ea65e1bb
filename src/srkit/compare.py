"""Side-by-side comparisons: one HR image, several methods, each labelled with its PSNR.

The HR is cropped to a multiple of the scale and downscaled with MATLAB
bicubic (RGB, as floats); each method upscales the LR through
:func:`srkit.infer.upscale` (Y models on Y with bicubic CbCr, as the papers do)
and is scored by PSNR on Y with ``scale`` pixels shaved, on the whole image.
The panel shows the whole image or a crop of it, enlarged with nearest
neighbours so pixels stay visible.
"""
from __future__ import annotations

import numpy as np

from srkit.bench.protocol import crop_to_scale
from srkit.errors import SrkitError
from srkit.imaging.io import quantize
from srkit.imaging.resize import imresize
from srkit.metrics import psnr

LABEL_HEIGHT = 16
GAP = 4


def default_models(scale: int) -> list[str]:
    """nearest, bicubic and every model srkit ships weights for at ``scale`` (best last)."""
    from srkit.models.weights import shipped_at

    return ["nearest", "bicubic"] + list(shipped_at(scale))[::-1]


def super_resolve_all(hr: np.ndarray, models: list[str], scale: int) -> list[tuple[str, np.ndarray, float]]:
    """(model, SR image, PSNR on Y) for each model, from the bicubic-downscaled ``hr``."""
    from srkit.infer import upscale

    lr = imresize(hr.astype(np.float64), 1 / scale).clip(0, 1).astype(np.float32)
    out = []
    for name in models:
        sr = upscale(lr, model=name, scale=scale)
        out.append((name, sr, psnr(sr, hr, scale)))
    return out


def panel(images: list[tuple[str, np.ndarray]], box=None, zoom: int = 1) -> np.ndarray:
    """Lay ``(label, image)`` pairs side by side under their labels; float RGB in [0, 1].

    ``box`` = (x, y, w, h) crops every image first; ``zoom`` enlarges by pixel repetition.
    """
    from PIL import Image, ImageDraw

    crops = []
    for label, img in images:
        img = np.clip(img if img.ndim == 3 else img[..., None], 0, 1)
        if img.shape[-1] == 1:
            img = np.repeat(img, 3, axis=-1)
        if box is not None:
            x, y, w, h = box
            if x < 0 or y < 0 or w < 1 or h < 1 or x + w > img.shape[1] or y + h > img.shape[0]:
                raise SrkitError(f"crop {x},{y},{w},{h} does not fit in the {img.shape[1]}x{img.shape[0]} image")
            img = img[y:y + h, x:x + w]
        crops.append((label, img.repeat(zoom, 0).repeat(zoom, 1)))
    h, w = crops[0][1].shape[:2]
    canvas = Image.new("RGB", (len(crops) * (w + GAP) - GAP, h + LABEL_HEIGHT), (255, 255, 255))
    draw = ImageDraw.Draw(canvas)
    for i, (label, img) in enumerate(crops):
        canvas.paste(Image.fromarray(quantize(img, 8)), (i * (w + GAP), LABEL_HEIGHT))
        draw.text((i * (w + GAP) + 2, 2), label, fill=(0, 0, 0))
    return np.asarray(canvas, dtype=np.float32) / 255.0


def compare(hr: np.ndarray, models: list[str], scale: int, box=None, zoom: int = 1):
    """The labelled panel (HR first) and ``{model: PSNR}`` for an HR image in [0, 1]."""
    hr = crop_to_scale(hr, scale)
    results = super_resolve_all(hr, models, scale)
    images = [("HR", hr)] + [(f"{name} {value:.2f} dB", sr) for name, sr, value in results]
    return panel(images, box, zoom), {name: value for name, _, value in results}

"""``srkit demo``: the whole pipeline on an embedded test chart, as one labelled PNG.

Render the chart (HR), downscale it with MATLAB bicubic, super-resolve it with
each method, and lay the results side by side with each method's PSNR (Y).
"""
from __future__ import annotations

import numpy as np

from srkit.chart import test_chart
from srkit.imaging.resize import imresize
from srkit.metrics import psnr

LABEL_HEIGHT = 18


def super_resolve(model_name: str, lr: np.ndarray, scale: int) -> np.ndarray:
    """Upscale an RGB float image with a registered model (the upscaler's colour handling)."""
    from srkit.infer import upscale

    return upscale(lr, model=model_name, scale=scale)


def render(models: list[str], scale: int = 2, size: int = 256) -> tuple[np.ndarray, dict[str, float]]:
    """The side-by-side panel (float RGB) and each method's PSNR against the HR chart."""
    from PIL import Image, ImageDraw

    hr = test_chart(size)
    hr = hr[: size - size % scale, : size - size % scale]
    lr = imresize(hr.astype(np.float64), 1 / scale).clip(0, 1).astype(np.float32)
    panels, scores = [("HR (original)", hr)], {}
    for name in models:
        sr = super_resolve(name, lr, scale)
        scores[name] = psnr(sr, hr, scale)
        panels.append((f"{name}  {scores[name]:.2f} dB", sr))
    h, w = hr.shape[:2]
    canvas = Image.new("RGB", (len(panels) * (w + 4), h + LABEL_HEIGHT), (255, 255, 255))
    draw = ImageDraw.Draw(canvas)
    for i, (label, img) in enumerate(panels):
        tile = Image.fromarray(np.floor(np.clip(img, 0, 1) * 255 + 0.5).astype(np.uint8))
        canvas.paste(tile, (i * (w + 4), LABEL_HEIGHT))
        draw.text((i * (w + 4) + 3, 3), label, fill=(0, 0, 0))
    return np.asarray(canvas, dtype=np.float32) / 255.0, scores

"""The standard evaluation protocol for one HR image.

- HR is cropped from the top-left to a multiple of the scale.
- Y models (``in_channels == 1``): the HR's 8-bit Y (MATLAB ``rgb2ycbcr``; a
  gray image is its own Y) is downscaled with MATLAB bicubic as floats
  (``im2double`` then ``imresize``, as the SRCNN/VDSR evaluation code does); the
  model super-resolves Y; PSNR/SSIM on Y.
- RGB models: LR = MATLAB-bicubic downscale of the 8-bit RGB HR, rounded to 8
  bits (the benchmark LR PNGs of EDSR/RCAN); the output's Y is measured. A
  gray image is repeated to three channels.
"""
from __future__ import annotations

import numpy as np

from srkit.imaging.color import y_of
from srkit.imaging.resize import imresize
from srkit.metrics import to_uint8

PROTOCOLS = {
    1: "Y: LR = bicubic of 8-bit Y (float); PSNR/SSIM on Y, shave = scale",
    3: "RGB: LR = bicubic of 8-bit RGB (8-bit); PSNR/SSIM on Y, shave = scale",
}


def crop_to_scale(hr: np.ndarray, scale: int) -> np.ndarray:
    """Crop from the top-left so both sides are multiples of ``scale``."""
    h, w = hr.shape[:2]
    return hr[: h - h % scale, : w - w % scale]


def make_pair(hr8: np.ndarray, scale: int, channels: int) -> tuple[np.ndarray, np.ndarray]:
    """(reference, lr) for an 8-bit HR image under the protocol for ``channels``.

    ``reference`` is uint8 (HxW for Y, HxWx3 for RGB); ``lr`` is float32 in
    [0, 1] with channels last (HxW or HxWx3).
    """
    hr8 = crop_to_scale(hr8, scale)
    if channels == 1:
        y = hr8 if hr8.ndim == 2 else to_uint8(y_of(hr8.astype(np.float64) / 255.0))
        lr = imresize(y.astype(np.float64) / 255.0, 1 / scale)
        return y, lr.astype(np.float32)
    rgb = hr8 if hr8.ndim == 3 else np.repeat(hr8[..., None], 3, axis=-1)
    lr = imresize(rgb, 1 / scale).astype(np.float32) / 255.0
    return rgb, lr

"""SRCNN: Dong, Loy, He, Tang, "Image Super-Resolution Using Deep Convolutional
Networks", TPAMI 2016 (ECCV 2014).

Three layers on the bicubic-upsampled image: patch extraction f1 x f1 x n1,
non-linear mapping f2 x f2 x n2, reconstruction f3 x f3; ReLU; MSE loss.
Defaults: 9-5-5, n1 = 64, n2 = 32, one (Y) channel (57,184 weights); the
``variant`` "9-1-5" (8,032 weights) and "9-3-5" are the paper's others, and
``channels=3`` its RGB model.

Deviation: the paper trains with unpadded ("valid") convolutions and a cropped
target; here every conv is padded to keep the size, so the model maps an
h x w LR image to exactly s*h x s*w: with zeros by default, or with
``padding_mode="replicate"`` by repeating edge pixels, as the authors' MATLAB
test code does (``imfilter(..., 'same', 'replicate')``).
"""
from __future__ import annotations

import torch
from torch import nn

from srkit.errors import SrkitError
from srkit.models.common import PreUpsampled, check_channels, conv, pre_rf
from srkit.models.registry import register

VARIANTS = {"9-1-5": (9, 1, 5), "9-3-5": (9, 3, 5), "9-5-5": (9, 5, 5)}


class SRCNN(PreUpsampled):
    def __init__(self, scale: int, channels: int = 1, variant: str = "9-5-5", n1: int = 64, n2: int = 32,
                 padding_mode: str = "zeros"):
        super().__init__()
        if variant not in VARIANTS:
            raise SrkitError(f"srcnn: unknown variant {variant!r}; choose from {', '.join(VARIANTS)}")
        f1, f2, f3 = VARIANTS[variant]
        self.scale = scale
        self.body = nn.Sequential(
            conv(check_channels(channels), n1, f1, padding_mode), nn.ReLU(inplace=True),
            conv(n1, n2, f2, padding_mode), nn.ReLU(inplace=True),
            conv(n2, channels, f3, padding_mode),
        )

    def restore(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)


@register("srcnn", paper="Dong et al. 2014/2016, SRCNN", scales=(2, 3, 4), in_channels=1,
          upsampling="pre", receptive_field=pre_rf(4 + 2 + 2))
def build(scale: int = 2, **overrides):
    return SRCNN(scale, **overrides)

"""VDSR: Kim, Lee, Lee, "Accurate Image Super-Resolution Using Very Deep
Convolutional Networks", CVPR 2016.

20 conv layers 3x3 x 64 with ReLU (the last one to 1 channel) predict the
residual added to the bicubic-upsampled input (global residual learning). One
(Y) channel; one model serves x2, x3 and x4 (multi-scale training), so
``forward(lr, scale)`` takes the scale per call. Adjustable gradient clipping
is part of the training recipe, not the network. 665,921 parameters.
"""
from __future__ import annotations

import torch
from torch import nn

from srkit.models.common import PreUpsampled, check_channels, conv, pre_rf
from srkit.models.registry import register


class VDSR(PreUpsampled):
    def __init__(self, scale: int, channels: int = 1, depth: int = 20, n_feats: int = 64):
        super().__init__()
        self.scale = scale
        layers = [conv(check_channels(channels), n_feats, 3), nn.ReLU(inplace=True)]
        for _ in range(depth - 2):
            layers += [conv(n_feats, n_feats, 3), nn.ReLU(inplace=True)]
        layers.append(conv(n_feats, channels, 3))
        self.body = nn.Sequential(*layers)

    def restore(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


@register("vdsr", paper="Kim et al. 2016, VDSR", scales=(2, 3, 4), in_channels=1, upsampling="pre",
          receptive_field=pre_rf(20), multi_scale=True,
          note="one model for x2/x3/x4: forward(lr, scale)")
def build(scale: int = 2, **overrides):
    return VDSR(scale, **overrides)

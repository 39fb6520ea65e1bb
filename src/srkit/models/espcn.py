"""ESPCN: Shi et al., "Real-Time Single Image and Video Super-Resolution Using
an Efficient Sub-Pixel Convolutional Neural Network", CVPR 2016.

All convolutions in LR space: 5x5 x 64, 3x3 x 32, 3x3 x (r^2 C), then the
periodic shuffle (PixelShuffle r) to the HR grid. tanh after the first two
layers, as in the paper; MSE loss. One (Y) channel by default.

The paper does not say how its convolutions treat the image borders:
``padding_mode`` is zeros by default, or "replicate" (edge pixels repeated,
as the SRCNN and FSRCNN authors' test code pads) or "reflect".
"""
from __future__ import annotations

import torch
from torch import nn

from srkit.models.common import check_channels, conv
from srkit.models.registry import register


class ESPCN(nn.Module):
    def __init__(self, scale: int, channels: int = 1, n_feats: tuple[int, int] = (64, 32),
                 padding_mode: str = "zeros"):
        super().__init__()
        check_channels(channels)
        f1, f2 = n_feats
        self.body = nn.Sequential(
            conv(channels, f1, 5, padding_mode), nn.Tanh(),
            conv(f1, f2, 3, padding_mode), nn.Tanh(),
            conv(f2, scale * scale * channels, 3, padding_mode), nn.PixelShuffle(scale),
        )

    def forward(self, lr: torch.Tensor) -> torch.Tensor:
        return self.body(lr)


@register("espcn", paper="Shi et al. 2016, ESPCN", scales=(2, 3, 4), in_channels=1,
          upsampling="post", receptive_field=2 + 1 + 1)
def build(scale: int = 2, **overrides):
    return ESPCN(scale, **overrides)

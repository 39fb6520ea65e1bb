"""RCAN: Zhang, Li, Li, Wang, Zhong, Fu, "Image Super-Resolution Using Very
Deep Residual Channel Attention Networks", ECCV 2018.

Residual in residual: ``n_resgroups`` = 10 groups, each of ``n_resblocks`` =
20 residual channel-attention blocks (conv-ReLU-conv, then channel
attention: global average pooling, 1x1 down by ``reduction`` = 16, ReLU, 1x1
up, sigmoid) and a conv, with a short skip per group and a long skip over the
body; EDSR-style head, PixelShuffle upsampler and tail; 64 features, RGB,
L1 loss. 15.59M parameters at x4.

The global pooling makes every output pixel depend on the whole image, so
tiled inference is close to, but not exactly, the untiled result.
"""
from __future__ import annotations

import torch
from torch import nn

from srkit.models.common import MeanShift, Upsampler, check_channels, conv, rgb_mean
from srkit.models.registry import register


class ChannelAttention(nn.Sequential):
    def __init__(self, n_feats: int, reduction: int):
        super().__init__(nn.AdaptiveAvgPool2d(1), nn.Conv2d(n_feats, n_feats // reduction, 1), nn.ReLU(inplace=True),
                         nn.Conv2d(n_feats // reduction, n_feats, 1), nn.Sigmoid())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * super().forward(x)


class RCAB(nn.Module):
    def __init__(self, n_feats: int, reduction: int):
        super().__init__()
        self.body = nn.Sequential(conv(n_feats, n_feats, 3), nn.ReLU(inplace=True), conv(n_feats, n_feats, 3),
                                  ChannelAttention(n_feats, reduction))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class ResidualGroup(nn.Module):
    def __init__(self, n_feats: int, n_resblocks: int, reduction: int):
        super().__init__()
        self.body = nn.Sequential(*[RCAB(n_feats, reduction) for _ in range(n_resblocks)],
                                  conv(n_feats, n_feats, 3))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class RCAN(nn.Module):
    def __init__(self, scale: int, channels: int = 3, n_resgroups: int = 10, n_resblocks: int = 20,
                 n_feats: int = 64, reduction: int = 16):
        super().__init__()
        mean = rgb_mean(check_channels(channels))
        self.sub_mean, self.add_mean = MeanShift(mean, -1), MeanShift(mean, +1)
        self.head = conv(channels, n_feats, 3)
        self.body = nn.Sequential(*[ResidualGroup(n_feats, n_resblocks, reduction) for _ in range(n_resgroups)],
                                  conv(n_feats, n_feats, 3))
        self.tail = nn.Sequential(Upsampler(scale, n_feats), conv(n_feats, channels, 3))

    def forward(self, lr: torch.Tensor) -> torch.Tensor:
        x = self.head(self.sub_mean(lr))
        return self.add_mean(self.tail(x + self.body(x)))


# local context only (the attention is global): head 1 + 10 * (20 * 2 + 1) + 1 + upsampler 2 + tail 1
@register("rcan", paper="Zhang et al. 2018, RCAN", scales=(2, 3, 4), in_channels=3, upsampling="post",
          receptive_field=1 + 10 * 41 + 1 + 2 + 1, exact_tiling=False)
def build(scale: int = 2, **overrides):
    return RCAN(scale, **overrides)

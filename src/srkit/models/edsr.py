"""EDSR and MDSR: Lim, Son, Kim, Nah, Lee, "Enhanced Deep Residual Networks
for Single Image Super-Resolution", CVPRW 2017.

EDSR: mean shift, 3x3 head, ``n_resblocks`` residual blocks without
BatchNorm (conv-ReLU-conv, scaled by ``res_scale``), a conv and a long skip,
a PixelShuffle upsampler and a 3x3 tail. ``edsr`` is 32 blocks x 256 features
with res_scale 0.1 (43.1M at x4), ``edsr-baseline`` 16 x 64 (1.37M at x2).
MDSR shares the head, body (80 blocks x 64) and tail across x2/x3/x4 and adds
per-scale pre-processing (two 5x5 residual blocks) and upsamplers;
``forward(lr, scale=None)`` picks the scale per call (default: the built
scale). ``mdsr-baseline`` has 16 blocks. RGB; L1 loss.

The mean shift uses fixed buffers (DIV2K mean), so it adds no parameters,
as in the papers' counts.
"""
from __future__ import annotations

import torch
from torch import nn

from srkit.errors import SrkitError
from srkit.models.common import MeanShift, ResBlock, Upsampler, check_channels, conv, rgb_mean
from srkit.models.registry import register


class EDSR(nn.Module):
    def __init__(self, scale: int, channels: int = 3, n_resblocks: int = 32, n_feats: int = 256,
                 res_scale: float = 0.1):
        super().__init__()
        mean = rgb_mean(check_channels(channels))
        self.sub_mean, self.add_mean = MeanShift(mean, -1), MeanShift(mean, +1)
        self.head = conv(channels, n_feats, 3)
        self.body = nn.Sequential(*[ResBlock(n_feats, res_scale=res_scale) for _ in range(n_resblocks)],
                                  conv(n_feats, n_feats, 3))
        self.tail = nn.Sequential(Upsampler(scale, n_feats), conv(n_feats, channels, 3))

    def forward(self, lr: torch.Tensor) -> torch.Tensor:
        x = self.head(self.sub_mean(lr))
        return self.add_mean(self.tail(x + self.body(x)))


class MDSR(nn.Module):
    def __init__(self, scale: int, channels: int = 3, n_resblocks: int = 80, n_feats: int = 64,
                 scales=(2, 3, 4)):
        super().__init__()
        self.scale, self.scales = scale, tuple(scales)
        if scale not in self.scales:
            raise SrkitError(f"mdsr: the default scale {scale} must be one of scales={self.scales}")
        mean = rgb_mean(check_channels(channels))
        self.sub_mean, self.add_mean = MeanShift(mean, -1), MeanShift(mean, +1)
        self.head = conv(channels, n_feats, 3)
        self.pre_process = nn.ModuleDict(
            {str(s): nn.Sequential(ResBlock(n_feats, 5), ResBlock(n_feats, 5)) for s in self.scales})
        self.body = nn.Sequential(*[ResBlock(n_feats) for _ in range(n_resblocks)], conv(n_feats, n_feats, 3))
        self.upsample = nn.ModuleDict({str(s): Upsampler(s, n_feats) for s in self.scales})
        self.tail = conv(n_feats, channels, 3)

    def forward(self, lr: torch.Tensor, scale: int | None = None) -> torch.Tensor:
        s = str(scale or self.scale)
        if s not in self.upsample:
            raise SrkitError(f"mdsr: scale {s} not among the built scales {self.scales}")
        x = self.pre_process[s](self.head(self.sub_mean(lr)))
        return self.add_mean(self.tail(self.upsample[s](x + self.body(x))))


# LR context: head 1 + 2 per block + body conv 1 + upsampler (<= 2) + tail (<= 1)
@register("edsr", paper="Lim et al. 2017, EDSR", scales=(2, 3, 4), in_channels=3, upsampling="post",
          receptive_field=1 + 2 * 32 + 1 + 2 + 1)
def build(scale: int = 2, **overrides):
    return EDSR(scale, **overrides)


@register("edsr-baseline", paper="Lim et al. 2017, EDSR baseline", scales=(2, 3, 4), in_channels=3,
          upsampling="post", receptive_field=1 + 2 * 16 + 1 + 2 + 1)
def build_baseline(scale: int = 2, **overrides):
    return EDSR(scale, **{"n_resblocks": 16, "n_feats": 64, "res_scale": 1.0, **overrides})


_MDSR_NOTE = "one model for x2/x3/x4: forward(lr, scale)"


# MDSR adds the two 5x5 pre-processing blocks (4 convs of radius 2)
@register("mdsr", paper="Lim et al. 2017, MDSR", scales=(2, 3, 4), in_channels=3, upsampling="post",
          receptive_field=1 + 8 + 2 * 80 + 1 + 2 + 1, multi_scale=True, note=_MDSR_NOTE)
def build_mdsr(scale: int = 2, **overrides):
    return MDSR(scale, **overrides)


@register("mdsr-baseline", paper="Lim et al. 2017, MDSR baseline", scales=(2, 3, 4), in_channels=3,
          upsampling="post", receptive_field=1 + 8 + 2 * 16 + 1 + 2 + 1, multi_scale=True, note=_MDSR_NOTE)
def build_mdsr_baseline(scale: int = 2, **overrides):
    return MDSR(scale, **{"n_resblocks": 16, **overrides})

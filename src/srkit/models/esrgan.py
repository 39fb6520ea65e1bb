"""ESRGAN: Wang et al., "ESRGAN: Enhanced Super-Resolution Generative
Adversarial Networks", ECCV Workshops 2018.

Generator ``rrdbnet`` (alias ``esrgan``): 3x3 head, ``n_blocks`` = 23
residual-in-residual dense blocks (three dense blocks of five 3x3 convs,
``growth`` = 32, LeakyReLU 0.2, each scaled by ``res_scale`` = 0.2, no BN),
a conv and a long skip, then per x2 a nearest-neighbour upsample + conv +
LeakyReLU, and two 3x3 convs at HR; 64 features, RGB. 16.70M parameters at x4.

Discriminator ``esrgan-d`` (not an upscaler): the VGG-style critic on 128x128
patches (ten convs, 64 to 512 features, 4x4 stride-2 convs, BN, LeakyReLU
0.2, dense 100, dense 1). It returns the raw logit C(x); the relativistic
average loss is built from it in training.
Deviation: x3 uses one nearest x3 stage (the paper only does x4).
"""
from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from srkit.models.common import VGGStyleDiscriminator, check_channels, conv
from srkit.models.registry import register


class DenseBlock(nn.Module):
    """Five 3x3 convs, each seeing all previous outputs; residual scaled by ``res_scale``."""

    def __init__(self, n_feats: int, growth: int, res_scale: float):
        super().__init__()
        self.convs = nn.ModuleList(
            [conv(n_feats + i * growth, growth if i < 4 else n_feats, 3) for i in range(5)])
        self.act = nn.LeakyReLU(0.2, inplace=True)
        self.res_scale = res_scale

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        feats = [x]
        for i, layer in enumerate(self.convs):
            out = layer(torch.cat(feats, 1))
            if i < 4:
                feats.append(self.act(out))
        return x + self.res_scale * out


class RRDB(nn.Module):
    def __init__(self, n_feats: int, growth: int, res_scale: float):
        super().__init__()
        self.body = nn.Sequential(*[DenseBlock(n_feats, growth, res_scale) for _ in range(3)])
        self.res_scale = res_scale

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.res_scale * self.body(x)


class RRDBNet(nn.Module):
    def __init__(self, scale: int, channels: int = 3, n_blocks: int = 23, n_feats: int = 64, growth: int = 32,
                 res_scale: float = 0.2):
        super().__init__()
        self.factors = [3] if scale == 3 else [2] * (scale.bit_length() - 1)
        self.head = conv(check_channels(channels), n_feats, 3)
        self.body = nn.Sequential(*[RRDB(n_feats, growth, res_scale) for _ in range(n_blocks)],
                                  conv(n_feats, n_feats, 3))
        self.up = nn.ModuleList([conv(n_feats, n_feats, 3) for _ in self.factors])
        self.tail = nn.Sequential(conv(n_feats, n_feats, 3), nn.LeakyReLU(0.2, inplace=True),
                                  conv(n_feats, channels, 3))
        self.act = nn.LeakyReLU(0.2, inplace=True)

    def forward(self, lr: torch.Tensor) -> torch.Tensor:
        x = self.head(lr)
        x = x + self.body(x)
        for r, layer in zip(self.factors, self.up):
            x = self.act(layer(F.interpolate(x, scale_factor=r, mode="nearest")))
        return self.tail(x)


# LR context: head 1 + 23 * 15 + 1, then convs at >= x2 resolution (< 2 LR pixels)
@register("rrdbnet", paper="Wang et al. 2018, ESRGAN generator (RRDBNet)", scales=(2, 3, 4), in_channels=3,
          upsampling="post", receptive_field=1 + 23 * 15 + 1 + 2, aliases=("esrgan",), default_scale=4)
def build(scale: int = 4, **overrides):
    return RRDBNet(scale, **overrides)


@register("esrgan-d", paper="Wang et al. 2018, ESRGAN discriminator (VGG-128)", scales=(4,), in_channels=3,
          upsampling="none", receptive_field=0, exact_tiling=False, discriminator=True,
          note="GAN discriminator: forward(hr 128x128) -> logit C(x); not an upscaler")
def build_discriminator(scale: int = 4, channels: int = 3, n_feats: int = 64, patch_size: int = 128):
    return VGGStyleDiscriminator(channels, n_feats, n_stages=5, down_kernel=4, hidden=100, patch_size=patch_size)

"""Building blocks shared by the model zoo (one definition each, no copies).

``conv`` is a "same"-padded convolution; ``MeanShift`` subtracts/adds the
dataset mean (EDSR/RCAN style, fixed buffers, not parameters, so parameter
counts match the papers'); ``ResBlock`` is conv-act-conv with an identity skip
and optional BatchNorm and residual scaling; ``Upsampler`` is a stack of
conv + PixelShuffle stages (Shi et al. 2016). ``pre_rf`` / ``post_rf`` turn a
network's radius into the LR-pixel context the registry's ``receptive_field``
promises.
"""
from __future__ import annotations

import math

import torch
from torch import nn

from srkit.errors import SrkitError

#: DIV2K RGB mean used by EDSR, MDSR and RCAN (inputs in [0, 1]).
DIV2K_MEAN = (0.4488, 0.4371, 0.4040)


def conv(in_ch: int, out_ch: int, kernel_size: int, bias: bool = True, stride: int = 1) -> nn.Conv2d:
    """``kernel_size`` convolution padded so stride 1 keeps the spatial size."""
    return nn.Conv2d(in_ch, out_ch, kernel_size, stride=stride, padding=kernel_size // 2, bias=bias)


def check_channels(channels: int) -> int:
    """1 (Y) or 3 (RGB); anything else is a SrkitError."""
    if channels not in (1, 3):
        raise SrkitError(f"channels must be 1 (Y) or 3 (RGB), got {channels!r}")
    return channels


def pre_rf(hr_radius: int, min_scale: int = 2) -> int:
    """LR context of a pre-upsampling model: its HR radius over the scale, plus bicubic's taps.

    Bicubic reads 2 LR pixels on each side of a sample point; one more covers
    the sub-pixel offset of the sample points.
    """
    return math.ceil(hr_radius / min_scale) + 3


class MeanShift(nn.Module):
    """Add (``sign=+1``) or subtract (``sign=-1``) a fixed per-channel mean; no parameters."""

    def __init__(self, mean, sign: int):
        super().__init__()
        self.register_buffer("shift", sign * torch.tensor(mean, dtype=torch.float32).view(1, -1, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.shift


def rgb_mean(channels: int):
    """DIV2K mean for RGB, 0.5 for a single (Y) channel."""
    return DIV2K_MEAN if channels == 3 else (0.5,)


class ResBlock(nn.Module):
    """conv-[BN]-act-conv-[BN], scaled by ``res_scale``, plus the input (He et al. 2016)."""

    def __init__(self, n_feats: int, kernel_size: int = 3, bn: bool = False,
                 act: nn.Module | None = None, res_scale: float = 1.0):
        super().__init__()
        layers = [conv(n_feats, n_feats, kernel_size, bias=True)]
        if bn:
            layers.append(nn.BatchNorm2d(n_feats))
        layers.append(act if act is not None else nn.ReLU(inplace=True))
        layers.append(conv(n_feats, n_feats, kernel_size, bias=True))
        if bn:
            layers.append(nn.BatchNorm2d(n_feats))
        self.body = nn.Sequential(*layers)
        self.res_scale = res_scale

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        res = self.body(x)
        return x + (res * self.res_scale if self.res_scale != 1 else res)


class Upsampler(nn.Sequential):
    """x2^k as k (conv n->4n, PixelShuffle 2) stages, x3 as one (conv n->9n, PixelShuffle 3).

    ``act`` (a zero-argument factory, e.g. ``nn.PReLU``) follows each stage when given.
    """

    def __init__(self, scale: int, n_feats: int, kernel_size: int = 3, act=None):
        if scale == 3:
            factors = [3]
        elif scale >= 2 and scale & (scale - 1) == 0:
            factors = [2] * int(math.log2(scale))
        else:
            raise SrkitError(f"Upsampler: scale must be 3 or a power of 2, got {scale}")
        layers = []
        for r in factors:
            layers += [conv(n_feats, r * r * n_feats, kernel_size), nn.PixelShuffle(r)]
            if act is not None:
                layers.append(act())
        super().__init__(*layers)

    @staticmethod
    def lr_radius(scale: int, kernel_size: int = 3) -> int:
        """LR context of the stage convs (each later stage runs at a finer resolution)."""
        factors = [3] if scale == 3 else [2] * int(math.log2(scale))
        radius, res = 0.0, 1
        for r in factors:
            radius += (kernel_size // 2) / res
            res *= r
        return math.ceil(radius)

"""DRRN: Tai, Yang, Liu, "Image Super-Resolution via Deep Recursive Residual
Network", CVPR 2017.

On the bicubic-upsampled image: one recursive block (B = 1) of a 3x3 x 128
conv followed by U = 25 residual units H_u = F(H_{u-1}) + H_0 that share the
two pre-activation convs (ReLU-conv-ReLU-conv) of F, then a ReLU-conv
reconstruction and the global residual to the input: B1U25, 52 layers.
One (Y) channel; one model for x2/x3/x4. 297,601 parameters (paper: 297K).

Deviation: the paper's pre-activation units include BatchNorm; it is left
out here (its parameter count, 297K, leaves it out too), so the model
behaves the same in train and eval mode.
"""
from __future__ import annotations

import torch
from torch import nn

from srkit.models.common import PreUpsampled, check_channels, conv, pre_rf
from srkit.models.registry import register


class DRRN(PreUpsampled):
    def __init__(self, scale: int, channels: int = 1, n_feats: int = 128, n_blocks: int = 1, n_units: int = 25):
        super().__init__()
        self.scale = scale
        self.n_units = n_units
        check_channels(channels)
        self.entry = nn.ModuleList(
            [conv(channels if b == 0 else n_feats, n_feats, 3) for b in range(n_blocks)])
        self.unit = nn.ModuleList(
            [nn.Sequential(nn.ReLU(), conv(n_feats, n_feats, 3), nn.ReLU(), conv(n_feats, n_feats, 3))
             for _ in range(n_blocks)])
        self.tail = nn.Sequential(nn.ReLU(), conv(n_feats, channels, 3))

    def restore(self, x: torch.Tensor) -> torch.Tensor:
        h = x
        for entry, unit in zip(self.entry, self.unit):
            h0 = h = entry(h)
            for _ in range(self.n_units):
                h = unit(h) + h0
        return x + self.tail(h)


@register("drrn", paper="Tai et al. 2017, DRRN B1U25", scales=(2, 3, 4), in_channels=1, upsampling="pre",
          receptive_field=pre_rf(1 + 2 * 25 + 1), multi_scale=True,
          note="one model for x2/x3/x4: forward(lr, scale)")
def build(scale: int = 2, **overrides):
    return DRRN(scale, **overrides)

"""DRCN: Kim, Lee, Lee, "Deeply-Recursive Convolutional Network for Image
Super-Resolution", CVPR 2016.

On the bicubic-upsampled image: an embedding net (two 3x3 x 256 convs,
ReLU), one 3x3 x 256 conv + ReLU applied ``recursions`` = 16 times with
shared weights, and a reconstruction net (two 3x3 convs, shared across
recursions) with a skip from the input. Each recursion d gives a prediction
y_d; the output is their weighted average sum_d w_d y_d with learned w_d
(recursive supervision). One (Y) channel; 1,775,121 parameters (paper:
1,774K weights).

``forward(lr)`` returns the final output; ``forward_all(lr)`` returns
``(final, [y_1, ..., y_D])`` for the recursive-supervision loss
alpha * mean_d loss(y_d) + (1 - alpha) * loss(final).
"""
from __future__ import annotations

import torch
from torch import nn

from srkit.models.common import PreUpsampled, check_channels, conv, pre_rf
from srkit.models.registry import register


class DRCN(PreUpsampled):
    def __init__(self, scale: int, channels: int = 1, n_feats: int = 256, recursions: int = 16):
        super().__init__()
        self.scale = scale
        self.embed = nn.Sequential(conv(check_channels(channels), n_feats, 3), nn.ReLU(inplace=True),
                                   conv(n_feats, n_feats, 3), nn.ReLU(inplace=True))
        self.recursive = nn.Sequential(conv(n_feats, n_feats, 3), nn.ReLU(inplace=True))
        self.reconstruct = nn.Sequential(conv(n_feats, n_feats, 3), nn.ReLU(inplace=True),
                                         conv(n_feats, channels, 3))
        self.weights = nn.Parameter(torch.full((recursions,), 1.0 / recursions))

    def forward_all(self, lr: torch.Tensor, scale: int | None = None):
        """``(final, per-recursion predictions)``; the list is for recursive supervision."""
        x = self.upsample(lr, scale)
        h = self.embed(x)
        outputs = []
        for _ in range(self.weights.numel()):
            h = self.recursive(h)
            outputs.append(x + self.reconstruct(h))
        final = sum(w * y for w, y in zip(self.weights, outputs))
        return final, outputs

    def forward(self, lr: torch.Tensor, scale: int | None = None) -> torch.Tensor:
        return self.forward_all(lr, scale)[0]


@register("drcn", paper="Kim et al. 2016, DRCN", scales=(2, 3, 4), in_channels=1, upsampling="pre",
          receptive_field=pre_rf(2 + 16 + 2),
          note="forward_all(lr) -> (final, per-recursion outputs) for recursive supervision")
def build(scale: int = 2, **overrides):
    return DRCN(scale, **overrides)

"""LapSRN: Lai, Huang, Ahuja, Yang, "Deep Laplacian Pyramid Networks for Fast
and Accurate Super-Resolution", CVPR 2017.

Progressive reconstruction in log2(scale) x2 levels. Feature branch: a 3x3
input conv, then per level ``depth`` = 10 convs 3x3 x 64 with LeakyReLU 0.2,
a stride-2 transposed conv, and a 3x3 conv predicting the level's residual.
Image branch: a 4x4 stride-2 transposed conv (no bias, bilinear at start)
of the previous estimate, plus that residual. One (Y) channel; Charbonnier
loss on every level. 812,768 weights at x4 (the paper's 812K).

The feature transposed conv is 3x3, as in the authors' released model (the
812K count matches it; the paper's text says 4x4).

``forward(lr)`` returns the final (largest) output; ``forward_all(lr)``
returns every level's output [x2, x4, (x8)] for the multi-level loss (a x8
model gives x2 and x4 results too).
"""
from __future__ import annotations

import torch
from torch import nn

from srkit.models.common import check_channels, conv
from srkit.models.registry import register


def bilinear_upsampler(channels: int) -> nn.ConvTranspose2d:
    """4x4 stride-2 transposed conv per channel, initialised to x2 bilinear interpolation."""
    up = nn.ConvTranspose2d(channels, channels, 4, 2, 1, bias=False)
    taps = torch.tensor([0.25, 0.75, 0.75, 0.25], device=up.weight.device)
    with torch.no_grad():
        up.weight.zero_()
        for c in range(channels):
            up.weight[c, c] = taps[:, None] * taps[None, :]
    return up


class LapSRN(nn.Module):
    def __init__(self, scale: int, channels: int = 1, n_feats: int = 64, depth: int = 10):
        super().__init__()
        levels = scale.bit_length() - 1
        self.input = nn.Sequential(conv(check_channels(channels), n_feats, 3), nn.LeakyReLU(0.2, inplace=True))
        self.features = nn.ModuleList()
        self.residuals = nn.ModuleList()
        self.images = nn.ModuleList()
        for _ in range(levels):
            layers = []
            for _ in range(depth):
                layers += [conv(n_feats, n_feats, 3), nn.LeakyReLU(0.2, inplace=True)]
            layers += [nn.ConvTranspose2d(n_feats, n_feats, 3, 2, 1, output_padding=1), nn.LeakyReLU(0.2, inplace=True)]
            self.features.append(nn.Sequential(*layers))
            self.residuals.append(conv(n_feats, channels, 3))
            self.images.append(bilinear_upsampler(channels))

    def forward_all(self, lr: torch.Tensor) -> list[torch.Tensor]:
        """Every level's reconstruction, smallest (x2) first."""
        feat, image, outputs = self.input(lr), lr, []
        for features, residual, upsample in zip(self.features, self.residuals, self.images):
            feat = features(feat)
            image = upsample(image) + residual(feat)
            outputs.append(image)
        return outputs

    def forward(self, lr: torch.Tensor) -> torch.Tensor:
        return self.forward_all(lr)[-1]


# LR context: 1 + 10 + deconv (1) + 10/2 + deconv/2 (1) + 10/4 (3) + ... + residual conv + image deconvs (< 2)
@register("lapsrn", paper="Lai et al. 2017, LapSRN", scales=(2, 4, 8), in_channels=1, upsampling="post",
          receptive_field=24, default_scale=4,
          note="forward_all(lr) -> every pyramid level's output (x2, x4, ...)")
def build(scale: int = 4, **overrides):
    return LapSRN(scale, **overrides)

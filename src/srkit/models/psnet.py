"""psnet: the perceptual-loss sub-pixel network of seed 000 (SPEC section 1.1).

A 4x4 stride-2 conv (down-sampling module, 128 maps), eight 3x3 x 128 convs
with PReLU (the "recurrent" module: same configuration, separate weights),
``log2(scale) + 1`` up-sampling modules (3x3 x 512 conv, PixelShuffle x2,
PReLU), and a final 7x7 x 3 conv: net /2 then x2 per module. RGB. Trained
with VGG19 feature MSE plus total variation.

Deviations: the paper gives the final conv stride 3, which cannot produce a
x2 image, so it has stride 1; it does not give the down-sampling conv's width
or the up-sampling activation, so 128 maps and PReLU are assumed; odd input
sizes are replicate-padded to even before the stride-2 conv and the output is
cropped back to exactly scale x the input.
"""
from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from srkit.models.common import check_channels, conv
from srkit.models.registry import register


class PSNet(nn.Module):
    def __init__(self, scale: int, channels: int = 3, n_feats: int = 128, n_recurrent: int = 8, up_feats: int = 512):
        super().__init__()
        self.scale = scale
        self.down = nn.Conv2d(check_channels(channels), n_feats, 4, stride=2, padding=1)
        self.body = nn.Sequential(*[m for _ in range(n_recurrent) for m in (conv(n_feats, n_feats, 3), nn.PReLU())])
        ups = []
        for _ in range(scale.bit_length()):  # log2(scale) + 1 modules undo the /2 and upscale
            ups += [conv(n_feats, up_feats, 3), nn.PixelShuffle(2), nn.PReLU()]
            n_feats = up_feats // 4
        self.up = nn.Sequential(*ups)
        self.tail = conv(n_feats, channels, 7)

    def forward(self, lr: torch.Tensor) -> torch.Tensor:
        h, w = lr.shape[-2:]
        x = F.pad(lr, (0, w % 2, 0, h % 2), mode="replicate")
        out = self.tail(self.up(self.body(self.down(x))))
        return out[..., : h * self.scale, : w * self.scale]


# LR context: down 2 + 8 convs at /2 (16) + up convs (2 + 1 + 1) + 7x7 at >= x2 (2); the
# stride-2 phase makes tiles depend on their offset, so tiling is not exact
@register("psnet", paper="seed 000, perceptual-loss sub-pixel CNN", scales=(2, 4, 8), in_channels=3,
          upsampling="post", receptive_field=24, exact_tiling=False)
def build(scale: int = 2, **overrides):
    return PSNet(scale, **overrides)

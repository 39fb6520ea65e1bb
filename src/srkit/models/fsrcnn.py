"""FSRCNN: Dong, Loy, Tang, "Accelerating the Super-Resolution Convolutional
Neural Network", ECCV 2016.

Works on the LR image: feature extraction conv 5x5 x d, shrinking 1x1 x s,
m mapping convs 3x3 x s, expanding 1x1 x d (PReLU after each), then a 9x9
transposed convolution with stride = scale. MSE loss. ``fsrcnn`` is
FSRCNN(d=56, s=12, m=4) (12,464 weights), ``fsrcnn-s`` FSRCNN(32, 5, 1); one
(Y) channel by default.

PReLU is channel-wise as in He et al. 2015 (it adds 172 parameters to
``fsrcnn``, which the paper's weight count leaves out). The transposed conv
has padding 4 and output padding scale-1 so the output is exactly scale x the
input (the paper does not state its cropping). The convolutions pad with zeros
by default, or with ``padding_mode="replicate"`` by repeating edge pixels as
the authors' MATLAB test code does; the transposed convolution has no padding
to choose. In training it is computed
through the sub-pixel identity (``subpixel_deconv``: the same function of the
same parameters, with several times faster gradients on CPU).
"""
from __future__ import annotations

import torch
from torch import nn

from srkit.models.common import check_channels, conv, subpixel_deconv
from srkit.models.registry import register


class FSRCNN(nn.Module):
    def __init__(self, scale: int, channels: int = 1, d: int = 56, s: int = 12, m: int = 4,
                 padding_mode: str = "zeros"):
        super().__init__()
        check_channels(channels)
        layers = [conv(channels, d, 5, padding_mode), nn.PReLU(d), conv(d, s, 1), nn.PReLU(s)]
        for _ in range(m):
            layers += [conv(s, s, 3, padding_mode), nn.PReLU(s)]
        layers += [conv(s, d, 1), nn.PReLU(d)]
        self.body = nn.Sequential(*layers)
        self.deconv = nn.ConvTranspose2d(d, channels, 9, stride=scale, padding=4, output_padding=scale - 1)

    def forward(self, lr: torch.Tensor) -> torch.Tensor:
        h = self.body(lr)
        return subpixel_deconv(h, self.deconv) if self.training else self.deconv(h)


# radius: 5x5 (2) + m 3x3 (m) + the 9x9 deconv (at most ceil(4/2)+1 LR pixels)
@register("fsrcnn", paper="Dong et al. 2016, FSRCNN(56,12,4)", scales=(2, 3, 4), in_channels=1,
          upsampling="post", receptive_field=2 + 4 + 3)
def build(scale: int = 2, **overrides):
    return FSRCNN(scale, **overrides)


@register("fsrcnn-s", paper="Dong et al. 2016, FSRCNN-s(32,5,1)", scales=(2, 3, 4), in_channels=1,
          upsampling="post", receptive_field=2 + 1 + 3)
def build_small(scale: int = 2, **overrides):
    return FSRCNN(scale, **{"d": 32, "s": 5, "m": 1, **overrides})

"""RED30: Mao, Shen, Yang, "Image Restoration Using Very Deep Convolutional
Encoder-Decoder Networks with Symmetric Skip Connections", NIPS 2016.

On the bicubic-upsampled image: 15 conv layers then 15 deconvolution layers
(3x3, 128 feature maps, ReLU); every second deconv output is summed with the
feature map of its mirrored conv layer before the ReLU, and the last layer's
output is added to the input. One (Y) channel; 4,134,785 parameters (DRRN's
table lists RED30 at 4,131K weights).

Deviation: the paper's convs are unpadded and its deconvs grow the map back;
here both are size-preserving (padding 1), which computes the same function
away from the border and keeps any input size valid.
"""
from __future__ import annotations

import torch
from torch import nn

from srkit.models.common import PreUpsampled, check_channels, conv, pre_rf
from srkit.models.registry import register


class RED(PreUpsampled):
    def __init__(self, scale: int, channels: int = 1, n_feats: int = 128, n_layers: int = 15, skip_step: int = 2):
        super().__init__()
        self.scale = scale
        self.skip_step = skip_step
        check_channels(channels)
        self.convs = nn.ModuleList(
            [conv(channels if i == 0 else n_feats, n_feats, 3) for i in range(n_layers)])
        self.deconvs = nn.ModuleList(
            [nn.ConvTranspose2d(n_feats, channels if i == n_layers - 1 else n_feats, 3, padding=1)
             for i in range(n_layers)])
        self.relu = nn.ReLU(inplace=False)

    def restore(self, x: torch.Tensor) -> torch.Tensor:
        feats, h = [], x
        for layer in self.convs:
            h = self.relu(layer(h))
            feats.append(h)
        n = len(self.deconvs)
        for j, layer in enumerate(self.deconvs[:-1], start=1):
            h = layer(h)
            if j % self.skip_step == 0:  # deconv j mirrors conv n - j
                h = h + feats[n - j - 1]
            h = self.relu(h)
        return x + self.deconvs[-1](h)


@register("red30", paper="Mao et al. 2016, RED-Net (30 layers)", scales=(2, 3, 4), in_channels=1,
          upsampling="pre", receptive_field=pre_rf(30))
def build(scale: int = 2, **overrides):
    return RED(scale, **overrides)

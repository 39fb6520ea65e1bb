"""SRDenseNet: Tong, Li, Liu, Gao, "Image Super-Resolution Using Dense Skip
Connections", ICCV 2017 (the "All" variant).

A 3x3 x 128 conv for low-level features, ``n_blocks`` = 8 dense blocks of
``n_layers`` = 8 3x3 convs with ``growth`` = 16 (each block adds 128 feature
maps), the low-level features and every block's output concatenated (dense
skip connections), a 1x1 bottleneck to 256, two 3x3 stride-2 deconvolutions
(256 maps) for x4, and a 3x3 reconstruction conv; ReLU. One (Y) channel.

Each dense layer sees the block input and every earlier layer of its block
(DenseNet's connectivity); the block hands its 128 new maps on.
"""
from __future__ import annotations

import torch
from torch import nn

from srkit.models.common import check_channels, conv
from srkit.models.registry import register


class DenseBlock(nn.Module):
    def __init__(self, in_ch: int, growth: int, n_layers: int):
        super().__init__()
        self.layers = nn.ModuleList(
            [nn.Sequential(conv(in_ch + i * growth, growth, 3), nn.ReLU(inplace=True)) for i in range(n_layers)])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        feats = [x]
        for layer in self.layers:
            feats.append(layer(torch.cat(feats, 1)))
        return torch.cat(feats[1:], 1)


class SRDenseNet(nn.Module):
    def __init__(self, scale: int, channels: int = 1, n_blocks: int = 8, n_layers: int = 8, growth: int = 16,
                 n_feats: int = 128, bottleneck: int = 256):
        super().__init__()
        block_out = n_layers * growth
        self.head = nn.Sequential(conv(check_channels(channels), n_feats, 3), nn.ReLU(inplace=True))
        self.blocks = nn.ModuleList(
            [DenseBlock(n_feats if i == 0 else block_out, growth, n_layers) for i in range(n_blocks)])
        deconvs = []
        for _ in range(scale.bit_length() - 1):
            deconvs += [nn.ConvTranspose2d(bottleneck, bottleneck, 3, 2, 1, output_padding=1), nn.ReLU(inplace=True)]
        self.tail = nn.Sequential(
            nn.Conv2d(n_feats + n_blocks * block_out, bottleneck, 1), nn.ReLU(inplace=True),
            *deconvs, conv(bottleneck, channels, 3))

    def forward(self, lr: torch.Tensor) -> torch.Tensor:
        feats = [self.head(lr)]
        for block in self.blocks:
            feats.append(block(feats[-1]))
        return self.tail(torch.cat(feats, 1))


# LR context: 1 + 8 * 8 + deconvs (<= 2) + reconstruction (<= 1)
@register("srdensenet", paper="Tong et al. 2017, SRDenseNet (All)", scales=(2, 4, 8), in_channels=1,
          upsampling="post", receptive_field=1 + 64 + 2 + 1, default_scale=4)
def build(scale: int = 4, **overrides):
    return SRDenseNet(scale, **overrides)

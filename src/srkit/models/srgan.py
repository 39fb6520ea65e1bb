"""SRResNet and SRGAN: Ledig et al., "Photo-Realistic Single Image
Super-Resolution Using a Generative Adversarial Network", CVPR 2017 (seed 002).

Generator (``srresnet``; ``srgan`` is the same network, trained with the GAN
recipe): 9x9 x 64 conv + PReLU, 16 residual blocks (conv-BN-PReLU-conv-BN),
conv-BN and a long skip, two (conv 3x3 x 256, PixelShuffle x2, PReLU)
stages for x4, 9x9 conv to RGB. 1.55M parameters at x4.

Discriminator (``srgan-d``, not an upscaler): eight 3x3 convs from 64 to 512
features, stride 2 at every other one, BN and LeakyReLU 0.2, dense 1024,
LeakyReLU, dense 1, on 96x96 HR patches. It returns the logit; the sigmoid of
the paper belongs in the loss (BCE with logits, numerically safer).
Deviation: x3 uses one x3 PixelShuffle stage (the paper only does x4).
"""
from __future__ import annotations

import torch
from torch import nn

from srkit.models.common import ResBlock, Upsampler, VGGStyleDiscriminator, check_channels, conv
from srkit.models.registry import register


class SRResNet(nn.Module):
    def __init__(self, scale: int, channels: int = 3, n_resblocks: int = 16, n_feats: int = 64):
        super().__init__()
        self.head = nn.Sequential(conv(check_channels(channels), n_feats, 9), nn.PReLU())
        self.body = nn.Sequential(*[ResBlock(n_feats, bn=True, act=nn.PReLU()) for _ in range(n_resblocks)],
                                  conv(n_feats, n_feats, 3), nn.BatchNorm2d(n_feats))
        self.tail = nn.Sequential(Upsampler(scale, n_feats, act=nn.PReLU), conv(n_feats, channels, 9))

    def forward(self, lr: torch.Tensor) -> torch.Tensor:
        x = self.head(lr)
        return self.tail(x + self.body(x))


# LR context: head 4 + 2 per block + 1 + upsampler 2 + 9x9 tail at >= x2 (2)
_RF = 4 + 2 * 16 + 1 + 2 + 2


@register("srresnet", paper="Ledig et al. 2017, SRResNet", scales=(2, 3, 4), in_channels=3,
          upsampling="post", receptive_field=_RF, default_scale=4)
def build(scale: int = 4, **overrides):
    return SRResNet(scale, **overrides)


@register("srgan", paper="Ledig et al. 2017, SRGAN generator (= SRResNet)", scales=(2, 3, 4), in_channels=3,
          upsampling="post", receptive_field=_RF, default_scale=4)
def build_srgan(scale: int = 4, **overrides):
    return SRResNet(scale, **overrides)


@register("srgan-d", paper="Ledig et al. 2017, SRGAN discriminator", scales=(4,), in_channels=3,
          upsampling="none", receptive_field=0, exact_tiling=False, discriminator=True,
          note="GAN discriminator: forward(hr 96x96) -> logit; not an upscaler")
def build_discriminator(scale: int = 4, channels: int = 3, n_feats: int = 64, patch_size: int = 96):
    return VGGStyleDiscriminator(channels, n_feats, n_stages=4, down_kernel=3, hidden=1024, patch_size=patch_size)

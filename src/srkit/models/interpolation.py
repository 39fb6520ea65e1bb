"""Parameter-free interpolation baselines under the model contract.

``bicubic`` is MATLAB ``imresize`` (Keys cubic, a = -0.5): the baseline row of
every SR table. ``bilinear`` is MATLAB's triangle kernel, ``nearest`` its box
kernel, ``lanczos`` Lanczos-3. They work on any number of channels.
"""
from __future__ import annotations

import torch
from torch import nn

from srkit.imaging.resize import imresize
from srkit.models.registry import register

_SCALES = (2, 3, 4, 8)


class Interpolation(nn.Module):
    """Upscale by ``scale`` with a fixed MATLAB ``imresize`` kernel."""

    def __init__(self, scale: int, kernel: str):
        super().__init__()
        self.scale = scale
        self.kernel = kernel

    def forward(self, lr: torch.Tensor) -> torch.Tensor:
        return imresize(lr, self.scale, kernel=self.kernel)


def _register(name: str, kernel: str, taps: int, paper: str):
    @register(name, paper=paper, scales=_SCALES, in_channels=1, upsampling="none",
              receptive_field=taps, learned=False)
    def build(scale: int = 2, kernel: str = kernel):
        return Interpolation(scale, kernel)

    return build


_register("bicubic", "bicubic", 2, "Keys 1981, cubic convolution (MATLAB imresize)")
_register("bilinear", "bilinear", 1, "linear interpolation (MATLAB imresize 'triangle')")
_register("nearest", "nearest", 1, "nearest-neighbour interpolation (MATLAB imresize 'box')")
_register("lanczos", "lanczos3", 3, "Duchon 1979, Lanczos-3 windowed sinc (MATLAB imresize)")

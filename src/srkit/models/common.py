"""Building blocks shared by the model zoo (one definition each, no copies).

``conv`` is a "same"-padded convolution (zeros, or edge pixels repeated or
mirrored: ``padding_mode``); ``MeanShift`` subtracts/adds the
dataset mean (EDSR/RCAN style, fixed buffers, not parameters, so parameter
counts match the papers'); ``ResBlock`` is conv-act-conv with an identity skip
and optional BatchNorm and residual scaling; ``Upsampler`` is a stack of
conv + PixelShuffle stages (Shi et al. 2016); ``PreUpsampled`` is the base of
the models that work on a bicubic-upsampled input; ``VGGStyleDiscriminator``
is the SRGAN/ESRGAN critic. ``pre_rf`` turns a pre-upsampling network's HR
radius into the LR-pixel context the registry's ``receptive_field`` promises.
``subpixel_params``/``subpixel_deconv`` compute a stride-s transposed
convolution as a convolution on the LR grid and a periodic shuffle.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from srkit.errors import SrkitError
from srkit.imaging.resize import imresize

#: DIV2K RGB mean used by EDSR, MDSR and RCAN (inputs in [0, 1]).
DIV2K_MEAN = (0.4488, 0.4371, 0.4040)


#: how ``conv`` may extend its input at the borders (``nn.Conv2d``'s names)
PADDING_MODES = ("zeros", "replicate", "reflect")


def conv(in_ch: int, out_ch: int, kernel_size: int, padding_mode: str = "zeros") -> nn.Conv2d:
    """``kernel_size`` convolution (with bias) padded to keep the spatial size, by ``padding_mode``."""
    if padding_mode not in PADDING_MODES:
        raise SrkitError(f"padding_mode must be one of {', '.join(PADDING_MODES)}, got {padding_mode!r}")
    return nn.Conv2d(in_ch, out_ch, kernel_size, padding=kernel_size // 2, padding_mode=padding_mode)


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
        layers = [conv(n_feats, n_feats, kernel_size)]
        if bn:
            layers.append(nn.BatchNorm2d(n_feats))
        layers.append(act if act is not None else nn.ReLU(inplace=True))
        layers.append(conv(n_feats, n_feats, kernel_size))
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


class PreUpsampled(nn.Module):
    """Base of the pre-upsampling models (SRCNN, VDSR, DRCN, RED, DRRN).

    ``forward(lr, scale=None)`` bicubic-upsamples with srkit's MATLAB-exact
    ``imresize`` (by ``scale``, default the built scale) and runs ``restore``.
    """

    scale: int

    def upsample(self, lr: torch.Tensor, scale: int | None = None) -> torch.Tensor:
        return imresize(lr, scale or self.scale)

    def forward(self, lr: torch.Tensor, scale: int | None = None) -> torch.Tensor:
        return self.restore(self.upsample(lr, scale))


class VGGStyleDiscriminator(nn.Module):
    """Strided-conv critic of SRGAN/ESRGAN: conv blocks (3x3 stride 1, then
    ``down_kernel`` stride 2; BN after all but the first conv; LeakyReLU 0.2),
    doubling the width at each stride-1 conv up to 512, then two dense layers
    to one logit. The dense layer fixes the input size to ``patch_size``.
    """

    def __init__(self, channels: int, n_feats: int, n_stages: int, down_kernel: int, hidden: int,
                 patch_size: int):
        super().__init__()
        self.patch_size = patch_size
        layers, in_ch = [], check_channels(channels)
        for i in range(n_stages):
            out_ch = min(n_feats * 2 ** i, 512)
            for kernel, stride in ((3, 1), (down_kernel, 2)):
                layers.append(nn.Conv2d(in_ch, out_ch, kernel, stride, padding=1, bias=not layers))
                if len(layers) > 1:
                    layers.append(nn.BatchNorm2d(out_ch))
                layers.append(nn.LeakyReLU(0.2, inplace=True))
                in_ch = out_ch
        self.features = nn.Sequential(*layers)
        side = patch_size // 2 ** n_stages
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(in_ch * side * side, hidden),
                                        nn.LeakyReLU(0.2, inplace=True), nn.Linear(hidden, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """N x C x patch x patch images -> N x 1 logits (real vs fake)."""
        if tuple(x.shape[-2:]) != (self.patch_size, self.patch_size):
            raise SrkitError(f"discriminator: input must be {self.patch_size}x{self.patch_size} patches, "
                             f"got {x.shape[-2]}x{x.shape[-1]}")
        return self.classifier(self.features(x))


def subpixel_fits(m: nn.Module) -> bool:
    """A square, ungrouped, undilated, zero-padded ``ConvTranspose2d`` whose output is exactly stride x input."""
    if not isinstance(m, nn.ConvTranspose2d):
        return False
    s, k, p, op = m.stride[0], m.kernel_size[0], m.padding[0], m.output_padding[0]
    return (m.stride[0] == m.stride[1] and m.kernel_size[0] == m.kernel_size[1]
            and m.padding[0] == m.padding[1] and m.output_padding[0] == m.output_padding[1]
            and m.groups == 1 and m.dilation == (1, 1) and m.padding_mode == "zeros"
            and k - 2 * p + op - s == 0)


def subpixel_params(deconv: nn.ConvTranspose2d):
    """``deconv`` (see :func:`subpixel_fits`) as (weight, bias, pad) of a convolution on the LR
    grid to C*s^2 channels; ``PixelShuffle(s)`` of its output is ``deconv``'s output (the
    sub-pixel identity of Shi et al. 2016). ``pad`` is (left, right, top, bottom) of the
    input. Differentiable: gradients reach ``deconv``'s own weight and bias.
    """
    s, k, p = deconv.stride[0], deconv.kernel_size[0], deconv.padding[0]
    cin, cout = deconv.in_channels, deconv.out_channels
    # output pixel q*s + r reads input q - d through tap d*s + r + p, for d in [lo, hi]
    hi, lo = (k - 1 - p) // s, -((s - 1 + p) // s)
    size = hi - lo + 1
    taps = torch.arange(hi, lo - 1, -1)[None, :] * s + torch.arange(s)[:, None] + p   # (r, j)
    ok = (taps >= 0) & (taps < k)
    flat = torch.where(ok, taps, k)  # index k: a zero tap appended below
    index = (flat[:, None, :, None] * (k + 1) + flat[None, :, None, :]).reshape(-1)  # (ry, rx, jy, jx)
    w = F.pad(deconv.weight, (0, 1, 0, 1)).flatten(2)[..., index]  # (cin, cout, s*s*size*size)
    weight = w.reshape(cin, cout * s * s, size, size).transpose(0, 1)
    bias = None if deconv.bias is None else deconv.bias.repeat_interleave(s * s)
    return weight, bias, (hi, -lo, hi, -lo)


def subpixel_deconv(x: torch.Tensor, deconv: nn.ConvTranspose2d) -> torch.Tensor:
    """``deconv(x)`` through :func:`subpixel_params`: the same result, several times faster on CPU."""
    weight, bias, (left, right, top, bottom) = subpixel_params(deconv)
    if left == right:
        y = F.conv2d(x, weight, bias, padding=left)
    else:
        y = F.conv2d(F.pad(x, (left, right, top, bottom)), weight, bias)
    return F.pixel_shuffle(y, deconv.stride[0])

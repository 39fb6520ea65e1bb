"""Faster, numerically equivalent CPU versions of a model for inference.

Rewrites, each kept only when the rewritten model reproduces the original
output (max abs diff <= 1e-4) on three probe sizes; of the equivalent versions
the one measured fastest on a tile-sized probe is used, so a model the
rewrites do not suit simply runs as it is:

1. every stride-s ``ConvTranspose2d`` whose output is exactly s x its input
   (FSRCNN's deconvolution, LapSRN's upsampling) becomes a regular convolution
   on the LR grid to C*s^2 channels followed by ``PixelShuffle(s)`` (the
   sub-pixel identity of Shi et al. 2016), which oneDNN runs several times faster;
2. every ``Conv2d`` becomes one oneDNN convolution with pre-packed weights
   (zero padding is oneDNN's own; replicate/reflect padding is done first) and,
   where a ReLU/LeakyReLU/Tanh/Sigmoid follows it in a ``Sequential``, that
   activation applied as a post-op inside the convolution
   (``torch.ops.mkldnn._convolution_pointwise``, the kernel PyTorch's inductor
   emits for the same pattern) — the activation never makes its own pass over
   memory; ESPCN's tanh alone otherwise costs about as much as its convolutions;
   and every ``PixelShuffle`` becomes one strided copy, several times faster than
   ``torch.pixel_shuffle`` on the channels-last tensors oneDNN produces;
3. TorchScript trace + freeze + ``optimize_for_inference``, which pre-packs
   weights for oneDNN but leaves tanh and PReLU as separate passes.

PyTorch's oneDNN Graph fusion is deliberately not used: in torch 2.13 it fails
("could not create a primitive descriptor") once several tile sizes or models
run in one process.
"""
from __future__ import annotations

import copy
import time
import warnings

import torch
import torch.nn.functional as F
from torch import nn

from srkit.models.common import subpixel_fits, subpixel_params

#: multiply-adds (about params x pixels) one timing run may cost
TIMING_MACS = 5e8


class SubPixelConv(nn.Module):
    """A stride-s transposed convolution as conv (LR grid) + PixelShuffle(s) (:func:`subpixel_params`)."""

    def __init__(self, deconv: nn.ConvTranspose2d):
        super().__init__()
        with torch.no_grad():
            weight, bias, pad = subpixel_params(deconv)
        symmetric = pad[0] == pad[1]
        self.conv = nn.Conv2d(weight.shape[1], weight.shape[0], weight.shape[-1], padding=pad[0] if symmetric else 0)
        self.conv.weight.data = weight.contiguous()
        self.conv.bias.data = bias if bias is not None else torch.zeros(weight.shape[0])
        self.pad = None if symmetric else pad
        self.shuffle = nn.PixelShuffle(deconv.stride[0])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.shuffle(self.conv(x if self.pad is None else F.pad(x, self.pad)))


def _swap_deconvs(net: nn.Module) -> nn.Module:
    net = copy.deepcopy(net)
    for parent in list(net.modules()):
        for name, child in parent.named_children():
            if subpixel_fits(child):
                setattr(parent, name, SubPixelConv(child))
    return net


#: activations oneDNN applies inside a convolution: module type -> (post-op, its scalars)
POST_OPS = {
    nn.ReLU: lambda m: ("relu", []),
    nn.Tanh: lambda m: ("tanh", []),
    nn.Sigmoid: lambda m: ("sigmoid", []),
    nn.LeakyReLU: lambda m: ("leaky_relu", [m.negative_slope]),
}


def pixel_shuffle(x: torch.Tensor, s: int) -> torch.Tensor:
    """``torch.pixel_shuffle`` as a view of the channels-last layout and one copy.

    The result is channels-last (what the next oneDNN convolution reads) when it
    has many channels, else contiguous (then the cheaper copy).
    """
    n, c, h, w = x.shape
    c //= s * s
    y = x.permute(0, 2, 3, 1).reshape(n, h, w, c, s, s)
    if c >= 16:
        return y.permute(0, 1, 4, 2, 5, 3).reshape(n, h * s, w * s, c).permute(0, 3, 1, 2)
    return y.permute(0, 3, 1, 4, 2, 5).reshape(n, c, h * s, w * s)


class ChannelsLastPixelShuffle(nn.PixelShuffle):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return pixel_shuffle(x, self.upscale_factor)


def _packed(weight: torch.Tensor, args: list) -> torch.Tensor:
    return torch._C._nn.mkldnn_reorder_conv2d_weight(weight.detach().to_mkldnn(), *args,
                                                     [1, weight.shape[1], 64, 64])


class FusedConv(nn.Module):
    """A ``Conv2d`` (and the activation after it) as one oneDNN convolution, weights pre-packed.

    oneDNN computes 16 output channels per vector, so a convolution with 1-4
    outputs (ESPCN x2's last layer, SRCNN's) wastes most of each vector. Such a
    k x k convolution is also computed space-to-depth: as a stride-r convolution
    of kernel k + r - 1 whose r^2 * C outputs are the r x r phases of the
    original output (r^2 * C <= 16), then shuffled back: more multiply-adds, but
    whole vectors. It needs sides divisible by r; other inputs take the direct path.
    """

    def __init__(self, conv: nn.Conv2d, act: nn.Module | None = None):
        super().__init__()
        self.attr, self.scalars = ("none", []) if act is None else POST_OPS[type(act)](act)
        pad = list(conv.padding)
        # zeros are oneDNN's own padding; another mode pads first (F.pad) for an unpadded convolution
        self.edge = None if conv.padding_mode == "zeros" else (conv.padding_mode, [pad[1], pad[1], pad[0], pad[0]])
        own_pad = pad if self.edge is None else [0, 0]
        self.args = [own_pad, list(conv.stride), list(conv.dilation), conv.groups]
        self.weight = _packed(conv.weight, self.args)
        self.bias = None if conv.bias is None else conv.bias.detach().clone()
        k, c = conv.kernel_size[0], conv.out_channels
        plain = (conv.kernel_size == (k, k) and k % 2 == 1
                 and [pad, *self.args[1:]] == [[k // 2, k // 2], [1, 1], [1, 1], 1])
        self.r = max((r for r in (4, 2) if c * r * r <= 16), default=1) if plain else 1
        if self.r > 1:
            r, w = self.r, conv.weight.detach()
            phases = torch.zeros(c, r, r, conv.in_channels, k + r - 1, k + r - 1)
            for a in range(r):
                for b in range(r):
                    phases[:, a, b, :, a:a + k, b:b + k] = w
            self.s2d_args = [own_pad, [r, r], [1, 1], 1]
            self.s2d_weight = _packed(phases.reshape(c * r * r, conv.in_channels, k + r - 1, k + r - 1),
                                      self.s2d_args)
            self.s2d_bias = None if self.bias is None else self.bias.repeat_interleave(r * r)

    @staticmethod
    def fits(m: nn.Module) -> bool:
        return (isinstance(m, nn.Conv2d) and not isinstance(m.padding, str)
                and m.weight.dtype == torch.float32 and m.weight.device.type == "cpu")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s2d = self.r > 1 and x.shape[-2] % self.r == 0 and x.shape[-1] % self.r == 0
        if self.edge is not None:
            x = F.pad(x, self.edge[1], mode=self.edge[0])
        x = x.contiguous(memory_format=torch.channels_last)
        conv = torch.ops.mkldnn._convolution_pointwise
        if s2d:
            y = conv(x, self.s2d_weight, self.s2d_bias, *self.s2d_args, self.attr, self.scalars, "")
            return pixel_shuffle(y, self.r)
        return conv(x, self.weight, self.bias, *self.args, self.attr, self.scalars, "")


def _onednn_kernels(net: nn.Module) -> nn.Module:
    """Rewrite 2 of the module docstring: every fitting ``Conv2d`` (with the activation after it)
    as a :class:`FusedConv`, every ``PixelShuffle`` as a :class:`ChannelsLastPixelShuffle`."""
    net = copy.deepcopy(net)
    for parent in list(net.modules()):
        children = list(parent.named_children())
        for i, (name, child) in enumerate(children):
            if type(child) is nn.PixelShuffle:
                setattr(parent, name, ChannelsLastPixelShuffle(child.upscale_factor))
            if not FusedConv.fits(child):
                continue
            after = children[i + 1][1] if i + 1 < len(children) else None
            if isinstance(parent, nn.Sequential) and type(after) in POST_OPS:
                setattr(parent, name, FusedConv(child, after))
                setattr(parent, children[i + 1][0], nn.Identity())
            else:
                setattr(parent, name, FusedConv(child))
    return net


def _script(net: nn.Module, probe: torch.Tensor) -> nn.Module:
    """Frozen TorchScript with ``optimize_for_inference``."""
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        traced = torch.jit.trace(net, probe, check_trace=False)
        return torch.jit.optimize_for_inference(torch.jit.freeze(traced))


def _same(a: nn.Module, b: nn.Module, probes) -> bool:
    with torch.inference_mode():
        return all(torch.allclose(a(x), b(x), atol=1e-4, rtol=0) for x in probes)


def _fastest(candidates: list[nn.Module], x: torch.Tensor, rounds: int = 5) -> nn.Module:
    """The candidate with the lowest best time, timed in interleaved rounds on one thread
    (as tiles run), so that other load on the machine hits every candidate alike."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    best = [float("inf")] * len(candidates)
    try:
        with torch.inference_mode():
            for net in candidates:
                net(x)
            for _ in range(rounds):
                for i, net in enumerate(candidates):
                    t = time.perf_counter()
                    net(x)
                    best[i] = min(best[i], time.perf_counter() - t)
    finally:
        torch.set_num_threads(threads)
    return candidates[best.index(min(best))]


def optimize_for_cpu(net: nn.Module, channels: int, tile: int = 96) -> nn.Module:
    """The fastest of ``net`` and its equivalent rewrites, timed on an input of up to ``tile`` x ``tile``.

    The timing input shrinks for big models so that choosing costs well under a second.
    """
    gen = torch.Generator().manual_seed(0)
    probes = [torch.rand(1, channels, h, w, generator=gen) for h, w in ((11, 14), (16, 13), (16, 20))]
    def keep(make) -> list[nn.Module]:
        """[the rewrite] if it builds and reproduces ``net``, else []."""
        try:
            candidate = make()
            return [candidate] if _same(net, candidate, probes) else []
        except Exception:  # noqa: BLE001 - a model a rewrite cannot handle stays as it is
            return []

    eager = [net] + keep(lambda: _swap_deconvs(net))
    candidates = eager + [c for base in eager for rewrite in (_onednn_kernels, lambda m: _script(m, probes[0]))
                          for c in keep(lambda: rewrite(base))]  # noqa: B023 - called at once
    if len(candidates) == 1:
        return net
    params = sum(p.numel() for p in net.parameters())
    side = max(16, min(tile, int((TIMING_MACS / max(params, 1)) ** 0.5)))
    x = torch.rand(1, channels, side, side, generator=gen).contiguous(memory_format=torch.channels_last)
    return _fastest(candidates, x)


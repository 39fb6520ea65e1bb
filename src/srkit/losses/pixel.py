"""Pixel losses and total variation.

- L1 (Lim et al., EDSR 2017), MSE (Dong et al., SRCNN 2014 and most early work).
- Charbonnier ``sqrt((x - y)^2 + eps^2)``, a differentiable L1 (Lai et al., LapSRN 2017, eps = 1e-3).
- Total variation, seed 000 eq. 3: mean absolute difference of neighbouring
  pixels (the paper's 1/(r^2 W H) normalisation of the gradient magnitude sum).
"""
from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F


class L1Loss(nn.Module):
    """Mean absolute error."""

    def forward(self, sr: torch.Tensor, hr: torch.Tensor) -> torch.Tensor:
        return F.l1_loss(sr, hr)


class MSELoss(nn.Module):
    """Mean squared error."""

    def forward(self, sr: torch.Tensor, hr: torch.Tensor) -> torch.Tensor:
        return F.mse_loss(sr, hr)


class CharbonnierLoss(nn.Module):
    """Mean of ``sqrt((sr - hr)^2 + eps^2)`` (LapSRN eq. 4)."""

    def __init__(self, eps: float = 1e-3):
        super().__init__()
        self.eps = float(eps)

    def forward(self, sr: torch.Tensor, hr: torch.Tensor) -> torch.Tensor:
        return torch.sqrt((sr - hr) ** 2 + self.eps ** 2).mean()


class TVLoss(nn.Module):
    """Total variation of ``sr`` (anisotropic, mean over pixels); ``hr`` is ignored."""

    def forward(self, sr: torch.Tensor, hr: torch.Tensor | None = None) -> torch.Tensor:
        dh = (sr[..., 1:, :] - sr[..., :-1, :]).abs().mean()
        dw = (sr[..., :, 1:] - sr[..., :, :-1]).abs().mean()
        return dh + dw

"""Adversarial losses on discriminator logits.

- ``vanilla``: the GAN of Goodfellow et al. 2014 as used by SRGAN (Ledig et al.
  2017): the generator minimises -log D(G(x)) (non-saturating form).
- ``relativistic``: the relativistic average GAN (Jolicoeur-Martineau 2018) of
  ESRGAN (Wang et al. 2018, eq. 1-2): D_Ra(a, b) = sigmoid(C(a) - E[C(b)]).
  The real and fake terms are averaged, as in ESRGAN's released code.
"""
from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from srkit.errors import SrkitError

KINDS = ("vanilla", "relativistic")


def _bce(logits: torch.Tensor, target: float) -> torch.Tensor:
    return F.binary_cross_entropy_with_logits(logits, torch.full_like(logits, target))


class AdversarialLoss(nn.Module):
    """Generator and discriminator losses of one GAN kind, from discriminator logits."""

    def __init__(self, kind: str = "vanilla"):
        super().__init__()
        if kind not in KINDS:
            raise SrkitError(f"adversarial loss kind must be one of {', '.join(KINDS)}, got {kind!r}")
        self.kind = kind

    def generator_loss(self, real: torch.Tensor | None, fake: torch.Tensor) -> torch.Tensor:
        """Loss for the generator; ``real`` logits (unused by ``vanilla``) are treated as constants."""
        if self.kind == "vanilla":
            return _bce(fake, 1.0)
        real = real.detach()
        return (_bce(real - fake.mean(), 0.0) + _bce(fake - real.mean(), 1.0)) / 2

    def discriminator_loss(self, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
        """Loss for the discriminator; pass ``fake`` logits of a detached SR image."""
        if self.kind == "vanilla":
            return (_bce(real, 1.0) + _bce(fake, 0.0)) / 2
        return (_bce(real - fake.mean(), 1.0) + _bce(fake - real.mean(), 0.0)) / 2

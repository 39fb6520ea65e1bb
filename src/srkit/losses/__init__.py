"""Training losses and the weighted sum a recipe describes.

A recipe's ``[loss]`` table maps a term to its weight, or to a table with
``weight`` and the term's options::

    [loss]
    l1 = 1e-2
    [loss.perceptual]          # ESRGAN: VGG19 conv5_4 before ReLU, L1
    weight = 1.0
    layers = { conv5_4 = 1.0 }
    criterion = "l1"
    [loss.adversarial]
    weight = 5e-3
    kind = "relativistic"
"""
from __future__ import annotations

import torch
from torch import nn

from srkit.errors import SrkitError
from srkit.losses.adversarial import AdversarialLoss
from srkit.losses.perceptual import PerceptualLoss, StyleLoss, VGGFeatures
from srkit.losses.pixel import CharbonnierLoss, L1Loss, MSELoss, TVLoss

__all__ = ["AdversarialLoss", "CharbonnierLoss", "CompositeLoss", "L1Loss", "MSELoss", "PerceptualLoss",
           "StyleLoss", "TVLoss", "VGGFeatures", "build_loss"]

#: term name -> (class, allowed options)
TERMS = {
    "l1": (L1Loss, ()),
    "mse": (MSELoss, ()),
    "charbonnier": (CharbonnierLoss, ("eps",)),
    "tv": (TVLoss, ()),
    "perceptual": (PerceptualLoss, ("layers", "criterion", "vgg")),
    "style": (StyleLoss, ("layers", "criterion", "vgg")),
    "adversarial": (AdversarialLoss, ("kind",)),
}


class CompositeLoss(nn.Module):
    """Weighted sum of loss terms; ``forward`` returns (total, {term: unweighted value})."""

    def __init__(self, terms: dict[str, tuple[float, nn.Module]]):
        super().__init__()
        self.weights = {name: w for name, (w, _) in terms.items()}
        self.terms = nn.ModuleDict({name: mod for name, (_, mod) in terms.items()})

    @property
    def adversarial(self) -> AdversarialLoss | None:
        return self.terms["adversarial"] if "adversarial" in self.terms else None

    def forward(self, sr: torch.Tensor, hr: torch.Tensor, discriminator: nn.Module | None = None):
        parts = {}
        for name, term in self.terms.items():
            if name == "adversarial":
                if discriminator is None:
                    raise SrkitError("the adversarial loss needs a discriminator (set gan.discriminator)")
                real = discriminator(hr) if term.kind == "relativistic" else None
                parts[name] = term.generator_loss(real, discriminator(sr))
            else:
                parts[name] = term(sr, hr)
        total = sum(self.weights[n] * v for n, v in parts.items())
        return total, parts


def build_loss(spec: dict, vgg_download: bool = True) -> CompositeLoss:
    """A :class:`CompositeLoss` from a recipe's ``[loss]`` table (see module docstring)."""
    if not spec:
        raise SrkitError("loss: the recipe defines no loss term")
    terms, shared_vgg = {}, {}
    for name, value in spec.items():
        if name not in TERMS:
            raise SrkitError(f"loss: unknown term {name!r}; choose from {', '.join(TERMS)}")
        cls, allowed = TERMS[name]
        opts = dict(value) if isinstance(value, dict) else {"weight": value}
        weight = opts.pop("weight", 1.0)
        if not isinstance(weight, (int, float)) or isinstance(weight, bool):
            raise SrkitError(f"loss.{name}: weight must be a number, got {weight!r}")
        bad = [k for k in opts if k not in allowed]
        if bad:
            raise SrkitError(f"loss.{name}: unknown option(s) {', '.join(bad)}; allowed: {', '.join(allowed) or 'weight only'}")
        if name in ("perceptual", "style"):
            opts["download"] = vgg_download
            key = opts.get("vgg")
            layers = opts.get("layers") or {}
            opts["features"] = None
            shared_vgg.setdefault(key, set()).update(layers)
        terms[name] = (float(weight), cls, opts)
    # one VGG per weights source, deep enough for every layer that uses it
    vggs = {key: VGGFeatures(sorted(names), key, vgg_download) for key, names in shared_vgg.items() if names}
    built = {}
    for name, (weight, cls, opts) in terms.items():
        if name in ("perceptual", "style"):
            opts["features"] = vggs.get(opts.get("vgg"))
        try:
            built[name] = (weight, cls(**opts))
        except TypeError as exc:
            raise SrkitError(f"loss.{name}: bad option ({exc})") from None
    return CompositeLoss(built)

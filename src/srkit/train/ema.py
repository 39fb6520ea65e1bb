"""Exponential moving average of model weights (Polyak averaging; used by ESRGAN's successors and
most modern SR training): ``ema = decay * ema + (1 - decay) * weights`` after every step."""
from __future__ import annotations

import copy

import torch
from torch import nn


class EMA:
    """Keeps an averaged copy of ``model``; buffers (e.g. BatchNorm statistics) are copied as they are."""

    def __init__(self, model: nn.Module, decay: float):
        self.decay = float(decay)
        self.model = copy.deepcopy(model).eval().requires_grad_(False)

    @torch.no_grad()
    def update(self, model: nn.Module) -> None:
        for avg, p in zip(self.model.parameters(), model.parameters()):
            avg.lerp_(p.detach(), 1.0 - self.decay)
        for avg, b in zip(self.model.buffers(), model.buffers()):
            avg.copy_(b)

    def state_dict(self) -> dict:
        return self.model.state_dict()

    def load_state_dict(self, state: dict) -> None:
        self.model.load_state_dict(state)

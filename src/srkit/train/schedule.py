"""Learning-rate schedules as pure functions of the step (nothing to save, exact on resume).

- ``constant``; ``step``: x ``gamma`` every ``step`` steps (SRCNN-era step decay; VDSR /10
  every 20 epochs; EDSR halves every 2e5 iterations); ``multistep``: x ``gamma`` at each of
  ``milestones`` (SRGAN, ESRGAN); ``cosine``: to ``final_lr`` (Loshchilov & Hutter 2017);
  ``exponential``: geometric from lr to ``final_lr`` (ESPCN's 0.01 -> 0.0001).
"""
from __future__ import annotations

import bisect
import math

from srkit.errors import SrkitError

KINDS = ("constant", "step", "multistep", "cosine", "exponential")


def lr_factor(cfg: dict, base_lr: float, step: int, steps: int) -> float:
    """Multiplier of the base lr at ``step`` (0-based, within a stage of ``steps`` steps)."""
    kind = cfg["kind"]
    if kind == "constant":
        return 1.0
    if kind == "step":
        if cfg["step"] <= 0:
            raise SrkitError("schedule.step must be a positive number of steps for kind 'step'")
        return cfg["gamma"] ** (step // cfg["step"])
    if kind == "multistep":
        return cfg["gamma"] ** bisect.bisect_right(sorted(cfg["milestones"]), step)
    t = min(step / max(steps, 1), 1.0)
    final = cfg["final_lr"] / base_lr if base_lr else 0.0
    if kind == "cosine":
        return final + (1 - final) * 0.5 * (1 + math.cos(math.pi * t))
    if kind == "exponential":
        if final <= 0:
            raise SrkitError("schedule.final_lr must be positive for kind 'exponential'")
        return final ** t
    raise SrkitError(f"schedule.kind must be one of {', '.join(KINDS)}, got {kind!r}")

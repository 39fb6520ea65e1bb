"""The one place a device name (``--device``, ``train.device``) becomes a ``torch.device``."""
from __future__ import annotations

import torch

from srkit.errors import SrkitError


def pick_device(name: str) -> torch.device:
    """``auto`` (CUDA when available, else CPU), ``cpu``, ``cuda`` or ``cuda:N``."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        dev = torch.device(name)
    except RuntimeError:
        raise SrkitError(f"device {name!r}: use auto, cpu or cuda") from None
    if dev.type not in ("cpu", "cuda"):
        raise SrkitError(f"device {name!r}: use auto, cpu or cuda")
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise SrkitError(f"device {name!r}: CUDA is not available on this machine (use cpu)")
    return dev

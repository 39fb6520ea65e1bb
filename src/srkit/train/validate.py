"""Validation under the standard SR protocol (HR cropped to a multiple of the scale, MATLAB-bicubic
LR, output clamped and rounded to 8 bits, PSNR/SSIM on Y with shave = scale) using srkit.metrics."""
from __future__ import annotations

import torch

from srkit.data.pairs import EvalPair
from srkit.metrics import psnr, ssim


def sr_output(out):
    """The final SR image of a model's output (a tensor, or a list whose last item is the final one)."""
    return out[-1] if isinstance(out, (list, tuple)) else out


@torch.no_grad()
def evaluate(model, pairs: list[EvalPair], scale: int, device, forward) -> dict[str, float]:
    """Mean PSNR and SSIM of ``model`` on ``pairs``; ``forward(model, lr, scale)`` runs the model."""
    was_training = model.training
    model.eval()
    scores = {"psnr": 0.0, "ssim": 0.0}
    try:
        for pair in pairs:
            sr = sr_output(forward(model, pair.lr.to(device), scale)).clamp(0, 1).float().cpu()
            scores["psnr"] += psnr(sr, pair.hr, scale)
            scores["ssim"] += ssim(sr, pair.hr, scale)
    finally:
        model.train(was_training)
    return {k: v / max(len(pairs), 1) for k, v in scores.items()}

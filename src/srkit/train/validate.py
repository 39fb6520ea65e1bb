"""Validation under the standard SR protocol (HR cropped to a multiple of the scale, MATLAB-bicubic
LR, output clamped and rounded to 8 bits, PSNR/SSIM on Y with shave = scale) using srkit.metrics."""
from __future__ import annotations

import torch

from srkit.data.pairs import EvalPair
from srkit.metrics import psnr, ssim


def final_output(out):
    """The final SR image of a training output: a tensor, DRCN's ``(final, [...])`` or LapSRN's levels."""
    if isinstance(out, torch.Tensor):
        return out
    return out[0] if isinstance(out, tuple) and isinstance(out[1], (list, tuple)) else out[-1]


@torch.no_grad()
def evaluate(model, pairs: list[EvalPair], scale: int, device, pass_scale: bool = False) -> dict[str, float]:
    """Mean PSNR and SSIM of ``model`` on ``pairs``; ``pass_scale`` calls ``model(lr, scale=scale)``."""
    was_training = model.training
    model.eval()
    scores = {"psnr": 0.0, "ssim": 0.0}
    try:
        for pair in pairs:
            lr = pair.lr.to(device)
            sr = (model(lr, scale=scale) if pass_scale else model(lr)).clamp(0, 1).float().cpu()
            scores["psnr"] += psnr(sr, pair.hr, scale)
            scores["ssim"] += ssim(sr, pair.hr, scale)
    finally:
        model.train(was_training)
    return {k: v / max(len(pairs), 1) for k, v in scores.items()}

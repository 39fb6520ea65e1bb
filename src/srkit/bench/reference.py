"""Published PSNR / SSIM (Y channel, shave = scale, MATLAB-bicubic LR).

The standard figures quoted by the papers (as collected in the project's
REFERENCE_NUMBERS.md); srkit's tests and results tables compare against them.
Keys: (model, scale, dataset) -> (psnr, ssim or None).
"""
from __future__ import annotations

_DATASETS = ("Set5", "Set14", "BSD100", "Urban100")

# model, scale, then (psnr, ssim) per dataset in _DATASETS order
_ROWS = [
    ("bicubic", 2, (33.66, .9299), (30.24, .8688), (29.56, .8431), (26.88, .8403)),
    ("bicubic", 3, (30.39, .8682), (27.55, .7742), (27.21, .7385), (24.46, .7349)),
    ("bicubic", 4, (28.42, .8104), (26.00, .7027), (25.96, .6675), (23.14, .6577)),
    ("srcnn", 2, (36.66, .9542), (32.45, .9067), (31.36, .8879), (29.50, .8946)),
    ("srcnn", 3, (32.75, .9090), (29.29, .8215), (28.41, .7863), (26.24, .7991)),
    ("srcnn", 4, (30.48, .8628), (27.50, .7513), (26.90, .7101), (24.52, .7221)),
    ("fsrcnn", 2, (37.00, .9558), (32.63, .9088), (31.53, .8920), (29.88, .9020)),
    ("fsrcnn", 3, (33.06, None), None, None, None),
    ("fsrcnn", 4, (30.72, .8660), (27.61, .7550), (26.98, .7150), (24.62, .7280)),
    ("espcn", 3, (32.55, None), None, None, None),
    ("vdsr", 2, (37.53, .9587), (33.03, .9124), (31.90, .8960), (30.76, .9140)),
    ("vdsr", 3, (33.66, .9213), (29.77, .8314), (28.82, .7976), (27.14, .8279)),
    ("vdsr", 4, (31.35, .8838), (28.01, .7674), (27.29, .7251), (25.18, .7524)),
    ("lapsrn", 2, (37.52, .9591), (32.99, .9124), (31.80, .8952), (30.41, .9103)),
    ("lapsrn", 4, (31.54, .8852), (28.09, .7700), (27.32, .7275), (25.21, .7562)),
    ("drrn", 2, (37.74, .9591), (33.23, .9136), (32.05, .8973), (31.23, .9188)),
    ("drrn", 3, (34.03, .9244), (29.96, .8349), (28.95, .8004), (27.53, .8378)),
    ("drrn", 4, (31.68, .8888), (28.21, .7721), (27.38, .7284), (25.44, .7638)),
    ("edsr-baseline", 2, (37.99, .9604), (33.57, .9175), (32.16, .8994), (31.98, .9272)),
    ("edsr-baseline", 3, (34.37, .9270), (30.28, .8414), (29.08, .8051), (28.15, .8520)),
    ("edsr-baseline", 4, (32.09, .8938), (28.58, .7813), (27.57, .7357), (26.04, .7849)),
    ("edsr", 2, (38.11, .9601), (33.92, .9195), (32.32, .9013), (32.93, .9351)),
    ("edsr", 3, (34.65, .9282), (30.52, .8462), (29.25, .8093), (28.80, .8653)),
    ("edsr", 4, (32.46, .8968), (28.80, .7876), (27.71, .7420), (26.64, .8033)),
    ("rcan", 2, (38.27, .9614), (34.12, .9216), (32.41, .9027), (33.34, .9384)),
    ("rcan", 3, (34.74, .9299), (30.65, .8482), (29.32, .8111), (29.09, .8702)),
    ("rcan", 4, (32.63, .9002), (28.87, .7889), (27.77, .7436), (26.82, .8087)),
    ("srresnet", 4, (32.05, None), (28.49, None), (27.58, None), None),
    ("srgan", 4, (29.40, None), (26.02, None), (25.16, None), None),
    ("rrdbnet", 4, (32.73, .9011), (28.99, .7917), (27.85, .7455), (27.03, .8153)),
]

PUBLISHED: dict[tuple[str, int, str], tuple[float, float | None]] = {
    (model, scale, ds): cell
    for model, scale, *cells in _ROWS
    for ds, cell in zip(_DATASETS, cells)
    if cell is not None
}


def published(model: str, scale: int, dataset: str) -> tuple[float, float | None] | None:
    """The published (PSNR, SSIM) for a cell, or None if the table has none."""
    return PUBLISHED.get((model, int(scale), dataset))

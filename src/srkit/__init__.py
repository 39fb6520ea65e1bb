"""srkit: single-image super-resolution.

Importing ``srkit`` is cheap: the public functions below are loaded on first use.
"""
from __future__ import annotations

import importlib

__version__ = "0.1.0"

# public name -> module that defines it
_LAZY = {
    "SrkitError": "srkit.errors",
    "imresize": "srkit.imaging.resize",
    "read_image": "srkit.imaging.io",
    "write_image": "srkit.imaging.io",
    "rgb_to_ycbcr": "srkit.imaging.color",
    "ycbcr_to_rgb": "srkit.imaging.color",
    "psnr": "srkit.metrics",
    "ssim": "srkit.metrics",
    "create_model": "srkit.models.registry",
    "list_models": "srkit.models.registry",
    "describe": "srkit.models.registry",
    "register": "srkit.models.registry",
    "save_weights": "srkit.models.weights",
    "load_model": "srkit.models.weights",
    "export_onnx": "srkit.export",
    "benchmark": "srkit.bench",
    "upscale": "srkit.infer.upscale",
    "Upscaler": "srkit.infer.upscale",
}

__all__ = sorted(_LAZY) + ["__version__"]


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'srkit' has no attribute {name!r}")


def __dir__():
    return __all__

"""Inference on real images: the upscale pipeline and exact tiling."""
from srkit.infer.upscale import Upscaler, best_model, upscale

__all__ = ["Upscaler", "best_model", "upscale"]

"""ONNX export of zoo models, checked against onnxruntime.

``export_onnx("espcn", "espcn_x3.onnx", scale=3)`` writes an opset >= 17
graph with input ``lr`` (N x C x h x w) and output ``sr``. LR-space ("post")
models get dynamic batch, height and width. Pre-upsampling models are
exported for one input size (``size``): srkit's MATLAB-exact bicubic computes
its taps from the image size, so the traced graph holds them as constants.
After writing, the file is run in onnxruntime on random inputs and compared
with PyTorch (max abs diff <= ``atol``). Needs the ``srkit[onnx]`` extra.
"""
from __future__ import annotations

import inspect
import io
import warnings
from pathlib import Path

from srkit.atomic import atomic_open, refuse_existing
from srkit.errors import SrkitError

MIN_OPSET = 17


def export_onnx(model, path, scale: int | None = None, pretrained: bool = False, opset: int = MIN_OPSET,
                size: tuple[int, int] = (17, 23), check: bool = True, atol: float = 1e-4,
                overwrite: bool = False, **overrides) -> Path:
    """Export ``model`` (a zoo name or a model from ``create_model``) to ONNX at ``path``.

    Returns the path. Raises SrkitError when onnx/onnxruntime are missing, the
    model is a discriminator, or onnxruntime's output differs by more than ``atol``.
    """
    try:
        import onnx  # noqa: F401  (checked here so the error names the extra)
        import onnxruntime
    except ImportError:
        raise SrkitError("ONNX export needs onnx and onnxruntime: pip install 'srkit[onnx]'") from None
    import torch

    from srkit.models.registry import create_model, describe

    if opset < MIN_OPSET:
        raise SrkitError(f"export: opset must be >= {MIN_OPSET}, got {opset}")
    if len(size) != 2 or min(size) < 1:
        raise SrkitError(f"export: size must be (height, width) of at least 1 pixel, got {size!r}")
    if isinstance(model, str):
        model = create_model(model, scale, pretrained=pretrained, **overrides)
    config = getattr(model, "srkit_config", None)
    if config is None:
        raise SrkitError("export: the model was not built with srkit.create_model")
    info = describe(config["architecture"])
    if info.discriminator:
        raise SrkitError(f"export: {info.name} is a GAN discriminator, not an upscaler")
    model = model.eval().cpu()
    dynamic = info.upsampling == "post"
    channels = config["overrides"].get("channels", info.in_channels)
    sample = torch.rand(1, channels, *size)

    path = Path(path)
    refuse_existing(path, overwrite)
    axes = {"lr": {0: "n", 2: "h", 3: "w"}, "sr": {0: "n", 2: "sh", 3: "sw"}} if dynamic else None
    # the TorchScript exporter: the dynamo one needs onnxscript; torch < 2.5 has no `dynamo` option
    legacy = {"dynamo": False} if "dynamo" in inspect.signature(torch.onnx.export).parameters else {}
    buffer = io.BytesIO()
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")  # the TorchScript exporter warns that it is the legacy path
        try:
            torch.onnx.export(model, (sample,), buffer, input_names=["lr"], output_names=["sr"],
                              opset_version=opset, dynamic_axes=axes, **legacy)
        except Exception as exc:
            raise SrkitError(f"export: torch.onnx could not export {info.name} ({str(exc).splitlines()[0]})") from None
    data = buffer.getvalue()
    if check:
        shapes = [(1, *size), (2, size[0] + 6, size[1] - 5)] if dynamic else [(1, *size)]
        _check(model, data, shapes, channels, atol, onnxruntime)
    with atomic_open(path, overwrite) as f:
        f.write(data)
    return path


def _check(model, data: bytes, shapes, channels: int, atol: float, onnxruntime) -> None:
    """Run the serialised model in onnxruntime and compare with the PyTorch model."""
    import numpy as np
    import torch

    session = onnxruntime.InferenceSession(data, providers=["CPUExecutionProvider"])
    gen = torch.Generator().manual_seed(0)
    for n, h, w in shapes:
        lr = torch.rand(n, channels, h, w, generator=gen)
        with torch.no_grad():
            ref = model(lr).numpy()
        out = session.run(["sr"], {"lr": lr.numpy()})[0]
        if out.shape != ref.shape:
            raise SrkitError(f"export check: onnxruntime gave shape {out.shape}, PyTorch {ref.shape}")
        diff = float(np.abs(out - ref).max())
        if diff > atol:
            raise SrkitError(f"export check: onnxruntime differs from PyTorch by {diff:.2e} > {atol:g} "
                             f"on a {n}x{channels}x{h}x{w} input")

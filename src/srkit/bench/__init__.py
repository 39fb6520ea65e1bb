"""``srkit.benchmark``: evaluate registered models or weights files on SR datasets, the standard way."""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Callable

import numpy as np

from srkit.bench.protocol import PROTOCOLS, make_pair
from srkit.errors import SrkitError

if TYPE_CHECKING:
    from srkit.models.registry import ModelInfo

__all__ = ["Record", "benchmark", "load_hr"]


@dataclass
class Record:
    """One (model, dataset, scale) cell; ``per_image`` holds the breakdown when asked."""

    model: str
    dataset: str
    scale: int
    psnr: float
    ssim: float
    n_images: int
    seconds_per_image: float
    protocol: str
    per_image: list = field(default_factory=list)
    weights: str | None = None  # the weights file evaluated, when one was named instead of a model

    def as_dict(self, per_image: bool = False) -> dict:
        d = asdict(self)
        if not per_image:
            d.pop("per_image")
        return d


def load_hr(dataset: str, data_root=None) -> list[tuple[str, np.ndarray]]:
    """(file name, 8-bit HR array) for every image of ``dataset``."""
    from srkit.data import image_paths
    from srkit.imaging.io import read_image
    from srkit.metrics import to_uint8

    out = []
    for path in image_paths(dataset, data_root):
        pic = read_image(path)
        if pic.bit_depth != 8:
            raise SrkitError(f"{path}: benchmark images must be 8-bit, got {pic.bit_depth}-bit")
        px = pic.pixels[..., 0] if pic.is_gray else pic.pixels
        out.append((path.name, to_uint8(px)))
    return out


WEIGHTS_SUFFIXES = (".safetensors", ".pth", ".pt")


@dataclass
class _Entry:
    """One ``models`` entry resolved: what it is, which scales it serves and how to build it."""

    info: ModelInfo
    scales: tuple[int, ...]
    channels: int
    build: Callable  # scale -> nn.Module
    weights: str | None = None


def _entry(name: str, pretrained: bool) -> _Entry:
    """A registered model name, or the path of an srkit weights file (its architecture, at its saved scale)."""
    from srkit.models.registry import create_model, describe

    if not name.lower().endswith(WEIGHTS_SUFFIXES):
        info = describe(name)
        return _Entry(info, info.scales, info.in_channels,
                      lambda s: create_model(info.name, scale=s, pretrained=pretrained))
    from srkit.models.weights import load_model

    model = load_model(name)
    info = describe(model.srkit_config["architecture"])
    return _Entry(info, (int(model.srkit_config["scale"]),), int(model.srkit_meta["channels"]), lambda s: model, name)


def _run_model(model, lr: np.ndarray, device) -> np.ndarray:
    """Super-resolve a channels-last float LR array; returns channels-last float in [0, 1]."""
    import torch

    x = torch.from_numpy(lr[None, None] if lr.ndim == 2 else np.moveaxis(lr, -1, 0)[None]).to(device)
    with torch.inference_mode():
        y = model(x).clamp_(0, 1)[0].cpu().numpy()
    return y[0] if y.shape[0] == 1 else np.moveaxis(y, 0, -1)


def benchmark(models, datasets, scales, data_root=None, *, pretrained: bool = False,
              device: str = "cpu", progress=None) -> list[Record]:
    """Evaluate every (model, dataset, scale) under the standard protocol.

    Each of ``models`` is a registered name (with srkit's shipped weights if
    ``pretrained``) or the path of an srkit ``.safetensors`` weights file,
    evaluated at the scale it was trained for. A model that does not support a
    scale is skipped for it. ``progress`` is an optional callable ``(done, total, note)``.
    """
    from srkit.device import pick_device
    from srkit.metrics import psnr, ssim

    dev = pick_device(device)
    entries = [_entry(m, pretrained) for m in models]
    for e in entries:
        if e.info.upsampling == "none" and e.info.learned:
            raise SrkitError(f"model {e.info.name!r} is not a super-resolution model and cannot be benchmarked")
    hr_sets = {d: load_hr(d, data_root) for d in datasets}
    jobs = [(e, d, s) for e in entries for s in scales if s in e.scales for d in datasets]
    if not jobs:
        raise SrkitError("nothing to evaluate: no model supports the scales asked for")
    total = sum(len(hr_sets[d]) for _, d, _ in jobs)
    done, records, built = 0, [], {}
    for entry, dataset, scale in jobs:
        info, channels = entry.info, entry.channels
        key = (id(entry), scale)
        if key not in built:
            built[key] = entry.build(scale).to(dev).eval()
        model = built[key]
        rows, seconds = [], 0.0
        warm_up = make_pair(hr_sets[dataset][0][1], scale, channels)[1]
        _run_model(model, warm_up, dev)  # one untimed call pays one-off set-up costs
        for name, hr8 in hr_sets[dataset]:
            ref, lr = make_pair(hr8, scale, channels)
            t0 = time.perf_counter()
            sr = _run_model(model, lr, dev)
            seconds += time.perf_counter() - t0
            rows.append({"image": name, "psnr": psnr(sr, ref, scale), "ssim": ssim(sr, ref, scale)})
            done += 1
            if progress:
                progress(done, total, f"{info.name} {dataset} x{scale}")
        records.append(Record(
            info.name, dataset, scale,
            float(np.mean([r["psnr"] for r in rows])), float(np.mean([r["ssim"] for r in rows])),
            len(rows), seconds / len(rows), PROTOCOLS[channels], rows, entry.weights))
    return records

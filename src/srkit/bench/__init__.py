"""``srkit.benchmark``: evaluate registered models on SR datasets, the standard way."""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field

import numpy as np

from srkit.bench.protocol import PROTOCOLS, make_pair
from srkit.errors import SrkitError

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

    A model that does not support a scale is skipped for it. ``progress`` is an
    optional callable ``(done, total, note)``.
    """
    from srkit.device import pick_device
    from srkit.metrics import psnr, ssim
    from srkit.models.registry import create_model, describe

    dev = pick_device(device)
    infos = [describe(m) for m in models]
    for info in infos:
        if info.upsampling == "none" and info.learned:
            raise SrkitError(f"model {info.name!r} is not a super-resolution model and cannot be benchmarked")
    hr_sets = {d: load_hr(d, data_root) for d in datasets}
    jobs = [(i, d, s) for i in infos for s in scales if s in i.scales for d in datasets]
    if not jobs:
        raise SrkitError("nothing to evaluate: no model supports the scales asked for")
    total = sum(len(hr_sets[d]) for _, d, _ in jobs)
    done, records, built = 0, [], {}
    for info, dataset, scale in jobs:
        key = (info.name, scale)
        if key not in built:
            built[key] = create_model(info.name, scale=scale, pretrained=pretrained).to(dev).eval()
        model = built[key]
        rows, seconds = [], 0.0
        warm_up = make_pair(hr_sets[dataset][0][1], scale, info.in_channels)[1]
        _run_model(model, warm_up, dev)  # one untimed call pays one-off set-up costs
        for name, hr8 in hr_sets[dataset]:
            ref, lr = make_pair(hr8, scale, info.in_channels)
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
            len(rows), seconds / len(rows), PROTOCOLS[info.in_channels], rows))
    return records

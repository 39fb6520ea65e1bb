"""Aligned LR/HR training patches and validation pairs.

Every image is decoded once and kept in memory (with ``rescale``, also at
each of those sizes, as separate training images); its deterministic LR (see
:mod:`srkit.imaging.degrade`) is computed once per scale from the whole image
(HR cropped top-left to a multiple of the scale), and aligned patches are cut
from both. Cutting the LR of the whole image is exact, whereas downscaling a
cut-out HR patch would differ near the patch borders. Random parts of a
degradation (noise, and the blur that follows it in seed 000) are applied per
patch, on an LR cut-out with a margin so the blur sees real neighbours.

Colour follows the evaluation protocol (:mod:`srkit.bench.protocol`): a Y
model trains on the MATLAB ``rgb2ycbcr`` Y of the 8-bit HR rounded to 8 bits,
and its LR is the float (unrounded) downscale of that Y; an RGB model's LR is
rounded to 8 bits.

A training sample is a pure function of ``(seed, step, slot)``: which image,
where, which flip/rotation and which noise all come from a generator seeded by
those three numbers. Resuming at step t therefore continues the exact sample
stream, and data-parallel ranks take disjoint slots of the same global batch.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch.utils.data import Dataset, Sampler

from srkit.bench.protocol import make_pair
from srkit.errors import SrkitError
from srkit.imaging.degrade import add_noise, degradation, downscale, gaussian_blur
from srkit.imaging.io import quantize, read_image
from srkit.imaging.resize import imresize
from srkit.metrics import to_uint8


def load_hr8(path) -> np.ndarray:
    """An image file as 8-bit HxW (grayscale) or HxWx3 (RGB)."""
    pic = read_image(path)
    return to_uint8(pic.pixels[..., 0] if pic.is_gray else pic.pixels)


def rescaled(hr8: np.ndarray, factors) -> list[np.ndarray]:
    """``hr8`` at each size in ``factors`` (MATLAB-bicubic, 8-bit): the scale augmentation of FSRCNN
    (Dong et al. 2016, sec. 4.1: 0.9/0.8/0.7/0.6) that enlarges a small training set.

    A factor of 1 is the image itself; every factor must lie in (0, 1], and there must be one at least.
    """
    if not factors:
        raise SrkitError("data.rescale: no factor given; [1.0] keeps the images as they are")
    for f in factors:
        if not 0 < f <= 1:
            raise SrkitError(f"data.rescale: factor {f} must be in (0, 1]")
    return [hr8 if f == 1 else imresize(hr8, float(f)) for f in factors]


def protocol_pair(hr8: np.ndarray, scale: int, channels: int) -> tuple[np.ndarray, np.ndarray]:
    """(HR uint8 HxWxC, LR float32 hxwxC) by the evaluation protocol (:func:`srkit.bench.protocol.make_pair`)."""
    if channels not in (1, 3):
        raise SrkitError(f"channels must be 1 (Y) or 3 (RGB), got {channels}")
    ref, lr = make_pair(hr8, scale, channels)
    if channels == 1:
        ref, lr = ref[..., None], lr[..., None]
    return np.ascontiguousarray(ref), np.ascontiguousarray(lr, dtype=np.float32)


def _chw(a: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(a.transpose(2, 0, 1)))


@dataclass(frozen=True)
class SampleKey:
    """What one training sample is: the global step, its slot in the global batch, scale and LR patch size."""

    step: int
    slot: int
    scale: int
    lr_patch: int


class PatchDataset(Dataset):
    """Random aligned (LR, HR) patches from in-memory images; indexed by :class:`SampleKey`.

    ``patch`` is the HR patch side; the LR side is ``patch // scale`` (so a
    multi-scale model with patch 41, as VDSR, gets HR 40/39/40 at x2/x3/x4).
    ``rescale`` adds each image at each of those sizes (see :func:`rescaled`).
    """

    def __init__(self, paths, scales, channels: int, degradation_name: str = "bicubic", *,
                 noise: float | None = None, blur: float | None = None, augment: bool = True, seed: int = 0,
                 rescale=(1.0,)):
        if not paths:
            raise SrkitError("training data: no images found")
        self.scales = tuple(int(s) for s in scales)
        self.channels = channels
        self.augment = augment
        self.seed = int(seed)
        kind, down_blur, self.noise, self.post_blur = degradation(degradation_name, noise, blur)
        self.hr: dict[int, list[np.ndarray]] = {s: [] for s in self.scales}
        self.lr: dict[int, list[np.ndarray]] = {s: [] for s in self.scales}
        for hr8 in (img for p in paths for img in rescaled(load_hr8(p), rescale)):
            for s in self.scales:
                hr, lr = protocol_pair(hr8, s, channels)
                if kind != "bicubic":
                    lr = downscale(hr.astype(np.float32) / 255.0, s, kind, down_blur).astype(np.float32)
                self.hr[s].append(hr)
                self.lr[s].append(lr)
        self._weights: dict[tuple[int, int], np.ndarray] = {}

    def __len__(self) -> int:
        return len(self.lr[self.scales[0]])

    def weights(self, scale: int, lr_patch: int) -> np.ndarray:
        """Probability of each image: its number of patch positions (uniform over all sub-images)."""
        key = (scale, lr_patch)
        if key not in self._weights:
            counts = np.array([max(lr.shape[0] - lr_patch + 1, 0) * max(lr.shape[1] - lr_patch + 1, 0)
                               for lr in self.lr[scale]], dtype=np.float64)
            if counts.sum() == 0:
                raise SrkitError(f"training data: no image is large enough for an LR patch of {lr_patch} px at x{scale}")
            self._weights[key] = counts / counts.sum()
        return self._weights[key]

    def __getitem__(self, key: SampleKey):
        s, p = key.scale, key.lr_patch
        rng = np.random.default_rng([self.seed, key.step, key.slot])
        i = int(rng.choice(len(self), p=self.weights(s, p)))
        lr_img = self.lr[s][i]
        y = int(rng.integers(lr_img.shape[0] - p + 1))
        x = int(rng.integers(lr_img.shape[1] - p + 1))
        lr = self._lr_patch(lr_img, y, x, p, rng)
        hr = self.hr[s][i][y * s:(y + p) * s, x * s:(x + p) * s].astype(np.float32) / 255.0
        if self.augment:
            k, flip = int(rng.integers(4)), bool(rng.integers(2))
            lr, hr = np.rot90(lr, k), np.rot90(hr, k)
            if flip:
                lr, hr = lr[:, ::-1], hr[:, ::-1]
        return _chw(lr), _chw(hr)

    def _lr_patch(self, lr_img: np.ndarray, y: int, x: int, p: int, rng) -> np.ndarray:
        if not self.noise and not self.post_blur:
            return lr_img[y:y + p, x:x + p]
        m = 3 * int(np.ceil(self.post_blur)) + 1 if self.post_blur else 0
        y0, x0 = max(y - m, 0), max(x - m, 0)
        region = lr_img[y0:y + p + m, x0:x + p + m]
        if self.noise:
            region = add_noise(region, self.noise, rng)
        if self.post_blur:
            region = gaussian_blur(region, self.post_blur)
        out = region[y - y0:y - y0 + p, x - x0:x - x0 + p]
        if self.channels == 3:
            out = quantize(out, 8) / 255.0  # 8-bit LR, as the benchmark files are
        return out.astype(np.float32)


class StepBatches(Sampler):
    """Batches of :class:`SampleKey` for steps ``start..stop-1``: this rank's share of each global batch.

    ``plan(step) -> (global batch, scale, lr_patch)`` lets stages and
    multi-scale training change them per step.
    """

    def __init__(self, start: int, stop: int, plan, rank: int = 0, world: int = 1):
        self.start, self.stop, self.plan = start, stop, plan
        self.rank, self.world = rank, world

    def __len__(self) -> int:
        return max(self.stop - self.start, 0)

    def __iter__(self):
        for step in range(self.start, self.stop):
            batch, scale, lr_patch = self.plan(step)
            if batch % self.world:
                raise SrkitError(f"batch {batch} is not divisible by the {self.world} processes")
            local = batch // self.world
            yield [SampleKey(step, self.rank * local + j, scale, lr_patch) for j in range(local)]


def collate(samples):
    """Stack (lr, hr) pairs into two N x C x H x W tensors."""
    lrs, hrs = zip(*samples)
    return torch.stack(lrs), torch.stack(hrs)


@dataclass
class EvalPair:
    """One validation image under the standard protocol: model input and 8-bit HR reference."""

    name: str
    lr: torch.Tensor  # 1 x C x h x w float
    hr: np.ndarray  # uint8 H x W x C (Y or RGB), a multiple of the scale


def eval_pairs(paths, scale: int, channels: int) -> list[EvalPair]:
    """Validation pairs: HR cropped to a multiple of ``scale``, LR by MATLAB bicubic (see module doc)."""
    out = []
    for p in paths:
        hr, lr = protocol_pair(load_hr8(p), scale, channels)
        out.append(EvalPair(p.stem, _chw(lr)[None], hr))
    return out

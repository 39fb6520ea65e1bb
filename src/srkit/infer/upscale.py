"""Upscale real images: files, PIL images, numpy arrays, tensors; any size, exact tiling.

:class:`Upscaler` keeps one model loaded for many calls; :func:`upscale` is
the one-shot form. What goes in comes back in the same kind:

- a path -> the output file is written (``output=``, else ``<stem>_x<s><ext>``
  beside the input) and its :class:`~pathlib.Path` is returned;
- a PIL image -> a PIL image (palette becomes RGB/RGBA, I;16 stays I;16);
- a numpy array HxW or HxWxC (C = 1, 2, 3, 4; 2 and 4 carry alpha last),
  uint8 / uint16 / float in [0, 1] -> the same layout and dtype;
- a torch tensor CxHxW or NxCxHxW in [0, 1] -> the same shape kind, device, dtype.

Colour: Y-channel models (``in_channels`` 1) super-resolve BT.601 Y and
upscale CbCr with MATLAB bicubic (the papers' convention); RGB models take RGB;
grayscale stays grayscale. Alpha is upscaled with bicubic (or with the model,
``alpha="model"``). 16-bit in gives 16-bit out. Tiles overlap by the model's
receptive field, so tiled output equals the whole-image output.
"""
from __future__ import annotations

import math
import os
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

from srkit.atomic import refuse_existing
from srkit.device import pick_device
from srkit.errors import SrkitError
from srkit.imaging.color import rgb_to_ycbcr, ycbcr_to_rgb
from srkit.imaging.io import (
    _ALPHA_FORMATS,
    FORMATS,
    MAX_PIXELS,
    _to_planes,
    format_for,
    max_bit_depth,
    read_image,
    to_pil,
    write_image,
)
from srkit.imaging.resize import imresize, output_size
from srkit.infer.fast import optimize_for_cpu
from srkit.infer.tiling import core_slice, count_tiles, imresize_strips, tiles
from srkit.models.registry import ModelInfo, check_scale, create_model, describe

#: On CPU an auto tile's activations aim at this many bytes: tiles near the L3 cache run
#: fastest (ESPCN and FSRCNN x2 on a 32 MB-L3 EPYC: 256-pixel tiles beat 128 and 384 in
#: ``benchmarks/upscale_speed.py --tile``) ...
CPU_TILE_BYTES = 96 << 20
#: ... but a tile side is at least this many times the overlap, so that recomputed borders
#: stay under ~30% (models with a wide receptive field are heavy, compute- not cache-bound:
#: EDSR-baseline x2 on 1024 px runs fastest in 512-px tiles).
MIN_TILE_PER_PAD = 14


class PrecisionWarning(UserWarning):
    """The output format holds fewer bits than the input had."""


def best_model(scale: int = 2) -> str:
    """The shipped model with the highest measured Set5 PSNR at ``scale``; ``bicubic`` until weights ship."""
    from srkit.models.weights import shipped_at

    return next(iter(shipped_at(scale)), "bicubic")


def physical_cores() -> int:
    """Physical CPU cores (hyper-threads share one core's arithmetic units), else os.cpu_count()."""
    cores = set()
    try:
        with open("/proc/cpuinfo") as f:
            phys = None
            for line in f:
                key, _, value = line.partition(":")
                if key.strip() == "physical id":
                    phys = value.strip()
                elif key.strip() == "core id":
                    cores.add((phys, value.strip()))
    except OSError:
        pass
    return len(cores) or os.cpu_count() or 1


def _info_of(net: torch.nn.Module) -> ModelInfo | None:
    """The descriptor of a module built by ``create_model``/``load_model`` (channels as built)."""
    config = getattr(net, "srkit_config", None)
    if not config:
        return getattr(net, "info", None)
    info = describe(config["architecture"])
    return replace(info, in_channels=config["overrides"].get("channels", info.in_channels))


def _load(model, scale, info: ModelInfo | None, pretrained: bool | None):
    """(nn.Module, ModelInfo, scale) from a registry name, a .safetensors path or a module."""
    if isinstance(model, torch.nn.Module):
        info = info or _info_of(model)
        if not isinstance(info, ModelInfo):
            raise SrkitError("a model passed as a module needs info=describe(<its registry name>)")
        if info.discriminator:
            raise SrkitError(f"model {info.name!r} is a GAN discriminator, not an upscaler")
        built = getattr(model, "srkit_config", {}).get("scale", getattr(model, "scale", None))
        if scale is not None and built is not None and scale != built and not info.multi_scale:
            raise SrkitError(f"model {info.name!r} was built for x{built}, not x{scale}")
        return model, info, check_scale(info, scale if scale is not None else built)
    if str(model).endswith(".safetensors"):
        from srkit.models.weights import load_model

        return _load(load_model(model), scale, info, pretrained)
    info = describe(str(model))
    scale = check_scale(info, scale)
    use_weights = info.learned if pretrained is None else pretrained
    if use_weights:
        from srkit.models.weights import pretrained_available

        if not pretrained_available(info.name, scale):
            raise SrkitError(f"model {info.name!r}: no shipped weights for x{scale} yet; "
                             "pass a .safetensors file (or pretrained=False for random weights)")
    return _load(create_model(info.name, scale, pretrained=use_weights), scale, info, pretrained)


def _available_memory(device: torch.device) -> int:
    if device.type == "cuda":
        return torch.cuda.mem_get_info(device)[0]
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 2 << 30


class Upscaler:
    """A loaded model plus settings, reusable for many images (see the module docstring).

    ``model``: registry name, ``.safetensors`` path, or an ``nn.Module`` (then
    give ``info=describe(name)``); None picks :func:`best_model`. ``tile``: LR
    pixels per tile side, 0 for the whole image at once, ``"auto"`` to size it
    from free memory. ``alpha``: ``"bicubic"`` or ``"model"``. ``optimize``: on
    CPU, run an equivalent faster model (:func:`srkit.infer.fast.optimize_for_cpu`).
    """

    def __init__(self, model=None, scale: int | None = None, *, info: ModelInfo | None = None,
                 pretrained: bool | None = None, tile="auto", device: str = "auto",
                 half: bool = False, alpha: str = "bicubic", max_pixels: int | None = MAX_PIXELS,
                 optimize: bool = True):
        self.device = pick_device(device)
        if half and self.device.type != "cuda":
            raise SrkitError("half precision needs a CUDA device (CPU fp16 is slower, not faster)")
        if alpha not in ("bicubic", "model"):
            raise SrkitError(f"alpha must be 'bicubic' or 'model', not {alpha!r}")
        if tile != "auto" and (not isinstance(tile, int) or tile < 0):
            raise SrkitError(f"tile must be 'auto' or a whole number of pixels >= 0, not {tile!r}")
        if model is None:
            model = best_model(scale or 2)
        net, self.info, self.scale = _load(model, scale, info, pretrained)
        self.dtype = torch.float16 if half else torch.float32
        self.net = net.eval().to(self.device, self.dtype).to(memory_format=torch.channels_last)
        self.tile, self.alpha_mode, self.max_pixels = tile, alpha, max_pixels
        # context each tile needs: the model's, and bicubic's (CbCr, alpha) 2 LR pixels
        self.pad = max(self.info.receptive_field, 2)
        self._bytes_per_px = self._probe_bytes_per_px()
        if optimize and self.device.type == "cpu" and not half and self.info.learned:
            self.net = optimize_for_cpu(self.net, self.info.in_channels)

    # ---- one tile ----
    def _net(self, x: torch.Tensor) -> torch.Tensor:
        x = x.to(self.dtype).contiguous(memory_format=torch.channels_last)
        return self.net(x).float()

    def _sr(self, x: torch.Tensor) -> torch.Tensor:
        """1xCxhxw in [0, 1] -> 1xCx(sh)x(sw), by the colour rules of the module docstring."""
        c, want = x.shape[1], self.info.in_channels
        if not self.info.learned or c == want:  # interpolation works on any channels
            return self._net(x)
        if c == 3:  # Y model on RGB
            ycc = rgb_to_ycbcr(x)
            y = self._net(ycc[:, :1])
            return ycbcr_to_rgb(torch.cat([y, imresize(ycc[:, 1:], self.scale)], 1))
        return self._net(x.expand(-1, want, -1, -1)).mean(1, keepdim=True)  # gray into RGB model

    def tile_size(self, h: int, w: int) -> int:
        """The tile (LR pixels a side) used for an h x w image; 0 means one tile."""
        if self.tile != "auto":
            return self.tile
        budget = _available_memory(self.device) // 4
        side = int(math.sqrt(budget / self._bytes_per_px)) - 2 * self.pad
        if self.device.type == "cpu":
            cache_side = int(math.sqrt(CPU_TILE_BYTES / self._bytes_per_px))
            side = min(side, max(cache_side, MIN_TILE_PER_PAD * self.pad))
        side = max(side, 32)
        return 0 if side >= max(h, w) else side

    def _probe_bytes_per_px(self) -> float:
        """Peak bytes per LR pixel: the largest (input + output) of one layer on a probe tile."""
        sizes: list[int] = []
        hooks = [m.register_forward_hook(lambda m, i, o: sizes.append(o.numel()))
                 for m in self.net.modules() if not list(m.children())]
        n = 24
        probe = torch.zeros(1, self.info.in_channels, n, n, device=self.device)
        try:
            with torch.inference_mode():
                out = self._net(probe)
        finally:
            for hk in hooks:
                hk.remove()
        sizes = [probe.numel()] + sizes + [out.numel()]
        peak = max(a + b for a, b in zip(sizes[:-1], sizes[1:], strict=True))
        return 3 * 4 * peak / (n * n)  # x3 for colour/alpha work and the allocator's slack

    # ---- arrays ----
    def _tensor(self, crop: np.ndarray) -> torch.Tensor:
        top = {np.dtype(np.uint8): 255.0, np.dtype(np.uint16): 65535.0}.get(crop.dtype, 1.0)
        x = torch.from_numpy(np.ascontiguousarray(crop, dtype=np.float32))
        if top != 1.0:
            x = x.mul_(1.0 / top)
        return x.permute(2, 0, 1)[None].to(self.device)

    @staticmethod
    def _store(dst: np.ndarray, y: torch.Tensor) -> None:
        """Write a CxHxW [0, 1] tensor into an HxWxC slice of the output array (rounding as ``quantize``)."""
        if dst.dtype == np.uint8 or dst.dtype == np.uint16:
            # floor(clip(y, 0, 1) * top + 0.5) in two passes: the cast truncates, i.e. floors (>= 0)
            top = np.iinfo(dst.dtype).max
            y = y.mul(top).add_(0.5).clamp_(0, top + 0.5)
        else:
            y = y.clamp(0, 1)
        torch.from_numpy(dst).copy_(y.permute(1, 2, 0))

    def _each_tile(self, work, todo, total: int, progress) -> None:
        """Run ``work`` on every tile; on CPU, tiles run side by side, one torch thread each.

        Whole tiles per thread scale better than splitting each small convolution
        across threads (no per-operation synchronisation, each tile stays in one core's cache).
        """
        threads = torch.get_num_threads()
        if self.device.type != "cpu" or threads == 1 or total == 1:
            for i, t in enumerate(todo):
                work(t)
                if progress:
                    progress(i + 1, total)
            return
        torch.set_num_threads(1)
        pool = ThreadPoolExecutor(threads)
        try:
            for i, _ in enumerate(pool.map(work, todo)):
                if progress:
                    progress(i + 1, total)
        finally:  # on Ctrl-C or an error, drop the queued tiles instead of finishing them
            pool.shutdown(wait=True, cancel_futures=True)
            torch.set_num_threads(threads)

    def upscale_array(self, pixels: np.ndarray, alpha: np.ndarray | None = None, *,
                      outscale: float | None = None, progress=None):
        """HxWxC pixels (+ HxW alpha), uint8/uint16/float32 -> same dtype at ``scale`` (or ``outscale``).

        ``progress(done, total)`` is called after each tile.
        """
        h, w, c = pixels.shape
        s = self.scale
        out_dtype = pixels.dtype if pixels.dtype in (np.uint8, np.uint16) else np.dtype(np.float32)
        out = np.empty((h * s, w * s, c), out_dtype)
        out_a = None if alpha is None else np.empty((h * s, w * s, 1), out_dtype)
        tile = self.tile_size(h, w)

        def work(t):
            (y0, y1, x0, x1), (py0, py1, px0, px1) = t
            ys, xs = core_slice(t, s)
            hr = (slice(y0 * s, y1 * s), slice(x0 * s, x1 * s))
            with torch.inference_mode():
                self._store(out[hr], self._sr(self._tensor(pixels[py0:py1, px0:px1]))[0, :, ys, xs])
                if alpha is not None:
                    a = self._tensor(alpha[py0:py1, px0:px1, None])
                    a = self._sr(a) if self.alpha_mode == "model" else imresize(a, s)
                    self._store(out_a[hr], a[0, :, ys, xs])

        self._each_tile(work, tiles(h, w, tile, self.pad), count_tiles(h, w, tile), progress)
        if outscale is not None and outscale != s:
            if not outscale > 0:
                raise SrkitError(f"outscale must be positive, not {outscale}")
            size, _ = output_size((h, w), outscale, None)
            out = imresize_strips(out, size)
            out_a = None if out_a is None else imresize_strips(out_a, size)
        return out, None if out_a is None else out_a[..., 0]

    # ---- every kind of input ----
    def __call__(self, image, output=None, *, outscale: float | None = None, overwrite: bool = False,
                 fmt: str | None = None, progress=None):
        """Upscale ``image`` (path, PIL image, numpy array or tensor) and return the same kind."""
        if isinstance(image, (str, os.PathLike)):
            return self.upscale_file(image, output, outscale=outscale, overwrite=overwrite,
                                     fmt=fmt, progress=progress)
        if output is not None:
            raise SrkitError("output= is only for path inputs")
        if isinstance(image, np.ndarray):
            return self._numpy(image, outscale, progress)
        if isinstance(image, torch.Tensor):
            return self._tensor_input(image, outscale, progress)
        from PIL import Image

        if isinstance(image, Image.Image):
            pixels, alpha, depth = _to_planes(image)
            out, a = self.upscale_array(pixels, alpha, outscale=outscale, progress=progress)
            return to_pil(out, a, 16 if depth == 16 else 8)
        raise SrkitError(f"cannot upscale a {type(image).__name__}; pass a path, PIL image, "
                         "numpy array or torch tensor")

    def _numpy(self, arr: np.ndarray, outscale, progress) -> np.ndarray:
        if arr.ndim not in (2, 3) or (arr.ndim == 3 and arr.shape[-1] not in (1, 2, 3, 4)):
            raise SrkitError(f"array must be HxW or HxWxC with C in 1-4, got shape {arr.shape}")
        if arr.dtype not in (np.uint8, np.uint16, np.float32, np.float64):
            raise SrkitError(f"array dtype must be uint8, uint16 or float in [0, 1], not {arr.dtype}")
        x = arr[..., None] if arr.ndim == 2 else arr
        x = x.astype(np.float32) if x.dtype == np.float64 else x
        colour, alpha = (x[..., :-1], x[..., -1]) if x.shape[-1] in (2, 4) else (x, None)
        out, a = self.upscale_array(colour, alpha, outscale=outscale, progress=progress)
        if a is not None:
            out = np.concatenate([out, a[..., None]], -1)
        return (out[..., 0] if arr.ndim == 2 else out).astype(arr.dtype, copy=False)

    def _tensor_input(self, t: torch.Tensor, outscale, progress) -> torch.Tensor:
        if t.ndim == 3:
            return self._tensor_input(t[None], outscale, progress)[0]
        if t.ndim != 4 or not t.is_floating_point():
            raise SrkitError(f"tensor must be float CxHxW or NxCxHxW in [0, 1], got {tuple(t.shape)} {t.dtype}")
        outs = [self._numpy(img.detach().permute(1, 2, 0).float().cpu().numpy(), outscale, progress)
                for img in t]
        return torch.stack([torch.from_numpy(o).permute(2, 0, 1) for o in outs]).to(t.device, t.dtype)

    # ---- files ----
    def output_path(self, src, fmt: str | None = None, outscale: float | None = None, folder=None) -> Path:
        """``<stem>_x<scale><ext>`` in ``folder`` (default: beside ``src``); ``.png`` for inputs
        srkit cannot write (e.g. GIF)."""
        src = Path(src)
        ext = "." + fmt.lower().lstrip(".") if fmt else src.suffix if src.suffix.lower() in FORMATS else ".png"
        label = f"{outscale if outscale is not None else self.scale:g}"
        return Path(folder if folder is not None else src.parent) / f"{src.stem}_x{label}{ext}"

    def upscale_file(self, src, dst=None, *, outscale: float | None = None, overwrite: bool = False,
                     fmt: str | None = None, progress=None) -> Path:
        """Read ``src``, upscale, write ``dst`` atomically (never over ``src``); returns ``dst``."""
        src = Path(src)
        dst = Path(dst) if dst is not None else self.output_path(src, fmt, outscale)
        name = format_for(dst, fmt)
        if dst.exists() and src.exists() and os.path.samefile(dst, src):
            raise SrkitError(f"{dst}: is the input file; srkit never overwrites an input")
        refuse_existing(dst, overwrite)
        pic = read_image(src, max_pixels=self.max_pixels, native=True)
        if pic.alpha is not None and name not in _ALPHA_FORMATS:
            raise SrkitError(f"{src}: has an alpha channel that {name} cannot store; "
                             "write PNG, TIFF or WebP instead")
        depth = 8 if pic.bit_depth == 8 else 16
        channels = pic.pixels.shape[-1] + (pic.alpha is not None)
        if depth > max_bit_depth(name, channels):
            warnings.warn(f"{dst}: {name} stores 8 bits per channel; writing 8-bit output "
                          f"from the {pic.bit_depth}-bit input {src.name}", PrecisionWarning, stacklevel=2)
            depth = 8
        out, alpha = self.upscale_array(pic.pixels, pic.alpha, outscale=outscale, progress=progress)
        pic.pixels = pic.alpha = None  # free the input before encoding
        return write_image(dst, out, alpha, bit_depth=depth, fmt=name, icc_profile=pic.icc_profile,
                           exif=pic.exif, overwrite=overwrite)


def upscale(image, model=None, scale: int | None = None, *, output=None, outscale: float | None = None,
            overwrite: bool = False, fmt: str | None = None, progress=None, **options):
    """One-shot :class:`Upscaler` ``(model, scale, **options)(image, ...)``; see the module docstring."""
    return Upscaler(model, scale, **options)(image, output, outscale=outscale, overwrite=overwrite,
                                              fmt=fmt, progress=progress)

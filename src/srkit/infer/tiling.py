"""Exact, seam-free tiling and strip-wise resizing with memory bounded by a tile.

A tile's *core* is a block of the LR image; it is processed with ``pad`` extra
LR pixels of context on each side (clipped at the image border, where the
model sees the true border exactly as in a whole-image pass). When ``pad`` is
at least the model's receptive field, the core's output does not depend on
the tiling, so the cores are stitched without any blending.
"""
from __future__ import annotations

import math
from typing import Iterator, NamedTuple

import numpy as np

from srkit.imaging.resize import _resize_axis_numpy, contributions, output_size


class Tile(NamedTuple):
    """LR coordinates: ``core`` and ``padded`` as (y0, y1, x0, x1)."""

    core: tuple[int, int, int, int]
    padded: tuple[int, int, int, int]


def _side(n: int, tile: int) -> int:
    """Core side along an axis of n pixels: as few cores as ``tile`` allows, evenly sized
    (so no thin last core: 512 px at tile 444 is 2 x 256, not 444 + 68)."""
    return n if tile <= 0 else math.ceil(n / math.ceil(n / tile))


def tiles(h: int, w: int, tile: int, pad: int) -> Iterator[Tile]:
    """Cover an h x w image with cores of at most ``tile`` x ``tile`` (0 = one tile), row by row."""
    size_y, size_x = _side(h, tile), _side(w, tile)
    for y0 in range(0, h, size_y):
        y1 = min(y0 + size_y, h)
        for x0 in range(0, w, size_x):
            x1 = min(x0 + size_x, w)
            yield Tile((y0, y1, x0, x1), (max(0, y0 - pad), min(h, y1 + pad), max(0, x0 - pad), min(w, x1 + pad)))


def count_tiles(h: int, w: int, tile: int) -> int:
    return math.ceil(h / _side(h, tile)) * math.ceil(w / _side(w, tile))


def core_slice(t: Tile, scale: int) -> tuple[slice, slice]:
    """Where the core lies inside the padded tile's output (HR coordinates)."""
    y0, y1, x0, x1 = t.core
    py0, _, px0, _ = t.padded
    return slice((y0 - py0) * scale, (y1 - py0) * scale), slice((x0 - px0) * scale, (x1 - px0) * scale)


def imresize_strips(src: np.ndarray, size: tuple[int, int], kernel: str = "bicubic",
                    rows: int = 64) -> np.ndarray:
    """``imresize(src, size=size)`` computed ``rows`` output rows at a time.

    Same result as :func:`srkit.imaging.resize.imresize` on numpy input (same
    weights, same axis order, same rounding), but float temporaries only ever
    hold one strip, so a huge uint8 image can be resized in little memory.
    """
    h, w = src.shape[:2]
    (oh, ow), (sh, sw) = output_size((h, w), None, size)
    hidx, hwts = contributions(h, oh, sh, kernel, True)
    widx, wwts = contributions(w, ow, sw, kernel, True)
    out = np.empty((oh, ow) + src.shape[2:], dtype=src.dtype)
    for r0 in range(0, oh, rows):
        idx, wts = hidx[r0:r0 + rows], hwts[r0:r0 + rows]
        lo, hi = int(idx.min()), int(idx.max()) + 1
        block = src[lo:hi].astype(np.float64)
        steps = [(0, idx - lo, wts, sh, h, oh), (1, widx, wwts, sw, w, ow)]
        for axis, i, wt, s, n_in, n_out in sorted(steps, key=lambda a: a[3]):  # MATLAB's order
            if not (s == 1.0 and n_in == n_out):
                block = _resize_axis_numpy(block, axis, i, wt)
        if src.dtype in (np.uint8, np.uint16):
            top = np.iinfo(src.dtype).max
            block = np.floor(np.clip(block, 0, top) + 0.5)
        out[r0:r0 + rows] = block
    return out

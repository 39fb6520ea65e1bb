"""Tiled output == whole-image output for every registered model; strip resizing == imresize."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from zoo import zoo_models

from srkit.imaging.resize import imresize
from srkit.infer.tiling import count_tiles, imresize_strips, tiles
from srkit.infer.upscale import Upscaler
from srkit.models.registry import describe

#: models too slow for 1-thread CI at the default size: a smaller image, fewer tilings
_LIGHT = {"bicubic", "bilinear", "nearest", "lanczos", "espcn", "fsrcnn", "fsrcnn-s", "srcnn"}


def _cases():
    for name in zoo_models():
        info = describe(name)
        if info.discriminator:
            continue
        scales = info.scales if not info.learned else (info.default_scale,)
        for s in scales:
            marks = () if name in _LIGHT else (pytest.mark.slow,)
            yield pytest.param(name, s, id=f"{name}-x{s}", marks=marks)


@pytest.mark.parametrize("name,scale", list(_cases()))
def test_tiled_equals_untiled(name, scale):
    info = describe(name)
    if not info.exact_tiling:
        pytest.skip(f"{name}: descriptor says tiling is not exact")
    torch.manual_seed(0)
    up = Upscaler(name, scale, pretrained=False, tile=0, device="cpu", optimize=name in _LIGHT)
    rng = np.random.default_rng(1)
    h, w = (13, 11) if name not in _LIGHT else (29, 23)  # odd sizes
    rgb = rng.random((h, w, 3), dtype=np.float32)
    alpha = rng.random((h, w), dtype=np.float32)
    full, full_a = up.upscale_array(rgb, alpha)
    assert full.shape == (h * scale, w * scale, 3) and full_a.shape == (h * scale, w * scale)
    for tile in (5, 8) if name not in _LIGHT else (5, 8, 17):
        up.tile = tile
        tiled, tiled_a = up.upscale_array(rgb, alpha)
        np.testing.assert_allclose(tiled, full, atol=1e-5, rtol=0, err_msg=f"tile {tile}")
        np.testing.assert_allclose(tiled_a, full_a, atol=1e-5, rtol=0, err_msg=f"tile {tile}")


@pytest.mark.parametrize("name", ["espcn", "fsrcnn", "srcnn"])
def test_tiled_equals_untiled_with_replicate_padding(name):
    """Edge-repeating convolutions: a tile on the image border repeats the image's own edge, and
    inner tile edges fall in the overlap, so tiling stays exact (also through the CPU rewrites)."""
    from srkit.models.registry import create_model

    torch.manual_seed(0)
    net = create_model(name, 2, padding_mode="replicate")
    up = Upscaler(net, 2, info=describe(name), tile=0, device="cpu")
    rgb = np.random.default_rng(2).random((29, 23, 3), dtype=np.float32)
    full, _ = up.upscale_array(rgb)
    for tile in (5, 8, 17):
        up.tile = tile
        np.testing.assert_allclose(up.upscale_array(rgb)[0], full, atol=1e-5, rtol=0, err_msg=f"tile {tile}")


def test_tiled_equals_untiled_for_uint8_gray_and_alpha_by_model():
    up = Upscaler("espcn", 3, pretrained=False, tile=0, device="cpu", alpha="model")
    rng = np.random.default_rng(2)
    gray = rng.integers(0, 256, (31, 19, 1), dtype=np.uint8)
    alpha = rng.integers(0, 256, (31, 19), dtype=np.uint8)
    full, full_a = up.upscale_array(gray, alpha)
    up.tile = 6
    tiled, tiled_a = up.upscale_array(gray, alpha)
    np.testing.assert_array_equal(tiled, full)
    np.testing.assert_array_equal(tiled_a, full_a)


@settings(max_examples=60, deadline=None)
@given(h=st.integers(1, 40), w=st.integers(1, 40), tile=st.integers(0, 45), pad=st.integers(0, 9))
def test_tiles_cover_each_pixel_once(h, w, tile, pad):
    seen = np.zeros((h, w), int)
    cover = list(tiles(h, w, tile, pad))
    assert len(cover) == count_tiles(h, w, tile)
    if tile:  # as few tiles as the tile size allows
        assert len(cover) == -(-h // tile) * -(-w // tile)
    for (y0, y1, x0, x1), (py0, py1, px0, px1) in cover:
        seen[y0:y1, x0:x1] += 1
        assert 0 <= py0 <= y0 and y1 <= py1 <= h and 0 <= px0 <= x0 and x1 <= px1 <= w
        assert y0 - py0 in (pad, y0) and x0 - px0 in (pad, x0)  # full context unless at the border
        if tile:
            assert y1 - y0 <= tile and x1 - x0 <= tile
    assert (seen == 1).all()


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.float32])
@pytest.mark.parametrize("size", [(50, 71), (17, 90), (41, 23), (40, 53)])
def test_imresize_strips_equals_imresize(dtype, size):
    rng = np.random.default_rng(3)
    top = np.iinfo(dtype).max if dtype != np.float32 else 1.0
    src = (rng.random((27, 35, 3)) * top).astype(dtype)
    np.testing.assert_array_equal(imresize_strips(src, size, rows=9), imresize(src, size=size))


def test_auto_tile_is_bounded_and_whole_for_small_images():
    up = Upscaler("espcn", 2, pretrained=False, tile="auto", device="cpu")
    assert up.tile_size(40, 30) == 0
    side = up.tile_size(100_000, 100_000)
    assert max(32, 12 * up.pad) <= side <= 1024


def test_tiles_side_by_side_on_several_threads_give_the_same_output():
    rng = np.random.default_rng(4)
    rgb = rng.integers(0, 256, (37, 29, 3), dtype=np.uint8)
    up = Upscaler("fsrcnn", 2, pretrained=False, tile=0, device="cpu")
    full, _ = up.upscale_array(rgb)
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        up.tile = 9
        done = []
        tiled, _ = up.upscale_array(rgb, progress=lambda k, n: done.append((k, n)))
        assert torch.get_num_threads() == 2  # restored after the run
    finally:
        torch.set_num_threads(before)
    assert done[-1] == (20, 20) and len(done) == 20
    assert np.abs(tiled.astype(int) - full).max() <= 1  # float noise may flip a rounding


def test_interrupt_stops_side_by_side_tiles_promptly():
    up = Upscaler("bicubic", 2, tile=4, device="cpu")
    stored = []
    store = up._store
    up._store = lambda dst, y: (stored.append(1), store(dst, y))
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    seen = []

    def stop(k, n):
        seen.append(k)
        if k == 2:
            raise KeyboardInterrupt

    try:
        with pytest.raises(KeyboardInterrupt):
            up.upscale_array(np.zeros((400, 400, 1), np.uint8), progress=stop)
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)
    assert seen == [1, 2] and len(stored) < 5000  # of 10,000 queued tiles, the rest were dropped

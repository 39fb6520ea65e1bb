"""MATLAB imresize semantics: hand-worked weights, sizes, dtypes, numpy == torch."""
import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from srkit.errors import SrkitError
from srkit.imaging.resize import KERNELS, contributions, imresize

# MATLAB's bicubic weights for x2 upscaling (phases 0.25 / 0.75) and for x1/2
# downscaling (kernel widened to 8 taps), worked out by hand from Keys' cubic.
UP2_WEIGHTS = [-0.0703125, 0.8671875, 0.2265625, -0.0234375]  # u = 3.25 over pixels 2..5 (1-based)
DOWN2_WEIGHTS = [w / 2 for w in (-0.0234375, -0.0703125, 0.2265625, 0.8671875,
                                 0.8671875, 0.2265625, -0.0703125, -0.0234375)]


def test_x2_upscale_weights_match_hand_worked_values():
    idx, w = contributions(10, 20, 2.0, "bicubic", True)
    # output pixel 5 (1-based 6): u = 3.25, taps at input 2..5 (0-based 1..4)
    np.testing.assert_array_equal(idx[5], [1, 2, 3, 4])
    np.testing.assert_allclose(w[5], UP2_WEIGHTS, atol=1e-15)
    np.testing.assert_allclose(w[4], UP2_WEIGHTS[::-1], atol=1e-15)


def test_half_downscale_is_antialiased_8_tap_kernel():
    idx, w = contributions(16, 8, 0.5, "bicubic", True)
    np.testing.assert_array_equal(idx[3], np.arange(3, 11))
    np.testing.assert_allclose(w[3], DOWN2_WEIGHTS, atol=1e-15)
    # without antialiasing the plain 4-tap kernel is used
    _, w_alias = contributions(16, 8, 0.5, "bicubic", False)
    assert w_alias.shape[1] <= 6


def test_boundary_is_symmetric_mirror():
    idx, _ = contributions(5, 10, 2.0, "bicubic", True)
    # first output taps reach before the first pixel: mirrored to 1, 0, 0, 1
    np.testing.assert_array_equal(idx[0], [1, 0, 0, 1])
    np.testing.assert_array_equal(idx[-1], [3, 4, 4, 3])


def test_impulse_downscale_gives_the_kernel():
    x = np.zeros(32)
    x[15] = 1.0
    y = imresize(x[None, :].repeat(4, 0), size=(4, 16))[0]
    # output i sits at 0-based input 2i + 0.5, so it weighs the impulse by 0.5 * cubic(i - 7.25):
    # every other tap of the x1/2 kernel
    expected = np.zeros(16)
    expected[6:10] = DOWN2_WEIGHTS[1::2]
    np.testing.assert_allclose(y, expected, atol=1e-12)


def _reference_resize_1d(x, scale, kernel):
    """Direct MATLAB formula: every input pixel weighted by the (widened) kernel."""
    fn, width, can_aa = KERNELS[kernel]
    n_out = math.ceil(scale * len(x))
    aa = scale < 1 and can_aa
    out = []
    mirror = np.concatenate([np.arange(len(x)), np.arange(len(x) - 1, -1, -1)])
    for i in range(1, n_out + 1):
        u = i / scale + 0.5 * (1 - 1 / scale)
        support = width / scale if aa else width
        js = np.arange(math.floor(u - support / 2), math.ceil(u + support / 2) + 1)
        d = u - js
        wts = scale * fn(scale * d) if aa else fn(d)
        wts = wts / wts.sum()
        out.append(np.sum(wts * x[mirror[np.mod(js - 1, mirror.size)]]))
    return np.array(out)


@pytest.mark.parametrize("kernel", ["bicubic", "bilinear", "lanczos2", "lanczos3"])
@pytest.mark.parametrize("scale", [1 / 2, 1 / 3, 1 / 4, 0.7, 2, 3, 4])
def test_matches_direct_formula(kernel, scale):
    x = np.random.default_rng(0).random(23)
    got = imresize(x[:, None].repeat(3, 1), scale=(scale, 1.0), kernel=kernel)[:, 0]
    np.testing.assert_allclose(got, _reference_resize_1d(x, scale, kernel), atol=1e-12)


def test_uint8_rounds_and_saturates_like_matlab():
    a = np.array([[0, 255, 0, 255]] * 4, dtype=np.uint8)
    out = imresize(a, 2)
    assert out.dtype == np.uint8
    ref = imresize(a.astype(np.float64), 2)
    np.testing.assert_array_equal(out, np.floor(np.clip(ref, 0, 255) + 0.5).astype(np.uint8))
    assert ref.min() < 0 and ref.max() > 255  # cubic overshoot is saturated


def test_nearest_upscale_repeats_pixels():
    a = np.arange(6, dtype=np.uint8).reshape(2, 3)
    np.testing.assert_array_equal(imresize(a, 2, kernel="nearest"), a.repeat(2, 0).repeat(2, 1))


def test_size_argument_and_aspect():
    a = np.zeros((30, 40))
    assert imresize(a, size=(15, None)).shape == (15, 20)
    assert imresize(a, size=(None, 10)).shape == (8, 10)
    assert imresize(a, size=(7, 9)).shape == (7, 9)


@pytest.mark.parametrize("bad", [dict(scale=0), dict(scale=-2), dict(), dict(size=(0, 3)), dict(scale=2, kernel="cubicx")])
def test_bad_arguments_raise_srkit_error(bad):
    with pytest.raises(SrkitError):
        imresize(np.zeros((8, 8)), **bad)


@settings(max_examples=40, deadline=None)
@given(h=st.integers(1, 24), w=st.integers(1, 24), c=st.sampled_from([None, 1, 3]),
       scale=st.sampled_from([0.25, 1 / 3, 0.5, 0.7, 1.5, 2, 3, 4]),
       kernel=st.sampled_from(sorted(KERNELS)), value=st.floats(0, 1))
def test_properties_shape_constant_dtype(h, w, c, scale, kernel, value):
    shape = (h, w) if c is None else (h, w, c)
    a = np.full(shape, value, dtype=np.float32)
    out = imresize(a, scale, kernel=kernel)
    assert out.shape[:2] == (math.ceil(scale * h - 1e-9), math.ceil(scale * w - 1e-9))
    assert out.shape[2:] == a.shape[2:]
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, value, atol=1e-5)


@settings(max_examples=25, deadline=None)
@given(h=st.integers(4, 20), w=st.integers(4, 20), scale=st.sampled_from([0.25, 0.5, 0.7, 2, 3]))
def test_torch_matches_numpy(h, w, scale):
    a = np.random.default_rng(h * 31 + w).random((h, w, 3))
    ref = imresize(a, scale)
    t = torch.from_numpy(np.moveaxis(a, -1, 0))[None]
    out = imresize(t, scale)[0].permute(1, 2, 0).numpy()
    np.testing.assert_allclose(out, ref, atol=1e-12)
    out32 = imresize(t.float(), scale)[0].permute(1, 2, 0).numpy()
    np.testing.assert_allclose(out32, ref, atol=1e-5)


def test_torch_keeps_gradient_and_batch():
    x = torch.rand(2, 3, 9, 11, requires_grad=True)
    y = imresize(x, 3)
    assert y.shape == (2, 3, 27, 33)
    y.sum().backward()
    assert x.grad is not None and torch.isfinite(x.grad).all()

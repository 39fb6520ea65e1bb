"""MATLAB rgb2ycbcr / ycbcr2rgb (BT.601, Y in [16, 235])."""
import numpy as np
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from srkit.imaging.color import rgb_to_y, rgb_to_ycbcr, y_of, ycbcr_to_rgb


def test_known_values():
    np.testing.assert_allclose(rgb_to_ycbcr(np.array([0.0, 0, 0])) * 255, [16, 128, 128])
    np.testing.assert_allclose(rgb_to_ycbcr(np.array([1.0, 1, 1])) * 255, [235, 128, 128], atol=1e-9)
    # pure red: Y = 16 + 65.481, Cb = 128 - 37.797, Cr = 128 + 112
    np.testing.assert_allclose(rgb_to_ycbcr(np.array([1.0, 0, 0])) * 255, [81.481, 90.203, 240.0], atol=1e-9)


@settings(max_examples=30, deadline=None)
@given(arrays(np.float64, (5, 4, 3), elements=st.floats(0, 1)))
def test_round_trip(rgb):
    np.testing.assert_allclose(ycbcr_to_rgb(rgb_to_ycbcr(rgb)), rgb, atol=1e-10)


def test_torch_matches_numpy_channels_first():
    a = np.random.default_rng(1).random((6, 7, 3))
    t = torch.from_numpy(np.moveaxis(a, -1, 0))[None]
    np.testing.assert_allclose(rgb_to_ycbcr(t)[0].permute(1, 2, 0).numpy(), rgb_to_ycbcr(a), atol=1e-12)
    np.testing.assert_allclose(rgb_to_y(t)[0, 0].numpy(), rgb_to_y(a), atol=1e-12)
    np.testing.assert_allclose(ycbcr_to_rgb(rgb_to_ycbcr(t)).numpy(), t.numpy(), atol=1e-12)


def test_gray_is_its_own_y():
    g = np.random.default_rng(2).random((4, 4))
    np.testing.assert_array_equal(y_of(g), g)
    np.testing.assert_array_equal(y_of(g[..., None]), g)

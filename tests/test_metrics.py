"""PSNR / SSIM under the standard protocol."""
import math

import numpy as np
import pytest

from srkit.errors import SrkitError
from srkit.metrics import prepare, psnr, ssim


def _img(seed=0, shape=(40, 36, 3)):
    return np.random.default_rng(seed).integers(0, 256, shape, dtype=np.uint8)


def test_identical_images_give_inf_not_a_crash():
    a = _img()
    assert psnr(a, a) == math.inf
    assert ssim(a, a) == pytest.approx(1.0)


def test_psnr_of_one_gray_level_everywhere():
    a = np.full((20, 20), 100, np.uint8)
    assert psnr(a + 1, a) == pytest.approx(20 * math.log10(255))


def test_shave_defaults_to_scale_and_removes_the_border():
    a = np.full((20, 20), 100, np.uint8)
    b = a.copy()
    b[:3, :] = 0  # damage only a 3-pixel border
    assert psnr(b, a, scale=3) == math.inf
    assert psnr(b, a, scale=2) < 40
    assert psnr(b, a, scale=3, shave=0) < 40


def test_y_channel_is_default_rgb_is_explicit():
    a, b = _img(1), _img(2)
    y = psnr(a, b, channel="y")
    rgb = psnr(a, b, channel="rgb")
    assert y != rgb
    assert prepare(a).ndim == 2 and prepare(a, "rgb").ndim == 3


def test_float_images_are_rounded_to_8_bits():
    a = _img(3)
    noisy = a / 255.0 + 0.4 / 255.0  # rounds back to a
    assert psnr(noisy, a) == math.inf


def test_ssim_matches_direct_gaussian_computation():
    a = _img(4, (24, 24)).astype(np.float64)
    b = np.clip(a + np.random.default_rng(5).normal(0, 20, a.shape), 0, 255).astype(np.uint8)
    g = np.exp(-((np.arange(11) - 5) ** 2) / (2 * 1.5 ** 2))
    w = np.outer(g, g) / np.outer(g, g).sum()
    vals = []
    for i in range(24 - 10):
        for j in range(24 - 10):
            pa, pb = a[i:i + 11, j:j + 11], b[i:i + 11, j:j + 11].astype(np.float64)
            ma, mb = (w * pa).sum(), (w * pb).sum()
            va, vb = (w * pa * pa).sum() - ma ** 2, (w * pb * pb).sum() - mb ** 2
            cov = (w * pa * pb).sum() - ma * mb
            c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
            vals.append((2 * ma * mb + c1) * (2 * cov + c2) / ((ma ** 2 + mb ** 2 + c1) * (va + vb + c2)))
    assert ssim(b, a.astype(np.uint8)) == pytest.approx(np.mean(vals), abs=1e-10)


def test_mismatched_shapes_and_bad_channel_are_srkit_errors():
    with pytest.raises(SrkitError, match="shapes differ"):
        psnr(_img(0, (10, 10, 3)), _img(0, (12, 10, 3)))
    with pytest.raises(SrkitError, match="channel"):
        psnr(_img(), _img(), channel="lab")
    with pytest.raises(SrkitError, match="too small"):
        psnr(_img(0, (6, 6)), _img(0, (6, 6)), scale=4)

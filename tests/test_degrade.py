"""Degradations (BI, BD, DN, seed 000) and the exactness of patch cutting."""
from __future__ import annotations

import numpy as np
import pytest

from srkit.data.pairs import PatchDataset, SampleKey, StepBatches, load_hr8
from srkit.errors import SrkitError
from srkit.imaging.degrade import degrade, gaussian_blur, gaussian_kernel
from srkit.imaging.resize import imresize
from test_train import make_images


def test_bicubic_is_imresize_and_bd_is_blur_then_decimate():
    rng = np.random.default_rng(0)
    hr = rng.random((24, 24, 3)).astype(np.float32)
    np.testing.assert_allclose(degrade(hr, 3), imresize(hr, 1 / 3), atol=1e-6)
    bd = degrade(hr, 3, "bd")
    assert bd.shape == (8, 8, 3)
    np.testing.assert_allclose(bd, gaussian_blur(hr, 1.6, 7)[1::3, 1::3], atol=1e-6)
    assert gaussian_kernel(1.6, 7).sum() == pytest.approx(1.0)
    flat = np.full((10, 10), 0.3, np.float32)
    np.testing.assert_allclose(gaussian_blur(flat, 2.0), flat, atol=1e-6)  # replicate borders keep a flat image flat


def test_noisy_degradations_are_seeded_and_have_the_right_noise():
    hr = np.full((64, 64, 1), 0.5, np.float32)
    dn = degrade(hr, 2, "dn", rng=np.random.default_rng(1))
    assert dn.std() * 255 == pytest.approx(30, rel=0.1)
    again = degrade(hr, 2, "dn", rng=np.random.default_rng(1))
    np.testing.assert_array_equal(dn, again)
    ps = degrade(hr, 2, "psnet", rng=np.random.default_rng(1), noise=20.0)
    assert ps.shape == (32, 32, 1) and 0 < ps.std() * 255 < 20  # blur after noise lowers it
    with pytest.raises(SrkitError, match="unknown degradation"):
        degrade(hr, 2, "jpeg")


def test_patches_are_cut_from_the_whole_image_lr(tmp_path):
    make_images(tmp_path, n=2, size=40)
    paths = sorted(tmp_path.glob("*.png"))
    ds = PatchDataset(paths, [2, 3], channels=3, augment=False)
    for s in (2, 3):
        lr, hr = ds[SampleKey(step=4, slot=1, scale=s, lr_patch=6)]
        assert lr.shape == (3, 6, 6) and hr.shape == (3, 6 * s, 6 * s)
        hits = [(i, y, x) for i, img in enumerate(ds.lr[s]) for y in range(img.shape[0] - 5) for x in range(img.shape[1] - 5)
                if np.array_equal(img[y:y + 6, x:x + 6].transpose(2, 0, 1), lr.numpy())]
        assert hits, "LR patch is not a crop of the whole-image LR"
        i, y, x = hits[0]
        ref = ds.hr[s][i][y * s:(y + 6) * s, x * s:(x + 6) * s].transpose(2, 0, 1).astype(np.float32) / 255.0
        np.testing.assert_array_equal(ref, hr.numpy())
        assert np.all(np.abs(lr.numpy() * 255 - np.round(lr.numpy() * 255)) < 1e-4)  # RGB LR is 8-bit


def test_augmentation_keeps_alignment_and_samples_are_pure(tmp_path):
    make_images(tmp_path, n=3, size=32)
    paths = sorted(tmp_path.glob("*.png"))
    plain = PatchDataset(paths, [2], channels=1, augment=False, seed=7)
    aug = PatchDataset(paths, [2], channels=1, augment=True, seed=7)
    key = SampleKey(3, 0, 2, 8)
    lr, hr = aug[key]
    lr2, hr2 = aug[key]
    assert np.array_equal(lr, lr2) and np.array_equal(hr, hr2)
    # an 8x8 LR patch and its HR are related by the same flip/rotation: downscale the HR and compare
    # the interior (bicubic of a patch differs only near its border)
    down = imresize(hr[0].numpy().astype(np.float64), 0.5)
    assert np.abs(down[2:-2, 2:-2] - lr[0].numpy()[2:-2, 2:-2]).max() < 0.08
    assert plain[key][0].shape == (1, 8, 8)
    batches = list(StepBatches(5, 7, lambda step: (4, 2, 8), rank=1, world=2))
    assert [[(k.step, k.slot) for k in b] for b in batches] == [[(5, 2), (5, 3)], [(6, 2), (6, 3)]]
    with pytest.raises(SrkitError, match="no image is large enough"):
        plain[SampleKey(0, 0, 2, 64)]


def test_rescale_adds_each_image_at_each_size(tmp_path):
    make_images(tmp_path, n=2, size=40)
    paths = sorted(tmp_path.glob("*.png"))
    plain = PatchDataset(paths, [2], channels=1, augment=False)
    ds = PatchDataset(paths, [2], channels=1, augment=False, rescale=[1.0, 0.6])
    assert len(plain) == 2 and len(ds) == 4
    assert [img.shape[:2] for img in ds.hr[2]] == [(40, 40), (24, 24), (40, 40), (24, 24)]
    np.testing.assert_array_equal(ds.hr[2][0], plain.hr[2][0])  # factor 1 is the image itself
    rgb = PatchDataset(paths[:1], [2], channels=3, augment=False, rescale=[0.6])
    np.testing.assert_array_equal(rgb.hr[2][0], imresize(load_hr8(paths[0]), 0.6))  # MATLAB bicubic, 8-bit
    with pytest.raises(SrkitError, match=r"data.rescale: factor 1.5 must be in \(0, 1\]"):
        PatchDataset(paths, [2], channels=1, rescale=[1.0, 1.5])
    with pytest.raises(SrkitError, match="data.rescale: no factor given"):
        PatchDataset(paths, [2], channels=1, rescale=[])

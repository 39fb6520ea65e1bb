"""RGB <-> YCbCr exactly as MATLAB's ``rgb2ycbcr`` / ``ycbcr2rgb`` (ITU-R BT.601).

Values are floats on the [0, 1] scale (Y in [16/255, 235/255]). The standard
SR evaluation computes PSNR/SSIM on this Y. Works on numpy arrays (channels
last, ...x3) and on torch tensors (channels first, Nx3xHxW or 3xHxW).
"""
from __future__ import annotations

import numpy as np

# MATLAB rgb2ycbcr: [Y Cb Cr] = OFFSET + M @ [R G B] with R, G, B in [0, 1].
_M = np.array(
    [[65.481, 128.553, 24.966],
     [-37.797, -74.203, 112.0],
     [112.0, -93.786, -18.214]],
    dtype=np.float64,
) / 255.0
_OFFSET = np.array([16.0, 128.0, 128.0]) / 255.0
_M_INV = np.linalg.inv(_M)


def _is_torch(x) -> bool:
    return type(x).__module__.startswith("torch")


def _apply(x, matrix: np.ndarray, offset: np.ndarray, pre_offset: bool):
    """y = M @ (x - offset) if pre_offset else M @ x + offset, on the colour axis."""
    if _is_torch(x):
        import torch

        m = torch.as_tensor(matrix, dtype=x.dtype, device=x.device)
        o = torch.as_tensor(offset, dtype=x.dtype, device=x.device).view(3, 1, 1)
        if pre_offset:
            x = x - o
        y = torch.einsum("ij,...jhw->...ihw", m, x)
        return y if pre_offset else y + o
    arr = np.asarray(x)
    dtype = arr.dtype if arr.dtype in (np.float32, np.float64) else np.float64
    if pre_offset:
        arr = arr - offset
    y = arr.astype(np.float64) @ matrix.T
    if not pre_offset:
        y = y + offset
    return y.astype(dtype)


def rgb_to_ycbcr(rgb):
    """MATLAB ``rgb2ycbcr`` for float RGB in [0, 1]; returns float YCbCr on the [0, 1] scale."""
    return _apply(rgb, _M, _OFFSET, pre_offset=False)


def ycbcr_to_rgb(ycbcr):
    """MATLAB ``ycbcr2rgb`` (inverse of :func:`rgb_to_ycbcr`); not clipped."""
    return _apply(ycbcr, _M_INV, _OFFSET, pre_offset=True)


def rgb_to_y(rgb):
    """Only the luma (Y) of MATLAB ``rgb2ycbcr``; numpy HxWx3 -> HxW, torch Nx3xHxW -> Nx1xHxW."""
    if _is_torch(rgb):
        return rgb_to_ycbcr(rgb)[..., :1, :, :]
    return rgb_to_ycbcr(rgb)[..., 0]


def y_of(image):
    """Y of a numpy image in [0, 1]: RGB goes through :func:`rgb_to_y`; grayscale is its own Y.

    A grayscale image is *not* mapped through the 16-235 range (the standard
    SR protocol treats a gray image as the luma itself).
    """
    arr = np.asarray(image)
    if arr.ndim == 2:
        return arr
    if arr.shape[-1] == 1:
        return arr[..., 0]
    return rgb_to_y(arr[..., :3])

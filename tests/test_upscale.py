"""srkit.upscale / Upscaler / `srkit upscale`: kinds in = kinds out, colour rules, files, bad input."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

import srkit
from srkit.cli import main
from srkit.errors import SrkitError
from srkit.imaging.color import rgb_to_ycbcr, ycbcr_to_rgb
from srkit.imaging.io import read_image, write_image
from srkit.imaging.resize import imresize
from srkit.infer.upscale import Upscaler, best_model
from srkit.models.registry import ModelInfo, create_model, describe

RNG = np.random.default_rng(0)
H, W = 15, 21


def _rgb(h=H, w=W, c=3, dtype=np.uint8):
    top = np.iinfo(dtype).max
    return RNG.integers(0, top + 1, (h, w, c), dtype=dtype)


# ---- Python API: the same kind comes back ----

def test_numpy_kinds_round_trip_and_bicubic_matches_imresize():
    for arr in (_rgb(), _rgb(c=1)[..., 0], _rgb(c=1), _rgb(dtype=np.uint16)):
        out = srkit.upscale(arr, "bicubic", 2)
        assert out.dtype == arr.dtype and out.shape[:2] == (2 * H, 2 * W) and out.ndim == arr.ndim
        # the pipeline computes in float32: exact at 8 bits, within 1 step of 65535 at 16 bits
        np.testing.assert_allclose(out.astype(int), imresize(arr, 2), atol=arr.dtype == np.uint16, rtol=0)
    f = _rgb().astype(np.float32) / 255
    np.testing.assert_allclose(srkit.upscale(f, "bicubic", 3), np.clip(imresize(f, 3), 0, 1), atol=1e-6)


def test_numpy_alpha_last_channel():
    rgba = _rgb(c=4)
    out = srkit.upscale(rgba, "bicubic", 2)
    assert out.shape == (2 * H, 2 * W, 4)
    np.testing.assert_array_equal(out[..., 3], imresize(rgba[..., 3], 2))
    la = _rgb(c=2)
    assert srkit.upscale(la, "bicubic", 2).shape == (2 * H, 2 * W, 2)


@pytest.mark.parametrize("mode,out_mode", [("L", "L"), ("LA", "LA"), ("RGB", "RGB"), ("RGBA", "RGBA"),
                                           ("P", "RGB"), ("I;16", "I;16")])
def test_pil_modes(mode, out_mode):
    if mode == "I;16":
        im = Image.fromarray(_rgb(c=1, dtype=np.uint16)[..., 0])
    elif mode == "P":
        im = Image.fromarray(_rgb()).convert("P")
    else:
        im = Image.fromarray(_rgb(c=len(mode)) if len(mode) > 1 else _rgb(c=1)[..., 0])
    assert im.mode == mode
    out = srkit.upscale(im, "bicubic", 2)
    assert isinstance(out, Image.Image) and out.mode == out_mode and out.size == (2 * W, 2 * H)


def test_tensor_shapes_device_dtype():
    t = torch.rand(3, H, W)
    out = srkit.upscale(t, "bicubic", 2)
    assert out.shape == (3, 2 * H, 2 * W) and out.dtype == t.dtype
    batch = torch.rand(2, 4, H, W, dtype=torch.float64)
    out = srkit.upscale(batch, "bicubic", 2)
    assert out.shape == (2, 4, 2 * H, 2 * W) and out.dtype == torch.float64
    torch.testing.assert_close(out[1, :3], imresize(batch[1, :3], 2).clamp(0, 1).float().double(),
                               atol=1e-6, rtol=0)


def test_bad_kinds():
    with pytest.raises(SrkitError, match="cannot upscale a list"):
        srkit.upscale([1, 2, 3], "bicubic")
    with pytest.raises(SrkitError, match="shape"):
        srkit.upscale(np.zeros((4, 4, 5), np.uint8), "bicubic")
    with pytest.raises(SrkitError, match="dtype"):
        srkit.upscale(np.zeros((4, 4), np.int32), "bicubic")
    with pytest.raises(SrkitError, match="half precision needs a CUDA"):
        Upscaler("bicubic", half=True, device="cpu")
    with pytest.raises(SrkitError, match="unknown model"):
        Upscaler("no-such-model")


# ---- colour rules ----

def test_y_model_on_rgb_super_resolves_y_and_bicubics_cbcr():
    torch.manual_seed(0)
    up = Upscaler("espcn", 2, pretrained=False, tile=0, device="cpu")
    rgb = RNG.random((H, W, 3), dtype=np.float32)
    out = up(rgb)
    x = torch.from_numpy(rgb).permute(2, 0, 1)[None]
    ycc = rgb_to_ycbcr(x)
    with torch.inference_mode():
        y = up.net(ycc[:, :1])
    want = ycbcr_to_rgb(torch.cat([y, imresize(ycc[:, 1:], 2)], 1)).clamp(0, 1)[0].permute(1, 2, 0)
    np.testing.assert_allclose(out, want.numpy(), atol=1e-5)


class _TinyRGB(torch.nn.Module):
    """An RGB model (3x3 conv + PixelShuffle), defined here: the zoo may have none yet."""

    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 12, 3, padding=1)
        self.shuffle = torch.nn.PixelShuffle(2)

    def forward(self, x):
        return self.shuffle(self.conv(x))


_TINY_INFO = ModelInfo("tiny-rgb", "test", (2,), 3, "post", 1)


def test_rgb_model_takes_rgb_and_gray_stays_gray():
    torch.manual_seed(0)
    net = _TinyRGB()
    up = Upscaler(net, 2, info=_TINY_INFO, tile=0, device="cpu")
    rgb = RNG.random((H, W, 3), dtype=np.float32)
    with torch.inference_mode():
        want = net(torch.from_numpy(rgb).permute(2, 0, 1)[None]).clamp(0, 1)[0].permute(1, 2, 0).numpy()
    np.testing.assert_allclose(up(rgb), want, atol=1e-6)
    gray = RNG.random((H, W), dtype=np.float32)
    assert up(gray).shape == (2 * H, 2 * W)
    up.tile = 4  # tiling is exact for a model given as a module too
    np.testing.assert_allclose(up(rgb), want, atol=1e-5)


def test_module_without_info_is_refused():
    with pytest.raises(SrkitError, match="needs info="):
        Upscaler(_TinyRGB(), 2)


def test_outscale_is_model_then_matlab_bicubic():
    rgb = _rgb()
    out = srkit.upscale(rgb, "bicubic", 4, outscale=3)
    assert out.shape == (3 * H, 3 * W, 3)
    np.testing.assert_array_equal(out, imresize(imresize(rgb, 4), size=(3 * H, 3 * W)))
    assert srkit.upscale(rgb, "bicubic", 2, outscale=1.5).shape == (23, 32, 3)  # ceil(1.5 x)


def test_best_model_is_the_best_measured_shipped_one(monkeypatch, tmp_path):
    from srkit.models import weights

    monkeypatch.setattr(weights, "WEIGHTS_DIR", tmp_path)
    assert best_model(2) == "bicubic" and Upscaler(scale=3).info.name == "bicubic"
    for name, psnr in [("espcn", 32.6), ("fsrcnn", 33.1), ("srcnn", 32.8)]:
        weights.save_weights(create_model(name, 3), tmp_path / f"{name}_x3.safetensors",
                             {"scores": {"Set5": {"psnr": psnr}}})
    assert best_model(3) == "fsrcnn" and best_model(2) == "bicubic"
    assert list(weights.shipped_at(3)) == ["fsrcnn", "srcnn", "espcn"]


def test_learned_model_without_weights_is_a_clear_error(monkeypatch):
    from srkit.models import weights

    monkeypatch.setattr(weights, "pretrained_available", lambda name, scale: False)
    with pytest.raises(SrkitError, match="no shipped weights for x2"):
        Upscaler("espcn", 2)


# ---- files ----

def test_path_in_writes_beside_and_returns_path(tmp_path):
    src = write_image(tmp_path / "photo.png", _rgb())
    out = srkit.upscale(src, "bicubic")
    assert out == tmp_path / "photo_x2.png"
    np.testing.assert_array_equal(read_image(out, native=True).pixels, imresize(_read(src), 2))
    other = srkit.upscale(str(src), "bicubic", output=tmp_path / "o.tif")
    assert other == tmp_path / "o.tif" and other.exists()


def _read(p):
    return read_image(p, native=True).pixels


@pytest.mark.parametrize("channels,alpha", [(1, False), (1, True), (3, False), (3, True)])
def test_16bit_file_gives_16bit_output_with_alpha(tmp_path, channels, alpha):
    pix = _rgb(c=channels, dtype=np.uint16)
    a = _rgb(c=1, dtype=np.uint16)[..., 0] if alpha else None
    src = write_image(tmp_path / "deep.png", pix, a, bit_depth=16)
    out = read_image(srkit.upscale(src, "bicubic"), native=True)
    assert out.bit_depth == 16 and out.pixels.dtype == np.uint16
    np.testing.assert_allclose(out.pixels.astype(int), imresize(pix, 2), atol=1, rtol=0)
    assert (out.pixels % 257 != 0).mean() > 0.9  # real 16-bit values, not 8-bit ones x 257
    if alpha:
        np.testing.assert_allclose(out.alpha.astype(int), imresize(a, 2), atol=1, rtol=0)


def test_palette_becomes_rgba_and_alpha_kept(tmp_path):
    im = Image.fromarray(_rgb()).convert("P")
    im.save(tmp_path / "p.png", transparency=0)
    out = read_image(srkit.upscale(tmp_path / "p.png", "bicubic"), native=True)
    assert out.pixels.shape == (2 * H, 2 * W, 3) and out.alpha is not None


def test_icc_exif_carried_and_orientation_applied(tmp_path):
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 clockwise
    exif[0x010F] = "srkit-test"
    icc = b"fake-icc-profile" * 3
    Image.fromarray(_rgb()).save(tmp_path / "r.jpg", exif=exif.tobytes(), icc_profile=icc, quality=95)
    out = read_image(srkit.upscale(tmp_path / "r.jpg", "bicubic"))
    assert out.pixels.shape == (2 * W, 2 * H, 3)  # rotated
    assert out.icc_profile == icc
    tags = Image.Exif()
    tags.load(out.exif)
    assert tags.get(0x0112, 1) == 1 and tags[0x010F] == "srkit-test"


def test_16bit_into_8bit_format_says_so(tmp_path):
    src = write_image(tmp_path / "deep.png", _rgb(dtype=np.uint16), bit_depth=16)
    with pytest.warns(UserWarning, match="8-bit output"):
        out = srkit.upscale(src, "bicubic", fmt="jpg")
    assert out.suffix == ".jpg" and read_image(out).bit_depth == 8


def test_cli_16bit_into_8bit_format_note(tmp_path, capsys):
    src = write_image(tmp_path / "deep.png", _rgb(dtype=np.uint16), bit_depth=16)
    rc, err = _cli(capsys, src, "--format", "webp")
    assert rc == 0 and "srkit: note:" in err and "8-bit output" in err


def test_api_refuses_overwrite_and_input(tmp_path):
    src = write_image(tmp_path / "a.png", _rgb())
    dst = srkit.upscale(src, "bicubic")
    before = dst.read_bytes()
    with pytest.raises(SrkitError, match="already exists"):
        srkit.upscale(src, "bicubic")
    assert dst.read_bytes() == before
    with pytest.raises(SrkitError, match="never overwrites an input"):
        srkit.upscale(src, "bicubic", output=src, overwrite=True)


# ---- CLI ----

def _cli(capsys, *argv):
    rc = main(["upscale", *map(str, argv)])
    return rc, capsys.readouterr().err


def _listing(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def test_cli_default_writes_beside(tmp_path, capsys):
    src = write_image(tmp_path / "photo.png", _rgb())
    rc, err = _cli(capsys, src)
    assert rc == 0 and (tmp_path / "photo_x2.png").exists()
    assert "1 done, 0 skipped, 0 failed" in err


def test_cli_folder_is_mirrored_and_format(tmp_path, capsys):
    (tmp_path / "in" / "sub").mkdir(parents=True)
    write_image(tmp_path / "in" / "a.png", _rgb())
    write_image(tmp_path / "in" / "sub" / "b.jpg", _rgb(c=1))
    (tmp_path / "in" / "notes.txt").write_text("not an image, ignored in folders")
    rc, err = _cli(capsys, tmp_path / "in", "-o", tmp_path / "out", "--format", "tiff", "--scale", "3")
    assert rc == 0, err
    assert _listing(tmp_path / "out") == ["a_x3.tiff", "sub", "sub/b_x3.tiff"]
    assert read_image(tmp_path / "out" / "sub" / "b_x3.tiff").pixels.shape == (3 * H, 3 * W, 1)


def test_cli_glob_and_single_output_file(tmp_path, capsys):
    for n in "xy":
        write_image(tmp_path / f"{n}.png", _rgb())
    rc, err = _cli(capsys, tmp_path / "*.png", "-o", tmp_path / "g")
    assert rc == 0 and _listing(tmp_path / "g") == ["x_x2.png", "y_x2.png"]
    rc, err = _cli(capsys, tmp_path / "x.png", "-o", tmp_path / "one.webp", "--outscale", "1.5")
    assert rc == 0 and Image.open(tmp_path / "one.webp").size == (32, 23)
    rc, err = _cli(capsys, tmp_path / "*.png", "-o", tmp_path / "two.png")
    assert rc == 2 and "give a folder" in err


def _bad_files(folder):
    """name -> (bytes, expected reason) for every kind of bad input."""
    good = folder / "good.png"
    write_image(good, _rgb())
    data = good.read_bytes()
    return {
        "empty.png": (b"", "empty file"),
        "text.png": (b"just some text\n" * 20, "not an image"),
        "truncated.png": (data[: len(data) // 2], "truncated"),
        "corrupt.png": (data[:80] + bytes(b ^ 0x5A for b in data[80:160]) + data[160:], "corrupt"),
    }


def test_cli_bad_inputs_one_line_each_and_batch_goes_on(tmp_path, capsys):
    inp = tmp_path / "in"
    inp.mkdir()
    bad = _bad_files(inp)
    for name, (data, _) in bad.items():
        (inp / name).write_bytes(data)
    rc, err = _cli(capsys, inp, tmp_path / "missing.png", "-o", tmp_path / "out")
    assert rc == 1
    lines = err.strip().splitlines()
    for name, (_, reason) in bad.items():
        [line] = [ln for ln in lines if name in ln]
        assert line.startswith("srkit: error: ") and reason in line
    assert any("missing.png: no such file" in ln for ln in lines)
    assert lines[-1] == "upscale: 1 done, 0 skipped, 5 failed"
    assert _listing(tmp_path / "out") == ["good_x2.png"]  # no partial or temporary files


def test_cli_pixel_limit_and_override(tmp_path, capsys):
    src = write_image(tmp_path / "big.png", _rgb())
    rc, err = _cli(capsys, src, "--max-pixels", "100")
    assert rc == 1 and "big.png" in err and "over the limit" in err
    assert not (tmp_path / "big_x2.png").exists()
    rc, err = _cli(capsys, src, "--max-pixels", "none")
    assert rc == 0 and (tmp_path / "big_x2.png").exists()


def test_cli_overwrite_required_and_input_never_overwritten(tmp_path, capsys):
    src = write_image(tmp_path / "a.png", _rgb())
    dst = tmp_path / "a_x2.png"
    dst.write_bytes(b"precious")
    rc, err = _cli(capsys, src)
    assert rc == 0 and "skipped" in err and "--overwrite" in err and dst.read_bytes() == b"precious"
    assert "0 done, 1 skipped, 0 failed" in err
    rc, err = _cli(capsys, src, "--overwrite")
    assert rc == 0 and read_image(dst).pixels.shape == (2 * H, 2 * W, 3)
    original = src.read_bytes()
    rc, err = _cli(capsys, src, "-o", src, "--overwrite")
    assert rc == 1 and "never overwrites an input" in err and src.read_bytes() == original


def test_cli_alpha_into_jpeg_fails_cleanly(tmp_path, capsys):
    src = write_image(tmp_path / "a.png", _rgb(), _rgb(c=1)[..., 0])
    rc, err = _cli(capsys, src, "--format", "jpg")
    assert rc == 1 and "alpha" in err and not (tmp_path / "a_x2.jpg").exists()


def test_cli_ctrl_c_leaves_no_partial_file(tmp_path, capsys, monkeypatch):
    src = write_image(tmp_path / "a.png", _rgb())

    def interrupted_save(self, fp, *args, **kwargs):
        fp.write(b"half a file")
        raise KeyboardInterrupt

    monkeypatch.setattr(Image.Image, "save", interrupted_save)
    rc, err = _cli(capsys, src)
    assert rc == 130 and "interrupted" in err
    assert _listing(tmp_path) == ["a.png"]


def test_cli_gif_input_gives_png(tmp_path, capsys):
    Image.fromarray(_rgb()).convert("P").save(tmp_path / "anim.gif")
    rc, err = _cli(capsys, tmp_path / "anim.gif")
    assert rc == 0 and read_image(tmp_path / "anim_x2.png").pixels.shape == (2 * H, 2 * W, 3)


def test_cli_bad_options(tmp_path, capsys):
    src = write_image(tmp_path / "a.png", _rgb())
    assert _cli(capsys, src, "--tile", "big")[0] == 2
    assert _cli(capsys, src, "--model", "nope")[0] == 2
    assert _cli(capsys, src, "--format", "gif")[0] == 2
    rc, err = _cli(capsys, src, "--tile", "7", "--model", "bicubic")
    assert rc == 0 and "1 done" in err


# ---- CPU rewrites are exact ----

def test_optimize_for_cpu_keeps_the_output():
    from srkit.infer.fast import optimize_for_cpu

    torch.manual_seed(0)
    for name, scale in (("espcn", 3), ("espcn", 2), ("fsrcnn", 3), ("srcnn", 2)):
        net = create_model(name, scale).eval()
        fast = optimize_for_cpu(net, 1, tile=32)
        for h, w in ((19, 26), (24, 32)):  # odd and divisible by 4 (the space-to-depth path)
            x = torch.rand(1, 1, h, w)
            with torch.inference_mode():
                torch.testing.assert_close(fast(x), net(x), atol=1e-4, rtol=0)


@pytest.mark.parametrize("name,channels,fused", [("espcn", 1, {"tanh"}), ("fsrcnn", 1, set()),  # PReLU stays
                                                  ("edsr-baseline", 3, {"relu"})])
@pytest.mark.parametrize("padding_mode", ["zeros", "replicate"])
def test_onednn_rewrite_fuses_activations_and_keeps_the_output(name, channels, fused, padding_mode):
    from srkit.infer.fast import ChannelsLastPixelShuffle, FusedConv, _onednn_kernels

    torch.manual_seed(0)
    options = {} if padding_mode == "zeros" or name == "edsr-baseline" else {"padding_mode": padding_mode}
    net = create_model(name, 2, **options).eval()
    fast = _onednn_kernels(net)
    kinds = [type(m) for m in fast.modules()]
    assert torch.nn.Conv2d not in kinds and FusedConv in kinds
    assert not any(type(m) is torch.nn.PixelShuffle for m in fast.modules())
    assert ChannelsLastPixelShuffle in kinds or name == "fsrcnn"
    assert {m.attr for m in fast.modules() if isinstance(m, FusedConv)} - {"none"} == fused
    assert not any(isinstance(m, (torch.nn.Tanh, torch.nn.ReLU)) for m in fast.modules())
    for h, w in ((13, 10), (16, 20)):
        x = torch.rand(1, channels, h, w)
        with torch.inference_mode():
            torch.testing.assert_close(fast(x), net(x), atol=1e-4, rtol=0)


@pytest.mark.parametrize("out_channels,kernel", [(1, 5), (1, 3), (4, 3), (3, 3), (8, 3), (16, 1)])
@pytest.mark.parametrize("act", [None, torch.nn.ReLU(), torch.nn.Tanh(), torch.nn.Sigmoid(),
                                 torch.nn.LeakyReLU(0.2)])
@pytest.mark.parametrize("padding_mode", ["zeros", "replicate", "reflect"])
def test_fused_conv_is_the_conv_and_its_activation(out_channels, kernel, act, padding_mode):
    from srkit.infer.fast import FusedConv

    torch.manual_seed(0)
    conv = torch.nn.Conv2d(6, out_channels, kernel, padding=kernel // 2, padding_mode=padding_mode)
    fused = FusedConv(conv, act)
    assert fused.r == {1: 4, 3: 2, 4: 2}.get(out_channels, 1)
    for h, w in ((16, 24), (15, 22), (8, 9)):
        x = torch.rand(2, 6, h, w)
        with torch.inference_mode():
            want = conv(x) if act is None else act(conv(x))
            torch.testing.assert_close(fused(x), want, atol=1e-5, rtol=0)


def test_channels_last_pixel_shuffle_is_pixel_shuffle():
    from srkit.infer.fast import pixel_shuffle

    for c in (18, 144):  # few and many output channels (two layouts)
        x = torch.rand(2, c, 5, 7)
        for t in (x, x.contiguous(memory_format=torch.channels_last)):
            assert torch.equal(pixel_shuffle(t, 3), torch.pixel_shuffle(t, 3))


def test_safetensors_model_file(tmp_path, capsys):
    torch.manual_seed(0)
    net = create_model("espcn", 3, channels=3)
    weights = srkit.save_weights(net, tmp_path / "mine.safetensors")
    up = Upscaler(weights, device="cpu")
    assert up.scale == 3 and up.info.in_channels == 3  # as built, not the registry default
    src = write_image(tmp_path / "a.png", _rgb())
    rc, err = _cli(capsys, src, "--model", weights)
    assert rc == 0 and read_image(tmp_path / "a_x3.png").pixels.shape == (3 * H, 3 * W, 3)
    with pytest.raises(SrkitError, match="built for x3"):
        Upscaler(net, 2)
    rc, err = _cli(capsys, src, "--model", tmp_path / "missing.safetensors")
    assert rc == 2 and "missing.safetensors" in err


def test_several_upscalers_and_tile_sizes_in_one_process():
    """Regression: a fused oneDNN Graph path once crashed on the third tile size in a process."""
    torch.manual_seed(0)
    net = create_model("espcn", 2).eval()
    img = np.random.default_rng(0).integers(0, 256, (1024, 1024, 1), dtype=np.uint8)  # many edge-tile shapes
    threads = torch.get_num_threads()
    torch.set_num_threads(2)  # tiles side by side, as on a user's machine
    try:
        outs = [Upscaler(net, 2, info=describe("espcn"), tile=t, device="cpu").upscale_array(img)
                for t in (128, 192, 256)]
    finally:
        torch.set_num_threads(threads)
    for out in outs[1:]:
        assert np.abs(out[0].astype(int) - outs[0][0].astype(int)).max() <= 1

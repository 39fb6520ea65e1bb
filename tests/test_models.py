"""Model zoo: the contract (shapes, gradients, learning) and the papers' parameter counts."""
from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from srkit.errors import SrkitError
from srkit.models import create_model, describe, list_models
from zoo import zoo_models

# Reduced width/depth for the training-step tests only (param counts use defaults).
SMALL: dict[str, dict] = {
    "vdsr": {"depth": 5, "n_feats": 16},
    "drcn": {"n_feats": 16, "recursions": 3},
    "red30": {"n_feats": 16, "n_layers": 5},
    "drrn": {"n_feats": 16, "n_units": 3},
    "lapsrn": {"n_feats": 16, "depth": 2},
    "srdensenet": {"n_blocks": 2, "n_layers": 2, "growth": 8, "n_feats": 16, "bottleneck": 32},
    "srresnet": {"n_resblocks": 2, "n_feats": 16},
    "srgan": {"n_resblocks": 2, "n_feats": 16},
    "edsr": {"n_resblocks": 2, "n_feats": 16},
    "edsr-baseline": {"n_resblocks": 2, "n_feats": 16},
    "mdsr": {"n_resblocks": 2, "n_feats": 16},
    "mdsr-baseline": {"n_resblocks": 2, "n_feats": 16},
    "rcan": {"n_resgroups": 2, "n_resblocks": 2, "n_feats": 16, "reduction": 4},
    "rrdbnet": {"n_blocks": 1, "n_feats": 16, "growth": 8},
    "psnet": {"n_feats": 16, "n_recurrent": 2, "up_feats": 64},
}

# the zoo's own models (other test files register toy models in the same registry)
ZOO = zoo_models()
LEARNED = [n for n in ZOO if describe(n).learned and describe(n).upsampling != "none"]


def n_params(model) -> int:
    return sum(p.numel() for p in model.parameters())


def build(name, scale=None, meta=False, **overrides):
    if meta:
        with torch.device("meta"):
            return create_model(name, scale, **overrides)
    return create_model(name, scale, **overrides)


@pytest.mark.parametrize("name", LEARNED)
def test_output_is_exactly_scale_times_input(name):
    """The default (paper-size) model, at every supported scale: 17x23 -> 17s x 23s."""
    info = describe(name)
    torch.manual_seed(0)
    for scale in info.scales:
        model = build(name, scale).eval()
        lr = torch.rand(1, info.in_channels, 17, 23)
        with torch.no_grad():
            sr = model(lr)
        assert sr.shape == (1, info.in_channels, 17 * scale, 23 * scale), (name, scale)
        assert torch.isfinite(sr).all()


@pytest.mark.parametrize("name", LEARNED)
def test_any_size_including_one_pixel_maps_exactly(name):
    info = describe(name)
    models = {s: build(name, s, **SMALL.get(name, {})).eval() for s in info.scales}

    @settings(max_examples=8, deadline=None)
    @given(h=st.integers(1, 13), w=st.integers(1, 13), scale=st.sampled_from(info.scales))
    def check(h, w, scale):
        with torch.no_grad():
            sr = models[scale](torch.rand(1, info.in_channels, h, w))
        assert sr.shape[-2:] == (h * scale, w * scale)

    check()


@pytest.mark.parametrize("name", LEARNED)
def test_gradient_flows_and_loss_drops(name):
    info = describe(name)
    torch.manual_seed(0)
    model = build(name, info.default_scale, **SMALL.get(name, {})).train()
    s = info.default_scale
    lr = torch.rand(2, info.in_channels, 12, 12)
    hr = torch.rand(2, info.in_channels, 12 * s, 12 * s)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    losses = []
    for _ in range(6):
        opt.zero_grad()
        loss = torch.nn.functional.mse_loss(model(lr), hr)
        loss.backward()
        losses.append(loss.item())
        opt.step()
    unused = f"pre_process.{s}", f"upsample.{s}"  # MDSR: only the called scale's branches learn
    grads = [p.grad for n, p in model.named_parameters()
             if not info.multi_scale or not n.startswith(("pre_process.", "upsample.")) or n.startswith(unused)]
    assert grads and all(g is not None and torch.isfinite(g).all() for g in grads)
    assert any(g.abs().sum() > 0 for g in grads)
    assert losses[-1] < losses[0], losses


# name, scale, overrides, expected total parameters (with biases), the paper's figure
PARAMS = [
    ("srcnn", 3, {"variant": "9-1-5"}, 8_129, "8,032 weights + 97 biases (SRCNN §3.2)"),
    ("srcnn", 3, {}, 57_281, "9-5-5: 57,184 weights + 97 biases (SRCNN §4.3.2)"),
    ("espcn", 3, {}, 22_729, "ESPCN x3, 1 channel"),
    ("fsrcnn", 3, {}, 12_464 + 173 + 172, "12,464 weights (FSRCNN Table 1) + biases + PReLU"),
    ("vdsr", 2, {}, 665_921, "VDSR 665K (DRRN Table 1)"),
    ("drcn", 2, {}, 1_775_121, "DRCN 1,774K weights (DRRN Table 1) + biases + 16 output weights"),
    ("red30", 2, {}, 4_134_785, "RED30 4,131K weights (DRRN Table 1) + biases"),
    ("drrn", 2, {}, 297_601, "DRRN B1U25 297K weights (DRRN Table 1) + biases"),
    ("edsr-baseline", 2, {}, 1_369_859, "EDSR-PyTorch baseline x2, 1.37M"),
    ("edsr", 4, {}, 43_089_923, "EDSR x4, 43M (EDSR Table 1)"),
    ("mdsr", 2, {}, 7_953_987, "MDSR 8.0M (EDSR Table 1)"),
    ("mdsr-baseline", 2, {}, 3_227_203, "MDSR baseline 3.2M (EDSR Table 1)"),
    ("rcan", 4, {}, 15_592_355, "RCAN x4 ~15.59M"),
    ("rrdbnet", 4, {}, 16_697_987, "RRDBNet x4 16.70M (ESRGAN)"),
    ("esrgan", 4, {}, 16_697_987, "alias of rrdbnet"),
    ("srresnet", 4, {}, 1_549_462, "SRResNet ~1.5M"),
    ("srgan", 4, {}, 1_549_462, "SRGAN generator = SRResNet"),
    # measured, not matching the commonly quoted figure; see the zoo report
    ("lapsrn", 4, {}, 812_768 + 1_474, "LapSRN x4 812K weights (MS-LapSRN Table) + 1,474 biases"),
    ("srdensenet", 4, {}, 3_175_681, "SRDenseNet: surveys quote ~2.0M; paper's layer list gives 3.18M"),
]


@pytest.mark.parametrize("name,scale,overrides,expected,paper", PARAMS)
def test_parameter_count_matches_paper(name, scale, overrides, expected, paper):
    assert n_params(build(name, scale, meta=True, **overrides)) == expected, paper


def test_weight_counts_without_biases():
    def weights(m):
        return sum(p.numel() for n, p in m.named_parameters() if n.endswith("weight") and p.ndim == 4)

    assert weights(build("srcnn", 3, meta=True, variant="9-1-5")) == 8_032
    assert weights(build("srcnn", 3, meta=True)) == 57_184
    assert weights(build("fsrcnn", 3, meta=True)) == 12_464
    assert weights(build("fsrcnn-s", 3, meta=True)) == 3_937  # FSRCNN-s, Table 1
    assert weights(build("lapsrn", 4, meta=True)) == 812_768  # LapSRN 812K
    assert weights(build("vdsr", 2, meta=True)) == 664_704  # VDSR 665K
    assert weights(build("drcn", 2, meta=True)) == 1_774_080  # DRCN 1,774K
    assert weights(build("drrn", 2, meta=True)) == 297_216  # DRRN 297K
    assert weights(build("red30", 2, meta=True)) == 4_131_072  # RED30 4,131K


def test_srcnn_rgb_and_variants():
    model = build("srcnn", 2, channels=3, variant="9-3-5")
    assert model(torch.rand(1, 3, 8, 9)).shape == (1, 3, 16, 18)
    with pytest.raises(SrkitError, match="variant"):
        build("srcnn", 2, variant="9-9-9")
    with pytest.raises(SrkitError, match="channels"):
        build("espcn", 2, channels=2)


def test_unsupported_scale_and_option_are_srkit_errors():
    with pytest.raises(SrkitError, match="scales"):
        create_model("espcn", 5)
    with pytest.raises(SrkitError, match="bad option"):
        create_model("espcn", 2, no_such_option=1)
    with pytest.raises(SrkitError, match="padding_mode must be one of zeros, replicate, reflect, got 'edge'"):
        create_model("srcnn", 2, padding_mode="edge")


@pytest.mark.parametrize("name", ["espcn", "fsrcnn", "srcnn"])
def test_replicate_padding_changes_only_the_borders(name):
    """padding_mode="replicate" (the SRCNN/FSRCNN authors' test-time padding): same weights, same
    output away from the borders, a different one next to them; it survives save/load."""
    from srkit.models.weights import load_model, save_weights

    torch.manual_seed(0)
    zeros = create_model(name, 2).eval()
    edge = create_model(name, 2, padding_mode="replicate").eval()
    edge.load_state_dict(zeros.state_dict())
    lr = torch.rand(1, 1, 40, 36)
    rf = describe(name).receptive_field
    with torch.no_grad():
        a, b = zeros(lr), edge(lr)
    inner = (..., slice(2 * rf, -2 * rf), slice(2 * rf, -2 * rf))
    torch.testing.assert_close(a[inner], b[inner], atol=1e-6, rtol=0)
    assert (a[..., :2, :] - b[..., :2, :]).abs().max() > 1e-3
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        again = load_model(save_weights(edge, f"{tmp}/m.safetensors"))
    with torch.no_grad():
        torch.testing.assert_close(again(lr), b, atol=0, rtol=0)


# the image must be 2 * receptive_field + 9 pixels wide: very deep models (rrdbnet, mdsr) would
# make this slow, so their bounds rest on the arithmetic in their files
TILED = [n for n in LEARNED if describe(n).exact_tiling and describe(n).receptive_field <= 80]


@pytest.mark.parametrize("name", TILED)
def test_receptive_field_makes_tiling_exact(name):
    """A crop padded by receptive_field LR pixels reproduces the full output inside."""
    info = describe(name)
    rf = info.receptive_field
    torch.manual_seed(0)
    for scale in info.scales:
        model = build(name, scale, **SMALL.get(name, {})).eval()
        lr = torch.rand(1, info.in_channels, 2 * rf + 8, 2 * rf + 9)
        y0, x0 = rf + 2, rf + 3  # a 4x4 LR window away from every border
        crop = lr[..., y0 - rf:y0 + 4 + rf, x0 - rf:x0 + 4 + rf]
        with torch.no_grad():
            full = model(lr)[..., y0 * scale:(y0 + 4) * scale, x0 * scale:(x0 + 4) * scale]
            part = model(crop)[..., rf * scale:(rf + 4) * scale, rf * scale:(rf + 4) * scale]
        torch.testing.assert_close(part, full, atol=1e-5, rtol=0, msg=f"{name} x{scale}")


def test_drcn_exposes_every_recursion_for_recursive_supervision():
    model = build("drcn", 2, **SMALL["drcn"])
    final, outputs = model.forward_all(torch.rand(1, 1, 6, 7))
    assert len(outputs) == 3 and all(o.shape == (1, 1, 12, 14) for o in outputs)
    torch.testing.assert_close(final, sum(w * o for w, o in zip(model.weights, outputs)))
    torch.testing.assert_close(model(torch.rand(1, 1, 6, 7)).shape, final.shape)


def test_lapsrn_gives_every_pyramid_level():
    model = build("lapsrn", 8, **SMALL["lapsrn"])
    outs = model.forward_all(torch.rand(1, 1, 5, 6))
    assert [o.shape[-2:] for o in outs] == [(10, 12), (20, 24), (40, 48)]


def test_lapsrn_image_branch_starts_as_bilinear():
    up = build("lapsrn", 2).images[0]
    x = torch.rand(1, 1, 6, 6)
    interior = up(x)[..., 2:-2, 2:-2]  # away from the zero-padded border
    ref = torch.nn.functional.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)[..., 2:-2, 2:-2]
    torch.testing.assert_close(interior, ref)


def test_mdsr_and_vdsr_pick_the_scale_per_call():
    mdsr = build("mdsr", 2, **SMALL["mdsr"]).eval()
    lr = torch.rand(1, 3, 7, 5)
    for s in (2, 3, 4):
        assert mdsr(lr, scale=s).shape == (1, 3, 7 * s, 5 * s)
    with pytest.raises(SrkitError, match="scale 8"):
        mdsr(lr, scale=8)
    with pytest.raises(SrkitError, match="default scale 4"):
        build("mdsr", 4, scales=(2, 3))
    assert build("vdsr", 2, **SMALL["vdsr"])(torch.rand(1, 1, 7, 5), scale=3).shape == (1, 1, 21, 15)
    assert describe("mdsr").multi_scale and describe("vdsr").multi_scale
    assert mdsr.multi_scale and not build("espcn", 2).multi_scale  # what the trainer checks


@pytest.mark.parametrize("name,patch", [("srgan-d", 96), ("esrgan-d", 128)])
def test_discriminators_score_hr_patches(name, patch):
    info = describe(name)
    assert info.discriminator and info.upsampling == "none" and info.note
    torch.manual_seed(0)
    model = build(name, n_feats=8)
    x = torch.rand(2, 3, patch, patch)
    logits = model(x)
    assert logits.shape == (2, 1)
    logits.sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    with pytest.raises(SrkitError, match=f"{patch}x{patch}"):
        model(torch.rand(1, 3, patch // 2, patch // 2))


def test_discriminator_param_counts():
    # SRGAN D: 8 convs (4.7M) + dense 512*6*6 -> 1024 -> 1; ESRGAN VGG-128: 10 convs + 8192 -> 100 -> 1
    assert n_params(build("srgan-d", meta=True)) == 23_563_649
    assert n_params(build("esrgan-d", meta=True)) == 14_499_401


def test_esrgan_is_an_alias_of_rrdbnet():
    assert describe("esrgan").name == "rrdbnet"
    assert "esrgan" not in list_models()


def test_every_required_name_is_registered():
    required = {"srcnn", "fsrcnn", "fsrcnn-s", "espcn", "vdsr", "drcn", "red30", "drrn", "lapsrn",
                "srdensenet", "srresnet", "srgan", "srgan-d", "edsr", "edsr-baseline", "mdsr",
                "mdsr-baseline", "rcan", "rrdbnet", "esrgan-d", "psnet"}
    assert required <= set(list_models())


def test_models_cli_lists_the_whole_zoo(capsys):
    import json

    from srkit.cli import main

    assert main(["models", "--json"]) == 0
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)}
    assert set(rows) >= set(ZOO)
    assert rows["edsr"]["params"]["4"] == 43_089_923 and rows["mdsr"]["multi_scale"]
    assert rows["esrgan-d"]["discriminator"] and rows["rrdbnet"]["aliases"] == ["esrgan"]
    assert rows["srcnn"]["upsampling"] == "pre" and rows["espcn"]["upsampling"] == "post"
    assert main(["models"]) == 0
    table = capsys.readouterr().out
    assert "x2:1,369,859" in table and "disc" in table


@pytest.mark.parametrize("stride,kernel,padding", [(2, 9, 4), (3, 9, 4), (4, 9, 4), (2, 4, 1), (3, 3, 0)])
def test_subpixel_deconv_is_the_transposed_conv_with_its_gradients(stride, kernel, padding):
    """The training-time function and the inference-time module (infer.fast.SubPixelConv) alike."""
    from srkit.infer.fast import SubPixelConv
    from srkit.models.common import subpixel_deconv, subpixel_fits

    torch.manual_seed(0)
    deconv = torch.nn.ConvTranspose2d(5, 2, kernel, stride=stride, padding=padding,
                                      output_padding=stride + 2 * padding - kernel)
    assert subpixel_fits(deconv)
    x = torch.rand(2, 5, 7, 6, requires_grad=True)
    want, got = deconv(x), subpixel_deconv(x, deconv)
    torch.testing.assert_close(got, want, atol=1e-5, rtol=0)
    with torch.no_grad():
        torch.testing.assert_close(SubPixelConv(deconv)(x), want, atol=1e-5, rtol=0)
    for a, b in zip(torch.autograd.grad(want.square().sum(), [x, deconv.weight, deconv.bias]),
                    torch.autograd.grad(got.square().sum(), [x, deconv.weight, deconv.bias]), strict=True):
        torch.testing.assert_close(b, a, atol=1e-4, rtol=1e-5)


def test_fsrcnn_trains_through_the_same_function():
    torch.manual_seed(0)
    net = create_model("fsrcnn", 3)
    x = torch.rand(1, 1, 10, 9)
    with torch.no_grad():
        train_out = net.train()(x)
        torch.testing.assert_close(train_out, net.eval()(x), atol=1e-5, rtol=0)

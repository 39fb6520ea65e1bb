"""Model zoo: the contract (shapes, gradients, learning) and the papers' parameter counts."""
from __future__ import annotations

import pytest
import torch

from srkit.errors import SrkitError
from srkit.models import create_model, describe, list_models

# Reduced width/depth for the training-step tests only (param counts use defaults).
SMALL: dict[str, dict] = {}

LEARNED = [n for n in list_models() if describe(n).learned and describe(n).upsampling != "none"]


def n_params(model) -> int:
    return sum(p.numel() for p in model.parameters())


def build(name, scale=None, meta=False, **overrides):
    if meta:
        with torch.device("meta"):
            return create_model(name, scale, **overrides)
    return create_model(name, scale, **overrides)


@pytest.mark.parametrize("name", LEARNED)
def test_output_is_exactly_scale_times_input(name):
    info = describe(name)
    torch.manual_seed(0)
    for scale in info.scales:
        model = build(name, scale, **SMALL.get(name, {})).eval()
        lr = torch.rand(1, info.in_channels, 17, 23)
        with torch.no_grad():
            sr = model(lr)
        assert sr.shape == (1, info.in_channels, 17 * scale, 23 * scale), (name, scale)
        assert torch.isfinite(sr).all()


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
    grads = [p.grad for p in model.parameters() if p.requires_grad]
    assert grads and all(g is not None and torch.isfinite(g).all() for g in grads)
    assert any(g.abs().sum() > 0 for g in grads)
    assert losses[-1] < losses[0], losses


# name, scale, overrides, expected total parameters (with biases), the paper's figure
PARAMS = [
    ("srcnn", 3, {"variant": "9-1-5"}, 8_129, "8,032 weights + 97 biases (SRCNN §3.2)"),
    ("srcnn", 3, {}, 57_281, "9-5-5: 57,184 weights + 97 biases (SRCNN §4.3.2)"),
    ("espcn", 3, {}, 22_729, "ESPCN x3, 1 channel"),
    ("fsrcnn", 3, {}, 12_464 + 173 + 172, "12,464 weights (FSRCNN Table 1) + biases + PReLU"),
]


@pytest.mark.parametrize("name,scale,overrides,expected,paper", PARAMS)
def test_parameter_count_matches_paper(name, scale, overrides, expected, paper):
    assert n_params(build(name, scale, meta=True, **overrides)) == expected, paper


def test_srcnn_and_fsrcnn_weight_counts():
    def weights(m):
        return sum(p.numel() for n, p in m.named_parameters() if n.endswith("weight") and p.ndim == 4)

    assert weights(build("srcnn", 3, meta=True, variant="9-1-5")) == 8_032
    assert weights(build("srcnn", 3, meta=True)) == 57_184
    assert weights(build("fsrcnn", 3, meta=True)) == 12_464
    assert weights(build("fsrcnn-s", 3, meta=True)) == 3_937  # FSRCNN-s, Table 1


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


TILED = [n for n in LEARNED if describe(n).exact_tiling]


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

"""Losses: pixel, TV, VGG19 perceptual/style (random weights only when asked), adversarial, recipe tables."""
from __future__ import annotations

import hashlib

import pytest
import torch

from srkit.errors import SrkitError
from srkit.losses import AdversarialLoss, CharbonnierLoss, TVLoss, VGGFeatures, build_loss
from srkit.losses.perceptual import LAYERS, download_vgg19, gram, load_vgg19_state


def test_pixel_losses_and_tv():
    a, b = torch.zeros(1, 1, 4, 4), torch.full((1, 1, 4, 4), 0.5)
    total, parts = build_loss({"l1": 2.0, "mse": 1.0})(a, b)
    assert parts["l1"].item() == pytest.approx(0.5) and parts["mse"].item() == pytest.approx(0.25)
    assert total.item() == pytest.approx(1.25)
    assert CharbonnierLoss(1e-3)(a, b).item() == pytest.approx((0.25 + 1e-6) ** 0.5)
    ramp = torch.arange(4.0).view(1, 1, 1, 4).expand(1, 1, 4, 4)
    assert TVLoss()(ramp).item() == pytest.approx(1.0)  # |dw| = 1 everywhere, dh = 0


def test_vgg_layer_names_match_torchvision_indices():
    assert LAYERS["conv1_2"] == 2 and LAYERS["relu1_2"] == 3 and LAYERS["conv2_2"] == 7
    assert LAYERS["conv5_2"] == 30 and LAYERS["conv5_4"] == 34 and LAYERS["relu5_4"] == 35


def test_vgg_missing_weights_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("SRKIT_VGG19", str(tmp_path / "none.pth"))
    with pytest.raises(SrkitError, match="VGG19 ImageNet weights not found.*SRKIT_VGG19"):
        VGGFeatures(["conv5_4"], download=False)


def test_vgg_loads_torchvision_layout_file_and_checks_download_hash(tmp_path):
    ref = VGGFeatures(["relu2_2"], weights="random")
    state = {f"features.{k}": v for k, v in ref.features.state_dict().items()}
    state["classifier.0.weight"] = torch.zeros(2, 2)  # a full torchvision file has these too
    path = tmp_path / "vgg19.pth"
    torch.save(state, path)
    net = VGGFeatures(["relu2_2", "conv1_2"], weights=str(path))
    x = torch.rand(1, 3, 16, 16)
    torch.testing.assert_close(net(x)["relu2_2"], ref(x)["relu2_2"])
    assert set(net(x)) == {"relu2_2", "conv1_2"}
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    got = download_vgg19(tmp_path / "dl" / "vgg19.pth", url=path.as_uri(), sha256_prefix=digest[:8])
    assert load_vgg19_state(got).keys() == {k for k in state if k.startswith("features.")}
    with pytest.raises(SrkitError, match="does not match"):
        download_vgg19(tmp_path / "bad" / "vgg19.pth", url=path.as_uri(), sha256_prefix="00000000")
    assert not list((tmp_path / "bad").iterdir())  # no partial file left


def test_perceptual_and_style_losses_with_explicit_random_weights():
    torch.manual_seed(0)
    loss = build_loss({"perceptual": {"weight": 1.0, "layers": {"conv1_2": 0.5, "conv2_2": 1.0}, "vgg": "random"},
                       "style": {"weight": 10.0, "layers": ["relu1_2"], "vgg": "random"}, "tv": 0.1})
    hr = torch.rand(2, 1, 16, 16)
    sr = hr.clone().requires_grad_(True)
    total, parts = loss(sr, hr)
    assert parts["perceptual"].item() == 0 and parts["style"].item() == 0
    total, parts = loss((sr + 0.1 * torch.randn_like(sr)).clamp(0, 1), hr)
    assert parts["perceptual"].item() > 0 and parts["style"].item() > 0
    total.backward()
    assert sr.grad.abs().sum() > 0
    assert not any(p.requires_grad for p in loss.terms["perceptual"].vgg.parameters())
    g = gram(torch.ones(1, 2, 3, 3))
    torch.testing.assert_close(g, torch.full((1, 2, 2), 9 / 18))


def test_adversarial_losses():
    real, fake = torch.tensor([3.0, 2.0]), torch.tensor([-2.0, -3.0])
    van, rel = AdversarialLoss("vanilla"), AdversarialLoss("relativistic")
    # a discriminator that separates well: small D loss, large G loss
    assert van.discriminator_loss(real, fake) < 0.2 < van.generator_loss(None, fake)
    assert rel.discriminator_loss(real, fake) < 0.1 < rel.generator_loss(real, fake)
    # relativistic: only differences matter
    assert rel.generator_loss(real + 5, fake + 5).item() == pytest.approx(rel.generator_loss(real, fake).item())
    with pytest.raises(SrkitError, match="kind"):
        AdversarialLoss("wgan")


def test_loss_table_errors():
    with pytest.raises(SrkitError, match="unknown term 'ssim'"):
        build_loss({"ssim": 1.0})
    with pytest.raises(SrkitError, match="unknown option"):
        build_loss({"l1": {"weight": 1.0, "eps": 1}})
    with pytest.raises(SrkitError, match="VGG19 layer"):
        build_loss({"perceptual": {"layers": ["conv9_9"], "vgg": "random"}})
    with pytest.raises(SrkitError, match="needs a discriminator"):
        build_loss({"adversarial": 1e-3})(torch.zeros(1, 1, 4, 4), torch.zeros(1, 1, 4, 4))

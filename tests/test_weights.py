"""Weights files: safetensors + metadata round trip, .pth via weights_only, shipped weights."""
from __future__ import annotations

import json

import pytest
import torch

import srkit
from srkit.errors import SrkitError
from srkit.models import create_model
from srkit.models.weights import load_pretrained, pretrained_available, read_metadata


def test_round_trip_rebuilds_the_exact_model(tmp_path):
    torch.manual_seed(0)
    model = create_model("fsrcnn", 3, d=16, s=4, m=2).eval()
    path = srkit.save_weights(model, tmp_path / "f.safetensors",
                              {"recipe": {"lr": 1e-3, "epochs": 2}, "scores": {"Set5": 30.1}})
    loaded = srkit.load_model(path)
    lr = torch.rand(1, 1, 9, 11)
    torch.testing.assert_close(loaded(lr), model(lr), atol=0, rtol=0)
    assert loaded.srkit_meta["scores"] == {"Set5": 30.1}
    assert loaded.srkit_meta["recipe"]["epochs"] == 2
    meta = read_metadata(path)
    assert (meta["architecture"], meta["scale"], meta["channels"]) == ("fsrcnn", 3, 1)
    assert meta["overrides"] == {"d": 16, "s": 4, "m": 2}
    assert not loaded.training


def test_file_is_self_contained_safetensors(tmp_path):
    from safetensors import safe_open

    model = create_model("edsr-baseline", 2, n_resblocks=1, n_feats=8)
    path = srkit.save_weights(model, tmp_path / "e.safetensors", {"steps": "40", "psnr": 30.5})
    with safe_open(str(path), framework="pt") as f:
        header = f.metadata()
        assert set(f.keys()) == set(model.state_dict())
    assert header["architecture"] == "edsr-baseline" and json.loads(header["overrides"])["n_feats"] == 8
    assert header["steps"] == "40" and header["psnr"] == "30.5"  # plain entries for other tools
    assert read_metadata(path)["steps"] == "40" and read_metadata(path)["psnr"] == 30.5
    assert all(isinstance(v, str) for v in header.values())


def test_buffers_and_batchnorm_stats_survive(tmp_path):
    model = create_model("srresnet", 2, n_resblocks=1, n_feats=8)
    model.train()(torch.rand(2, 3, 8, 8))  # moves the BN running stats
    loaded = srkit.load_model(srkit.save_weights(model, tmp_path / "s.safetensors"))
    for key, value in model.state_dict().items():
        torch.testing.assert_close(loaded.state_dict()[key], value, atol=0, rtol=0)


def test_pth_state_dict_loads_with_weights_only(tmp_path):
    model = create_model("espcn", 2).eval()
    torch.save({"params": {f"module.{k}": v for k, v in model.state_dict().items()}}, tmp_path / "e.pth")
    loaded = srkit.load_model(tmp_path / "e.pth", architecture="espcn", scale=2)
    lr = torch.rand(1, 1, 5, 5)
    torch.testing.assert_close(loaded(lr), model(lr))
    with pytest.raises(SrkitError, match="does not name its model"):
        srkit.load_model(tmp_path / "e.pth")


def test_pickled_objects_are_refused(tmp_path):
    import argparse

    torch.save({"x": argparse.Namespace(cmd="rm -rf /")}, tmp_path / "evil.pth")
    with pytest.raises(SrkitError, match="weights_only"):
        srkit.load_model(tmp_path / "evil.pth", architecture="espcn", scale=2)


def test_bad_files_are_one_line_errors(tmp_path):
    with pytest.raises(SrkitError, match="no such weights file"):
        srkit.load_model(tmp_path / "missing.safetensors")
    (tmp_path / "junk.safetensors").write_bytes(b"not a safetensors file")
    with pytest.raises(SrkitError, match="not a readable safetensors"):
        srkit.load_model(tmp_path / "junk.safetensors")
    small = srkit.save_weights(create_model("espcn", 2), tmp_path / "e.safetensors")
    with pytest.raises(SrkitError, match="do not fit"):
        srkit.load_model(small, n_feats=(8, 8))
    with pytest.raises(SrkitError, match="not built with srkit.create_model"):
        srkit.save_weights(torch.nn.Conv2d(1, 1, 1), tmp_path / "x.safetensors")
    with pytest.raises(SrkitError, match="'scale' disagrees with the model"):
        srkit.save_weights(create_model("espcn", 2), tmp_path / "y.safetensors", {"scale": 3})
    agreed = srkit.save_weights(create_model("espcn", 2), tmp_path / "z.safetensors", {"channels": "1", "scale": 2})
    assert read_metadata(agreed)["channels"] == 1


def test_no_shipped_weights_is_a_clear_error(tmp_path, monkeypatch):
    from srkit.models import weights

    monkeypatch.setattr(weights, "WEIGHTS_DIR", tmp_path)
    assert not pretrained_available("espcn", 3)
    with pytest.raises(SrkitError, match=r"no pretrained weights shipped for espcn x3; shipped: "):
        create_model("espcn", 3, pretrained=True)


def test_shipped_weights_are_found(tmp_path, monkeypatch):
    from srkit.models import weights

    monkeypatch.setattr(weights, "WEIGHTS_DIR", tmp_path)
    model = create_model("espcn", 3).eval()
    srkit.save_weights(model, tmp_path / "espcn_x3.safetensors", {"scores": {"Set5": 33.0}})
    assert pretrained_available("espcn", 3) and not pretrained_available("espcn", 2)
    loaded = create_model("espcn", 3, pretrained=True)
    assert loaded.srkit_meta["scores"]["Set5"] == 33.0
    lr = torch.rand(1, 1, 4, 4)
    torch.testing.assert_close(loaded(lr), model(lr))
    with pytest.raises(SrkitError, match="shipped: espcn_x3"):
        load_pretrained("espcn", 2)

"""ONNX export: round trip through onnxruntime, dynamic sizes, CLI, errors."""
from __future__ import annotations

import pytest
import torch

pytest.importorskip("onnxruntime")
pytest.importorskip("onnx")

import numpy as np  # noqa: E402
import onnx  # noqa: E402
import onnxruntime  # noqa: E402

import srkit  # noqa: E402
from srkit.cli import main  # noqa: E402
from srkit.errors import SrkitError  # noqa: E402
from srkit.models import create_model, describe, list_models  # noqa: E402

from test_models import SMALL  # noqa: E402

POST = [n for n in list_models() if describe(n).upsampling == "post"]


def _run(path, lr):
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(["sr"], {"lr": lr.numpy()})[0]


@pytest.mark.parametrize("name,options", [(n, SMALL.get(n, {})) for n in POST]
                         + [("espcn", {"padding_mode": "replicate"}), ("fsrcnn", {"padding_mode": "replicate"})])
def test_lr_space_models_round_trip_with_dynamic_size(name, options, tmp_path):
    info = describe(name)
    torch.manual_seed(0)
    model = create_model(name, info.default_scale, **options)
    path = srkit.export_onnx(model, tmp_path / f"{name}.onnx")
    graph = onnx.load(str(path))
    assert graph.opset_import[0].version >= 17
    s = info.default_scale
    lr = torch.rand(1, info.in_channels, 11, 14)  # not the 17x23 sample the export traced
    out = _run(path, lr)
    with torch.no_grad():
        ref = model.eval()(lr).numpy()
    assert out.shape == (1, info.in_channels, 11 * s, 14 * s)
    assert np.abs(out - ref).max() <= 1e-4


@pytest.mark.parametrize("name", ["srcnn", "vdsr"])
def test_pre_upsampling_models_export_for_a_fixed_size(name, tmp_path):
    model = create_model(name, 3, **SMALL.get(name, {}))
    path = srkit.export_onnx(model, tmp_path / "m.onnx", size=(9, 12))
    lr = torch.rand(1, 1, 9, 12)
    with torch.no_grad():
        np.testing.assert_allclose(_run(path, lr), model.eval()(lr).numpy(), atol=1e-4)


def test_a_mismatch_is_reported_not_written(tmp_path):
    with pytest.raises(SrkitError, match="differs from PyTorch"):
        srkit.export_onnx("espcn", tmp_path / "e.onnx", scale=2, atol=-1.0)
    assert not list(tmp_path.iterdir())


def test_discriminators_and_bad_options_are_refused(tmp_path, monkeypatch):
    from srkit.models import weights

    monkeypatch.setattr(weights, "WEIGHTS_DIR", tmp_path / "none-shipped")
    with pytest.raises(SrkitError, match="discriminator"):
        srkit.export_onnx("srgan-d", tmp_path / "d.onnx")
    with pytest.raises(SrkitError, match="opset"):
        srkit.export_onnx("espcn", tmp_path / "e.onnx", opset=11)
    with pytest.raises(SrkitError, match="size"):
        srkit.export_onnx("espcn", tmp_path / "e.onnx", size=(0, 4))
    with pytest.raises(SrkitError, match="no pretrained weights shipped"):
        srkit.export_onnx("espcn", tmp_path / "e.onnx", scale=3, pretrained=True)


def test_cli_export(tmp_path, capsys):
    out = tmp_path / "f.onnx"
    assert main(["export", "--model", "fsrcnn-s", "--scale", "3", "-o", str(out)]) == 0
    assert "checked against onnxruntime" in capsys.readouterr().out
    assert _run(out, torch.rand(1, 1, 6, 7)).shape == (1, 1, 18, 21)
    assert main(["export", "--model", "nosuch", "-o", str(out)]) == 2
    assert "unknown model 'nosuch'" in capsys.readouterr().err


def test_cli_export_from_weights_file(tmp_path, capsys):
    weights = srkit.save_weights(create_model("espcn", 4), tmp_path / "e.safetensors")
    assert main(["export", "--weights", str(weights), "-o", str(tmp_path / "e.onnx")]) == 0
    assert main(["export", "--weights", str(weights), "--scale", "2", "-o", str(tmp_path / "x.onnx")]) == 2
    assert "holds espcn x4" in capsys.readouterr().err


def test_export_never_replaces_a_file_without_overwrite(tmp_path):
    out = tmp_path / "m.onnx"
    out.write_bytes(b"keep")
    with pytest.raises(SrkitError, match="already exists"):
        srkit.export_onnx("espcn", out, scale=2)
    assert out.read_bytes() == b"keep"
    srkit.export_onnx("espcn", out, scale=2, overwrite=True)
    assert out.read_bytes() != b"keep" and [p.name for p in tmp_path.iterdir()] == ["m.onnx"]

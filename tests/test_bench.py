"""The standard protocol reproduces the published bicubic table; the bench CLI contract."""
import json
import subprocess
import sys

import numpy as np
import pytest

from srkit.bench import benchmark
from srkit.bench.protocol import crop_to_scale, make_pair
from srkit.bench.reference import published
from srkit.cli import main
from srkit.errors import SrkitError


@pytest.mark.data
def test_bicubic_reproduces_published_table(shared_data):
    records = benchmark(["bicubic"], ["Set5", "Set14", "BSD100"], [2, 3, 4], shared_data)
    assert len(records) == 9
    for r in records:
        ref_psnr, ref_ssim = published("bicubic", r.scale, r.dataset)
        assert abs(r.psnr - ref_psnr) <= 0.02, (r.dataset, r.scale, r.psnr, ref_psnr)
        assert abs(r.ssim - ref_ssim) <= 0.0015, (r.dataset, r.scale, r.ssim, ref_ssim)
        assert r.n_images == {"Set5": 5, "Set14": 14, "BSD100": 100}[r.dataset]


@pytest.mark.data
def test_nearest_is_worse_than_bicubic(shared_data):
    near, bic = benchmark(["nearest", "bicubic"], ["Set5"], [3], shared_data)
    assert near.psnr < bic.psnr - 1.0


def test_crop_and_pair_shapes():
    hr = np.random.default_rng(0).integers(0, 256, (23, 30, 3), dtype=np.uint8)
    assert crop_to_scale(hr, 4).shape == (20, 28, 3)
    ref, lr = make_pair(hr, 4, channels=1)
    assert ref.shape == (20, 28) and ref.dtype == np.uint8 and lr.shape == (5, 7)
    ref, lr = make_pair(hr, 4, channels=3)
    assert ref.shape == (20, 28, 3) and lr.shape == (5, 7, 3)
    # the RGB protocol's LR is 8-bit (the benchmark LR PNGs); the Y protocol's is float
    assert np.allclose(lr * 255, np.round(lr * 255), atol=1e-4)
    gray_ref, _ = make_pair(hr[..., 0], 2, channels=1)
    assert np.array_equal(gray_ref, hr[:22, :30, 0])  # a gray image is its own Y


def test_bench_on_any_folder_writes_json_and_csv(tmp_path, capsys):
    from PIL import Image

    folder = tmp_path / "mine"
    folder.mkdir()
    rng = np.random.default_rng(1)
    for i in range(2):
        Image.fromarray(rng.integers(0, 256, (48, 40, 3), dtype=np.uint8)).save(folder / f"{i}.png")
    out_json, out_csv = tmp_path / "r.json", tmp_path / "r.csv"
    assert main(["bench", "--models", "bicubic,nearest", "--datasets", str(folder), "--scales", "2",
                 "--json", str(out_json), "--csv", str(out_csv), "--per-image"]) == 0
    records = json.loads(out_json.read_text())
    assert [r["model"] for r in records] == ["bicubic", "nearest"]
    assert set(records[0]) >= {"model", "dataset", "scale", "psnr", "ssim", "n_images",
                              "seconds_per_image", "protocol", "per_image"}
    assert len(records[0]["per_image"]) == 2
    assert out_csv.read_text().splitlines()[0].startswith("model,dataset,scale,psnr,ssim")
    assert "0.png" in capsys.readouterr().out


@pytest.mark.parametrize("args, message", [
    (["--datasets", "Set5", "--data-root", "/nonexistent"], "data root /nonexistent: not a folder"),
    (["--datasets", "NoSuchSet"], "not a registered dataset"),
    (["--models", "nosuchmodel", "--datasets", "Set5", "--data-root", "."], "unknown model 'nosuchmodel'"),
    (["--scales", "two"], "--scales: expected integers"),
])
def test_bad_input_is_one_line_and_exit_2(args, message):
    proc = subprocess.run([sys.executable, "-m", "srkit", "bench", *args], capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and message in proc.stderr
    assert "Traceback" not in proc.stderr


def test_bench_evaluates_a_weights_file_at_its_scale(tmp_path, monkeypatch):
    """A .safetensors path in models is evaluated as the model it stores, at its own scale: the same
    figures as that file shipped; its record names the file and keeps the architecture (paper lookup)."""
    import torch

    from srkit.models import weights
    from srkit.models.registry import create_model
    from test_train import make_images

    folder = make_images(tmp_path / "imgs", 2, 36, 5)
    torch.manual_seed(0)
    monkeypatch.setattr(weights, "WEIGHTS_DIR", tmp_path / "shipped")
    path = weights.save_weights(create_model("espcn", scale=3), weights.pretrained_path("espcn", 3))
    (rec,) = benchmark([str(path)], [str(folder)], [2, 3, 4])
    (as_shipped,) = benchmark(["espcn"], [str(folder)], [3], pretrained=True)
    assert (rec.model, rec.scale, rec.weights, rec.n_images) == ("espcn", 3, str(path), 2)
    assert (rec.psnr, rec.ssim) == (as_shipped.psnr, as_shipped.ssim) and as_shipped.weights is None
    with pytest.raises(SrkitError, match="nothing to evaluate"):
        benchmark([str(path)], [str(folder)], [2])


def test_bench_weights_file_errors_are_one_line(tmp_path):
    missing = tmp_path / "nothing.safetensors"
    proc = subprocess.run([sys.executable, "-m", "srkit", "bench", "--models", str(missing), "--datasets", "Set5",
                           "--data-root", "."], capture_output=True, text=True)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1
    assert f"{missing}: no such weights file" in proc.stderr

"""srkit demo / compare: the labelled comparison panels."""
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from srkit.chart import test_chart as make_chart
from srkit.cli import main
from srkit.compare import compare, panel
from srkit.errors import SrkitError


def test_chart_is_deterministic_rgb_with_detail():
    a, b = make_chart(128), make_chart(128)
    assert a.shape == (128, 128, 3) and a.dtype == np.float32
    assert np.array_equal(a, b)
    assert 0 <= a.min() and a.max() <= 1 and a.std() > 0.2


def test_demo_writes_panel_and_bicubic_beats_nearest(tmp_path, capsys):
    out = tmp_path / "demo.png"
    assert main(["demo", "-o", str(out), "--models", "nearest,bicubic"]) == 0
    with Image.open(out) as im:
        assert im.size[0] == 3 * 256 + 2 * 4  # HR + two methods
    text = capsys.readouterr().out
    scores = {line.split()[0]: float(line.split()[1]) for line in text.splitlines() if "dB" in line}
    assert scores["bicubic"] > scores["nearest"]


def test_demo_refuses_to_overwrite_without_flag(tmp_path):
    out = tmp_path / "demo.png"
    out.write_bytes(b"keep me")
    proc = subprocess.run([sys.executable, "-m", "srkit", "demo", "-o", str(out), "--models", "bicubic"],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and "already exists" in proc.stderr and "--overwrite" in proc.stderr
    assert out.read_bytes() == b"keep me"


def test_compare_crop_zoom_and_scores():
    hr = make_chart(96)
    image, scores = compare(hr, ["bicubic"], 3, box=(10, 20, 30, 40), zoom=2)
    assert image.shape == (16 + 80, 2 * 60 + 4, 3)
    assert 10 < scores["bicubic"] < 60


def test_compare_cli_on_a_file(tmp_path):
    src = tmp_path / "hr.png"
    Image.fromarray((make_chart(60) * 255).astype(np.uint8)).save(src)
    out = tmp_path / "cmp.png"
    assert main(["compare", str(src), "-o", str(out), "--models", "bicubic,nearest", "--scale", "2",
                 "--crop", "0,0,20,20", "--zoom", "3"]) == 0
    assert out.exists()


def test_bad_crop_is_a_clear_error(tmp_path):
    with pytest.raises(SrkitError, match="does not fit"):
        panel([("a", np.zeros((10, 10, 3)))], box=(5, 5, 10, 10))
    src = tmp_path / "hr.png"
    Image.fromarray(np.zeros((20, 20), np.uint8)).save(src)
    proc = subprocess.run([sys.executable, "-m", "srkit", "compare", str(src), "-o", str(tmp_path / "o.png"),
                           "--crop", "1,2"], capture_output=True, text=True)
    assert proc.returncode == 2 and "--crop: expected x,y,w,h" in proc.stderr
    assert not (tmp_path / "o.png").exists()

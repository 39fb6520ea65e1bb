"""torchrun: 2 CPU processes (gloo) train like one process on the same global batch."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import torch

from test_resume import _env
from test_train import tiny_recipe

pytestmark = pytest.mark.slow

TESTS = Path(__file__).resolve().parent
SCRIPT = f"""
import sys
sys.path.insert(0, {str(TESTS)!r})
import test_train  # registers tiny-sr
from srkit.cli import main
raise SystemExit(main(sys.argv[1:]))
"""


def test_torchrun_two_processes_match_single_process(tmp_path):
    tiny_recipe(tmp_path)
    text = "\n".join([
        'name = "tiny"', 'paper = "test"',
        '[model]', 'name = "tiny-sr"', 'scale = 2',
        '[data]', f'train = ["{tmp_path / "train"}"]', 'patch = 16', 'batch = 8',
        '[optim]', 'lr = 3e-3',
        '[loss]', 'mse = 1.0',
        '[train]', 'steps = 6', 'threads = 1', 'clip_grad_norm = 0.5',
        '[checkpoint]', 'every = 3',
        '[validate]', f'set = "{tmp_path / "val"}"', 'every = 6',
    ])
    (tmp_path / "tiny.toml").write_text(text)
    (tmp_path / "run.py").write_text(SCRIPT)
    args = ["train", str(tmp_path / "tiny.toml"), "--quiet", "--device", "cpu"]
    subprocess.run([sys.executable, str(tmp_path / "run.py"), *args, "--out", str(tmp_path / "one")],
                   env=_env(), check=True, timeout=120)
    subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
                    str(tmp_path / "run.py"), *args, "--out", str(tmp_path / "two")],
                   env=_env(), check=True, timeout=120)
    a = torch.load(tmp_path / "one" / "checkpoints" / "step_00000006.pt", weights_only=True)
    b = torch.load(tmp_path / "two" / "checkpoints" / "step_00000006.pt", weights_only=True)
    assert (a["world"], b["world"]) == (1, 2)
    moved = False
    init = torch.load(tmp_path / "one" / "checkpoints" / "step_00000003.pt", weights_only=True)
    for name, t in a["model"].items():
        torch.testing.assert_close(b["model"][name], t, rtol=1e-5, atol=1e-6)
        moved |= not torch.equal(t, init["model"][name])
    assert moved
    # only rank 0 wrote: one row per logged step, one validation row
    assert (tmp_path / "two" / "val.csv").read_text().count("\n") == 2

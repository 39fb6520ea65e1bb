"""Crash safety: SIGKILL a real training process (mid-checkpoint-write), resume, and get bit-identical weights."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from test_train import SRC, tiny_recipe

pytestmark = pytest.mark.slow

TESTS = Path(__file__).resolve().parent

# Runs ``srkit`` with the test models registered. With HANG_AT=N, the write of
# step N's checkpoint stops half-way (a few bytes in its temp file) and waits
# to be killed: a kill during a checkpoint write, made deterministic.
SCRIPT = f"""
import os, sys, time
sys.path.insert(0, {str(TESTS)!r})
import torch
import test_train  # registers tiny-sr
hang = int(os.environ.get("HANG_AT", "0"))
_save = torch.save
def save(obj, f, *args, **kwargs):
    if hang and isinstance(obj, dict) and obj.get("step") == hang:
        f.write(b"half a checkpoint"); f.flush()
        time.sleep(600)
    return _save(obj, f, *args, **kwargs)
torch.save = save
from srkit.cli import main
raise SystemExit(main(sys.argv[1:]))
"""


def _recipe_file(tmp_path: Path) -> Path:
    tiny_recipe(tmp_path)  # makes the images
    text = "\n".join([
        'name = "tiny"', 'paper = "test"',
        '[model]', 'name = "tiny-sr"', 'scale = 2',
        '[data]', f'train = ["{tmp_path / "train"}"]', 'patch = 16', 'batch = 4',
        '[optim]', 'lr = 3e-3',
        '[loss]', 'l1 = 1.0',
        '[train]', 'steps = 20', 'threads = 1', 'ema = 0.9', 'seed = 5',
        '[checkpoint]', 'every = 1', 'keep = 50',
        '[validate]', 'set = ""',
    ])
    path = tmp_path / "tiny.toml"
    path.write_text(text)
    (tmp_path / "run.py").write_text(SCRIPT)
    return path


def _cmd(tmp_path: Path, *args: str) -> list[str]:
    return [sys.executable, str(tmp_path / "run.py"), "train", str(tmp_path / "tiny.toml"), "--quiet", *args]


def _env(**extra) -> dict:
    env = dict(os.environ, PYTHONPATH=str(SRC), OMP_NUM_THREADS="1", **extra)
    return env


def test_sigkill_during_checkpoint_write_then_resume_is_bit_identical(tmp_path):
    _recipe_file(tmp_path)
    straight, killed = tmp_path / "straight", tmp_path / "killed"
    subprocess.run(_cmd(tmp_path, "--out", str(straight)), env=_env(), check=True, timeout=120)

    proc = subprocess.Popen(_cmd(tmp_path, "--out", str(killed)), env=_env(HANG_AT="11"))
    ckdir = killed / "checkpoints"
    deadline = time.monotonic() + 90
    try:
        while not list(ckdir.glob(".step_00000011.pt.*.part")):
            assert proc.poll() is None, "training exited before the kill"
            assert time.monotonic() < deadline, "step 11's checkpoint write never started"
            time.sleep(0.02)
        assert (ckdir / "step_00000010.pt").exists()
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert not (ckdir / "step_00000011.pt").exists()
    assert torch.load(ckdir / "step_00000010.pt", weights_only=True)["step"] == 10

    subprocess.run(_cmd(tmp_path, "--out", str(killed), "--resume"), env=_env(), check=True, timeout=120)
    assert not list(ckdir.glob(".*.part")), "the torn temp file was not cleaned up"
    a = torch.load(straight / "checkpoints" / "step_00000020.pt", weights_only=True)
    b = torch.load(ckdir / "step_00000020.pt", weights_only=True)
    for key in ("model", "ema"):
        for name, t in a[key].items():
            assert torch.equal(t, b[key][name]), f"{key}.{name} differs"
    for sa, sb in zip(a["optim"]["state"].values(), b["optim"]["state"].values()):
        assert all(torch.equal(sa[k], sb[k]) for k in sa)
    assert (ckdir.parent / "final.safetensors").exists()

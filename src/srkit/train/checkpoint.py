"""Checkpoints that survive being killed at any instant.

A checkpoint is written to a temporary file in the same folder, flushed and
fsynced, then renamed over its final name (``os.replace`` is atomic) and the
folder is fsynced, so a reader sees either the old file or the complete new
one. The content is plain tensors, dicts, lists, strings and numbers, readable
with ``torch.load(weights_only=True)``; random-generator states are stored as
tensors. ``step_XXXXXXXX.pt`` files keep the last N; ``best.pt`` holds the best
validation PSNR.
"""
from __future__ import annotations

import contextlib
import random
import re
from pathlib import Path

import numpy as np
import torch

from srkit.atomic import atomic_open
from srkit.errors import SrkitError

_STEP_FILE = re.compile(r"^step_(\d{8})\.pt$")


def atomic_save(obj, path: Path) -> Path:
    """``torch.save`` to ``path`` through a temp file + fsync + rename."""
    path = Path(path)
    with atomic_open(path) as f:
        torch.save(obj, f)
    return path


def rng_state() -> dict:
    """torch, numpy and Python generator states as tensors (weights_only-safe)."""
    np_state = np.random.get_state()
    py_state = random.getstate()
    state = {
        "torch": torch.get_rng_state(),
        "numpy_keys": torch.from_numpy(np_state[1].astype(np.int64)),
        "numpy_pos": torch.tensor([np_state[2], np_state[3]], dtype=torch.int64),
        "numpy_gauss": torch.tensor([np_state[4]], dtype=torch.float64),
        "python": torch.tensor(py_state[1], dtype=torch.int64),
        "python_version": py_state[0],
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict) -> None:
    """Restore what :func:`rng_state` captured."""
    torch.set_rng_state(state["torch"])
    pos, has_gauss = (int(v) for v in state["numpy_pos"])
    np.random.set_state(("MT19937", state["numpy_keys"].numpy().astype(np.uint32), pos, has_gauss,
                         float(state["numpy_gauss"][0])))
    random.setstate((state["python_version"], tuple(int(v) for v in state["python"]), None))
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def step_checkpoints(folder: Path) -> list[tuple[int, Path]]:
    """(step, path) of every ``step_*.pt`` in ``folder``, oldest first."""
    if not folder.is_dir():
        return []
    found = [(int(m.group(1)), p) for p in folder.iterdir() if (m := _STEP_FILE.match(p.name))]
    return sorted(found)


def save_step(state: dict, folder: Path, step: int, keep: int) -> Path:
    """Save ``step_<step>.pt`` atomically, then delete all but the newest ``keep``."""
    folder.mkdir(parents=True, exist_ok=True)
    path = atomic_save(state, folder / f"step_{step:08d}.pt")
    for _, old in step_checkpoints(folder)[:-max(keep, 1)]:
        with contextlib.suppress(FileNotFoundError):
            old.unlink()
    return path


def load(path: Path, device="cpu") -> dict:
    """A checkpoint, read with ``weights_only=True``."""
    try:
        return torch.load(path, map_location=device, weights_only=True)
    except Exception as exc:  # torn, truncated or foreign file
        raise SrkitError(f"{path}: unreadable checkpoint ({type(exc).__name__}: {exc})") from None


def latest(folder: Path, device="cpu") -> tuple[Path, dict] | None:
    """The newest readable step checkpoint (an unreadable newer one is skipped with a warning)."""
    import warnings

    for _, path in reversed(step_checkpoints(folder)):
        try:
            return path, load(path, device)
        except SrkitError as exc:
            warnings.warn(f"skipping {exc}", stacklevel=2)
    return None

"""Shared test settings: few threads (the CI machine has 2 cores) and the data root."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

try:
    import torch

    torch.set_num_threads(1)
except ImportError:  # pragma: no cover - torch is a hard dependency
    pass

_DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"

# Subprocesses (CLI tests) must import this checkout's srkit, not whichever one is installed.
_SRC = str(Path(__file__).resolve().parents[1] / "src")
os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (_SRC, os.environ.get("PYTHONPATH")) if p)


def data_root() -> Path | None:
    """SRKIT_DATA, else ../shared/data beside the checkout; None when absent."""
    root = Path(os.environ.get("SRKIT_DATA", _DEFAULT_DATA))
    return root if (root / "Set5").is_dir() else None


@pytest.fixture
def shared_data() -> Path:
    root = data_root()
    if root is None:
        pytest.skip("real datasets not found: set SRKIT_DATA or place them in ../shared/data")
    return root

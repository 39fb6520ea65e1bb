"""Keep runs in progress in the repository: recipe, logs and the latest checkpoint.

    python tools/keep_runs.py runs/fsrcnn_x2 runs/srcnn_x2

copies each run's ``recipe.json``, ``train.csv``, ``val.csv`` and its newest
``checkpoints/step_*.pt`` (complete by construction: checkpoints are written
atomically) into ``training/<run>/``, replacing what was kept before. See
training/README.md for resuming.
"""
from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from srkit.train.checkpoint import step_checkpoints

KEEP = Path(__file__).resolve().parents[1] / "training"


def keep(run: Path) -> Path:
    steps = step_checkpoints(run / "checkpoints")
    if not steps:
        raise SystemExit(f"{run}: no step checkpoint yet")
    step, latest = steps[-1]
    dest = KEEP / run.name
    shutil.rmtree(dest, ignore_errors=True)
    (dest / "checkpoints").mkdir(parents=True)
    for name in ("recipe.json", "train.csv", "val.csv"):
        shutil.copy2(run / name, dest / name)
    shutil.copy2(latest, dest / "checkpoints" / latest.name)
    print(f"kept {run} at step {step} in {dest}")
    return dest


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", type=Path)
    for run in parser.parse_args(argv).runs:
        keep(run)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

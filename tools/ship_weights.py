"""Ship a trained model: copy its weights into the package and record its measured scores.

    python tools/ship_weights.py runs/espcn_x3 --data-root ../shared/data

Takes ``RUN/final.safetensors`` (written by ``srkit train``), keeps its training
metadata (recipe, data, steps, wall time), measures Set5/Set14/BSD100 with
``srkit.benchmark`` under the standard protocol, and writes
``src/srkit/weights/<model>_x<scale>.safetensors`` with those scores in its
metadata. tests/test_shipped_weights.py re-measures Set5 against them in CI.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from srkit.bench import benchmark
from srkit.errors import SrkitError
from srkit.models.weights import load_model, pretrained_path, save_weights

DATASETS = ("Set5", "Set14", "BSD100")
_ARCH_KEYS = ("format", "architecture", "scale", "overrides", "channels")


def ship(run: Path, data_root: str | None) -> Path:
    model = load_model(run / "final.safetensors")
    meta = {k: v for k, v in model.srkit_meta.items() if k not in _ARCH_KEYS}
    name, scale = model.srkit_config["architecture"], model.srkit_config["scale"]
    dest = pretrained_path(name, scale)
    save_weights(model, dest, meta)  # in place first, so the benchmark measures the shipped file
    records = benchmark([name], list(DATASETS), [scale], data_root, pretrained=True)
    meta["scores"] = {r.dataset: {"psnr": round(r.psnr, 4), "ssim": round(r.ssim, 5), "n_images": r.n_images}
                      for r in records}
    meta["protocol"] = records[0].protocol
    save_weights(model, dest, meta)
    for r in records:
        print(f"{name} x{scale} {r.dataset:7} {r.psnr:.3f} dB {r.ssim:.4f}")
    return dest


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", type=Path, help="run folders of srkit train")
    parser.add_argument("--data-root", default=None, help="folder holding the datasets (default: $SRKIT_DATA)")
    args = parser.parse_args(argv)
    try:
        for run in args.runs:
            print(f"shipped {ship(run, args.data_root)}")
    except SrkitError as exc:
        print(f"ship_weights: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

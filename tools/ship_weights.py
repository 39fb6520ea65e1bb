"""Ship a trained model: copy its weights into the package and record its measured scores.

    python tools/ship_weights.py runs/espcn_x3 --data-root ../shared/data [--force]

Takes ``RUN/final.safetensors`` (written by ``srkit train``), keeps its training
metadata (recipe, data, steps, wall time), adds the earlier cycles it continued
(``history``, traced by srkit.train.lineage, as tools/lineage.py prints them),
measures it on Set5/Set14/BSD100 with ``srkit.benchmark`` under the standard
protocol, and writes
``src/srkit/weights/<model>_x<scale>.safetensors`` of the repository this tool
lives in (not of wherever srkit happens to be installed) with those scores in
its metadata. A shipped file is replaced only by one that measures better on Set5
(the validation set every srkit recipe selects on), unless ``--force``.
tests/test_shipped_weights.py re-measures Set5 against the recorded scores in CI.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from srkit.bench import benchmark
from srkit.errors import SrkitError
from srkit.models.weights import load_model, own_meta, pretrained_path, recorded_set5, save_weights
from srkit.train.lineage import history

DATASETS = ("Set5", "Set14", "BSD100")
REPO = Path(__file__).resolve().parents[1]
REPO_WEIGHTS = REPO / "src" / "srkit" / "weights"


def ship(run: Path, data_root: str | None, force: bool = False, dest_dir: Path = REPO_WEIGHTS) -> Path:
    candidate = run / "final.safetensors"
    model = load_model(candidate)
    meta = own_meta(model.srkit_meta)
    meta["history"] = history(meta, REPO)
    name, scale = model.srkit_config["architecture"], model.srkit_config["scale"]
    records = benchmark([str(candidate)], list(DATASETS), [scale], data_root)
    for r in records:
        print(f"{name} x{scale} {r.dataset:7} {r.psnr:.3f} dB {r.ssim:.4f}")
    dest = pretrained_path(name, scale, dest_dir)
    new = records[0].psnr  # Set5, the first of DATASETS
    if dest.is_file() and not force:
        old = recorded_set5(dest)
        if new <= old:
            raise SrkitError(f"{candidate}: Set5 {new:.4f} dB is not better than the shipped {dest.name} "
                             f"({old:.4f} dB); nothing replaced (--force replaces it anyway)")
    meta["scores"] = {r.dataset: {"psnr": round(r.psnr, 4), "ssim": round(r.ssim, 5), "n_images": r.n_images}
                      for r in records}
    meta["protocol"] = records[0].protocol
    return save_weights(model, dest, meta)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", type=Path, help="run folders of srkit train")
    parser.add_argument("--data-root", default=None, help="folder holding the datasets (default: $SRKIT_DATA)")
    parser.add_argument("--force", action="store_true", help="replace a shipped file even by a worse one")
    parser.add_argument("--dest", type=Path, default=REPO_WEIGHTS, help="weights folder (default: %(default)s)")
    args = parser.parse_args(argv)
    status = 0
    for run in args.runs:
        try:
            print(f"shipped {ship(run, args.data_root, args.force, args.dest)}")
        except SrkitError as exc:
            print(f"ship_weights: error: {exc}", file=sys.stderr)
            status = 2
    return status


if __name__ == "__main__":
    raise SystemExit(main())

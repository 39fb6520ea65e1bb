"""Peak memory of upscaling a huge image: bounded by the tile and the uint8 output, not the image.

Makes an 8000x8000 RGB PNG (default), then upscales it x2 with ESPCN (random
weights: memory does not depend on their values) in a fresh process, from file
to file exactly as ``srkit upscale`` does, and prints that process's peak RSS.
The float32 output alone would be 3 GB; srkit keeps a uint8 output and float
temporaries of one tile, so the target is under 3 GB.

    PYTHONPATH=src python benchmarks/upscale_memory.py [--size 8000] [--model espcn]
"""
from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

CHILD = """
import sys, torch
from srkit.infer.upscale import Upscaler, physical_cores
torch.set_num_threads(physical_cores())
up = Upscaler(sys.argv[1], int(sys.argv[2]), pretrained=False, tile=sys.argv[5] if sys.argv[5] == "auto" else int(sys.argv[5]))
print("tile", up.tile_size(int(sys.argv[6]), int(sys.argv[6])), flush=True)
up.upscale_file(sys.argv[3], sys.argv[4], overwrite=True)
"""


def make_input(path: Path, size: int) -> None:
    """A size x size RGB PNG: smooth colour ramps plus noise, written in row strips."""
    from PIL import Image

    rng = np.random.default_rng(0)
    img = np.empty((size, size, 3), np.uint8)
    x = np.arange(size)
    for y0 in range(0, size, 500):
        y = np.arange(y0, min(y0 + 500, size))[:, None]
        noise = rng.integers(0, 32, (y.shape[0], size, 3))
        for c in range(3):
            img[y0:y0 + y.shape[0], :, c] = ((x[None, :] * (c + 1) + y * 2) // 40 % 224 + noise[..., c]) % 256
    Image.fromarray(img).save(path, compress_level=1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=8000)
    ap.add_argument("--model", default="espcn")
    ap.add_argument("--scale", type=int, default=2)
    ap.add_argument("--tile", default="auto")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = Path(tmp) / "big.png", Path(tmp) / "big_x2.png"
        t = time.perf_counter()
        make_input(src, args.size)
        print(f"input {args.size}x{args.size} RGB PNG, {src.stat().st_size / 1e6:.0f} MB "
              f"(made in {time.perf_counter() - t:.0f} s)")
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", CHILD, args.model, str(args.scale), str(src), str(dst),
                        args.tile, str(args.size)], check=True)
        seconds = time.perf_counter() - t
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024  # Linux: KiB
        out = args.size * args.scale
        print(f"{args.model} x{args.scale}: {out}x{out} output ({dst.stat().st_size / 1e6:.0f} MB PNG) "
              f"in {seconds:.0f} s; peak RSS {peak / 2**30:.2f} GiB "
              f"(float32 output alone would be {out * out * 3 * 4 / 2**30:.2f} GiB)")


if __name__ == "__main__":
    main()

"""``srkit plot RUN_DIR``: draw a run's loss and validation-PSNR curves to PNG."""
from __future__ import annotations


def add_parser(sub, name):
    p = sub.add_parser(name, help="plot a training run's curves",
                       description="Draw loss.png and psnr.png from a run folder's CSV logs.")
    p.add_argument("run", help="run folder written by srkit train")
    p.add_argument("--out", help="folder for the PNG files (default: the run folder)")
    return p


def run(args) -> int:
    from srkit.train.plot import plot_run

    for path in plot_run(args.run, args.out):
        print(path)
    return 0

"""``srkit train RECIPE [--set key=value ...] [--resume] [--out DIR]`` (also under ``torchrun``)."""
from __future__ import annotations

import json


def add_parser(sub, name):
    p = sub.add_parser(name, help="train a model from a recipe",
                       description="Train a model from a TOML recipe (see recipes/). Under torchrun, "
                                   "runs data-parallel with the recipe's batch as the global batch.")
    p.add_argument("recipe", help="recipe file, e.g. recipes/espcn_x3.toml")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="change one recipe key, e.g. --set train.steps=100 (repeatable)")
    p.add_argument("--resume", action="store_true", help="continue the run in --out from its latest checkpoint")
    p.add_argument("--out", help="run folder (default runs/<recipe name>)")
    p.add_argument("--data-root", help="folder holding the datasets (default: $SRKIT_DATA)")
    p.add_argument("--device", help="auto, cpu, cuda or cuda:N (default: the recipe's, auto)")
    p.add_argument("--quiet", action="store_true", help="no progress output")
    return p


def run(args) -> int:
    from srkit.train.trainer import train

    overrides = list(args.overrides)
    if args.data_root:
        overrides.append(f"data.root={json.dumps(args.data_root)}")
    train(args.recipe, overrides=overrides, out=args.out, resume=args.resume, device=args.device,
          quiet=args.quiet)
    return 0

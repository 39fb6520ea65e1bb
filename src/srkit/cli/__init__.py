"""The ``srkit`` command: thin subcommands over the library.

Each subcommand lives in its own module of this package with ``add_parser``
and ``run``; modules import heavy libraries inside ``run`` only. Errors from bad
input are one line on stderr and a non-zero exit; ``--debug`` shows the traceback.
"""
from __future__ import annotations

import argparse
import importlib
import sys

from srkit import __version__
from srkit.errors import SrkitError

#: subcommand name -> module (in srkit.cli)
COMMANDS = {
    "demo": "demo",
    "compare": "compare",
    "bench": "bench",
    "models": "models",
    "export": "export",
    "train": "train",
    "plot": "plot",
    "upscale": "upscale",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="srkit", description="Single-image super-resolution toolkit.")
    parser.add_argument("--version", action="version", version=f"srkit {__version__}")
    parser.add_argument("--debug", action="store_true", help="show full tracebacks on errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, module in COMMANDS.items():
        mod = importlib.import_module(f"srkit.cli.{module}")
        p = mod.add_parser(sub, name)
        p.set_defaults(_run=mod.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "_run", None):
        parser.print_help()
        return 2
    try:
        return int(args._run(args) or 0)
    except SrkitError as exc:
        if args.debug:
            raise
        print(f"srkit: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("srkit: interrupted", file=sys.stderr)
        return 130

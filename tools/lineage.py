"""Print every training cycle behind weights files, with totals; ``--write`` stores them in the files.

    python tools/lineage.py src/srkit/weights/*.safetensors [--write]

Traces each file's cycles (srkit.train.lineage: ``init``/``init_sha256`` back
through git) and prints each cycle's recipe, steps and wall time, then the
file's totals. ``--write`` stores the earlier cycles as ``history`` in each
file whose stored ``history`` lacks them or differs (tensors and all other
metadata untouched), as tools/ship_weights.py does for every file it ships.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from srkit.errors import SrkitError
from srkit.models.weights import load_model, own_meta, read_metadata, save_weights
from srkit.train.lineage import cycles, history, totals

REPO = Path(__file__).resolve().parents[1]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path, help="srkit weights files")
    parser.add_argument("--write", action="store_true", help="store the traced cycles in files whose history differs")
    args = parser.parse_args(argv)
    status = 0
    for path in args.files:
        try:
            meta = read_metadata(path)
            stored = meta.get("history")
            meta["history"] = history(meta, REPO)
        except SrkitError as exc:
            print(f"lineage: error: {exc}", file=sys.stderr)
            status = 2
            continue
        for c in cycles(meta):
            print(f"{path.name}  {c['recipe']:22} {c['steps']:7,} steps {c['wall_s'] / 3600:6.2f} h")
        t = totals(meta)
        print(f"{path.name}  total: {t['cycles']} cycles, {t['steps']:,} steps, {t['wall_s'] / 3600:.2f} h\n")
        if args.write and meta["history"] != stored:
            save_weights(load_model(path), path, own_meta(meta))
    return status


if __name__ == "__main__":
    raise SystemExit(main())

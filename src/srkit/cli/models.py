"""``srkit models``: list every registered model."""
from __future__ import annotations

import json


def add_parser(sub, name):
    p = sub.add_parser(name, help="list the model zoo", description="List every registered model.")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    return p


def run(args) -> int:
    from srkit.models.registry import describe, list_models

    rows = []
    for name in list_models():
        info = describe(name)
        rows.append({
            "name": info.name, "paper": info.paper, "scales": list(info.scales),
            "in_channels": info.in_channels, "upsampling": info.upsampling,
            "multi_scale": info.multi_scale, "receptive_field": info.receptive_field,
            "exact_tiling": info.exact_tiling, "learned": info.learned,
            "discriminator": info.discriminator, "aliases": list(info.aliases), "note": info.note,
            "params": _params(info),
        })
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    print(f"{'name':16} {'scales':10} {'ch':>2} {'input':5} {'params':>12}  paper")
    for r in rows:
        counts = r["params"]
        params = (f"{next(iter(counts.values())):,}" if len(set(counts.values())) == 1
                  else " ".join(f"x{s}:{v:,}" for s, v in counts.items()))
        space = "disc" if r["discriminator"] else r["upsampling"]
        aka = f" (alias {', '.join(r['aliases'])})" if r["aliases"] else ""
        print(f"{r['name']:16} {','.join(map(str, r['scales'])):10} {r['in_channels']:>2} "
              f"{space:5} {params:>12}  {r['paper']}{aka}")
    return 0


def _params(info) -> dict[str, int]:
    """Parameter count per scale (the meta device builds nothing real)."""
    import torch

    out = {}
    for s in info.scales:
        with torch.device("meta"):
            model = info.builder(scale=s)
        out[str(s)] = sum(p.numel() for p in model.parameters())
    return out

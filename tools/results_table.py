"""The README's results table: every shipped model and bicubic, measured now, beside the papers.

    python tools/results_table.py --data-root ../shared/data --readme README.md

Runs ``srkit.benchmark`` (standard protocol) on Set5, Set14 and BSD100 for
bicubic and every shipped model at its scale, and prints a markdown table of
PSNR/SSIM with the published figure under each (our PSNR in bold where it
is at or above the paper's), the parameter count and the CPU milliseconds per
Set14 image; then how much training each shipped file took (its cycles, steps
and wall time, from its metadata). ``--readme`` replaces both tables between the
``<!-- results:begin -->`` and ``<!-- results:end -->`` markers.
"""
from __future__ import annotations

import argparse
import platform
import re
from pathlib import Path

import torch

from srkit.atomic import write_text
from srkit.bench import benchmark
from srkit.bench.reference import published
from srkit.models.registry import create_model
from srkit.models.weights import read_metadata, shipped, WEIGHTS_DIR
from srkit.train.lineage import totals

DATASETS = ["Set5", "Set14", "BSD100"]
BEGIN, END = "<!-- results:begin -->", "<!-- results:end -->"


def _cell(r, paper) -> str:
    """Our PSNR / SSIM over the published figure; our PSNR in bold where it is at or above the paper's."""
    if paper is None:
        return f"{r.psnr:.2f} / {r.ssim:.4f}"
    psnr = f"**{r.psnr:.2f}**" if r.psnr >= paper[0] else f"{r.psnr:.2f}"
    ref = f"{paper[0]:.2f}" + ("" if paper[1] is None else f" / {paper[1]:.4f}")
    return f"{psnr} / {r.ssim:.4f}<br>*paper {ref}*"


def table(data_root) -> str:
    entries = [(read_metadata(WEIGHTS_DIR / f"{stem}.safetensors"), True) for stem in shipped()]
    pairs = sorted({(m["architecture"], m["scale"]) for m, _ in entries}, key=lambda p: (p[1], p[0]))
    scales = sorted({s for _, s in pairs}) or [2, 3, 4]
    rows = [("bicubic", s, False) for s in scales] + [(n, s, True) for n, s in pairs]
    lines = ["| model | x | params | " + " | ".join(f"{d} PSNR / SSIM" for d in DATASETS) + " | ms / Set14 image |",
             "|---|---|---|" + "---|" * len(DATASETS) + "---|"]
    for name, scale, pretrained in sorted(rows, key=lambda r: (r[1], r[2], r[0])):
        records = {r.dataset: r for r in benchmark([name], DATASETS, [scale], data_root, pretrained=pretrained)}
        params = sum(p.numel() for p in create_model(name, scale).parameters())
        cells = [_cell(records[d], published(name, scale, d)) for d in DATASETS]
        ms = 1000 * records["Set14"].seconds_per_image
        lines.append(f"| {name} | {scale} | {params:,} | " + " | ".join(cells) + f" | {ms:.1f} |")
    lines.append("")
    lines.append(f"*Measured by `python tools/results_table.py` with torch {torch.__version__} on "
                 f"{platform.machine()} CPU, {torch.get_num_threads()} threads; paper figures from "
                 "REFERENCE_NUMBERS.md (srkit.bench.reference).*")
    return "\n".join(lines + ["", training([m for m, _ in entries])])


def training(metas) -> str:
    """Each shipped file's whole training: cycles, steps and wall time (all of its ``history`` and its own)."""
    lines = ["| model | x | training cycles | steps | wall time | latest recipe |", "|---|---|---|---|---|---|"]
    for m in sorted(metas, key=lambda m: (m["scale"], m["architecture"])):
        t = totals(m)
        lines.append(f"| {m['architecture']} | {m['scale']} | {t['cycles']} | {t['steps']:,} | "
                     f"{t['wall_s'] / 3600:.1f} h | `{m['recipe']}` |")
    lines += ["", "*Training of each shipped file, from its metadata (`python tools/lineage.py "
              "src/srkit/weights/*.safetensors` lists every cycle): on this project's 2-core CPU, "
              "often two runs at a time.*"]
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-root", default=None)
    parser.add_argument("--readme", type=Path, help="splice the table into this README between the markers")
    args = parser.parse_args(argv)
    text = table(args.data_root)
    print(text)
    if args.readme:
        readme = args.readme.read_text()
        if BEGIN not in readme or END not in readme:
            raise SystemExit(f"{args.readme}: no {BEGIN} ... {END} markers")
        new = re.sub(re.escape(BEGIN) + ".*?" + re.escape(END), lambda _: f"{BEGIN}\n{text}\n{END}", readme,
                     flags=re.S)
        write_text(args.readme, new)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""``srkit bench``: the standard PSNR/SSIM table for registered models and weights files."""
from __future__ import annotations

import csv
import json
from pathlib import Path

from srkit.errors import SrkitError


def _csv_list(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()]


def _scales(text: str) -> list[int]:
    try:
        return [int(t) for t in _csv_list(text)]
    except ValueError:
        raise SrkitError(f"--scales: expected integers like 2,3,4, got {text!r}") from None


def add_parser(sub, name):
    p = sub.add_parser(name, help="evaluate models on SR datasets (PSNR/SSIM, standard protocol)",
                       description="Evaluate models under the standard protocol (Y channel, shave = scale).")
    p.add_argument("--models", default="bicubic", help="comma-separated model names or srkit .safetensors weights files, "
                                                 "each file at its own scale (default: bicubic)")
    p.add_argument("--datasets", default="Set5,Set14,BSD100", help="dataset names or folders, comma-separated")
    p.add_argument("--scales", default="2,3,4", help="comma-separated scales (default: 2,3,4)")
    p.add_argument("--data-root", default=None, help="folder holding the datasets (default: $SRKIT_DATA)")
    p.add_argument("--pretrained", action="store_true", help="use srkit's shipped weights")
    p.add_argument("--device", default="cpu", help="auto, cpu, cuda or cuda:N (default: cpu)")
    p.add_argument("--json", type=Path, help="write the records as JSON here")
    p.add_argument("--csv", type=Path, help="write the records as CSV here")
    p.add_argument("--per-image", action="store_true", help="print and save the per-image breakdown")
    return p


def run(args) -> int:
    from srkit.bench import benchmark
    from srkit.bench.reference import published
    from srkit.atomic import write_text
    from srkit.progress import Progress

    models, datasets, scales = _csv_list(args.models), _csv_list(args.datasets), _scales(args.scales)
    bar = Progress(0, "bench")

    def tick(done, total, note):
        bar.total = total
        bar.update(done - bar.done, note)

    with bar:
        records = benchmark(models, datasets, scales, args.data_root, pretrained=args.pretrained,
                            device=args.device, progress=tick)
    print(f"{'model':14} {'dataset':9} {'x':>2} {'PSNR':>7} {'SSIM':>7} {'paper':>14} {'n':>4} {'s/img':>7}  protocol")
    for r in records:
        ref = published(r.model, r.scale, r.dataset)
        paper = "" if ref is None else f"{ref[0]:.2f}" + ("" if ref[1] is None else f"/{ref[1]:.4f}")
        print(f"{r.weights or r.model:14} {r.dataset:9} {r.scale:>2} {r.psnr:7.3f} {r.ssim:7.4f} {paper:>14} "
              f"{r.n_images:>4} {r.seconds_per_image:7.3f}  {r.protocol.split(':')[0]}")
        if args.per_image:
            for row in r.per_image:
                print(f"    {row['image']:24} {row['psnr']:7.3f} {row['ssim']:7.4f}")
    if args.json:
        write_text(args.json, json.dumps([r.as_dict(args.per_image) for r in records], indent=2) + "\n")
    if args.csv:
        write_text(args.csv, _to_csv(records))
    return 0


def _to_csv(records) -> str:
    import io

    buf = io.StringIO()
    fields = ["model", "dataset", "scale", "psnr", "ssim", "n_images", "seconds_per_image", "protocol", "weights"]
    writer = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for r in records:
        writer.writerow(r.as_dict())
    return buf.getvalue()

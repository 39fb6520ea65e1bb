"""``srkit demo``: super-resolve the embedded test chart and write a comparison PNG."""
from __future__ import annotations

from pathlib import Path


def add_parser(sub, name):
    p = sub.add_parser(name, help="super-resolve a built-in test chart and write a labelled comparison PNG",
                       description="Render a test chart (text, fine lines, a zone plate, textures), downscale it, "
                                   "super-resolve it with each method and write the HR and the results side by "
                                   "side with their PSNR (Y).")
    p.add_argument("-o", "--output", type=Path, default=Path("srkit-demo.png"), help="PNG to write")
    p.add_argument("--scale", type=int, default=2, choices=(2, 3, 4))
    p.add_argument("--models", default=None,
                   help="comma-separated models (default: nearest, bicubic and every shipped model)")
    p.add_argument("--overwrite", action="store_true", help="replace the output if it exists")
    return p


def run(args) -> int:
    from srkit.compare import default_models
    from srkit.demo import demo
    from srkit.imaging.io import write_image

    models = [m.strip() for m in args.models.split(",")] if args.models else default_models(args.scale)
    image, scores = demo(models, args.scale)
    write_image(args.output, image, overwrite=args.overwrite)
    for name, value in scores.items():
        print(f"{name:16} {value:6.2f} dB")
    print(f"wrote {args.output}")
    return 0

"""``srkit compare``: one test image as HR and each method's result, labelled with PSNR."""
from __future__ import annotations

from pathlib import Path

from srkit.errors import SrkitError


def add_parser(sub, name):
    p = sub.add_parser(name, help="compare methods on one image (labelled panel with PSNR)",
                       description="Downscale IMAGE with MATLAB bicubic, super-resolve it with each method and "
                                   "write HR and results side by side (optionally a zoomed crop), each labelled "
                                   "with its PSNR on Y over the whole image.")
    p.add_argument("image", type=Path, help="HR image")
    p.add_argument("-o", "--output", type=Path, required=True, help="PNG to write")
    p.add_argument("--models", default=None,
                   help="comma-separated models (default: nearest, bicubic and every shipped model)")
    p.add_argument("--scale", type=int, default=3)
    p.add_argument("--crop", default=None, help="x,y,w,h of the region to show (HR pixels)")
    p.add_argument("--zoom", type=int, default=1, help="enlarge the shown region by this factor")
    p.add_argument("--overwrite", action="store_true", help="replace the output if it exists")
    return p


def run(args) -> int:
    from srkit.compare import compare, default_models
    from srkit.imaging.io import read_image, write_image

    box = None
    if args.crop:
        try:
            box = tuple(int(v) for v in args.crop.split(","))
        except ValueError:
            box = ()
        if len(box) != 4:
            raise SrkitError(f"--crop: expected x,y,w,h as four integers, got {args.crop!r}")
    if args.zoom < 1:
        raise SrkitError(f"--zoom: must be at least 1, got {args.zoom}")
    models = [m.strip() for m in args.models.split(",")] if args.models else default_models(args.scale)
    hr = read_image(args.image).pixels
    image, scores = compare(hr, models, args.scale, box, args.zoom)
    write_image(args.output, image, overwrite=args.overwrite)
    for name, value in scores.items():
        print(f"{name:16} {value:6.2f} dB")
    print(f"wrote {args.output}")
    return 0

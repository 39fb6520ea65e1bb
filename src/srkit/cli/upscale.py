"""``srkit upscale``: super-resolve files, folders (mirrored recursively) and globs.

Each bad input is one line on stderr naming the file and the reason; the
others are still done, and the exit status is 1 when any input failed. An
existing output is skipped unless ``--overwrite``; an input is never
overwritten. Outputs are written atomically, so Ctrl-C leaves no partial file.
"""
from __future__ import annotations

import glob
import sys
from pathlib import Path


def add_parser(sub, name):
    p = sub.add_parser(name, help="upscale images, folders and globs",
                       description="Super-resolve images. Without -o, writes <name>_x<scale>.<ext> beside "
                                   "each input; with -o DIR, mirrors folders into DIR.")
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="image files, folders or glob patterns")
    p.add_argument("-o", "--output", help="output file (one input) or folder")
    p.add_argument("--model", help="registry name or weights.safetensors (default: best shipped model)")
    p.add_argument("--scale", type=int, help="model scale (default: the model's default, 2)")
    p.add_argument("--outscale", type=float, help="final scale, e.g. 1.5: model, then MATLAB bicubic")
    p.add_argument("--tile", default="auto", help="tile side in input pixels, 0 = whole image, auto (default)")
    p.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N (default: auto)")
    p.add_argument("--half", action="store_true", help="fp16 inference (CUDA only)")
    p.add_argument("--alpha", default="bicubic", choices=["bicubic", "model"], help="how to upscale alpha")
    p.add_argument("--format", help="output format: png, jpg, tiff, webp, bmp (default: the input's)")
    p.add_argument("--overwrite", action="store_true", help="replace existing outputs (never inputs)")
    p.add_argument("--max-pixels", default=None,
                   help="decompression-bomb limit in pixels, or 'none' to lift it (default 256 million)")
    return p


def _tile(value: str):
    from srkit.errors import SrkitError

    if value == "auto":
        return value
    if not value.isdigit():
        raise SrkitError(f"--tile must be a whole number of pixels or 'auto', not {value!r}")
    return int(value)


def _max_pixels(value):
    from srkit.errors import SrkitError
    from srkit.imaging.io import MAX_PIXELS

    if value is None:
        return MAX_PIXELS
    if value.lower() == "none":
        return None
    if not value.isdigit():
        raise SrkitError(f"--max-pixels must be a whole number or 'none', not {value!r}")
    return int(value)


def collect(inputs, output, label_path) -> tuple[list[tuple[Path, Path]], list[str]]:
    """(source, destination) pairs for every input, plus one error line per missing input.

    ``label_path(src, folder)`` names the output of ``src`` inside ``folder``.
    Files that are the output of another input (from an earlier run) are left out.
    """
    from srkit.imaging.io import FORMATS

    out = Path(output) if output else None
    jobs, errors = [], []
    for arg in inputs:
        p = Path(arg)
        if p.is_dir():
            files = sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in FORMATS
                           and not f.name.startswith("."))
            if not files:
                errors.append(f"{p}: no images in this folder")
            root = out if out is not None else p
            jobs += [(f, label_path(f, root / f.parent.relative_to(p))) for f in files]
        elif p.exists():
            jobs.append((p, label_path(p, out if out is not None else p.parent)))
        elif glob.has_magic(arg):
            files = sorted(Path(f) for f in glob.glob(arg, recursive=True) if Path(f).is_file())
            if not files:
                errors.append(f"{arg}: no file matches this pattern")
            jobs += [(f, label_path(f, out if out is not None else f.parent)) for f in files]
        else:
            errors.append(f"{p}: no such file")
    # a source that is another source's output (an earlier run's result) is not an input
    outputs = {dst.resolve() for _, dst in jobs}
    jobs = [(src, dst) for src, dst in jobs if src.resolve() not in outputs]
    return jobs, errors


def run(args) -> int:
    import warnings

    from srkit.errors import SrkitError
    from srkit.imaging.io import FORMATS, format_for
    from srkit.infer.upscale import PrecisionWarning, Upscaler
    from srkit.progress import Progress

    fmt = args.format
    if fmt:
        format_for("output", fmt)  # validate early
    out = Path(args.output) if args.output else None
    single_file = (out is not None and out.suffix.lower() in FORMATS and not out.is_dir())
    up = Upscaler(args.model, args.scale, tile=_tile(args.tile), device=args.device, half=args.half,
                  alpha=args.alpha, max_pixels=_max_pixels(args.max_pixels))

    def label_path(src, folder):
        return up.output_path(src, fmt, args.outscale, folder)

    jobs, errors = collect(args.inputs, None if single_file else out, label_path)
    if single_file:
        if len(jobs) != 1:
            raise SrkitError(f"{out}: -o names one file but there are {len(jobs)} inputs; give a folder")
        jobs = [(jobs[0][0], out)]
    for line in errors:
        print(f"srkit: error: {line}", file=sys.stderr)
    failed, skipped, done = len(errors), 0, 0
    inputs = {src.resolve() for src, _ in jobs}
    seen: set[Path] = set()
    with Progress(len(jobs), "upscale") as bar:
        def say(line: str) -> None:  # a message line, clearing the progress line first
            print(("\r\033[K" if bar.enabled else "") + line, file=sys.stderr)

        for src, dst in jobs:
            reason = None
            if dst.resolve() in inputs:
                reason = f"{dst}: is an input file; srkit never overwrites an input"
            elif dst.resolve() in seen:
                reason = f"{dst}: two inputs map to this output; rename one or use --format"
            if reason:
                say(f"srkit: error: {reason}")
                failed += 1
                bar.update(1)
                continue
            seen.add(dst.resolve())
            if dst.exists() and not args.overwrite:
                say(f"srkit: skipped {src}: {dst} exists (use --overwrite)")
                skipped += 1
                bar.update(1)
                continue
            try:
                dst.parent.mkdir(parents=True, exist_ok=True)
                with warnings.catch_warnings(record=True) as notes:
                    warnings.simplefilter("always")
                    up.upscale_file(src, dst, outscale=args.outscale, overwrite=args.overwrite, fmt=fmt,
                                    progress=lambda k, n: bar.update(0, note=f"{src.name} tile {k}/{n}"))
                for note in notes:
                    if issubclass(note.category, PrecisionWarning):
                        say(f"srkit: note: {note.message}")
                done += 1
            except SrkitError as exc:
                say(f"srkit: error: {exc}")
                failed += 1
            except (RuntimeError, MemoryError, OSError) as exc:  # e.g. out of memory: go on with the rest
                say(f"srkit: error: {src}: {type(exc).__name__}: {(str(exc).splitlines() or [''])[0]}")
                failed += 1
            bar.update(1)
    print(f"upscale: {done} done, {skipped} skipped, {failed} failed", file=sys.stderr)
    return 1 if failed else 0

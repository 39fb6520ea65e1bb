"""Loss and validation-PSNR curves of a run folder, drawn to PNG.

Uses matplotlib when it is installed, else a small line chart drawn with
Pillow's ImageDraw (matplotlib stays an optional extra).
"""
from __future__ import annotations

import csv
import math
from pathlib import Path

from srkit.errors import SrkitError


def read_curves(run: Path) -> dict[str, tuple[list[float], list[float]]]:
    """{"loss": (steps, values), "psnr xS": (steps, values), ...} from a run's CSV logs."""
    curves: dict[str, tuple[list[float], list[float]]] = {}
    for name, key, label in (("train.csv", "loss", lambda r: "loss"), ("val.csv", "psnr", lambda r: f"PSNR x{r['scale']}")):
        path = run / name
        if not path.is_file():
            continue
        with open(path, newline="") as f:
            for row in csv.DictReader(f):
                xs, ys = curves.setdefault(label(row), ([], []))
                xs.append(float(row["step"]))
                ys.append(float(row[key]))
    if not curves:
        raise SrkitError(f"{run}: no train.csv or val.csv to plot (is it a run folder?)")
    return curves


def plot_run(run, out=None) -> list[Path]:
    """Draw ``loss.png`` and ``psnr.png`` (when validated) into ``out`` (default: the run folder)."""
    run = Path(run)
    if not run.is_dir():
        raise SrkitError(f"{run}: no such run folder")
    out = Path(out) if out else run
    curves = read_curves(run)
    written = []
    loss = {k: v for k, v in curves.items() if k == "loss"}
    psnr = {k: v for k, v in curves.items() if k != "loss"}
    for fname, group, ylabel, log in (("loss.png", loss, "training loss", True), ("psnr.png", psnr, "PSNR (dB)", False)):
        if group:
            written.append(_draw(out / fname, group, ylabel, log))
    return written


def _draw(path: Path, curves, ylabel: str, log: bool) -> Path:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return _draw_pillow(path, curves, ylabel, log)
    fig, ax = plt.subplots(figsize=(8, 4.5), dpi=100)
    for label, (xs, ys) in curves.items():
        ax.plot(xs, ys, label=label)
    ax.set_xlabel("step")
    ax.set_ylabel(ylabel)
    if log and all(y > 0 for _, ys in curves.values() for y in ys):
        ax.set_yscale("log")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


_COLOURS = [(31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189)]


def _draw_pillow(path: Path, curves, ylabel: str, log: bool, size=(800, 450)) -> Path:
    from PIL import Image, ImageDraw

    w, h = size
    left, right, top, bottom = 70, 20, 30, 40
    img = Image.new("RGB", size, "white")
    d = ImageDraw.Draw(img)
    use_log = log and all(y > 0 for _, ys in curves.values() for y in ys)
    tf = math.log10 if use_log else (lambda v: v)
    xs_all = [x for xs, _ in curves.values() for x in xs]
    ys_all = [tf(y) for _, ys in curves.values() for y in ys if math.isfinite(y)]
    x0, x1 = min(xs_all), max(xs_all)
    y0, y1 = min(ys_all), max(ys_all)
    x1, y1 = (x1 if x1 > x0 else x0 + 1), (y1 if y1 > y0 else y0 + 1e-9)

    def px(x, y):
        return (left + (x - x0) / (x1 - x0) * (w - left - right),
                h - bottom - (tf(y) - y0) / (y1 - y0) * (h - top - bottom))

    d.rectangle([left, top, w - right, h - bottom], outline="black")
    for i in range(5):
        frac = i / 4
        yv = y0 + frac * (y1 - y0)
        yy = h - bottom - frac * (h - top - bottom)
        d.line([left, yy, w - right, yy], fill=(225, 225, 225))
        d.text((4, yy - 6), f"{10 ** yv if use_log else yv:.4g}", fill="black")
        xv = x0 + frac * (x1 - x0)
        xx = left + frac * (w - left - right)
        d.text((xx - 10, h - bottom + 6), f"{xv:.0f}", fill="black")
    for i, (label, (xs, ys)) in enumerate(curves.items()):
        colour = _COLOURS[i % len(_COLOURS)]
        pts = [px(x, y) for x, y in zip(xs, ys) if math.isfinite(y)]
        if len(pts) > 1:
            d.line(pts, fill=colour, width=2)
        elif pts:
            d.ellipse([pts[0][0] - 2, pts[0][1] - 2, pts[0][0] + 2, pts[0][1] + 2], fill=colour)
        d.text((left + 10, top + 5 + 14 * i), label, fill=colour)
    d.text((left, 8), f"{ylabel}{' (log scale)' if use_log else ''} vs step", fill="black")
    img.save(path)
    return path

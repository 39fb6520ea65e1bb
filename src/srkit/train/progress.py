"""What a person watching a run sees: a progress bar on a terminal (plain lines otherwise) and CSV logs.

``train.csv``: step, stage, loss, each loss term, lr, samples/s, wall seconds.
``val.csv``: step, scale, psnr, ssim. Both are cut back to the resumed step on ``--resume``.
TensorBoard event files go to ``tb/`` too when the ``tensorboard`` package is installed.
"""
from __future__ import annotations

import csv
import os
import sys
import time
from pathlib import Path

TRAIN_FIELDS = ["step", "stage", "loss", "terms", "lr", "samples_per_s", "wall_s"]
VAL_FIELDS = ["step", "scale", "psnr", "ssim"]


def _fmt_time(seconds: float) -> str:
    seconds = int(max(seconds, 0))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


class CsvLog:
    """Append-only CSV with a header; ``truncate(step)`` drops rows after ``step`` (for resume)."""

    def __init__(self, path: Path, fields: list[str]):
        self.path, self.fields = path, fields
        if not path.exists():
            with open(path, "w", newline="") as f:
                csv.writer(f).writerow(fields)

    def truncate(self, step: int) -> None:
        with open(self.path, newline="") as f:
            rows = [r for r in csv.DictReader(f) if int(r["step"]) <= step]
        tmp = self.path.with_suffix(".tmp")
        with open(tmp, "w", newline="") as f:
            w = csv.DictWriter(f, self.fields)
            w.writeheader()
            w.writerows(rows)
        os.replace(tmp, self.path)

    def write(self, row: dict) -> None:
        with open(self.path, "a", newline="") as f:
            csv.DictWriter(f, self.fields).writerow(row)


def tensorboard(folder: Path):
    """A TensorBoard ``SummaryWriter`` on ``folder`` when tensorboard is installed, else None."""
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError:
        return None
    return SummaryWriter(str(folder))


class Progress:
    """Progress bar (stderr, TTY only) or a plain log line every ``every`` steps."""

    def __init__(self, total: int, start: int, every: int, enabled: bool = True, stream=None):
        self.total, self.start, self.every = total, start, max(every, 1)
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.tty = enabled and self.stream.isatty()
        self.t0 = time.monotonic()
        self.samples = 0
        self.rate = 0.0

    def update(self, step: int, samples: int, loss: float, stage: str) -> float:
        """Record one finished step; returns the current samples/s."""
        self.samples += samples
        now = time.monotonic()
        self.rate = self.samples / max(now - self.t0, 1e-9)  # since this process started training
        if not self.enabled:
            return self.rate
        steps_done = step - self.start
        eta = (now - self.t0) / max(steps_done, 1) * (self.total - step)
        text = (f"[{stage}] step {step}/{self.total} ({100 * step / self.total:.0f}%) loss {loss:.5g} "
                f"{self.rate:.1f} samples/s ETA {_fmt_time(eta)}")
        if self.tty:
            self.stream.write("\r" + text.ljust(100))
            self.stream.flush()
        elif step % self.every == 0 or step == self.total:
            print(text, file=self.stream, flush=True)
        return self.rate

    def message(self, text: str) -> None:
        if self.enabled:
            if self.tty:
                self.stream.write("\r" + " " * 100 + "\r")
            print(text, file=self.stream, flush=True)

    def close(self) -> None:
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()

"""A one-line progress display on stderr, shown only when stderr is a terminal."""
from __future__ import annotations

import sys
import time


class Progress:
    """``with Progress(total, "bench") as bar: bar.update(1, note="Set5")``; silent when not a TTY."""

    def __init__(self, total: int, desc: str = "", enabled: bool | None = None, stream=None):
        self.total, self.desc, self.done = total, desc, 0
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.start = time.perf_counter()

    def update(self, n: int = 1, note: str = "") -> None:
        self.done += n
        if not self.enabled:
            return
        elapsed = time.perf_counter() - self.start
        rate = self.done / elapsed if elapsed > 0 else 0.0
        eta = (self.total - self.done) / rate if rate > 0 else 0.0
        width = 24
        filled = int(width * self.done / max(self.total, 1))
        bar = "#" * filled + "-" * (width - filled)
        self.stream.write(f"\r{self.desc} [{bar}] {self.done}/{self.total} {note} eta {eta:4.0f}s\033[K")
        self.stream.flush()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.enabled:
            self.stream.write("\r\033[K")
            self.stream.flush()

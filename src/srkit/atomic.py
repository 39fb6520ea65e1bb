"""Atomic file writes: temp file in the target folder, fsync, rename.

A reader never sees a half-written file and a crash or Ctrl-C leaves the old
file (or none) in place, with no temporary file behind.
"""
from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from srkit.errors import SrkitError


def refuse_existing(path, overwrite: bool) -> None:
    """Raise unless ``path`` is free or may be replaced (callers check early, before costly work)."""
    if not overwrite and Path(path).exists():
        raise SrkitError(f"{path}: already exists (pass --overwrite, or overwrite=True, to replace it)")


@contextlib.contextmanager
def atomic_open(path, overwrite: bool = True):
    """Yield a binary file; on success it replaces ``path`` in one rename, made durable."""
    p = Path(path)
    if not p.parent.is_dir():
        raise SrkitError(f"{p}: folder {p.parent} does not exist")
    refuse_existing(p, overwrite)
    mode = p.stat().st_mode & 0o7777 if p.exists() else _new_file_mode()
    fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".part", dir=p.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            os.fchmod(f.fileno(), mode)  # mkstemp's files are private (0600); outputs are not
            os.fsync(f.fileno())
        os.replace(tmp, p)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _fsync_folder(p.parent)


def _new_file_mode() -> int:
    """The mode ``open()`` would give a new file: 0666 less the process umask."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def _fsync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable (not every OS can open a folder)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_text(path, text: str, overwrite: bool = True) -> Path:
    """Atomically write ``text`` (UTF-8) to ``path``."""
    with atomic_open(path, overwrite) as f:
        f.write(text.encode("utf-8"))
    return Path(path)

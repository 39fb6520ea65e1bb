"""Atomic writes: all or nothing, and files get the usual permissions."""
import os
import stat

import pytest

from srkit.atomic import atomic_open, write_text
from srkit.errors import SrkitError


def test_new_file_follows_the_umask_and_replaced_file_keeps_its_mode(tmp_path):
    old = os.umask(0o022)
    try:
        path = write_text(tmp_path / "a.txt", "x")
        assert stat.S_IMODE(path.stat().st_mode) == 0o644
        path.chmod(0o640)
        write_text(path, "y")
        assert stat.S_IMODE(path.stat().st_mode) == 0o640 and path.read_text() == "y"
    finally:
        os.umask(old)


def test_error_inside_leaves_the_old_file_and_no_temporary(tmp_path):
    path = write_text(tmp_path / "a.txt", "old")
    with pytest.raises(RuntimeError):
        with atomic_open(path) as f:
            f.write(b"half")
            raise RuntimeError("boom")
    assert path.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["a.txt"]


def test_refuses_to_replace_without_overwrite(tmp_path):
    path = write_text(tmp_path / "a.txt", "old")
    with pytest.raises(SrkitError, match="already exists"):
        with atomic_open(path, overwrite=False):
            pass

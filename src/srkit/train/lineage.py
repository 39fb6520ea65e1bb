"""The training history of a weights file: every cycle that led to it, traced through git.

A training cycle that starts from a weights file records that file's path and
sha256 in its own metadata (``init``, ``init_sha256``; see the trainer). This
follows them back, through the working tree and the versions git holds of each
path, to a cycle that started from scratch. A file that stores its earlier
cycles (``history``, written by ``tools/ship_weights.py`` and
``tools/lineage.py --write``) is not traced further.
"""
from __future__ import annotations

import hashlib
import subprocess
import tempfile
from pathlib import Path

from srkit.errors import SrkitError
from srkit.models.weights import read_metadata


def cycle(meta: dict) -> dict:
    """One training cycle as ``history`` records it: its recipe, steps and wall seconds."""
    return {"recipe": meta["recipe"], "steps": meta["steps"], "wall_s": meta["wall_s"]}


def history(meta: dict, repo: Path) -> list[dict]:
    """The cycles before the one that wrote ``meta``, oldest first (``[]`` for training from scratch).

    ``init`` paths are taken relative to ``repo``, the folder training ran in.
    """
    if "history" in meta:
        return meta["history"]
    if not meta.get("init"):
        return []
    before = _version(repo, meta["init"], meta["init_sha256"])
    return history(before, repo) + [cycle(before)]


def cycles(meta: dict) -> list[dict]:
    """Every cycle of a file's training, oldest first: its ``history`` and then its own cycle."""
    return meta.get("history", []) + [cycle(meta)]


def totals(meta: dict) -> dict:
    """Cycles, steps and wall seconds of a file's whole training (:func:`cycles`)."""
    every = cycles(meta)
    return {"cycles": len(every), "steps": sum(c["steps"] for c in every),
            "wall_s": sum(c["wall_s"] for c in every)}


def _version(repo: Path, path: str, sha256: str) -> dict:
    """The metadata of the version of ``path`` whose bytes hash to ``sha256``: in ``repo`` now, or in git."""
    current = Path(repo) / path
    if current.is_file() and hashlib.sha256(current.read_bytes()).hexdigest() == sha256:
        return read_metadata(current)
    for commit in _git(repo, "log", "--format=%H", "--", path).split():
        data = _git(repo, "show", f"{commit}:{path}", text=False)
        if hashlib.sha256(data).hexdigest() == sha256:
            with tempfile.TemporaryDirectory() as tmp:
                (Path(tmp) / "init.safetensors").write_bytes(data)
                return read_metadata(Path(tmp) / "init.safetensors")
    raise SrkitError(f"{path}: no version with sha256 {sha256[:12]}... in {repo} or its git history, "
                     "so the training cycles before it cannot be traced")


def _git(repo: Path, *args: str, text: bool = True) -> str | bytes:
    """The standard output of ``git -C repo <args>``; a missing git is a one-line error."""
    try:
        return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=text).stdout
    except FileNotFoundError:
        raise SrkitError("git: not found on PATH, so the training cycles before a weights file "
                         "cannot be traced") from None

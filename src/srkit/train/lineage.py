"""The training history of a weights file: every cycle that led to it, traced through git.

A training cycle that starts from a weights file records that file's path and
sha256 in its own metadata (``init``, ``init_sha256``; see the trainer). This
follows them back, through the versions git holds of each path (and the working
tree), to a cycle that started from scratch. Files shipped before the trainer
recorded ``init`` are followed through their recipe instead: its ``model.init``
path as git held it just before the commit that brought the file in.

Stored histories (``history``, written by ``tools/ship_weights.py`` and
``tools/lineage.py --write``) are never trusted here: every trace starts over,
so a history stored wrong once cannot spread to the files trained from it.
"""
from __future__ import annotations

import hashlib
import subprocess
import tempfile
import tomllib
from pathlib import Path

from srkit.errors import SrkitError
from srkit.models.weights import read_metadata

RECIPES = "recipes/srkit"  # where a cycle's recipe lives, relative to the repository, by its ``recipe`` name


def cycle(meta: dict) -> dict:
    """One training cycle as ``history`` records it: its recipe, steps and wall seconds."""
    return {"recipe": meta["recipe"], "steps": meta["steps"], "wall_s": meta["wall_s"]}


def history(meta: dict, repo: Path) -> list[dict]:
    """The cycles before the one that wrote ``meta``, oldest first (``[]`` for training from scratch).

    ``init`` paths are taken relative to ``repo``, the folder training ran in.
    """
    return _trace(meta, None, Path(repo))


def cycles(meta: dict) -> list[dict]:
    """Every cycle of a file's training, oldest first: its ``history`` and then its own cycle."""
    return meta.get("history", []) + [cycle(meta)]


def totals(meta: dict) -> dict:
    """Cycles, steps and wall seconds of a file's whole training (:func:`cycles`)."""
    every = cycles(meta)
    return {"cycles": len(every), "steps": sum(c["steps"] for c in every),
            "wall_s": sum(c["wall_s"] for c in every)}


def _trace(meta: dict, commit: str | None, repo: Path) -> list[dict]:
    """The cycles before ``meta``'s, which git's ``commit`` brought in (``None``: not in git)."""
    if meta.get("init"):
        before, before_commit = _version(repo, meta["init"], meta["init_sha256"])
    elif commit is not None and (init := _recipe_init(repo, meta["recipe"], commit)):
        before_commit = _git(repo, "log", "-1", "--format=%H", f"{commit}^", "--", init).strip()
        if not before_commit:
            raise SrkitError(f"{init}: not in git before {commit[:12]}, so the cycles before "
                             f"{meta['recipe']} cannot be traced")
        before = _metadata(_git(repo, "show", f"{before_commit}:{init}", text=False))
    else:
        return []
    return _trace(before, before_commit, repo) + [cycle(before)]


def _recipe_init(repo: Path, recipe: str, commit: str) -> str | None:
    """``model.init`` of the recipe ``recipe`` as git's ``commit`` held it (a file that lacks ``init``)."""
    path = f"{RECIPES}/{recipe}.toml"
    text = _git(repo, "show", f"{commit}:{path}")
    if not text:
        raise SrkitError(f"{path}: not in git at {commit[:12]}, and the weights file it wrote there "
                         "records no init, so the cycles before it cannot be traced")
    return tomllib.loads(text).get("model", {}).get("init")


def _version(repo: Path, path: str, sha256: str) -> tuple[dict, str | None]:
    """The metadata of the version of ``path`` whose bytes hash to ``sha256``, and the commit that
    brought it into git (``None`` for a version only in ``repo``'s working tree)."""
    for commit in _git(repo, "log", "--format=%H", "--", path).split():
        data = _git(repo, "show", f"{commit}:{path}", text=False)
        if hashlib.sha256(data).hexdigest() == sha256:
            return _metadata(data), commit
    current = repo / path
    if current.is_file() and hashlib.sha256(current.read_bytes()).hexdigest() == sha256:
        return read_metadata(current), None
    raise SrkitError(f"{path}: no version with sha256 {sha256[:12]}... in {repo} or its git history, "
                     "so the training cycles before it cannot be traced")


def _metadata(data: bytes) -> dict:
    """The srkit metadata of a weights file's bytes."""
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "version.safetensors").write_bytes(data)
        return read_metadata(Path(tmp) / "version.safetensors")


def _git(repo: Path, *args: str, text: bool = True) -> str | bytes:
    """The standard output of ``git -C repo <args>``; a missing git is a one-line error."""
    try:
        return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=text).stdout
    except FileNotFoundError:
        raise SrkitError("git: not found on PATH, so the training cycles before a weights file "
                         "cannot be traced") from None

"""srkit.train.lineage: the cycles behind a weights file, traced through init/init_sha256 and git."""
import hashlib
import subprocess

import pytest

from srkit.errors import SrkitError
from srkit.models.registry import create_model
from srkit.models.weights import save_weights
from srkit.train.lineage import cycle, history, totals


def _git(repo, *args):
    subprocess.run(["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t", *args],
                   check=True, capture_output=True)


def _sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_history_follows_init_back_through_git_to_a_cycle_from_scratch(tmp_path):
    repo, rel = tmp_path / "repo", "weights/espcn_x2.safetensors"
    _git(tmp_path, "init", "-q", str(repo))
    model = create_model("espcn", 2)
    first = save_weights(model, repo / rel, {"recipe": "a", "steps": 10, "wall_s": 5})
    _git(repo, "add", rel)
    _git(repo, "commit", "-qm", "a")
    a_sha = _sha(first)
    save_weights(model, repo / rel, {"recipe": "b", "steps": 20, "wall_s": 7, "init": rel, "init_sha256": a_sha})
    _git(repo, "commit", "-qam", "b")
    b_sha = _sha(repo / rel)
    # a third cycle from the file now in place; the first one lives only in git
    third = {"recipe": "c", "steps": 30, "wall_s": 11, "init": rel, "init_sha256": b_sha}
    traced = history(third, repo)
    assert traced == [{"recipe": "a", "steps": 10, "wall_s": 5}, {"recipe": "b", "steps": 20, "wall_s": 7}]
    assert totals({**third, "history": traced}) == {"cycles": 3, "steps": 60, "wall_s": 23}
    assert cycle(third) == {"recipe": "c", "steps": 30, "wall_s": 11}
    # a stored history is taken as it is, without looking anywhere
    assert history({**third, "history": traced[:1]}, tmp_path / "nowhere") == traced[:1]
    assert history({"recipe": "x", "steps": 1, "wall_s": 1}, repo) == []
    with pytest.raises(SrkitError, match=r"weights/espcn_x2.safetensors: no version with sha256 0{12}"):
        history({**third, "init_sha256": "0" * 64}, repo)


def test_history_without_git_is_a_one_line_error(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty folder: no git on PATH
    meta = {"recipe": "b", "steps": 1, "wall_s": 1, "init": "w.safetensors", "init_sha256": "0" * 64}
    with pytest.raises(SrkitError, match=r"^git: not found on PATH"):
        history(meta, tmp_path)

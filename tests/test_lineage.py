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


X2 = "weights/espcn_x2.safetensors"
A = {"recipe": "a", "steps": 10, "wall_s": 5}


def _repo_with_a_scratch_cycle(tmp_path):
    """A git repository whose one commit holds ``X2``, written by cycle ``A`` from scratch, and A's recipe."""
    repo = tmp_path / "repo"
    _git(tmp_path, "init", "-q", str(repo))
    (repo / "recipes" / "srkit").mkdir(parents=True)
    (repo / "recipes/srkit/a.toml").write_text('[model]\nname = "espcn"\n')  # from scratch: no init
    save_weights(create_model("espcn", 2), repo / X2, A)
    _git(repo, "add", ".")
    _git(repo, "commit", "-qm", "a: x2 from scratch")
    return repo


def test_history_follows_init_back_through_git_to_a_cycle_from_scratch(tmp_path):
    repo = _repo_with_a_scratch_cycle(tmp_path)
    save_weights(create_model("espcn", 2), repo / X2,
                 {"recipe": "b", "steps": 20, "wall_s": 7, "init": X2, "init_sha256": _sha(repo / X2)})
    _git(repo, "commit", "-qam", "b")
    # a third cycle from the file now in place; the first one lives only in git
    third = {"recipe": "c", "steps": 30, "wall_s": 11, "init": X2, "init_sha256": _sha(repo / X2)}
    traced = history(third, repo)
    assert traced == [A, {"recipe": "b", "steps": 20, "wall_s": 7}]
    assert totals({**third, "history": traced}) == {"cycles": 3, "steps": 60, "wall_s": 23}
    assert cycle(third) == {"recipe": "c", "steps": 30, "wall_s": 11}
    # a stored history is traced again, so one stored wrong does not spread
    assert history({**third, "history": traced[:1]}, repo) == traced
    assert history({"recipe": "x", "steps": 1, "wall_s": 1}, repo) == []
    with pytest.raises(SrkitError, match=r"weights/espcn_x2.safetensors: no version with sha256 0{12}"):
        history({**third, "init_sha256": "0" * 64}, repo)


def test_history_without_git_is_a_one_line_error(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty folder: no git on PATH
    meta = {"recipe": "b", "steps": 1, "wall_s": 1, "init": "w.safetensors", "init_sha256": "0" * 64}
    with pytest.raises(SrkitError, match=r"^git: not found on PATH"):
        history(meta, tmp_path)


def test_a_file_without_init_is_followed_through_its_recipe_as_git_held_it(tmp_path):
    # files shipped before the trainer recorded init: the recipe's model.init, as git held that
    # path just before the commit that brought the file in, is where the cycle started
    repo, x4 = _repo_with_a_scratch_cycle(tmp_path), "weights/espcn_x4.safetensors"
    (repo / "recipes/srkit/b.toml").write_text(f'[model]\nname = "espcn"\ninit = "{X2}"\n')
    save_weights(create_model("espcn", 4), repo / x4, {"recipe": "b", "steps": 20, "wall_s": 7})
    _git(repo, "add", ".")
    _git(repo, "commit", "-qm", "b: x4 from x2, no init recorded")
    b_sha = _sha(repo / x4)
    # x2 moves on afterwards; b still started from the x2 git held before b came in
    save_weights(create_model("espcn", 2), repo / X2, {"recipe": "c", "steps": 99, "wall_s": 99})
    _git(repo, "commit", "-qam", "c")
    d = {"recipe": "d", "steps": 30, "wall_s": 11, "init": x4, "init_sha256": b_sha}
    assert history(d, repo) == [A, {"recipe": "b", "steps": 20, "wall_s": 7}]
    # without its recipe in git, a file lacking init cannot be traced, and says so
    _git(repo, "rm", "-q", "recipes/srkit/b.toml")
    _git(repo, "commit", "-qm", "drop b")
    save_weights(create_model("espcn", 4), repo / x4, {"recipe": "b", "steps": 1, "wall_s": 1})
    _git(repo, "commit", "-qam", "x4 again, its recipe gone")
    with pytest.raises(SrkitError, match=r"^recipes/srkit/b.toml: not in git at [0-9a-f]{12}, and the weights"):
        history({**d, "init_sha256": _sha(repo / x4)}, repo)


def test_lineage_tool_write_corrects_a_stored_history_and_leaves_tensors_alone(tmp_path, monkeypatch, capsys):
    """tools/lineage.py --write: a file whose stored history misses a cycle gets the traced one."""
    from test_shipped_weights import _tool

    from srkit.models.weights import load_model, read_metadata

    repo = _repo_with_a_scratch_cycle(tmp_path)
    b = save_weights(create_model("espcn", 2), tmp_path / "b.safetensors",
                     {"recipe": "b", "steps": 20, "wall_s": 7, "init": X2, "init_sha256": _sha(repo / X2),
                      "history": []})  # stored wrong: a is missing
    tool = _tool("lineage")
    monkeypatch.setattr(tool, "REPO", repo)
    before = load_model(b).state_dict()
    assert tool.main([str(b), "--write"]) == 0
    assert "total: 2 cycles, 30 steps" in capsys.readouterr().out
    assert read_metadata(b)["history"] == [A]
    after = load_model(b).state_dict()
    assert all(after[k].equal(v) for k, v in before.items())
    written = b.read_bytes()
    assert tool.main([str(b), "--write"]) == 0  # already right: not written again
    assert b.read_bytes() == written

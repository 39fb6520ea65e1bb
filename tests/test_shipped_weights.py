"""Every shipped weights file: loads, is small, and still scores what its metadata claims."""
from pathlib import Path

import pytest

from srkit.bench import benchmark
from srkit.models.weights import WEIGHTS_DIR, load_model, read_metadata, shipped

SHIPPED = shipped()
RECIPES = Path(__file__).resolve().parents[1] / "recipes" / "srkit"
MAX_TOTAL_BYTES = 5 * 1024 * 1024


def test_shipped_weights_stay_under_5_mb():
    total = sum(p.stat().st_size for p in WEIGHTS_DIR.glob("*.safetensors"))
    assert total < MAX_TOTAL_BYTES


@pytest.mark.parametrize("stem", SHIPPED)
def test_shipped_file_loads_with_its_training_record(stem):
    meta = read_metadata(WEIGHTS_DIR / f"{stem}.safetensors")
    for key in ("recipe", "steps", "wall_s", "history", "data", "scores", "protocol"):
        assert key in meta, key
    assert set(meta["scores"]) == {"Set5", "Set14", "BSD100"}
    assert not {"Set5", "Set14", "BSD100"} & set(meta["data"]), "trained on a test set"
    for cycle in meta["history"] + [meta]:
        assert (RECIPES / f"{cycle['recipe']}.toml").is_file(), f"recipe {cycle['recipe']} is not in recipes/srkit"
        assert cycle["steps"] > 0 and cycle["wall_s"] > 0
    model = load_model(WEIGHTS_DIR / f"{stem}.safetensors")
    assert f"{meta['architecture']}_x{meta['scale']}" == stem
    assert not model.training


@pytest.mark.data
@pytest.mark.parametrize("stem", SHIPPED)
def test_shipped_model_scores_what_its_metadata_says(stem, shared_data):
    meta = read_metadata(WEIGHTS_DIR / f"{stem}.safetensors")
    (record,) = benchmark([meta["architecture"]], ["Set5"], [meta["scale"]], shared_data, pretrained=True)
    assert record.psnr == pytest.approx(meta["scores"]["Set5"]["psnr"], abs=0.01)


def _tool(name):
    """The module tools/<name>.py of this repository (tools/ is not a package)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, Path(__file__).resolve().parents[1] / "tools" / f"{name}.py")
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    return tool


def test_ship_weights_tool_records_measured_scores_and_never_ships_worse(tmp_path, monkeypatch, capsys):
    """tools/ship_weights.py: a run's final weights land in the weights folder with their bench scores,
    and replace a shipped file only when they measure better on Set5 (or with --force). By default
    that folder is the repository's own, not the installed package's."""
    from srkit.models import weights
    from srkit.train import train
    from test_train import make_images, tiny_recipe

    for name in ("Set5", "Set14", "BSD100"):
        make_images(tmp_path / "data" / name, 2, 30, 7)
    recipe = tiny_recipe(tmp_path, train__steps=4)
    recipe["model"] = {"name": "espcn", "scale": 2}
    run = train(recipe, out=tmp_path / "run", quiet=True)
    monkeypatch.setattr(weights, "WEIGHTS_DIR", tmp_path / "shipped")
    tool = _tool("ship_weights")
    assert tool.REPO_WEIGHTS == Path(__file__).resolve().parents[1] / "src" / "srkit" / "weights"

    dest = tool.ship(run, str(tmp_path / "data"), dest_dir=tmp_path / "shipped")
    meta = weights.read_metadata(dest)
    assert dest == tmp_path / "shipped" / "espcn_x2.safetensors"
    assert meta["steps"] == 4 and set(meta["scores"]) == {"Set5", "Set14", "BSD100"}
    assert meta["history"] == []  # trained from scratch: no earlier cycles
    (record,) = benchmark(["espcn"], ["Set5"], [2], tmp_path / "data", pretrained=True)
    assert meta["scores"]["Set5"]["psnr"] == pytest.approx(record.psnr, abs=1e-4)

    # the same weights again are not better: refused with one line, exit 2, the shipped file untouched
    shipped_bytes = dest.read_bytes()
    data = ["--data-root", str(tmp_path / "data"), "--dest", str(tmp_path / "shipped")]
    assert tool.main([str(run), *data]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "is not better than the shipped espcn_x2.safetensors" in err
    assert dest.read_bytes() == shipped_bytes

    worse = train(tiny_recipe(tmp_path, train__steps=1, model__name="espcn"), out=tmp_path / "worse", quiet=True)
    assert tool.main([str(worse), *data]) == 2
    assert dest.read_bytes() == shipped_bytes
    assert tool.main([str(worse), *data, "--force"]) == 0
    assert weights.read_metadata(dest)["steps"] == 1


def test_results_table_puts_a_psnr_in_bold_only_at_or_above_the_paper():
    """tools/results_table.py: each cell is our PSNR / SSIM over the paper's, our PSNR bold when it meets it."""
    from types import SimpleNamespace

    cell = _tool("results_table")._cell
    assert cell(SimpleNamespace(psnr=32.5551, ssim=0.90588), (32.55, None)) == "**32.56** / 0.9059<br>*paper 32.55*"
    assert cell(SimpleNamespace(psnr=36.6549, ssim=0.95420), (36.66, .9542)) == \
        "36.65 / 0.9542<br>*paper 36.66 / 0.9542*"
    assert cell(SimpleNamespace(psnr=36.5552, ssim=0.95361), None) == "36.56 / 0.9536"


def test_results_table_sums_every_training_cycle_of_a_shipped_file():
    """tools/results_table.py: a file's training row counts its earlier cycles (``history``) and its own."""
    meta = {"architecture": "fsrcnn", "scale": 3, "recipe": "fsrcnn_x3_cycle2", "steps": 4000, "wall_s": 5400,
            "history": [{"recipe": "fsrcnn_x2", "steps": 30000, "wall_s": 9000}]}
    rows = _tool("results_table").training([meta]).splitlines()
    assert rows[2] == "| fsrcnn | 3 | 2 | 34,000 | 4.0 h | `fsrcnn_x3_cycle2` |"

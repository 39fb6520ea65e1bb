"""Training engine: recipes, data pipeline, loop, checkpoints, logs (tiny model, tiny synthetic images)."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from srkit.errors import SrkitError
from srkit.models import registry

SRC = Path(__file__).resolve().parents[1] / "src"


class TinySR(nn.Module):
    """Two LR-space convolutions and a pixel shuffle: an ESPCN in miniature, for tests only."""

    def __init__(self, scale: int = 2, channels: int = 1, feats: int = 8):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(channels, feats, 3, padding=1), nn.ReLU(),
                                  nn.Conv2d(feats, channels * scale * scale, 3, padding=1))
        self.shuffle = nn.PixelShuffle(scale)

    def forward(self, x):
        return self.shuffle(self.body(x))


class TinyD(nn.Module):
    """A two-layer patch discriminator returning one logit per image, for tests only."""

    def __init__(self, channels: int = 1):
        super().__init__()
        self.net = nn.Sequential(nn.Conv2d(channels, 4, 3, stride=2, padding=1), nn.LeakyReLU(0.2),
                                 nn.Conv2d(4, 1, 3, stride=2, padding=1))

    def forward(self, x):
        return self.net(x).mean(dim=(1, 2, 3))


def register_tiny() -> None:
    """Register ``tiny-sr`` (Y), ``tiny-sr-rgb`` and ``tiny-d`` once per process."""
    registry._load_all()
    if "tiny-sr" in registry._REGISTRY:
        return
    registry.register("tiny-sr", paper="test model", scales=(2, 3, 4), in_channels=1, upsampling="post",
                      receptive_field=2)(lambda scale=2, feats=8: TinySR(scale, 1, feats))
    registry.register("tiny-sr-rgb", paper="test model", scales=(2, 3, 4), in_channels=3, upsampling="post",
                      receptive_field=2)(lambda scale=2: TinySR(scale, 3))
    registry.register("tiny-d", paper="test discriminator", scales=(1,), in_channels=1, upsampling="none",
                      receptive_field=0)(lambda scale=1: TinyD(1))


register_tiny()


def make_images(folder: Path, n: int = 6, size: int = 36, seed: int = 0) -> Path:
    """Smooth random RGB PNGs (so SR is learnable)."""
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size] / size
    for i in range(n):
        img = np.zeros((size, size, 3))
        for c in range(3):
            for _ in range(3):
                fy, fx, ph = rng.uniform(0.5, 4, 2).tolist() + [rng.uniform(0, 6.3)]
                img[..., c] += np.sin(2 * np.pi * (fy * yy + fx * xx) + ph)
        img = (img - img.min()) / (img.max() - img.min())
        Image.fromarray((img * 255).round().astype(np.uint8)).save(folder / f"img{i:02d}.png")
    return folder


def tiny_recipe(root: Path, **extra) -> dict:
    """A recipe dict for tiny-sr on synthetic images (``root/train``, ``root/val``)."""
    if not (root / "train").is_dir():
        make_images(root / "train", 6, 36, 0)
        make_images(root / "val", 2, 30, 1)
    recipe = {
        "name": "tiny",
        "model": {"name": "tiny-sr", "scale": 2},
        "data": {"train": [str(root / "train")], "patch": 16, "batch": 4},
        "optim": {"name": "adam", "lr": 3e-3},
        "loss": {"l1": 1.0},
        "train": {"steps": 20, "seed": 3},
        "checkpoint": {"every": 10, "keep": 2},
        "validate": {"every": 10, "set": str(root / "val")},
        "log": {"every": 5},
    }
    for key, value in extra.items():
        section, name = key.split("__")
        recipe.setdefault(section, {})[name] = value
    return recipe


def read_csv(path: Path) -> list[dict]:
    import csv

    with open(path, newline="") as f:
        return list(csv.DictReader(f))


# -- recipes ------------------------------------------------------------------

def test_recipe_rejects_unknown_key_and_bad_set(tmp_path):
    from srkit.train.recipe import load_recipe

    base = tiny_recipe(tmp_path)
    with pytest.raises(SrkitError, match="unknown key 'optim.lrate'"):
        load_recipe(base, ["optim.lrate=1"])
    with pytest.raises(SrkitError, match="expected key=value"):
        load_recipe(base, ["optim.lr"])
    with pytest.raises(SrkitError, match="'train.steps' must be an integer"):
        load_recipe(base, ["train.steps=many"])
    with pytest.raises(SrkitError, match="no such file"):
        load_recipe(tmp_path / "nope.toml")
    r = load_recipe(base, ["optim.lr=1e-3", "data.train=['a', 'b']", "validate.set=Set14", "stages=[]"])
    assert r["optim"]["lr"] == 1e-3 and r["data"]["train"] == ["a", "b"] and r["validate"]["set"] == "Set14"


def test_every_shipped_recipe_loads():
    from srkit.train.recipe import load_recipe, stages

    recipes = sorted((SRC.parent / "recipes").glob("*.toml"))
    assert recipes, "no recipes shipped"
    for path in recipes:
        r = load_recipe(path)
        assert r["paper"], f"{path.name} does not cite its paper"
        assert stages(r)[-1]["stop"] > 0


def test_missing_data_folder_is_one_clear_error(tmp_path):
    from srkit.train.trainer import train

    recipe = tiny_recipe(tmp_path)
    recipe["data"]["train"] = [str(tmp_path / "missing")]
    with pytest.raises(SrkitError, match="missing"):
        train(recipe, out=tmp_path / "run", quiet=True)


# -- the loop -----------------------------------------------------------------

def test_training_learns_checkpoints_logs_and_exports(tmp_path):
    from srkit.models.weights import read_metadata

    from srkit.train import checkpoint as ckpt
    from srkit.train.trainer import train

    run = train(tiny_recipe(tmp_path, train__steps=40), out=tmp_path / "run", quiet=True)
    rows = read_csv(run / "train.csv")
    losses = [float(r["loss"]) for r in rows]
    assert len(rows) == 8 and losses[-1] < 0.6 * losses[0]
    val = read_csv(run / "val.csv")
    assert [int(r["step"]) for r in val] == [10, 20, 30, 40]
    assert float(val[-1]["psnr"]) > float(val[0]["psnr"])
    steps = [s for s, _ in ckpt.step_checkpoints(run / "checkpoints")]
    assert steps == [30, 40]  # keep = 2
    state = torch.load(run / "checkpoints" / "best.pt", weights_only=True)
    assert state["best_psnr"] == pytest.approx(max(float(r["psnr"]) for r in val), abs=1e-4)
    meta = read_metadata(run / "final.safetensors")
    assert meta["steps"] == 40 and meta["model"] == "tiny-sr" and meta["architecture"] == "tiny-sr"
    with pytest.raises(SrkitError, match="--resume"):
        train(tiny_recipe(tmp_path), out=run, quiet=True)


def test_resume_in_process_matches_straight_run(tmp_path):
    from srkit.train.trainer import train

    recipe = tiny_recipe(tmp_path, train__steps=12, checkpoint__every=3, train__ema=0.9)
    straight = train(recipe, out=tmp_path / "a", quiet=True)
    half = dict(recipe, train=dict(recipe["train"], steps=6))
    train(half, out=tmp_path / "b", quiet=True)
    resumed = train(recipe, out=tmp_path / "b", resume=True, quiet=True)
    a = torch.load(straight / "checkpoints" / "step_00000012.pt", weights_only=True)
    b = torch.load(resumed / "checkpoints" / "step_00000012.pt", weights_only=True)
    for key in ("model", "ema"):
        for name, t in a[key].items():
            assert torch.equal(t, b[key][name]), f"{key}.{name} differs after resume"
    logged = [int(r["step"]) for r in read_csv(resumed / "train.csv")]
    assert logged == sorted(set(logged)) and logged[-1] == 12


def test_nan_loss_stops_with_message_and_keeps_checkpoint(tmp_path):
    from srkit.train.trainer import train

    recipe = tiny_recipe(tmp_path, optim__lr=1e12, checkpoint__every=1)
    recipe["loss"] = {"mse": 1.0}
    with pytest.raises(SrkitError, match="loss became (nan|inf)"):
        train(recipe, out=tmp_path / "run", quiet=True)
    from srkit.train import checkpoint as ckpt

    found = ckpt.latest(tmp_path / "run" / "checkpoints")
    assert found is not None
    assert all(torch.isfinite(t).all() for t in found[1]["model"].values())


def test_cli_train_and_plot(tmp_path, capsys):
    from srkit.cli import main

    recipe = tiny_recipe(tmp_path)
    text = "\n".join([
        'name = "tiny"', 'paper = "test"',
        '[model]', 'name = "tiny-sr"', 'scale = 3',
        '[data]', f'train = ["{tmp_path / "train"}"]', 'patch = 12', 'batch = 2',
        '[loss]', 'charbonnier = 1.0',
        '[validate]', f'set = "{tmp_path / "val"}"', 'every = 2',
    ])
    path = tmp_path / "tiny.toml"
    path.write_text(text)
    assert recipe  # images made
    rc = main(["train", str(path), "--set", "train.steps=4", "--set", "log.every=1", "--out", str(tmp_path / "r"), "--quiet"])
    assert rc == 0
    assert main(["plot", str(tmp_path / "r")]) == 0
    assert (tmp_path / "r" / "loss.png").stat().st_size > 1000 and (tmp_path / "r" / "psnr.png").exists()
    assert main(["train", str(path), "--set", "bogus.key=1"]) == 2
    assert "unknown key 'bogus'" in capsys.readouterr().err


def test_two_stage_gan_recipe_resumes_exactly_mid_gan_stage(tmp_path):
    from srkit.train.trainer import train

    recipe = tiny_recipe(tmp_path, checkpoint__every=1, checkpoint__keep=10, validate__every=4)
    recipe["train"].update(ema=0.5, clip_grad_norm=1.0)
    recipe["stages"] = [
        {"name": "psnr", "steps": 4, "loss": {"l1": 1.0}},
        {"name": "gan", "steps": 4, "optim": {"lr": 1e-3},
         "gan": {"discriminator": "tiny-d", "lr": 1e-3},
         "loss": {"l1": 1e-2, "perceptual": {"layers": {"conv2_2": 1.0}, "vgg": "random", "criterion": "l1"},
                  "adversarial": {"weight": 5e-3, "kind": "relativistic"}}},
    ]
    straight = train(recipe, out=tmp_path / "a", quiet=True)
    b = train(recipe, out=tmp_path / "b", quiet=True)
    for n in (7, 8):  # as if killed after step 6, mid-way through the GAN stage
        (b / "checkpoints" / f"step_{n:08d}.pt").unlink()
    state = torch.load(b / "checkpoints" / "step_00000006.pt", weights_only=True)
    assert state["stage"] == 1 and "disc" in state and "disc_optim" in state
    resumed = train(recipe, out=b, resume=True, quiet=True)
    x = torch.load(straight / "checkpoints" / "step_00000008.pt", weights_only=True)
    y = torch.load(resumed / "checkpoints" / "step_00000008.pt", weights_only=True)
    for key in ("model", "ema", "disc"):
        for name, t in x[key].items():
            assert torch.equal(t, y[key][name]), f"{key}.{name} differs"
    stages_logged = [r["stage"] for r in read_csv(straight / "train.csv")]
    assert "psnr" in stages_logged and "gan" in stages_logged


def test_schedules_and_per_layer_learning_rates():
    from srkit.models.registry import create_model
    from srkit.train.recipe import load_recipe
    from srkit.train.schedule import lr_factor
    from srkit.train.trainer import build_optimizer, param_groups

    cfg = {"kind": "step", "step": 10, "gamma": 0.5, "milestones": [], "final_lr": 0.0}
    assert [lr_factor(cfg, 1.0, s, 100) for s in (0, 9, 10, 25)] == [1.0, 1.0, 0.5, 0.25]
    cfg.update(kind="multistep", milestones=[5, 8], gamma=0.1)
    assert lr_factor(cfg, 1.0, 4, 100) == 1.0 and lr_factor(cfg, 1.0, 8, 100) == pytest.approx(0.01)
    cfg.update(kind="cosine", final_lr=0.1)
    assert lr_factor(cfg, 1.0, 0, 10) == 1.0 and lr_factor(cfg, 1.0, 10, 10) == pytest.approx(0.1)
    cfg.update(kind="exponential", final_lr=1e-4)
    assert lr_factor(cfg, 1e-2, 5, 10) == pytest.approx(0.1)
    recipe = load_recipe(SRC.parent / "recipes" / "srcnn_x3.toml")
    model = create_model("srcnn", scale=3)
    opt = build_optimizer(param_groups(model, recipe["optim"]), recipe["optim"])
    lrs = {id(p): g["lr"] for g in opt.param_groups for p in g["params"]}
    assert lrs[id(model.body[4].weight)] == 1e-5 and lrs[id(model.body[0].weight)] == 1e-4
    assert opt.defaults["momentum"] == 0.9
    with pytest.raises(SrkitError, match="match no parameter"):
        param_groups(model, dict(recipe["optim"], param_lr={"head.*": 1e-3}))


def test_adjustable_clipping_bounds_gradients_by_theta_over_lr(tmp_path):
    from srkit.device import pick_device
    from srkit.train.trainer import Run
    from srkit.train.distributed import Context
    from srkit.train.recipe import load_recipe, stages

    recipe = load_recipe(tiny_recipe(tmp_path, train__clip_adjustable=1e-4, optim__lr=0.1), ["optim.name=\"sgd\"", "optim.momentum=0.0"])
    run = Run(recipe, tmp_path / "run", pick_device("cpu"), Context(), quiet=True)
    stage = stages(recipe)[0]
    run.build_stage(stage)
    before = [p.detach().clone() for p in run.model.parameters()]
    lr, hr = torch.rand(2, 1, 8, 8), torch.rand(2, 1, 16, 16) * 10
    run.train_step(stage, lr, hr, 2)
    for p, b in zip(run.model.parameters(), before):
        assert (p.detach() - b).abs().max() <= 1e-4 + 1e-6  # lr * theta/lr = theta


def test_train_from_python_and_recipe_channels(tmp_path):
    from srkit.train import train

    recipe = tiny_recipe(tmp_path, train__steps=2, validate__every=2)
    recipe["model"].update(name="srcnn", channels=3, options={"n1": 4, "n2": 4})
    run = train(recipe, out=tmp_path / "run", quiet=True)
    state = torch.load(run / "checkpoints" / "step_00000002.pt", weights_only=True)
    assert state["model"]["body.0.weight"].shape[1] == 3  # an RGB SRCNN, as the recipe asked
    recipe["data"]["rescale"] = [1.0, 2.0]  # reaches the data pipeline, which checks the factors
    with pytest.raises(SrkitError, match="data.rescale: factor 2.0"):
        train(recipe, out=tmp_path / "rescaled", quiet=True)


def test_init_from_weights_fine_tunes_across_scales(tmp_path):
    """model.init copies every tensor that fits (ESPCN x2 -> x3: all but the last conv)."""
    from srkit.models import create_model
    from srkit.models.weights import init_from, save_weights

    x2 = create_model("espcn", scale=2)
    path = save_weights(x2, tmp_path / "espcn_x2.safetensors", {"note": "test"})
    x3 = create_model("espcn", scale=3)
    fresh = init_from(x3, path)
    assert fresh == ["body.4.bias", "body.4.weight"]
    assert torch.equal(x3.body[0].weight, x2.body[0].weight)
    with pytest.raises(SrkitError, match="no tensor fits"):
        init_from(create_model("fsrcnn", scale=2), path)


def test_recipe_model_init_starts_from_a_weights_file(tmp_path):
    from srkit.models.weights import read_metadata, read_tensors
    from srkit.train.trainer import train

    first = train(tiny_recipe(tmp_path, train__steps=10), out=tmp_path / "a", quiet=True)
    weights = read_tensors(first / "final.safetensors")
    # zero steps of training: the exported model is exactly the init
    second = train(tiny_recipe(tmp_path, train__steps=0, model__init=str(first / "final.safetensors")),
                   out=tmp_path / "b", quiet=True)
    for name, t in read_tensors(second / "final.safetensors").items():
        assert torch.equal(t, weights[name]), name
    meta = read_metadata(second / "final.safetensors")
    digest = hashlib.sha256((first / "final.safetensors").read_bytes()).hexdigest()
    assert (meta["init"], meta["init_sha256"]) == (str(first / "final.safetensors"), digest)
    assert "init" not in read_metadata(first / "final.safetensors")


def test_resume_of_a_finished_run_exports_and_accepts_newer_defaults(tmp_path):
    from srkit.train.trainer import train

    recipe = tiny_recipe(tmp_path, train__steps=4, checkpoint__every=2)
    run = train(recipe, out=tmp_path / "run", quiet=True)
    (run / "final.safetensors").unlink()  # as if killed between the last checkpoint and the export
    path = run / "checkpoints" / "step_00000004.pt"
    state = torch.load(path, weights_only=True)
    saved = json.loads(state["recipe_json"])
    del saved["model"]["init"]  # a run from before that key existed
    state["recipe_json"] = json.dumps(saved)
    torch.save(state, path)
    train(recipe, out=run, resume=True, quiet=True)
    assert (run / "final.safetensors").exists()
    with pytest.raises(SrkitError, match="differs from the run's in optim.lr"):
        train(recipe, overrides=["optim.lr=0.5"], out=run, resume=True, quiet=True)


@pytest.mark.parametrize("border", [0, 3])
def test_data_border_leaves_the_patch_border_out_of_the_loss(tmp_path, border):
    """With data.border the HR border cannot change a step; without it, it does."""
    from srkit.device import pick_device
    from srkit.train.distributed import Context
    from srkit.train.recipe import load_recipe, stages
    from srkit.train.trainer import Run

    lr = torch.rand(2, 1, 8, 8)
    hr = torch.rand(2, 1, 16, 16)
    noisy = hr.clone()
    noisy[..., :border or 3, :] = 5.0  # differs from hr only inside the border
    after = []
    for target in (hr, noisy):
        recipe = load_recipe(tiny_recipe(tmp_path, data__border=border))
        run = Run(recipe, tmp_path / "run", pick_device("cpu"), Context(), quiet=True)
        stage = stages(recipe)[0]
        run.build_stage(stage)
        run.train_step(stage, lr, target, 2)
        after.append([p.detach().clone() for p in run.model.parameters()])
    same = all(torch.equal(a, b) for a, b in zip(*after))
    assert same == bool(border)


@pytest.mark.parametrize("border", [-1, 8])
def test_data_border_must_leave_a_centre(tmp_path, border):
    from srkit.train.trainer import train

    with pytest.raises(SrkitError, match=f"data.border = {border}: must be at least 0 and leave a centre"):
        train(tiny_recipe(tmp_path, data__border=border), out=tmp_path / "run", quiet=True)


def test_data_border_refuses_models_with_several_outputs(tmp_path):
    from srkit.train.trainer import train

    recipe = tiny_recipe(tmp_path, data__border=2)
    recipe["model"].update(name="lapsrn", scale=4, options={"n_feats": 4, "depth": 1})
    recipe["data"]["patch"] = 32
    with pytest.raises(SrkitError, match="data.border: lapsrn trains on several outputs"):
        train(recipe, out=tmp_path / "run", quiet=True)

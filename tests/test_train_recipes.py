"""Smoke test of every shipped recipe: a few steps at reduced size, and the loss goes down.

Reduced size: synthetic images instead of the recipe's datasets, small batch
and patch, a handful of steps; VGG losses use random weights (said explicitly,
as the ImageNet file is not available in CI). The recipe's model, losses,
optimiser, per-layer learning rates and stages are used as written.
"""
from __future__ import annotations

from pathlib import Path

import pytest
import torch

from srkit.models.registry import create_model

from srkit.train.recipe import load_recipe, stages
from test_train import SRC, make_images, read_csv

RECIPES = sorted((SRC.parent / "recipes").glob("*.toml"))

#: model options that make the big networks small enough for a CPU smoke test
SMALL = {
    "edsr": {"n_resblocks": 2, "n_feats": 16}, "mdsr": {"n_resblocks": 2}, "mdsr-baseline": {"n_resblocks": 2},
    "rcan": {"n_resgroups": 1, "n_resblocks": 2}, "rrdbnet": {"n_blocks": 1, "n_feats": 16, "growth": 8},
    "srresnet": {"n_resblocks": 2}, "drcn": {"n_feats": 16, "recursions": 3}, "drrn": {"n_units": 3, "n_feats": 16},
    "red30": {"n_feats": 16, "n_layers": 3}, "srdensenet": {"n_blocks": 2, "n_layers": 2},
    "psnet": {"n_feats": 16, "up_feats": 32}, "vdsr": {"depth": 5}, "lapsrn": {"depth": 2},
}


def _shrink(recipe: dict, data: Path, steps_per_stage: int) -> dict:
    recipe["data"].update(train=[str(data / "train")], batch=4, workers=0)
    recipe["model"]["options"].update(SMALL.get(recipe["model"]["name"], {}))
    scale = max(recipe["model"]["scales"] or [recipe["model"]["scale"]])
    recipe["data"]["patch"] = max(min(recipe["data"]["patch"] // 2, 32) // scale, 4) * scale
    recipe["validate"].update(set=str(data / "val"), every=10 ** 6)
    recipe["checkpoint"].update(every=steps_per_stage, keep=10)
    recipe["log"]["every"] = 1
    recipe["train"].update(steps=steps_per_stage, threads=1)
    for st in recipe["stages"]:
        st["steps"] = steps_per_stage
        if "gan" in st:  # the discriminator's dense layer is sized for the patch
            st["gan"].setdefault("options", {})["patch_size"] = recipe["data"]["patch"]
        st.get("data", {}).pop("patch", None)
        st.get("data", {}).pop("batch", None)
    for loss in [recipe["loss"]] + [st.get("loss", {}) for st in recipe["stages"]]:
        for term in ("perceptual", "style"):
            if isinstance(loss.get(term), dict):
                loss[term]["vgg"] = "random"
    return recipe


def _content_loss(recipe: dict, stage: dict, weights: dict, data: Path) -> float:
    """The stage's non-adversarial loss of ``weights`` on a fixed batch (no sampling noise)."""
    import torch

    from srkit.data.pairs import PatchDataset, SampleKey, collate
    from srkit.losses import build_loss
    from srkit.models.registry import create_model
    from srkit.train.trainer import TrainView, supervised_loss

    m = recipe["model"]
    scales = m["scales"] or [m["scale"]]
    model = create_model(m["name"], scale=scales[0], **m["options"])
    model.load_state_dict(weights)
    ds = PatchDataset(sorted((data / "train").glob("*.png")), scales[:1], describe_channels(recipe), augment=False)
    patch = recipe["data"]["patch"] // scales[0]
    lr, hr = collate([ds[SampleKey(10 ** 6, j, scales[0], patch)] for j in range(8)])
    content = {k: v for k, v in stage["loss"].items() if k != "adversarial"}
    with torch.no_grad():
        out = TrainView(model, len(scales) > 1)(lr, scales[0])
        return float(supervised_loss(build_loss(content), out, hr, None, 0.0)[0])


def _term(row: dict, name: str) -> float:
    return float(dict(t.split("=") for t in row["terms"].split())[name])


def describe_channels(recipe: dict) -> int:
    from srkit.models.registry import describe

    return recipe["model"]["channels"] or describe(recipe["model"]["name"]).in_channels


@pytest.mark.parametrize("path", RECIPES, ids=[p.stem for p in RECIPES])
def test_recipe_trains_and_loss_goes_down(path, tmp_path):
    from srkit.train.trainer import train

    from srkit.models.registry import list_models

    recipe = load_recipe(path)
    needed = [recipe["model"]["name"]] + [st["gan"]["discriminator"] for st in stages(recipe) if st["gan"]["discriminator"]]
    missing = [m for m in needed if m not in list_models()]
    if missing:
        pytest.skip(f"model(s) {', '.join(missing)} not in the zoo yet")
    make_images(tmp_path / "train", 6, 72, 0)
    make_images(tmp_path / "val", 2, 48, 1)
    recipe = _shrink(recipe, tmp_path, 24)
    torch.manual_seed(recipe["train"]["seed"])  # the trainer seeds its model the same way
    start = create_model(recipe["model"]["name"], scale=(recipe["model"]["scales"] or [recipe["model"]["scale"]])[0],
                         **recipe["model"]["options"]).state_dict()
    run = train(recipe, out=tmp_path / "run", quiet=True)
    rows = read_csv(run / "train.csv")
    for st in stages(recipe):
        assert sum(r["stage"] == st["name"] for r in rows) == 24
        end = torch.load(run / "checkpoints" / f"step_{st['stop']:08d}.pt", weights_only=True)["model"]
        if "adversarial" in st["loss"]:
            # the generator's side of a GAN need not fall; the discriminator must learn to tell
            d = [_term(r, "d_loss") for r in rows if r["stage"] == st["name"]]
            assert sum(d[-6:]) < sum(d[:6]), f"{path.stem} stage {st['name']}: D loss {d[0]:.4g} -> {d[-1]:.4g}"
        else:  # on a fixed batch, so sampling noise cannot fake or hide progress
            before, after = (_content_loss(recipe, st, w, tmp_path) for w in (start, end))
            assert after < before, f"{path.stem} stage {st['name']}: loss {before:.4g} -> {after:.4g}"
        start = end
    assert (run / "final.safetensors").exists()


def test_every_zoo_model_has_a_recipe():
    from srkit.models.registry import describe, list_models

    trained = set()
    for path in RECIPES:
        r = load_recipe(path)
        trained.add(describe(r["model"]["name"]).name)
        trained.update(describe(st["gan"]["discriminator"]).name for st in stages(r) if st["gan"]["discriminator"])
    zoo = [m for m in list_models() if describe(m).builder.__module__.startswith("srkit.")]  # not test models
    untrained = [m for m in zoo if describe(m).learned and m not in trained
                 and not (m == "srgan" and "srresnet" in trained)]  # SRGAN's generator is SRResNet
    assert not untrained, f"no recipe trains {', '.join(untrained)}"


SRKIT_RECIPES = sorted((SRC.parent / "recipes" / "srkit").glob("*.toml"))


@pytest.mark.parametrize("path", SRKIT_RECIPES, ids=[p.stem for p in SRKIT_RECIPES])
def test_shipped_weight_recipes_never_touch_test_sets(path):
    """srkit's recipes for its shipped weights: train on T91/BSD200 only, validate on Set5,
    x3/x4 start from the same model's x2 weights, and a later cycle from its own weights."""
    recipe = load_recipe(path)
    name, scale = recipe["model"]["name"], recipe["model"]["scale"]
    stem, _, cycle = path.stem.partition("_cycle")
    assert stem == f"{name}_x{scale}"
    assert set(recipe["data"]["train"]) <= {"T91", "BSD200"}
    assert recipe["validate"]["set"] == "Set5"
    first = "" if scale == 2 else f"src/srkit/weights/{name}_x2.safetensors"
    assert recipe["model"]["init"] == (f"src/srkit/weights/{stem}.safetensors" if cycle else first)

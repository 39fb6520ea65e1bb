"""Smoke test of every shipped recipe: a few steps at reduced size, and the loss goes down.

Reduced size: synthetic images instead of the recipe's datasets, small batch
and patch, a handful of steps; VGG losses use random weights (said explicitly,
as the ImageNet file is not available in CI). The recipe's model, losses,
optimiser, per-layer learning rates and stages are used as written.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from srkit.train.recipe import load_recipe, stages
from test_train import SRC, read_csv, tiny_recipe

RECIPES = sorted((SRC.parent / "recipes").glob("*.toml"))


def _shrink(recipe: dict, data: Path, steps_per_stage: int) -> dict:
    recipe["data"].update(train=[str(data / "train")], batch=4, workers=0)
    scale = max(recipe["model"]["scales"] or [recipe["model"]["scale"]])
    recipe["data"]["patch"] = max(recipe["data"]["patch"] // 2 // scale, 4) * scale
    recipe["validate"].update(set=str(data / "val"), every=10 ** 6)
    recipe["checkpoint"]["every"] = 10 ** 6
    recipe["log"]["every"] = 1
    recipe["train"].update(steps=steps_per_stage, threads=1)
    for st in recipe["stages"]:
        st["steps"] = steps_per_stage
        st.get("data", {}).pop("patch", None)
        st.get("data", {}).pop("batch", None)
    for loss in [recipe["loss"]] + [st.get("loss", {}) for st in recipe["stages"]]:
        for term in ("perceptual", "style"):
            if isinstance(loss.get(term), dict):
                loss[term]["vgg"] = "random"
    return recipe


@pytest.mark.parametrize("path", RECIPES, ids=[p.stem for p in RECIPES])
def test_recipe_trains_and_loss_goes_down(path, tmp_path):
    from srkit.train.trainer import train

    from srkit.models.registry import list_models

    recipe = load_recipe(path)
    needed = [recipe["model"]["name"]] + [st["gan"]["discriminator"] for st in stages(recipe) if st["gan"]["discriminator"]]
    missing = [m for m in needed if m not in list_models()]
    if missing:
        pytest.skip(f"model(s) {', '.join(missing)} not in the zoo yet")
    tiny_recipe(tmp_path)  # synthetic images
    recipe = _shrink(recipe, tmp_path, 24)
    run = train(recipe, out=tmp_path / "run", quiet=True)
    rows = read_csv(run / "train.csv")
    for st in stages(recipe):
        losses = [float(r["loss"]) for r in rows if r["stage"] == st["name"]]
        assert len(losses) == 24
        first, last = sum(losses[:6]) / 6, sum(losses[-6:]) / 6
        assert last < first, f"{path.stem} stage {st['name']}: loss {first:.4g} -> {last:.4g}"
    assert (run / "final.safetensors").exists()

"""Does the data pipeline keep up with training? (a benchmark, not a test)

Measures, on this machine, the samples/s that srkit's patch pipeline delivers
(T91 + BSD200, MATLAB-bicubic LR, flips/rotations, DataLoader with 0 and N
workers) and the samples/s that FSRCNN x3 training consumes with the
fsrcnn_x3 recipe's batch and patch, and prints their ratio (the goal is >= 3).

    SRKIT_DATA=../shared/data python benchmarks/data_pipeline.py [--threads 1] [--workers 2]
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch
from torch.utils.data import DataLoader

from srkit.data import image_paths
from srkit.data.pairs import PatchDataset, StepBatches, collate
from srkit.losses import build_loss
from srkit.models.registry import create_model
from srkit.train.recipe import load_recipe
from srkit.train.trainer import build_optimizer, param_groups

RECIPE = Path(__file__).resolve().parents[1] / "recipes" / "fsrcnn_x3.toml"


def pipeline_rate(dataset, plan, steps: int, workers: int) -> float:
    loader = DataLoader(dataset, batch_sampler=StepBatches(0, steps, plan), collate_fn=collate, num_workers=workers)
    it = iter(loader)
    next(it)  # worker start-up is not throughput
    t0, n = time.perf_counter(), 0
    for lr, _ in it:
        n += lr.shape[0]
    return n / (time.perf_counter() - t0)


def training_rate(recipe: dict, plan, dataset, steps: int) -> float:
    model = create_model(recipe["model"]["name"], scale=recipe["model"]["scale"])
    opt = build_optimizer(param_groups(model, recipe["optim"]), recipe["optim"])
    loss_fn = build_loss(recipe["loss"])
    lr, hr = collate([dataset[k] for k in next(iter(StepBatches(0, 1, plan)))])
    for i in range(steps + 2):
        if i == 2:
            t0 = time.perf_counter()
        loss, _ = loss_fn(model(lr), hr)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return steps * lr.shape[0] / (time.perf_counter() - t0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=1, help="torch threads for the training side")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--steps", type=int, default=40)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    recipe = load_recipe(RECIPE)
    s, batch, patch = recipe["model"]["scale"], recipe["data"]["batch"], recipe["data"]["patch"]
    t0 = time.perf_counter()
    paths = [p for name in recipe["data"]["train"] for p in image_paths(name)]
    dataset = PatchDataset(paths, [s], 1)
    print(f"decoded and cached {len(paths)} images (+ x{s} LR) in {time.perf_counter() - t0:.1f} s")

    def plan(step):
        return batch, s, patch // s

    train = training_rate(recipe, plan, dataset, args.steps)
    print(f"FSRCNN x{s} training consumes {train:9.0f} samples/s (batch {batch}, HR patch {patch}, {args.threads} thread(s))")
    for w in sorted({0, args.workers}):
        rate = pipeline_rate(dataset, plan, args.steps, w)
        print(f"pipeline with {w} worker(s) delivers {rate:9.0f} samples/s = {rate / train:5.1f} x what training needs")


if __name__ == "__main__":
    main()

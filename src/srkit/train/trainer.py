"""The training loop: recipe -> data -> model -> optimiser -> checkpoints, logs and exported weights.

One call, :func:`train`, runs every stage of a recipe; it is the same under
``torchrun`` (data-parallel, see :mod:`srkit.train.distributed`). Resuming
restores the model, optimisers, AMP scaler, EMA, random states and the step;
the data stream is a pure function of the step (see :mod:`srkit.data.pairs`),
so an interrupted run continues exactly where it stopped.
"""
from __future__ import annotations

import fnmatch
import hashlib
import json
import math
import sys
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader

from srkit.data import image_paths
from srkit.device import pick_device
from srkit.data.pairs import PatchDataset, StepBatches, collate, eval_pairs
from srkit.errors import SrkitError
from srkit.losses import build_loss
from srkit.models.registry import create_model, describe
from srkit.models.weights import init_from, save_weights
from srkit.train import checkpoint as ckpt
from srkit.train import distributed as dist_
from srkit.train.ema import EMA
from srkit.train.progress import TRAIN_FIELDS, VAL_FIELDS, CsvLog, Progress, tensorboard
from srkit.train.recipe import RESUME_MUTABLE, differences, load_recipe, stages
from srkit.train.schedule import lr_factor
from srkit.train.validate import evaluate, final_output


class TrainView(nn.Module):
    """The model as the training loss sees it (and what DDP wraps).

    Calls ``forward_all`` when the model has one (DRCN: ``(final, [y_1..y_D])``;
    LapSRN: every pyramid level), and passes the batch's scale to a model
    trained on several scales at once (VDSR, MDSR).
    """

    def __init__(self, model: nn.Module, pass_scale: bool):
        super().__init__()
        self.model, self.pass_scale = model, pass_scale

    def forward(self, lr: torch.Tensor, scale: int):
        fn = getattr(self.model, "forward_all", self.model.forward)
        return fn(lr, scale=scale) if self.pass_scale else fn(lr)


def param_groups(model: nn.Module, optim: dict) -> list[dict]:
    """Parameter groups: ``optim.param_lr`` maps fnmatch patterns of parameter names to their lr
    (e.g. SRCNN's 1e-5 on the last layer); the first matching pattern wins."""
    patterns = optim["param_lr"]
    groups = {p: [] for p in patterns}
    rest = []
    for name, p in model.named_parameters():
        if not p.requires_grad:
            continue
        hit = next((pat for pat in patterns if fnmatch.fnmatchcase(name, pat)), None)
        (groups[hit] if hit else rest).append(p)
    empty = [pat for pat, ps in groups.items() if not ps]
    if empty:
        names = ", ".join(n for n, _ in model.named_parameters())
        raise SrkitError(f"optim.param_lr: pattern(s) {', '.join(empty)} match no parameter; parameters are {names}")
    out = [{"params": ps, "lr": float(patterns[pat]), "base_lr": float(patterns[pat])} for pat, ps in groups.items()]
    if rest:
        out.insert(0, {"params": rest, "lr": float(optim["lr"]), "base_lr": float(optim["lr"])})
    return out


def build_optimizer(groups: list[dict], optim: dict) -> torch.optim.Optimizer:
    name = optim["name"].lower()
    if name == "adam":
        return torch.optim.Adam(groups, betas=tuple(optim["betas"]), eps=optim["eps"],
                                weight_decay=optim["weight_decay"])
    if name == "sgd":
        return torch.optim.SGD(groups, momentum=optim["momentum"], weight_decay=optim["weight_decay"])
    raise SrkitError(f"optim.name must be 'adam' or 'sgd', got {optim['name']!r}")


def set_lr(opt: torch.optim.Optimizer, stage: dict, step: int) -> None:
    steps = stage["stop"] - stage["start"]
    for g in opt.param_groups:
        g["lr"] = g["base_lr"] * lr_factor(stage["schedule"], g["base_lr"], step - stage["start"], steps)


def recursive_alpha(train_cfg: dict, step: int) -> float:
    """DRCN's recursive-supervision weight alpha, decayed linearly from a to b over n steps."""
    a, b, n = train_cfg["recursive_alpha"]
    return float(b if n and step >= n else a + (b - a) * step / n if n else a)


def supervised_loss(loss_fn, out, hr, disc, alpha: float):
    """(total, parts) of one training output against ``hr``.

    - a tensor: the loss itself;
    - ``(final, [y_1, ..., y_D])`` (DRCN recursive supervision, Kim et al. 2016
      eq. 7-9): alpha * mean_d loss(y_d) + (1 - alpha) * loss(final);
    - a list of growing outputs (LapSRN, Lai et al. 2017 eq. 5): the sum over
      pyramid levels of the loss against the HR bicubic-downscaled to each size.
    """
    if isinstance(out, torch.Tensor):
        return loss_fn(out, hr, disc)
    if isinstance(out, tuple) and len(out) == 2 and isinstance(out[1], (list, tuple)):
        final, intermediate = out
        total, parts = loss_fn(final, hr, disc)
        if alpha and intermediate:
            inter = sum(loss_fn(y, hr, disc)[0] for y in intermediate) / len(intermediate)
            total = alpha * inter + (1 - alpha) * total
        return total, parts
    from srkit.imaging.resize import imresize

    total, parts = 0.0, {}
    for level in out:
        target = hr if level.shape[-2:] == hr.shape[-2:] else imresize(hr, size=tuple(level.shape[-2:]))
        t, p = loss_fn(level, target, disc)
        total = total + t
        parts = {k: parts.get(k, 0.0) + v for k, v in p.items()}
    return total, parts


class Run:
    """State of one training run (built by :func:`train`)."""

    def __init__(self, recipe: dict, out: Path, device: torch.device, ctx: dist_.Context, quiet: bool):
        self.recipe, self.out, self.device, self.ctx = recipe, out, device, ctx
        self.stages = stages(recipe)
        self.total = self.stages[-1]["stop"]
        m = recipe["model"]
        self.info = describe(m["name"])
        self.channels = m["channels"] or self.info.in_channels
        self.scales = [int(s) for s in (m["scales"] or [m["scale"]])]
        torch.manual_seed(recipe["train"]["seed"])
        options = dict(m["options"])
        if m["channels"]:
            options.setdefault("channels", m["channels"])
        self.model = create_model(m["name"], scale=self.scales[0], **options)
        # the init file's hash goes into the exported metadata, so a fine-tune names exactly what it started from
        self.init_sha256 = hashlib.sha256(Path(m["init"]).read_bytes()).hexdigest() if m["init"] else None
        if m["init"]:
            fresh = init_from(self.model, m["init"])
            if ctx.main and not quiet:
                print(f"initialised from {m['init']}; left as initialised: {', '.join(fresh) or 'nothing'}",
                      file=sys.stderr)
        # channels-last: oneDNN's native layout, 1.1-1.6x faster CPU steps for the zoo's convnets
        self.model.to(device, memory_format=torch.channels_last).train()
        self.multi_scale = len(self.scales) > 1
        if self.multi_scale and not self.info.multi_scale:
            raise SrkitError(f"model {self.info.name!r} cannot train on several scales (model.scales); use model.scale")
        view = TrainView(self.model, self.multi_scale)
        self.net = (nn.parallel.DistributedDataParallel(view, device_ids=[device.index] if device.type == "cuda" else None)
                    if ctx.world > 1 else view)
        ema_decay = recipe["train"]["ema"]
        self.ema = EMA(self.model, ema_decay) if ema_decay else None
        self.disc = None
        self.step = 0
        self.best = -math.inf
        self.wall = 0.0
        self.quiet = quiet or not ctx.main
        self._load_data()

    # -- data ---------------------------------------------------------------
    def _load_data(self) -> None:
        d = self.recipe["data"]
        paths = [p for name in d["train"] for p in image_paths(name, d["root"] or None)]
        noise = None if d["noise"] < 0 else d["noise"]
        self.dataset = PatchDataset(paths, self.scales, self.channels, d["degradation"], noise=noise,
                                    blur=d["blur"] or None, augment=d["augment"], seed=self.recipe["train"]["seed"],
                                    rescale=d["rescale"])
        v = self.recipe["validate"]
        self.val = {}
        if v["set"] and self.ctx.main:
            vpaths = image_paths(v["set"], d["root"] or None)
            if v["limit"]:
                vpaths = vpaths[:v["limit"]]
            self.val = {s: eval_pairs(vpaths, s, self.channels) for s in self.scales}

    def plan(self, stage: dict):
        seed = self.recipe["train"]["seed"]

        def at(step: int):
            data = stage["data"]
            scale = self.scales[0]
            if self.multi_scale:
                scale = self.scales[int(np.random.default_rng([seed, step, 1 << 30]).integers(len(self.scales)))]
            return data["batch"], scale, data["patch"] // scale
        return at

    # -- optimisation ---------------------------------------------------------
    def build_stage(self, stage: dict):
        border, patch = stage["data"]["border"], stage["data"]["patch"]
        if border and hasattr(self.model, "forward_all"):
            raise SrkitError(f"data.border: {self.info.name} trains on several outputs; only single-output models "
                             "can leave the patch border out of the loss")
        if border < 0 or any(2 * border >= patch // s * s for s in self.scales):
            raise SrkitError(f"data.border = {border}: must be at least 0 and leave a centre in the "
                             f"{patch}-px HR patch")
        self.loss = build_loss(stage["loss"]).to(self.device)
        self.opt = build_optimizer(param_groups(self.model, stage["optim"]), stage["optim"])
        self.disc_opt = None
        gan = stage["gan"]
        if self.loss.adversarial is not None:
            if not gan["discriminator"]:
                raise SrkitError(f"stage {stage['name']!r}: an adversarial loss needs gan.discriminator")
            if self.disc is None:
                with torch.random.fork_rng(devices=[]):  # same initial D on resume; global RNG untouched
                    torch.manual_seed(self.recipe["train"]["seed"] + 1)
                    self.disc = create_model(gan["discriminator"], **gan["options"]).to(self.device).train()
            groups = [{"params": list(self.disc.parameters()), "lr": gan["lr"], "base_lr": gan["lr"]}]
            self.disc_opt = torch.optim.Adam(groups, betas=tuple(gan["betas"]))
        amp = stage["train"]["amp"] and self.device.type == "cuda"
        self.amp = amp
        self.scaler = torch.amp.GradScaler("cuda") if amp else None

    def train_step(self, stage: dict, lr: torch.Tensor, hr: torch.Tensor, scale: int):
        cfg = stage["train"]
        set_lr(self.opt, stage, self.step)
        if self.disc_opt is not None and stage["gan"]["schedule"]:
            set_lr(self.disc_opt, stage, self.step)
        if self.disc is not None:
            self.disc.requires_grad_(False)
        with torch.autocast(self.device.type, enabled=self.amp):
            out = self.net(lr, scale)
            if border := stage["data"]["border"]:  # SRCNN's valid-centre training: no padded pixels
                out, hr = out[..., border:-border, border:-border], hr[..., border:-border, border:-border]
            total, parts = supervised_loss(self.loss, out, hr, self.disc, recursive_alpha(cfg, self.step))
        if not dist_.all_finite(self.ctx, total):
            raise SrkitError(f"loss became {float(total.detach())} at step {self.step + 1} (stage {stage['name']!r}): "
                             "training stopped; the last good checkpoint is kept. Lower optim.lr or set "
                             "train.clip_grad_norm")
        self.opt.zero_grad(set_to_none=True)
        self._backward_step(total, self.opt, cfg)
        parts = {k: float(v.detach()) for k, v in parts.items()}
        if self.disc is not None and self.disc_opt is not None:
            parts["d_loss"] = self._disc_step(final_output(out).detach(), hr)
        if self.ema is not None:
            self.ema.update(self.model)
        return float(total.detach()), parts

    def _backward_step(self, loss, opt, cfg) -> None:
        """Backward, gradient clipping (global norm; VDSR's adjustable bound), optimiser step."""
        if self.scaler is not None:
            self.scaler.scale(loss).backward()
            self.scaler.unscale_(opt)
        else:
            loss.backward()
        params = [p for g in opt.param_groups for p in g["params"] if p.grad is not None]
        if cfg["clip_grad_norm"]:
            torch.nn.utils.clip_grad_norm_(params, cfg["clip_grad_norm"])
        if cfg["clip_adjustable"]:  # VDSR: clip each gradient to [-theta/lr, theta/lr]
            for g in opt.param_groups:
                bound = cfg["clip_adjustable"] / g["lr"]
                for p in g["params"]:
                    if p.grad is not None:
                        p.grad.clamp_(-bound, bound)
        if self.scaler is not None:
            self.scaler.step(opt)
            self.scaler.update()
        else:
            opt.step()

    def _disc_step(self, sr: torch.Tensor, hr: torch.Tensor) -> float:
        """One discriminator update on real ``hr`` and detached ``sr``; returns its loss."""
        self.disc.requires_grad_(True)
        with torch.autocast(self.device.type, enabled=self.amp):
            d_loss = self.loss.adversarial.discriminator_loss(self.disc(hr), self.disc(sr))
        self.disc_opt.zero_grad(set_to_none=True)
        (self.scaler.scale(d_loss) if self.scaler is not None else d_loss).backward()
        if self.ctx.world > 1:  # average discriminator gradients across ranks (as DDP does for G)
            for p in self.disc.parameters():
                if p.grad is not None:
                    torch.distributed.all_reduce(p.grad)
                    p.grad /= self.ctx.world
        if self.scaler is not None:
            self.scaler.step(self.disc_opt)
            self.scaler.update()
        else:
            self.disc_opt.step()
        return float(d_loss.detach())

    # -- checkpoints ----------------------------------------------------------
    def state(self, stage: dict) -> dict:
        s = {
            "format": "srkit-train-1", "world": self.ctx.world, "step": self.step, "stage": stage["index"], "best_psnr": self.best,
            "wall_s": self.wall, "recipe_json": json.dumps(self.recipe, sort_keys=True), "init_sha256": self.init_sha256,
            "model": self.model.state_dict(), "optim": self.opt.state_dict(), "rng": ckpt.rng_state(),
        }
        if self.ema is not None:
            s["ema"] = self.ema.state_dict()
        if self.disc is not None:
            s["disc"] = self.disc.state_dict()
        if self.disc_opt is not None:
            s["disc_optim"] = self.disc_opt.state_dict()
        if self.scaler is not None:
            s["scaler"] = self.scaler.state_dict()
        return s

    def restore(self, state: dict, stage: dict) -> None:
        self.step, self.best, self.wall = int(state["step"]), float(state["best_psnr"]), float(state["wall_s"])
        self.init_sha256 = state.get("init_sha256")  # what the run started from, not what the path holds now
        self.model.load_state_dict(state["model"])
        if self.ema is not None and "ema" in state:
            self.ema.load_state_dict(state["ema"])
        if self.disc is not None and "disc" in state:
            self.disc.load_state_dict(state["disc"])
        if int(state["stage"]) == stage["index"] and self.step < stage["stop"]:
            self.opt.load_state_dict(state["optim"])
            if self.disc_opt is not None and "disc_optim" in state:
                self.disc_opt.load_state_dict(state["disc_optim"])
            if self.scaler is not None and "scaler" in state:
                self.scaler.load_state_dict(state["scaler"])
        ckpt.set_rng_state(state["rng"])

    def eval_model(self) -> nn.Module:
        return self.ema.model if self.ema is not None else self.model


def _prepare_out(out: Path, resume: bool, recipe: dict, main: bool) -> dict | None:
    """Check the run folder; on resume return the latest checkpoint (or None when there is none yet)."""
    folder = out / "checkpoints"
    found = ckpt.step_checkpoints(folder)
    if not resume:
        if found:
            raise SrkitError(f"run folder {out} already has checkpoints; pass --resume to continue it or choose another --out")
        return None
    if main:  # temp files of a write that was killed half-way
        for stale in folder.glob(".*.part"):
            stale.unlink(missing_ok=True)
    latest = ckpt.latest(folder)
    if latest is None:
        return None
    path, state = latest
    saved = load_recipe(json.loads(state["recipe_json"]))  # completed with today's defaults
    changed = [k for k in differences(saved, recipe) if k not in RESUME_MUTABLE]
    if changed:
        raise SrkitError(f"--resume: the recipe differs from the run's in {', '.join(changed)}")
    return state


def train(recipe, *, overrides=(), out=None, resume: bool = False, device: str | None = None,
          quiet: bool = False) -> Path:
    """Train per ``recipe`` (a TOML path or dict) with ``--set``-style ``overrides``; returns the run folder.

    The run folder holds ``recipe.json``, ``checkpoints/`` (``step_*.pt``,
    ``best.pt``), ``train.csv``, ``val.csv`` and the exported ``final.safetensors``.
    """
    cfg = load_recipe(recipe, overrides)
    dev = pick_device(device or cfg["train"]["device"])
    if cfg["train"]["threads"]:
        torch.set_num_threads(cfg["train"]["threads"])
    ctx = dist_.setup(dev)
    if dev.type == "cuda" and dev.index is None:
        dev = torch.device("cuda", ctx.local_rank)
        torch.cuda.set_device(dev)
    out = Path(out or Path("runs") / cfg["name"])
    try:
        state = _prepare_out(out, resume, cfg, ctx.main)
        dist_.barrier(ctx)
        run = Run(cfg, out, dev, ctx, quiet)
        if ctx.main:
            (out / "checkpoints").mkdir(parents=True, exist_ok=True)
            (out / "recipe.json").write_text(json.dumps(cfg, indent=2, sort_keys=True))
        _loop(run, state)
        del run  # DDP's reducer holds the process group: free it before the group goes
    finally:
        dist_.teardown(ctx)
    return out


def _loop(run: Run, state: dict | None) -> None:
    cfg, ctx = run.recipe, run.ctx
    start = int(state["step"]) if state else 0
    logs = None
    if ctx.main:
        logs = (CsvLog(run.out / "train.csv", TRAIN_FIELDS), CsvLog(run.out / "val.csv", VAL_FIELDS),
                tensorboard(run.out / "tb"))
        for log in logs[:2]:
            log.truncate(start)
    progress = Progress(run.total, start, cfg["log"]["every"], enabled=not run.quiet)
    if state:
        progress.message(f"resuming {run.out} at step {start}")
    t_start = time.monotonic() - (float(state["wall_s"]) if state else 0.0)
    stage = run.stages[-1]
    for stage in run.stages:
        if stage["stop"] <= start:
            continue
        run.build_stage(stage)
        if state is not None:
            run.restore(state, stage)
            state = None
        run.step = max(run.step, stage["start"])
        plan = run.plan(stage)
        loader = DataLoader(run.dataset, batch_sampler=StepBatches(run.step, stage["stop"], plan, ctx.rank, ctx.world),
                            collate_fn=collate, num_workers=stage["data"]["workers"],
                            pin_memory=run.device.type == "cuda")
        for lr, hr in loader:
            scale = round(hr.shape[-1] / lr.shape[-1])
            lr, hr = (t.to(run.device, non_blocking=True, memory_format=torch.channels_last) for t in (lr, hr))
            loss, parts = run.train_step(stage, lr, hr, scale)
            run.step += 1
            run.wall = time.monotonic() - t_start
            rate = progress.update(run.step, lr.shape[0] * ctx.world, loss, stage["name"])
            if ctx.main:
                _after_step(run, stage, loss, parts, rate, logs, progress)
    if state is not None:  # the run had already finished all its steps: export its last state
        run.build_stage(stage)
        run.restore(state, stage)
    if ctx.main:
        progress.close()
        if logs[2] is not None:
            logs[2].close()
        _export(run, stage)
        progress.message(f"done: {run.out} (best validation PSNR {run.best:.2f} dB)")
    dist_.barrier(ctx)


def _after_step(run: Run, stage: dict, loss: float, parts: dict, rate: float, logs, progress) -> None:
    cfg = run.recipe
    step, last = run.step, run.step == stage["stop"]
    if step % cfg["log"]["every"] == 0 or last:
        logs[0].write({"step": step, "stage": stage["name"], "loss": f"{loss:.6g}",
                       "terms": " ".join(f"{k}={v:.6g}" for k, v in parts.items()),
                       "lr": f"{run.opt.param_groups[0]['lr']:.6g}", "samples_per_s": f"{rate:.2f}",
                       "wall_s": f"{run.wall:.1f}"})
        if logs[2] is not None:
            for k, v in {"loss": loss, **parts}.items():
                logs[2].add_scalar(f"train/{k}", v, step)
    if run.val and (step % cfg["validate"]["every"] == 0 or last):
        scores = []
        for s, pairs in run.val.items():
            r = evaluate(run.eval_model(), pairs, s, run.device, run.multi_scale)
            logs[1].write({"step": step, "scale": s, "psnr": f"{r['psnr']:.4f}", "ssim": f"{r['ssim']:.5f}"})
            if logs[2] is not None:
                logs[2].add_scalar(f"val/psnr_x{s}", r["psnr"], step)
            scores.append(r["psnr"])
            progress.message(f"step {step}: {cfg['validate']['set']} x{s} PSNR {r['psnr']:.3f} dB SSIM {r['ssim']:.4f}")
        mean = float(np.mean(scores))
        if mean > run.best:
            run.best = mean
            ckpt.atomic_save(run.state(stage), run.out / "checkpoints" / "best.pt")
    if step % cfg["checkpoint"]["every"] == 0 or last:
        ckpt.save_step(run.state(stage), run.out / "checkpoints", step, cfg["checkpoint"]["keep"])


def _export(run: Run, stage: dict) -> Path:
    """Final (EMA if used) weights as ``final.safetensors`` with the run's metadata (srkit.save_weights)."""
    meta = {
        "recipe": run.recipe["name"], "paper": run.recipe["paper"], "model": run.info.name,
        "scales": list(run.scales), "data": list(run.recipe["data"]["train"]),
        "degradation": run.recipe["data"]["degradation"], "steps": run.step, "wall_s": round(run.wall),
        "ema": run.ema is not None, "best_val_psnr": None if math.isinf(run.best) else round(run.best, 4),
        "val_set": run.recipe["validate"]["set"],
    }
    if run.recipe["model"]["init"]:
        meta.update(init=run.recipe["model"]["init"], init_sha256=run.init_sha256)
    return save_weights(run.eval_model(), run.out / "final.safetensors", meta)

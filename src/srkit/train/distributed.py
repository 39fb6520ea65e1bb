"""Multi-process data parallelism under ``torchrun`` (PyTorch DistributedDataParallel).

``torchrun`` sets RANK / WORLD_SIZE / LOCAL_RANK; srkit then joins the process
group (gloo on CPU, NCCL on CUDA), gives each rank an equal slice of the global
batch and lets only rank 0 write logs and checkpoints.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist


@dataclass(frozen=True)
class Context:
    rank: int = 0
    world: int = 1
    local_rank: int = 0

    @property
    def main(self) -> bool:
        return self.rank == 0


def setup(device: torch.device) -> Context:
    """Join the process group when launched by torchrun; a single-process context otherwise."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return Context()
    if not dist.is_initialized():
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    return Context(dist.get_rank(), dist.get_world_size(), int(os.environ.get("LOCAL_RANK", "0")))


def teardown(ctx: Context) -> None:
    if ctx.world > 1 and dist.is_initialized():
        dist.destroy_process_group()


def barrier(ctx: Context) -> None:
    if ctx.world > 1:
        dist.barrier()


def all_finite(ctx: Context, value: torch.Tensor) -> bool:
    """True when ``value`` is finite on every rank (so all ranks stop together)."""
    ok = torch.isfinite(value.detach()).all().to(torch.float32).reshape(1)
    if ctx.world > 1:
        dist.all_reduce(ok, op=dist.ReduceOp.MIN)
    return bool(ok.item())

"""Training engine: recipes, the training loop, checkpoints, EMA, schedules, torchrun.

``from srkit.train import train`` then ``train("recipes/espcn_x3.toml", out="runs/x")``;
see :func:`srkit.train.trainer.train`.
"""
from srkit.train.trainer import train

__all__ = ["train"]

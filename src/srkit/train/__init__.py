"""Training engine: recipes, the training loop, checkpoints, EMA, schedules, torchrun.

``srkit.train(recipe, ...)`` (this package is callable, so the name works both
as the package and as the function) runs :func:`srkit.train.trainer.train`.
"""
from __future__ import annotations

import sys
import types


def train(recipe, **kwargs):
    """Train per ``recipe``; see :func:`srkit.train.trainer.train`."""
    from srkit.train.trainer import train as _train

    return _train(recipe, **kwargs)


class _CallablePackage(types.ModuleType):
    def __call__(self, recipe, **kwargs):
        return train(recipe, **kwargs)


sys.modules[__name__].__class__ = _CallablePackage

"""The model zoo: one file per paper, all behind :mod:`srkit.models.registry`."""
from srkit.models.registry import ModelInfo, create_model, describe, list_models, register

__all__ = ["ModelInfo", "create_model", "describe", "list_models", "register"]

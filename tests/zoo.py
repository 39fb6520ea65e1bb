"""The zoo's own models: other test files register toy models in the same registry."""
from srkit.models.registry import describe, list_models


def zoo_models() -> list[str]:
    """Names registered by srkit's own model modules, sorted."""
    return [n for n in list_models() if describe(n).builder.__module__.startswith("srkit.models.")]

"""Model registry: ``register`` / ``create_model`` / ``list_models`` / ``describe``.

Each model file registers a builder with :func:`register`, which records a
:class:`ModelInfo` descriptor (what a caller needs to know without building the
network: scales, channels, input space, receptive field). Modules are imported
only when the registry is first queried, so ``import srkit`` stays light.

The contract every registered module keeps: ``forward(lr)`` takes N x C x h x w
in [0, 1] and returns N x C x (s*h) x (s*w). Models that work on a
bicubic-upsampled input ("pre" upsampling) do that resize inside.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Callable

from srkit.errors import SrkitError

#: Modules that define models; imported on first use of the registry.
MODEL_MODULES = [
    "srkit.models.interpolation",
    "srkit.models.srcnn",
    "srkit.models.fsrcnn",
    "srkit.models.espcn",
    "srkit.models.vdsr",
    "srkit.models.drcn",
    "srkit.models.red",
    "srkit.models.drrn",
    "srkit.models.edsr",
    "srkit.models.rcan",
    "srkit.models.srgan",
    "srkit.models.esrgan",
    "srkit.models.lapsrn",
    "srkit.models.srdensenet",
    "srkit.models.psnet",
]


@dataclass(frozen=True)
class ModelInfo:
    """What a caller needs to know about a registered model, without building it.

    ``receptive_field``: LR pixels of context on each side that affect one output
    pixel; tiling with at least this overlap reproduces the untiled output
    exactly when ``exact_tiling`` is true.
    """

    name: str
    paper: str
    scales: tuple[int, ...]
    in_channels: int  # 1 = Y, 3 = RGB (the paper's default)
    upsampling: str  # "pre" (bicubic-upsampled input), "post" (LR space) or "none"
    receptive_field: int
    multi_scale: bool = False
    exact_tiling: bool = True
    learned: bool = True
    default_scale: int = 2
    aliases: tuple[str, ...] = ()
    discriminator: bool = False  # a GAN critic, not an upscaler (forward(hr) -> logits)
    note: str = ""
    builder: Callable = field(default=None, repr=False, compare=False)


_REGISTRY: dict[str, ModelInfo] = {}
_ALIASES: dict[str, str] = {}
_loaded = False


def register(name: str, *, paper: str, scales, in_channels: int, upsampling: str,
             receptive_field: int, multi_scale: bool = False, exact_tiling: bool = True,
             learned: bool = True, default_scale: int | None = None, aliases=(),
             discriminator: bool = False, note: str = ""):
    """Decorator: register ``builder(scale=..., **overrides) -> nn.Module`` under ``name``."""
    if upsampling not in ("pre", "post", "none"):
        raise ValueError(f"upsampling must be 'pre', 'post' or 'none', got {upsampling!r}")

    def wrap(builder):
        scales_t = tuple(int(s) for s in scales)
        info = ModelInfo(name, paper, scales_t, in_channels, upsampling, int(receptive_field),
                         multi_scale, exact_tiling, learned,
                         default_scale or (2 if 2 in scales_t else scales_t[0]),
                         tuple(aliases), discriminator, note, builder)
        if name in _REGISTRY or name in _ALIASES:
            raise ValueError(f"model {name!r} registered twice")
        _REGISTRY[name] = info
        for alias in aliases:
            _ALIASES[alias] = name
        return builder

    return wrap


def _load_all() -> None:
    global _loaded
    if not _loaded:
        for module in MODEL_MODULES:
            importlib.import_module(module)
        _loaded = True


def list_models() -> list[str]:
    """Names of every registered model (aliases not included), sorted."""
    _load_all()
    return sorted(_REGISTRY)


def describe(name: str) -> ModelInfo:
    """The :class:`ModelInfo` of ``name`` (or an alias)."""
    _load_all()
    key = _ALIASES.get(name.lower(), name.lower())
    if key not in _REGISTRY:
        raise SrkitError(f"unknown model {name!r}; known models: {', '.join(list_models())}")
    return _REGISTRY[key]


def check_scale(info: ModelInfo, scale: int | None) -> int:
    """``scale`` validated against the model's supported scales (default if None)."""
    if scale is None:
        return info.default_scale
    if int(scale) != scale or int(scale) not in info.scales:
        raise SrkitError(f"model {info.name!r} supports scales {', '.join(map(str, info.scales))}, not {scale}")
    return int(scale)


def create_model(name: str, scale: int | None = None, pretrained: bool = False, **overrides):
    """Build model ``name`` for ``scale`` with the paper's defaults, changed by ``overrides``.

    ``pretrained=True`` loads the weights srkit ships for that model and scale.
    """
    info = describe(name)
    scale = check_scale(info, scale)
    if pretrained:
        from srkit.models.weights import load_pretrained

        return load_pretrained(info.name, scale, **overrides)
    try:
        model = info.builder(scale=scale, **overrides)
    except TypeError as exc:
        raise SrkitError(f"model {info.name!r}: bad option ({exc})") from None
    model.scale = scale
    model.multi_scale = info.multi_scale  # True: forward(lr, scale=...) picks the scale per call
    # what srkit.save_weights records so load_model can rebuild this exact architecture
    model.srkit_config = {"architecture": info.name, "scale": scale, "overrides": dict(overrides)}
    return model

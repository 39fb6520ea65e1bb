"""Weights files: safetensors tensors plus srkit's metadata in the same header.

``save_weights(model, path, meta)`` writes the state dict and, as string
header metadata, the architecture name, its config overrides, scale,
channels and whatever ``meta`` adds (training recipe, measured scores...),
so one file rebuilds the exact model: ``load_model(path)``. Nothing is ever
unpickled: ``.pth``/``.pt`` files of other toolkits are read with
``torch.load(weights_only=True)`` and need the architecture named.
``load_pretrained`` serves ``create_model(..., pretrained=True)`` from the
files shipped in ``srkit/weights/``.
"""
from __future__ import annotations

import json
from pathlib import Path

from srkit.errors import SrkitError

FORMAT = "srkit-weights/1"
WEIGHTS_DIR = Path(__file__).resolve().parent.parent / "weights"
_RESERVED = ("format", "architecture", "scale", "overrides", "channels")


def save_weights(model, path, meta: dict | None = None) -> Path:
    """Write ``model``'s tensors and metadata to the safetensors file ``path``.

    The architecture comes from ``model.srkit_config`` (set by ``create_model``);
    ``meta`` values may be any JSON-serialisable data and are stored as JSON text.
    """
    from safetensors.torch import save_file

    config = getattr(model, "srkit_config", None)
    if config is None:
        raise SrkitError("save_weights: the model was not built with srkit.create_model, "
                         "so its architecture is unknown")
    meta = dict(meta or {})
    clash = sorted(set(meta) & set(_RESERVED))
    if clash:
        raise SrkitError(f"save_weights: meta keys {', '.join(clash)} are reserved for the architecture")
    from srkit.models.registry import describe

    header = {"format": FORMAT, "architecture": config["architecture"], "scale": str(config["scale"]),
              "overrides": json.dumps(config["overrides"], sort_keys=True),
              "channels": str(config["overrides"].get("channels", describe(config["architecture"]).in_channels))}
    try:
        header.update({key: json.dumps(value) for key, value in meta.items()})
    except TypeError as exc:
        raise SrkitError(f"save_weights: meta is not JSON-serialisable ({exc})") from None
    tensors = {k: v.detach().contiguous().cpu() for k, v in model.state_dict().items()}
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    save_file(tensors, str(tmp), metadata=header)
    tmp.replace(path)
    return path


def read_metadata(path) -> dict:
    """The srkit metadata of a weights file (architecture, scale, overrides, meta...)."""
    from safetensors import safe_open

    path = _existing(path)
    try:
        with safe_open(str(path), framework="pt") as f:
            raw = f.metadata() or {}
    except Exception as exc:  # safetensors raises its own error types for bad headers
        raise SrkitError(f"{path}: not a readable safetensors file ({exc})") from None
    if raw.get("format") != FORMAT:
        raise SrkitError(f"{path}: no srkit metadata (format {raw.get('format')!r}); "
                         "pass architecture= and scale= to load plain weights")
    out = {"architecture": raw["architecture"], "scale": int(raw["scale"]), "channels": int(raw["channels"]),
           "overrides": json.loads(raw["overrides"])}
    out.update({k: json.loads(v) for k, v in raw.items() if k not in _RESERVED})
    return out


def load_model(path, architecture: str | None = None, scale: int | None = None, device="cpu", **overrides):
    """Rebuild and load the model stored at ``path``, in eval mode.

    srkit ``.safetensors`` files carry their architecture; plain safetensors and
    ``.pth``/``.pt`` state dicts (read with ``weights_only=True``) need
    ``architecture`` and ``scale``. The file's metadata is on ``model.srkit_meta``.
    """
    from srkit.models.registry import create_model

    path = _existing(path)
    if path.suffix in (".pth", ".pt"):
        meta = {}
        state = _torch_state_dict(path)
    else:
        from safetensors.torch import load_file

        meta = read_metadata(path) if architecture is None else {}
        try:
            state = load_file(str(path))
        except Exception as exc:
            raise SrkitError(f"{path}: not a readable safetensors file ({exc})") from None
    if meta:
        architecture, scale = meta["architecture"], meta["scale"]
        overrides = {**meta["overrides"], **overrides}
    elif architecture is None:
        raise SrkitError(f"{path}: a {path.suffix} file does not name its model; pass architecture= and scale=")
    model = create_model(architecture, scale, **overrides)
    _load_state(model, state, path)
    model.srkit_meta = meta
    return model.to(device).eval()


def pretrained_path(name: str, scale: int) -> Path:
    return WEIGHTS_DIR / f"{name}_x{scale}.safetensors"


def shipped() -> list[str]:
    """``name_xS`` of every weights file srkit ships."""
    return sorted(p.name.removesuffix(".safetensors") for p in WEIGHTS_DIR.glob("*_x*.safetensors"))


def pretrained_available(name: str, scale: int) -> bool:
    from srkit.models.registry import describe

    return pretrained_path(describe(name).name, scale).is_file()


def load_pretrained(name: str, scale: int, **overrides):
    """The shipped model ``name`` at ``scale`` (``create_model(..., pretrained=True)``)."""
    from srkit.models.registry import describe

    name = describe(name).name
    path = pretrained_path(name, scale)
    if not path.is_file():
        raise SrkitError(f"no pretrained weights shipped for {name} x{scale}; "
                         f"shipped: {', '.join(shipped()) or 'none'}")
    return load_model(path, **overrides)


def _existing(path) -> Path:
    path = Path(path)
    if not path.is_file():
        raise SrkitError(f"{path}: no such weights file")
    return path


def _torch_state_dict(path: Path) -> dict:
    import torch

    try:
        obj = torch.load(str(path), map_location="cpu", weights_only=True)
    except Exception as exc:  # UnpicklingError for disallowed globals, RuntimeError/EOFError for bad files
        raise SrkitError(f"{path}: cannot be read as plain tensors with weights_only=True "
                         f"({str(exc).splitlines()[0]})") from None
    for key in ("params_ema", "params", "state_dict", "model"):  # BasicSR / Lightning / generic wrappers
        if isinstance(obj, dict) and isinstance(obj.get(key), dict):
            obj = obj[key]
            break
    if not isinstance(obj, dict) or not all(isinstance(v, torch.Tensor) for v in obj.values()):
        raise SrkitError(f"{path}: not a state dict of tensors")
    return {k.removeprefix("module."): v for k, v in obj.items()}


def _load_state(model, state: dict, path: Path) -> None:
    try:
        result = model.load_state_dict(state, strict=False)
    except RuntimeError as exc:  # shape mismatches; the first detail line names the tensor
        lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
        raise SrkitError(f"{path}: tensors do not fit {model.srkit_config['architecture']} "
                         f"({lines[min(1, len(lines) - 1)]})") from None
    problems = []
    if result.missing_keys:
        problems.append(f"missing {', '.join(result.missing_keys[:3])}")
    if result.unexpected_keys:
        problems.append(f"unexpected {', '.join(result.unexpected_keys[:3])}")
    if problems:
        raise SrkitError(f"{path}: tensors do not fit {model.srkit_config['architecture']} "
                         f"({'; '.join(problems)})")

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

from srkit.atomic import atomic_open
from srkit.errors import SrkitError

FORMAT = "srkit-weights/1"
WEIGHTS_DIR = Path(__file__).resolve().parent.parent / "weights"
_RESERVED = ("format", "architecture", "scale", "overrides", "channels", "srkit_meta")


def save_weights(model, path, meta: dict | None = None) -> Path:
    """Write ``model``'s tensors and metadata to the safetensors file ``path``.

    The architecture comes from ``model.srkit_config`` (set by ``create_model``).
    ``meta`` values may be any JSON-serialisable data: each is a header entry of
    its own (strings as they are, others as JSON text), and ``srkit_meta`` holds
    them all as one JSON object so they read back with their types.
    """
    from safetensors.torch import save

    config = getattr(model, "srkit_config", None)
    if config is None:
        raise SrkitError("save_weights: the model was not built with srkit.create_model, "
                         "so its architecture is unknown")
    from srkit.models.registry import describe

    header = {"format": FORMAT, "architecture": config["architecture"], "scale": str(config["scale"]),
              "overrides": json.dumps(config["overrides"], sort_keys=True),
              "channels": str(config["overrides"].get("channels", describe(config["architecture"]).in_channels))}
    meta = dict(meta or {})
    for key in sorted(set(meta) & set(_RESERVED)):  # allowed when it agrees with the model
        if str(meta.pop(key)) != header[key]:
            raise SrkitError(f"save_weights: meta {key!r} disagrees with the model ({header[key]}); "
                             "that key is recorded from the architecture")
    try:  # each entry readable on its own (strings as they are), plus all of it with exact types
        header.update({key: value if isinstance(value, str) else json.dumps(value) for key, value in meta.items()})
        header["srkit_meta"] = json.dumps(meta)
    except TypeError as exc:
        raise SrkitError(f"save_weights: meta is not JSON-serialisable ({exc})") from None
    tensors = {k: v.detach().contiguous().cpu() for k, v in model.state_dict().items()}
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_open(path) as f:
        f.write(save(tensors, metadata=header))
    return path


def own_meta(meta: dict) -> dict:
    """The entries of a :func:`read_metadata` dict that ``save_weights`` takes as ``meta``: all but the architecture's."""
    return {k: v for k, v in meta.items() if k not in _RESERVED}


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
    out.update(json.loads(raw.get("srkit_meta", "{}")))
    return out


def load_model(path, architecture: str | None = None, scale: int | None = None, device="cpu", **overrides):
    """Rebuild and load the model stored at ``path``, in eval mode.

    srkit ``.safetensors`` files carry their architecture; plain safetensors and
    ``.pth``/``.pt`` state dicts (read with ``weights_only=True``) need
    ``architecture`` and ``scale``. The file's metadata is on ``model.srkit_meta``.
    """
    from srkit.models.registry import create_model

    path = _existing(path)
    meta = read_metadata(path) if architecture is None and path.suffix not in (".pth", ".pt") else {}
    state = read_tensors(path)
    if meta:
        architecture, scale = meta["architecture"], meta["scale"]
        overrides = {**meta["overrides"], **overrides}
    elif architecture is None:
        raise SrkitError(f"{path}: a {path.suffix} file does not name its model; pass architecture= and scale=")
    model = create_model(architecture, scale, **overrides)
    _load_state(model, state, path)
    model.srkit_meta = meta
    return model.to(device).eval()


def read_tensors(path) -> dict:
    """The tensors of a safetensors or (``weights_only``) ``.pth``/``.pt`` file, by name."""
    path = _existing(path)
    if path.suffix in (".pth", ".pt"):
        return _torch_state_dict(path)
    from safetensors.torch import load_file

    try:
        return load_file(str(path))
    except Exception as exc:
        raise SrkitError(f"{path}: not a readable safetensors file ({exc})") from None


def init_from(model, path) -> list[str]:
    """Copy into ``model`` every tensor of ``path`` whose name and shape match (fine-tuning).

    Returns the names of the model's tensors left as they were, e.g. ESPCN's
    last layer when a x3 model starts from x2 weights (Dong et al. 2016 fine-tune
    FSRCNN across scales this way). Nothing matching at all is an error.
    """
    own = model.state_dict()
    fitting = {k: v for k, v in read_tensors(path).items() if k in own and own[k].shape == v.shape}
    if not fitting:
        raise SrkitError(f"{path}: no tensor fits {type(model).__name__}; nothing to initialise from")
    model.load_state_dict(fitting, strict=False)
    return sorted(set(own) - set(fitting))


def pretrained_path(name: str, scale: int, folder: Path | None = None) -> Path:
    """Where the weights of ``name`` at ``scale`` live in ``folder`` (default: the package's weights folder)."""
    return (WEIGHTS_DIR if folder is None else folder) / f"{name}_x{scale}.safetensors"


def shipped() -> list[str]:
    """``name_xS`` of every weights file srkit ships."""
    return sorted(p.name.removesuffix(".safetensors") for p in WEIGHTS_DIR.glob("*_x*.safetensors"))


def shipped_at(scale: int) -> dict[str, float]:
    """Models shipped for ``scale`` -> their measured Set5 PSNR (``-inf`` if none is recorded), best first."""
    scores = {}
    for stem in shipped():
        name, _, s = stem.rpartition("_x")
        if s == str(scale):
            scores[name] = recorded_set5(pretrained_path(name, scale))
    return dict(sorted(scores.items(), key=lambda kv: -kv[1]))


def recorded_set5(path) -> float:
    """The Set5 PSNR recorded in a weights file's metadata (``-inf`` if none is recorded)."""
    return float(read_metadata(path).get("scores", {}).get("Set5", {}).get("psnr", float("-inf")))


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

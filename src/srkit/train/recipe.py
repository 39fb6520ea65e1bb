"""Recipes: one small TOML file per paper, checked against a schema.

A recipe only states what differs from :data:`DEFAULTS`; every key it uses
must exist there (tables marked :data:`OPEN` take any key: model options,
per-parameter learning rates, loss terms). ``--set a.b=value`` changes one key;
the value is read as a TOML value (``3``, ``1e-4``, ``true``, ``[2, 3]``,
``"T91"``) or, failing that, as a bare string.

Multi-stage training (SRResNet -> SRGAN, RRDBNet PSNR -> ESRGAN, seed 000's
two stages) is a ``[[stages]]`` array: each stage has ``name`` and ``steps``
and may override ``loss`` (replaced as a whole), ``optim``, ``schedule``,
``gan``, ``train`` and ``data`` (merged key by key). The optimiser and its
schedule restart at each stage; the weights carry on.
"""
from __future__ import annotations

import copy
import tomllib
from pathlib import Path

from srkit.errors import SrkitError

OPEN = object()  # marks a table whose keys are free-form

DEFAULTS: dict = {
    "name": "",
    "paper": "",
    "model": {"name": "", "scale": 2, "scales": [], "channels": 0, "options": OPEN,
              "init": ""},  # weights file to start from (matching tensors only), path from the working folder
    "data": {
        "root": "",  # data root; "" = SRKIT_DATA or the registry's default
        "train": ["T91"],  # dataset names or folders
        "degradation": "bicubic",
        "noise": -1.0,  # noise sigma (8-bit levels); -1 = the degradation's own
        "blur": 0.0,  # blur sigma; 0 = the degradation's own
        "patch": 48,  # HR patch side (LR side = patch // scale)
        "border": 0,  # HR pixels per side the loss leaves out (SRCNN trains on the valid centre only)
        "batch": 16,  # global batch
        "augment": True,  # random flips and 90-degree rotations
        "rescale": [1.0],  # each training image also at these sizes (FSRCNN: 1, 0.9, 0.8, 0.7, 0.6)
        "workers": 0,  # DataLoader worker processes
    },
    "optim": {
        "name": "adam", "lr": 1e-4, "betas": [0.9, 0.999], "eps": 1e-8, "momentum": 0.9,
        "weight_decay": 0.0, "param_lr": OPEN,  # fnmatch pattern on parameter names -> lr
    },
    "schedule": {"kind": "constant", "step": 0, "gamma": 0.5, "milestones": [], "final_lr": 0.0},
    "loss": OPEN,
    "gan": {"discriminator": "", "options": OPEN, "lr": 1e-4, "betas": [0.9, 0.999], "schedule": True},
    "train": {
        "steps": 1000, "seed": 0, "clip_grad_norm": 0.0, "clip_adjustable": 0.0, "ema": 0.0,
        "threads": 0, "device": "auto", "amp": False,
        "recursive_alpha": [1.0, 0.0, 0],  # DRCN: alpha from a to b over n steps (n = 0: no decay)
    },
    "checkpoint": {"every": 1000, "keep": 3},
    "validate": {"every": 1000, "set": "Set5", "limit": 0},
    "log": {"every": 100},
    "stages": [],
}
STAGE_KEYS = ("name", "steps", "loss", "optim", "schedule", "gan", "train", "data")
#: keys a resumed run may change
RESUME_MUTABLE = {"train.steps", "train.threads", "train.device", "data.workers", "checkpoint.every",
                  "checkpoint.keep", "validate.every", "validate.limit", "log.every"}


def _check(table: dict, schema: dict, where: str) -> None:
    for key, value in table.items():
        path = f"{where}{key}"
        if key not in schema:
            raise SrkitError(f"recipe: unknown key {path!r}; known here: {', '.join(schema)}")
        expected = schema[key]
        if expected is OPEN:
            if not isinstance(value, dict):
                raise SrkitError(f"recipe: {path!r} must be a table")
            continue
        if isinstance(expected, dict):
            if not isinstance(value, dict):
                raise SrkitError(f"recipe: {path!r} must be a table, got {value!r}")
            _check(value, expected, path + ".")
        elif key == "stages" and not where:
            _check_stages(value)
        elif isinstance(expected, bool) and not isinstance(value, bool):
            raise SrkitError(f"recipe: {path!r} must be true or false, got {value!r}")
        elif isinstance(expected, float) and (not isinstance(value, (int, float)) or isinstance(value, bool)):
            raise SrkitError(f"recipe: {path!r} must be a number, got {value!r}")
        elif isinstance(expected, int) and not isinstance(expected, bool) and (
                not isinstance(value, int) or isinstance(value, bool)):
            raise SrkitError(f"recipe: {path!r} must be an integer, got {value!r}")
        elif isinstance(expected, str) and not isinstance(value, str):
            raise SrkitError(f"recipe: {path!r} must be a string, got {value!r}")
        elif isinstance(expected, list) and not isinstance(value, list):
            raise SrkitError(f"recipe: {path!r} must be a list, got {value!r}")


def _check_stages(stages) -> None:
    if not isinstance(stages, list):
        raise SrkitError("recipe: 'stages' must be an array of tables ([[stages]])")
    for i, st in enumerate(stages):
        if not isinstance(st, dict):
            raise SrkitError(f"recipe: stages[{i}] must be a table")
        for key in st:
            if key not in STAGE_KEYS:
                raise SrkitError(f"recipe: unknown key 'stages[{i}].{key}'; a stage may set {', '.join(STAGE_KEYS)}")
        if not isinstance(st.get("steps"), int) or st["steps"] < 1:
            raise SrkitError(f"recipe: stages[{i}].steps must be a positive integer")
        sub = {k: v for k, v in st.items() if k not in ("name", "steps", "loss")}
        _check(sub, DEFAULTS, f"stages[{i}].")
        if "loss" in st and not isinstance(st["loss"], dict):
            raise SrkitError(f"recipe: stages[{i}].loss must be a table")


def _merge(base: dict, over: dict) -> dict:
    out = copy.deepcopy(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


def _defaults() -> dict:
    def strip(d):
        return {k: ({} if v is OPEN else strip(v) if isinstance(v, dict) else copy.deepcopy(v)) for k, v in d.items()}
    return strip(DEFAULTS)


def parse_value(text: str):
    """A ``--set`` value: a TOML value if it parses as one, else the text itself."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def apply_set(recipe: dict, assignment: str) -> None:
    """Apply one ``key.path=value`` to ``recipe`` in place (``stages.N.key`` addresses a stage)."""
    if "=" not in assignment:
        raise SrkitError(f"--set {assignment!r}: expected key=value")
    key, text = assignment.split("=", 1)
    parts = key.strip().split(".")
    if not all(parts):
        raise SrkitError(f"--set {assignment!r}: empty key")
    node = recipe
    for i, part in enumerate(parts[:-1]):
        if isinstance(node, list):
            if not part.isdigit() or int(part) >= len(node):
                raise SrkitError(f"--set {key}: no stage {part!r}")
            node = node[int(part)]
        else:
            node = node.setdefault(part, {})
            if not isinstance(node, (dict, list)):
                raise SrkitError(f"--set {key}: {'.'.join(parts[:i + 1])!r} is not a table")
    if isinstance(node, list):
        raise SrkitError(f"--set {key}: address a key inside the stage")
    node[parts[-1]] = parse_value(text.strip())


def load_recipe(source, overrides=()) -> dict:
    """A complete, checked recipe from a TOML path (or a dict) plus ``--set`` overrides."""
    if isinstance(source, dict):
        raw = copy.deepcopy(source)
    else:
        path = Path(source)
        if not path.is_file():
            hint = Path("recipes") / f"{path.name}.toml"
            raise SrkitError(f"recipe {source}: no such file" + (f" (did you mean {hint}?)" if hint.is_file() else ""))
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise SrkitError(f"recipe {path}: not valid TOML ({exc})") from None
        raw.setdefault("name", path.stem)
    for assignment in overrides:
        apply_set(raw, assignment)
    _check(raw, DEFAULTS, "")
    recipe = _merge(_defaults(), raw)
    if not recipe["model"]["name"]:
        raise SrkitError("recipe: model.name is required")
    if not recipe["stages"] and not recipe["loss"]:
        raise SrkitError("recipe: no [loss] table")
    return recipe


def stages(recipe: dict) -> list[dict]:
    """The effective settings of each stage: ``name``, ``start``, ``stop`` and merged sections."""
    out, start = [], 0
    specs = recipe["stages"] or [{"name": "main", "steps": recipe["train"]["steps"]}]
    for i, st in enumerate(specs):
        eff = {k: copy.deepcopy(recipe[k]) for k in ("optim", "schedule", "gan", "train", "data")}
        for k in ("optim", "schedule", "gan", "train", "data"):
            if k in st:
                eff[k] = _merge(eff[k], st[k])
        eff["loss"] = copy.deepcopy(st.get("loss", recipe["loss"]))
        if not eff["loss"]:
            raise SrkitError(f"recipe: stage {st.get('name', i)!r} has no loss")
        eff.update(name=st.get("name", f"stage{i + 1}"), index=i, start=start, stop=start + st["steps"])
        out.append(eff)
        start += st["steps"]
    return out


def total_steps(recipe: dict) -> int:
    return stages(recipe)[-1]["stop"]


def differences(a: dict, b: dict, prefix: str = "") -> list[str]:
    """Dotted keys whose values differ between two recipes."""
    keys = sorted(set(a) | set(b))
    out = []
    for k in keys:
        va, vb = a.get(k), b.get(k)
        if isinstance(va, dict) and isinstance(vb, dict):
            out += differences(va, vb, f"{prefix}{k}.")
        elif va != vb:
            out.append(f"{prefix}{k}")
    return out

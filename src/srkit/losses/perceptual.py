"""VGG19 feature losses: perceptual (content) and Gram-matrix style losses.

Perceptual loss (Johnson et al. 2016; Ledig et al., SRGAN 2017, on VGG19
``relu5_4``; Wang et al., ESRGAN 2018, on ``conv5_4`` *before* the ReLU; seed
000 eq. 2 on ``conv1_2`` + ``conv2_2`` then ``conv5_2``). Style loss on Gram
matrices (survey eq. 4-5; Gatys et al. 2016).

Layer names: ``convX_Y`` is the output of that convolution before its ReLU,
``reluX_Y`` after it. Inputs are RGB in [0, 1] (a Y image is repeated to three
channels) and are normalised with the ImageNet mean and std before VGG.

The network is srkit's own definition with the torchvision ``vgg19`` state-dict
layout (``features.N.weight``). ImageNet weights come from, in order: the
``weights`` argument (a path), ``$SRKIT_VGG19``, ``~/.cache/srkit/vgg19.pth``,
or a download of torchvision's file (checked against its sha256 prefix).
``weights="random"`` builds an untrained network, for tests only.
"""
from __future__ import annotations

import hashlib
import os
import urllib.request
from pathlib import Path

import torch
from torch import nn
from torch.nn import functional as F

from srkit.atomic import atomic_open
from srkit.errors import SrkitError

VGG19_URL = "https://download.pytorch.org/models/vgg19-dcbb9e9d.pth"
VGG19_SHA256_PREFIX = "dcbb9e9d"  # torchvision names its files by their sha256 prefix
_CFG = [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M", 512, 512, 512, 512, "M"]
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def _layer_index() -> dict[str, int]:
    """``conv1_1`` -> 0, ``relu1_1`` -> 1, ... : positions in ``features``."""
    names, i, block, conv = {}, 0, 1, 1
    for v in _CFG:
        if v == "M":
            block, conv, i = block + 1, 1, i + 1
            continue
        names[f"conv{block}_{conv}"] = i
        names[f"relu{block}_{conv}"] = i + 1
        conv, i = conv + 1, i + 2
    return names


LAYERS = _layer_index()


def default_weights_path() -> Path:
    """Where srkit looks for the VGG19 file: ``$SRKIT_VGG19`` or ``~/.cache/srkit/vgg19.pth``."""
    env = os.environ.get("SRKIT_VGG19")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "srkit" / "vgg19.pth"


def download_vgg19(dest: Path, url: str = VGG19_URL, sha256_prefix: str = VGG19_SHA256_PREFIX,
                   timeout: float = 20.0) -> Path:
    """Download the torchvision VGG19 file to ``dest``, verifying its sha256; atomic."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    with atomic_open(dest) as f, urllib.request.urlopen(url, timeout=timeout) as r:
        while chunk := r.read(1 << 20):
            digest.update(chunk)
            f.write(chunk)
        if not digest.hexdigest().startswith(sha256_prefix):
            raise SrkitError(f"VGG19 download from {url}: sha256 {digest.hexdigest()[:16]}... "
                             f"does not match {sha256_prefix}")
    return dest


def load_vgg19_state(weights=None, download: bool = True) -> dict[str, torch.Tensor]:
    """The ``features.*`` tensors of a torchvision-layout VGG19 state dict."""
    path = Path(weights).expanduser() if weights else default_weights_path()
    if not path.is_file():
        if weights or not download:
            raise SrkitError(_missing(path))
        try:
            download_vgg19(path)
        except (OSError, ValueError) as exc:
            raise SrkitError(f"{_missing(path)} (download failed: {exc})") from None
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # a torn or foreign file
        raise SrkitError(f"{path}: not a readable VGG19 state dict ({exc})") from None
    feats = {k: v for k, v in state.items() if k.startswith("features.")}
    if "features.0.weight" not in feats:
        raise SrkitError(f"{path}: no 'features.N.weight' keys; expected torchvision's vgg19 state dict")
    return feats


def _missing(path: Path) -> str:
    return (f"VGG19 ImageNet weights not found at {path}: put torchvision's vgg19-dcbb9e9d.pth there, "
            "or set SRKIT_VGG19=/path/to/vgg19.pth, or pass the path in the recipe (loss.perceptual.vgg)")


class VGGFeatures(nn.Module):
    """Frozen VGG19 ``features`` up to the deepest requested layer; returns {layer name: activation}."""

    def __init__(self, layers, weights=None, download: bool = True):
        super().__init__()
        unknown = [n for n in layers if n not in LAYERS]
        if unknown:
            raise SrkitError(f"unknown VGG19 layer(s) {', '.join(unknown)}; use names like conv5_4 or relu5_4")
        self.layers = {n: LAYERS[n] for n in layers}
        mods, c_in = [], 3
        with torch.random.fork_rng(devices=[]):  # random weights: the same every time, global RNG untouched
            torch.manual_seed(0)
            for v in _CFG:
                if v == "M":
                    mods.append(nn.MaxPool2d(2, 2))
                else:
                    c = nn.Conv2d(c_in, v, 3, padding=1)
                    nn.init.kaiming_normal_(c.weight, mode="fan_out", nonlinearity="relu")  # as torchvision's VGG
                    nn.init.zeros_(c.bias)
                    mods += [c, nn.ReLU(inplace=False)]
                    c_in = v
        self.features = nn.Sequential(*mods[:max(self.layers.values()) + 1])
        if weights != "random":
            state = load_vgg19_state(weights, download)
            own = self.features.state_dict()
            try:
                self.features.load_state_dict({k: state[f"features.{k}"] for k in own})
            except (KeyError, RuntimeError) as exc:
                raise SrkitError(f"VGG19 weights do not fit the torchvision layout: {exc}") from None
        self.register_buffer("mean", torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(IMAGENET_STD).view(1, 3, 1, 1), persistent=False)
        self.requires_grad_(False)
        self.eval()

    def train(self, mode: bool = True):
        return super().train(False)  # always inference behaviour

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        if x.shape[1] == 1:
            x = x.expand(-1, 3, -1, -1)
        x = (x - self.mean) / self.std
        out, wanted = {}, {i: n for n, i in self.layers.items()}
        for i, mod in enumerate(self.features):
            x = mod(x)
            if i in wanted:
                out[wanted[i]] = x
        return out


def gram(x: torch.Tensor) -> torch.Tensor:
    """Gram matrix of N x C x H x W features, normalised by C*H*W."""
    n, c, h, w = x.shape
    f = x.reshape(n, c, h * w)
    return f @ f.transpose(1, 2) / (c * h * w)


class _FeatureLoss(nn.Module):
    def __init__(self, layers, criterion: str = "mse", vgg=None, download: bool = True, features=None):
        super().__init__()
        if isinstance(layers, (list, tuple)):
            layers = {n: 1.0 for n in layers}
        if not layers:
            raise SrkitError("a VGG loss needs at least one layer")
        self.layer_weights = {str(k): float(v) for k, v in layers.items()}
        if criterion not in ("mse", "l1"):
            raise SrkitError(f"VGG loss criterion must be 'mse' or 'l1', got {criterion!r}")
        self.criterion = F.mse_loss if criterion == "mse" else F.l1_loss
        self.vgg = features if features is not None else VGGFeatures(list(self.layer_weights), vgg, download)

    def compare(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def forward(self, sr: torch.Tensor, hr: torch.Tensor) -> torch.Tensor:
        fs = self.vgg(sr)
        with torch.no_grad():
            fh = self.vgg(hr)
        return sum(w * self.compare(fs[n], fh[n]) for n, w in self.layer_weights.items())


class PerceptualLoss(_FeatureLoss):
    """Sum over layers of weight x MSE (or L1) between VGG19 features of SR and HR."""

    def compare(self, a, b):
        return self.criterion(a, b)


class StyleLoss(_FeatureLoss):
    """Sum over layers of weight x distance between Gram matrices of SR and HR features."""

    def compare(self, a, b):
        return self.criterion(gram(a), gram(b))

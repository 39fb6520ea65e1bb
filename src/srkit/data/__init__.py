"""Registry of the standard SR datasets and where srkit finds them.

A dataset lives in ``<data root>/<folder>`` (or its ``HR/`` subfolder). The data
root comes from ``--data-root`` / ``data_root=``, else the ``SRKIT_DATA``
environment variable. Any folder of images also works as a dataset: pass its
path instead of a name. srkit never downloads datasets; ``source`` says where a
user gets each one.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from srkit.errors import SrkitError

IMAGE_EXTENSIONS = {".png", ".bmp", ".jpg", ".jpeg", ".tif", ".tiff", ".webp"}


@dataclass(frozen=True)
class Dataset:
    """One standard dataset: its role, expected size and layout."""

    name: str
    role: str  # "test" or "train"
    n_images: int
    source: str
    layout: str
    folders: tuple[str, ...]  # folder names tried under the data root


DATASETS = {d.name: d for d in [
    Dataset("Set5", "test", 5, "Bevilacqua et al. 2012 (BMVC); the SR benchmark copies (e.g. SelfExSR, EDSR benchmark.tar)",
            "Set5/*.png (HR images)", ("Set5",)),
    Dataset("Set14", "test", 14, "Zeyde et al. 2010; the SR benchmark copies", "Set14/*.png (HR images)", ("Set14",)),
    Dataset("BSD100", "test", 100, "Martin et al. 2001, the 100 BSDS300 test images (SelfExSR copy)",
            "BSD100/*.png (HR images)", ("BSD100", "B100")),
    Dataset("Urban100", "test", 100, "Huang et al. 2015 (SelfExSR)", "Urban100/*.png (HR images)", ("Urban100",)),
    Dataset("Manga109", "test", 109, "Matsui et al. 2017 (manga109.org; academic use)", "Manga109/*.png (HR images)",
            ("Manga109",)),
    Dataset("T91", "train", 91, "Yang et al. 2010 (the 91 images used by SRCNN)", "T91/*.bmp", ("T91",)),
    Dataset("General-100", "train", 100, "Dong et al. 2016 (FSRCNN)", "General-100/*.bmp", ("General-100", "General100")),
    Dataset("BSD200", "train", 200, "Martin et al. 2001, the 200 BSDS300 training images", "BSD200/*.png",
            ("BSD200",)),
    Dataset("DIV2K", "train", 800, "Agustsson & Timofte 2017 (NTIRE 2017), data.vision.ee.ethz.ch",
            "DIV2K/DIV2K_train_HR/*.png", ("DIV2K/DIV2K_train_HR", "DIV2K")),
    Dataset("Flickr2K", "train", 2650, "Lim et al. 2017 (EDSR)", "Flickr2K/Flickr2K_HR/*.png",
            ("Flickr2K/Flickr2K_HR", "Flickr2K")),
]}
_BY_LOWER = {name.lower(): name for name in DATASETS} | {"b100": "BSD100", "general100": "General-100"}


def resolve_root(data_root=None) -> Path:
    """The data root: ``data_root`` if given, else ``$SRKIT_DATA``."""
    root = data_root if data_root is not None else os.environ.get("SRKIT_DATA")
    if not root:
        raise SrkitError("no data root: pass --data-root DIR (or data_root=) or set SRKIT_DATA")
    path = Path(root).expanduser()
    if not path.is_dir():
        raise SrkitError(f"data root {path}: not a folder")
    return path


def find(name: str) -> Dataset | None:
    """The registered dataset called ``name`` (case-insensitive), or None."""
    key = _BY_LOWER.get(name.lower())
    return DATASETS[key] if key else None


def _images_in(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_EXTENSIONS and p.is_file())


def dataset_folder(name_or_folder, data_root=None) -> Path:
    """The folder holding the HR images of a registered dataset, or the folder given."""
    ds = find(str(name_or_folder))
    if ds is None:
        folder = Path(name_or_folder).expanduser()
        if folder.is_dir():
            return folder
        known = ", ".join(DATASETS)
        raise SrkitError(f"dataset {name_or_folder!r}: not a registered dataset ({known}) nor a folder")
    root = resolve_root(data_root)
    for rel in ds.folders:
        for folder in (root / rel / "HR", root / rel):
            if folder.is_dir() and _images_in(folder):
                return folder
    raise SrkitError(f"dataset {ds.name}: not found under {root} (expected {ds.layout}; get it from {ds.source})")


def image_paths(name_or_folder, data_root=None) -> list[Path]:
    """Sorted image files of a registered dataset (under the data root) or of any folder."""
    folder = dataset_folder(name_or_folder, data_root)
    paths = _images_in(folder)
    if not paths:
        raise SrkitError(f"dataset {name_or_folder}: no images in {folder}")
    return paths

"""Dataset registry: names, layouts, any-folder datasets, clear errors."""
import pytest

from srkit.data import DATASETS, dataset_folder, find, image_paths, resolve_root
from srkit.errors import SrkitError


def test_registry_knows_the_standard_sets():
    for name in ["Set5", "Set14", "BSD100", "Urban100", "Manga109", "T91", "General-100", "BSD200",
                 "DIV2K", "Flickr2K"]:
        assert name in DATASETS
    assert find("b100").name == "BSD100"
    assert DATASETS["Set5"].role == "test" and DATASETS["T91"].role == "train"


def test_registered_dataset_under_root_and_hr_subfolder(tmp_path):
    (tmp_path / "Urban100" / "HR").mkdir(parents=True)
    (tmp_path / "Urban100" / "HR" / "img_001.png").write_bytes(b"x")
    assert dataset_folder("Urban100", tmp_path) == tmp_path / "Urban100" / "HR"
    assert [p.name for p in image_paths("urban100", tmp_path)] == ["img_001.png"]


def test_env_var_is_the_default_root(tmp_path, monkeypatch):
    monkeypatch.setenv("SRKIT_DATA", str(tmp_path))
    assert resolve_root() == tmp_path
    monkeypatch.delenv("SRKIT_DATA")
    with pytest.raises(SrkitError, match="no data root"):
        resolve_root()


def test_missing_dataset_names_where_to_get_it(tmp_path):
    with pytest.raises(SrkitError, match=r"Manga109: not found under .*manga109\.org"):
        image_paths("Manga109", tmp_path)


def test_folder_without_images(tmp_path):
    with pytest.raises(SrkitError, match="no images"):
        image_paths(tmp_path)


def test_real_data_counts(shared_data):
    for name in ["Set5", "Set14", "BSD100", "T91", "BSD200"]:
        assert len(image_paths(name, shared_data)) == DATASETS[name].n_images

"""Every shipped weights file: loads, is small, and still scores what its metadata claims."""
import pytest

from srkit.bench import benchmark
from srkit.models.weights import WEIGHTS_DIR, load_model, read_metadata, shipped

SHIPPED = shipped()
MAX_TOTAL_BYTES = 5 * 1024 * 1024


def test_shipped_weights_stay_under_5_mb():
    total = sum(p.stat().st_size for p in WEIGHTS_DIR.glob("*.safetensors"))
    assert total < MAX_TOTAL_BYTES


@pytest.mark.parametrize("stem", SHIPPED)
def test_shipped_file_loads_with_its_training_record(stem):
    meta = read_metadata(WEIGHTS_DIR / f"{stem}.safetensors")
    for key in ("recipe", "steps", "wall_s", "data", "scores", "protocol"):
        assert key in meta, key
    assert set(meta["scores"]) == {"Set5", "Set14", "BSD100"}
    assert not {"Set5", "Set14", "BSD100"} & set(meta["data"]), "trained on a test set"
    model = load_model(WEIGHTS_DIR / f"{stem}.safetensors")
    assert f"{meta['architecture']}_x{meta['scale']}" == stem
    assert not model.training


@pytest.mark.data
@pytest.mark.parametrize("stem", SHIPPED)
def test_shipped_model_scores_what_its_metadata_says(stem, shared_data):
    meta = read_metadata(WEIGHTS_DIR / f"{stem}.safetensors")
    (record,) = benchmark([meta["architecture"]], ["Set5"], [meta["scale"]], shared_data, pretrained=True)
    assert record.psnr == pytest.approx(meta["scores"]["Set5"]["psnr"], abs=0.01)

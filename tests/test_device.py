"""srkit.device.pick_device: the device names training and upscaling accept."""
import pytest
import torch

from srkit.device import pick_device
from srkit.errors import SrkitError


def test_names_that_work():
    assert pick_device("cpu") == torch.device("cpu")
    assert pick_device("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")


@pytest.mark.parametrize("name", ["gpu", "mps", "meta", "cuda:x"])
def test_other_names_are_refused_with_the_name(name):
    with pytest.raises(SrkitError, match=f"device '{name}': use auto, cpu or cuda"):
        pick_device(name)


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_cuda_without_a_gpu_is_refused():
    with pytest.raises(SrkitError, match="device 'cuda:1': CUDA is not available"):
        pick_device("cuda:1")

"""``srkit demo``: the whole pipeline on the embedded test chart (:mod:`srkit.chart`)."""
from __future__ import annotations

from srkit.chart import test_chart
from srkit.compare import compare


def demo(models: list[str], scale: int = 2, size: int = 256):
    """Panel and ``{model: PSNR}`` for the test chart downscaled by ``scale`` and super-resolved."""
    return compare(test_chart(size), models, scale)

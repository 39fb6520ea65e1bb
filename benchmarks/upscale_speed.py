"""Upscaling speed on CPU: srkit vs onnxruntime (same weights) vs the matmul roofline.

For each model (x2, 1024x1024 input by default) it prints megapixels of output
per second for

- srkit: the whole :class:`srkit.Upscaler` pipeline on a uint8 image (tiling,
  conversion and quantisation included);
- onnxruntime: the same weights exported to ONNX, one session run on the whole
  float32 image (conversion not counted, which favours onnxruntime);
- roofline: the machine's measured fp32 matrix-product GFLOP/s divided by the
  model's convolution FLOPs per output pixel (an upper bound no conv net reaches);

and the ratios srkit/onnxruntime and srkit/roofline. Runs are interleaved and
the best of ``--repeats`` is kept, which filters out other load on a shared box.

    PYTHONPATH=src python benchmarks/upscale_speed.py [--models espcn,fsrcnn,edsr-baseline] [--padding-mode replicate]

``--padding-mode`` builds the models that take one (SRCNN, FSRCNN, ESPCN) with it.
"""
from __future__ import annotations

import argparse
import io
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import torch


def matmul_gflops(n: int = 2048, repeats: int = 5) -> float:
    """Best fp32 matrix-product rate of this machine at the current torch thread count.

    The better of torch.mm (MKL, which on AMD CPUs takes its AVX2 path) and the
    same n x n x n product as a oneDNN 1x1 convolution (AVX-512 where present).
    """
    from srkit.infer.fast import FusedConv

    a, b = torch.rand(n, n), torch.rand(n, n)
    gemm = FusedConv(torch.nn.Conv2d(n, n, 1, bias=False))
    x = torch.rand(1, n, n // 32, 32).contiguous(memory_format=torch.channels_last)
    best = float("inf")
    with torch.inference_mode():
        for fn in (lambda: torch.mm(a, b), lambda: gemm(x)):
            fn()
            best = min([best] + [_time(fn) for _ in range(repeats)])
    return 2 * n ** 3 / best / 1e9


def conv_flops_per_output_pixel(net: torch.nn.Module, channels: int, scale: int, n: int = 32) -> float:
    """Multiply-adds x 2 of every (transposed) convolution, per output pixel, on a probe."""
    total = 0

    def hook(m, inputs, out):
        nonlocal total
        k = m.kernel_size[0] * m.kernel_size[1]
        if isinstance(m, torch.nn.ConvTranspose2d):
            total += 2 * inputs[0].numel() * (m.out_channels // m.groups) * k
        else:
            total += 2 * out.numel() * (m.in_channels // m.groups) * k

    hooks = [m.register_forward_hook(hook) for m in net.modules()
             if isinstance(m, (torch.nn.Conv2d, torch.nn.ConvTranspose2d))]
    with torch.inference_mode():
        net(torch.zeros(1, channels, n, n))
    for h in hooks:
        h.remove()
    return total / (n * scale) ** 2


def _time(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def onnx_session(net, channels: int, threads: int):
    """An onnxruntime session on ``net``'s weights (srkit.export_onnx if present, else torch.onnx)."""
    import onnxruntime as ort

    import srkit

    if hasattr(srkit, "export_onnx") or "export_onnx" in getattr(srkit, "_LAZY", {}):
        how = "srkit.export_onnx"
        with tempfile.TemporaryDirectory() as tmp:
            data = srkit.export_onnx(net, Path(tmp) / "model.onnx").read_bytes()
    else:
        how = "torch.onnx.export (srkit.export_onnx not available)"
        buf = io.BytesIO()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(net, (torch.rand(1, channels, 64, 64),), buf, input_names=["lr"],
                              output_names=["sr"], dynamic_axes={"lr": {2: "h", 3: "w"}}, dynamo=False)
        data = buf.getvalue()
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    # no busy-waiting after a run, which would steal the CPU from the srkit run that follows
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(data, opts, providers=["CPUExecutionProvider"]), how


#: models with a padding_mode option
PADDED = ("srcnn", "fsrcnn", "espcn")


def main() -> None:
    from srkit.infer.upscale import Upscaler, physical_cores
    from srkit.models.registry import create_model, describe, list_models

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", default="espcn,fsrcnn,edsr-baseline")
    ap.add_argument("--size", type=int, default=1024, help="input side in pixels")
    ap.add_argument("--scale", type=int, default=2)
    ap.add_argument("--threads", type=int, default=physical_cores())
    ap.add_argument("--tile", default="auto")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--padding-mode", help="padding_mode option of the models that have one")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    tile = args.tile if args.tile == "auto" else int(args.tile)
    gflops = matmul_gflops()
    print(f"threads {args.threads}, input {args.size}x{args.size}, x{args.scale}, "
          f"fp32 matmul {gflops:.1f} GFLOP/s" + (f", padding {args.padding_mode}" if args.padding_mode else ""))
    print(f"{'model':14} {'srkit MP/s':>10} {'ort MP/s':>9} {'srkit/ort':>9} {'roof MP/s':>9} "
          f"{'of roof':>7}  tile")
    rng = np.random.default_rng(0)
    for name in args.models.split(","):
        if name not in list_models():
            print(f"{name:14} not registered in this checkout; skipped")
            continue
        info = describe(name)
        torch.manual_seed(0)
        options = {"padding_mode": args.padding_mode} if args.padding_mode and name in PADDED else {}
        net = create_model(name, args.scale, **options).eval()
        c = info.in_channels
        up = Upscaler(net, args.scale, info=info, tile=tile, device="cpu")
        image = rng.integers(0, 256, (args.size, args.size, c), dtype=np.uint8)
        session, how = onnx_session(net, c, args.threads)
        x = image.transpose(2, 0, 1)[None].astype(np.float32) / 255
        up.upscale_array(image[:128, :128])
        session.run(None, {"lr": x[..., :128, :128]})
        t_srkit, t_ort = [], []
        for _ in range(args.repeats):
            t_srkit.append(_time(lambda: up.upscale_array(image)))
            t_ort.append(_time(lambda: session.run(None, {"lr": x})))
        mp = (args.size * args.scale) ** 2 / 1e6
        s_rate, o_rate = mp / min(t_srkit), mp / min(t_ort)
        roof = gflops * 1e9 / conv_flops_per_output_pixel(net, c, args.scale) / 1e6
        print(f"{name:14} {s_rate:10.2f} {o_rate:9.2f} {s_rate / o_rate:9.2f} {roof:9.1f} "
              f"{s_rate / roof:7.1%}  {up.tile_size(args.size, args.size)}")
    print(f"onnx export: {how}")


if __name__ == "__main__":
    main()

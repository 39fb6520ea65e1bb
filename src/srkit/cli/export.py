"""``srkit export``: write a zoo model as an ONNX file checked against onnxruntime."""
from __future__ import annotations


def add_parser(sub, name):
    p = sub.add_parser(name, help="export a model to ONNX",
                       description="Export a zoo model to ONNX (dynamic height/width for LR-space models) "
                                   "and check it against onnxruntime. Needs: pip install 'srkit[onnx]'.")
    p.add_argument("--model", help="zoo model name (see `srkit models`)")
    p.add_argument("--scale", type=int, default=None, help="upscaling factor (default: the model's)")
    p.add_argument("--pretrained", action="store_true", help="export srkit's shipped weights")
    p.add_argument("--weights", help="export the model in this srkit .safetensors file instead")
    p.add_argument("--opset", type=int, default=17, help="ONNX opset (>= 17; default 17)")
    p.add_argument("--size", default="17x23", help="HxW of the sample input (the fixed size for "
                                                   "pre-upsampling models; default 17x23)")
    p.add_argument("--no-check", action="store_true", help="skip the onnxruntime comparison")
    p.add_argument("-o", "--output", required=True, help="output .onnx file")
    p.add_argument("--overwrite", action="store_true", help="replace the output if it exists")
    return p


def run(args) -> int:
    from srkit.errors import SrkitError
    from srkit.export import export_onnx

    try:
        size = tuple(int(v) for v in args.size.lower().split("x"))
    except ValueError:
        size = ()
    if len(size) != 2 or min(size) < 1:
        raise SrkitError(f"--size must look like 17x23, got {args.size!r}")
    if args.weights:
        from srkit.models.weights import load_model

        model = load_model(args.weights)
        built = model.srkit_config
        if args.model and args.model != built["architecture"] or args.scale not in (None, built["scale"]):
            raise SrkitError(f"--weights {args.weights} holds {built['architecture']} x{built['scale']}, "
                             f"not what --model/--scale ask for")
    elif args.model:
        model = args.model
    else:
        raise SrkitError("export: give --model NAME (or --weights FILE)")
    path = export_onnx(model, args.output, scale=args.scale, pretrained=args.pretrained, opset=args.opset,
                       size=size, check=not args.no_check, overwrite=args.overwrite)
    print(f"wrote {path}" + ("" if args.no_check else " (checked against onnxruntime)"))
    return 0

"""Export a trained FashionAI model to ONNX for the onnxruntime predictor.

Usage:
    python tools/export_onnx.py CONFIG CHECKPOINT OUT.onnx
        [--batch N | --dynamic-batch]

The network (backbone, neck, head; no decoding, no flip) goes through
torch's ONNX exporter, is checked with onnx's checker and run once in
onnxruntime beside PyTorch; the largest output difference is printed. The
file holds, as metadata, what the predictor needs: input size, mean/std,
codec and its parameters, category, keypoint names, flip pairs
(docs/deployment.md). Any batch size by default; ``--batch N`` fixes it.
The file is written only when every check passed.
"""
import argparse
import os.path as osp
import sys

from fashionai_core.cli import run_tool
from fashionai_dataset.apis import export_onnx, load_pose_model


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        'config', help='the config the model was trained '
        'with')
    parser.add_argument('checkpoint', help='a checkpoint from mim train')
    parser.add_argument('out', help='the .onnx file to write')
    size = parser.add_mutually_exclusive_group()
    size.add_argument(
        '--batch', type=int, help='fixed batch size of the exported network')
    size.add_argument(
        '--dynamic-batch',
        action='store_true',
        help='any batch size (the default)')
    args = parser.parse_args()
    if args.batch is not None and args.batch < 1:
        parser.error('--batch must be at least 1')
    try:
        model = load_pose_model(args.checkpoint, args.config, device='cpu')
        report = export_onnx(
            model, args.out, batch=args.batch, source=args.config)
    except (FileNotFoundError, ValueError) as error:
        print(f'error: {error}', file=sys.stderr)
        return 1
    meta = report['metadata']
    print(f'wrote {args.out} ({osp.getsize(args.out) / 1e6:.1f} MB): '
          f'{meta["category"]}, {len(meta["keypoint_names"])} keypoints, '
          f'input {meta["input_size"][0]}x{meta["input_size"][1]}, '
          f'{meta["codec"]["type"]}, batch {args.batch or "any"}')
    print(f'outputs {", ".join(meta["outputs"])}: shapes '
          f'{report["output_shapes"]}; largest |onnxruntime - PyTorch| '
          f'{report["max_abs_difference"]:.2e}')
    return 0


if __name__ == '__main__':
    run_tool(main)

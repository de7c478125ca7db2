"""Export a trained FashionAI model to ONNX for the onnxruntime predictor.

Usage:
    python tools/export_onnx.py CONFIG CHECKPOINT OUT.onnx
        [--batch N]
        [--int8 --calib-images DIR_OR_CSV [--calib-count N]
         [--calib-root DIR] [--calibration minmax|percentile|entropy]
         [--float-layers K]]

What it checks, what the file holds and ``--int8``: docs/deployment.md
("ONNX: export, and prediction without torch", "int8 on a CPU").
"""
import argparse
import os.path as osp
import tempfile
from typing import List, Optional

import numpy as np
from mmengine.config import Config

import fashionai_patches  # noqa: F401  (the pinned stack's gaps first)
from fashionai_core.cli import run_tool
from fashionai_core.image_check import read_image
from fashionai_core.outputs import check_output
from fashionai_dataset.apis import export_onnx, load_pose_model
from fashionai_deploy import OnnxPoseModel
from fashionai_deploy.quantize import (CALIBRATION_METHODS,
                                       DEFAULT_CALIBRATION,
                                       DEFAULT_FLOAT_LAYERS,
                                       calibration_images, quantize_int8)


def int8_point_difference(float_file: str, int8_file: str,
                          images) -> np.ndarray:
    """|int8 - float| point distances (N, K), image pixels, on images."""
    float_model, int8_model = OnnxPoseModel(float_file), OnnxPoseModel(
        int8_file)
    distances = []
    for path in images:
        image = [read_image(path)]
        expected, _ = float_model.predict(image)
        actual, _ = int8_model.predict(image)
        distances.append(np.linalg.norm(actual - expected, axis=-1)[0])
    return np.stack(distances)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        'config', help='the config the model was trained '
        'with')
    parser.add_argument('checkpoint', help='a checkpoint from mim train')
    parser.add_argument('out', help='the .onnx file to write')
    parser.add_argument(
        '--batch',
        type=int,
        help='fixed batch size of the exported network (default: any)')
    int8 = parser.add_argument_group('int8 quantization')
    int8.add_argument(
        '--int8',
        action='store_true',
        help='write the network quantized to int8 (static, QDQ)')
    int8.add_argument(
        '--calib-images',
        metavar='DIR_OR_CSV',
        help='calibration images: a folder, or a FashionAI CSV whose rows '
        'of the model\'s category are used')
    int8.add_argument(
        '--calib-root',
        help='the folder a CSV\'s image ids are relative to (default: the '
        'one holding its Annotations folder)')
    int8.add_argument(
        '--calib-count',
        type=int,
        default=64,
        help='calibration images, spread over the source (default 64)')
    int8.add_argument(
        '--calibration',
        choices=sorted(CALIBRATION_METHODS),
        default=DEFAULT_CALIBRATION,
        help=f'activation range method (default {DEFAULT_CALIBRATION})')
    int8.add_argument(
        '--float-layers',
        type=int,
        default=DEFAULT_FLOAT_LAYERS,
        help='weighted layers nearest the outputs kept in float '
        f'(default {DEFAULT_FLOAT_LAYERS})')
    args = parser.parse_args(argv)
    if args.batch is not None and args.batch < 1:
        parser.error('--batch must be at least 1')
    if args.int8 != bool(args.calib_images):
        parser.error('--int8 and --calib-images go together')
    if args.float_layers < 0:
        parser.error('--float-layers must be 0 or more')
    images = []
    if args.int8:  # the images are checked before the model is loaded
        category = Config.fromfile(
            args.config).test_dataloader.dataset.category
        images = calibration_images(args.calib_images, category,
                                    args.calib_count, args.calib_root)
    # the calibration images are inputs too, whatever their root
    check_output(args.out,
                 [args.config, args.checkpoint, args.calib_images] + images,
                 [args.calib_root])
    model = load_pose_model(args.checkpoint, args.config, device='cpu')
    if args.int8:
        with tempfile.TemporaryDirectory() as work:
            float_file = osp.join(work, 'float.onnx')
            report = export_onnx(
                model, float_file, batch=args.batch, source=args.config)
            with open(float_file, 'rb') as file:
                quantized = quantize_int8(file.read(), args.out, images,
                                          args.calibration, args.float_layers,
                                          args.config)
            distances = int8_point_difference(float_file, args.out, images)
        report['metadata'] = quantized['metadata']
    else:
        report = export_onnx(
            model, args.out, batch=args.batch, source=args.config)
    meta = report['metadata']
    print(f'wrote {args.out} ({osp.getsize(args.out) / 1e6:.1f} MB): '
          f'{meta["category"]}, {len(meta["keypoint_names"])} keypoints, '
          f'input {meta["input_size"][0]}x{meta["input_size"][1]}, '
          f'{meta["codec"]["type"]}, batch {args.batch or "any"}, '
          f'{"int8" if args.int8 else "float32"}')
    print(f'outputs {", ".join(meta["outputs"])}: shapes '
          f'{report["output_shapes"]}; largest |onnxruntime - PyTorch| '
          f'{report["max_abs_difference"]:.2e}')
    if args.int8:
        print(f'int8: {args.calibration} calibration on {len(images)} '
              f'images, {len(quantized["float_nodes"])} layers in float '
              f'({", ".join(quantized["float_nodes"]) or "none"}); points '
              f'vs the float network on them: mean {distances.mean():.3f} '
              f'px, largest {distances.max():.3f} px')
    return 0


if __name__ == '__main__':
    run_tool(main)

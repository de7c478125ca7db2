"""Measure a stage-1 model's error, the jitter of stage 2's training crops.

Usage:
    python projects/cascade_refine/tools/measure_stage1_error.py \
        STAGE1_CHECKPOINT [--config STAGE1_CONFIG] [--ann VAL_CSV] \
        [--image-root VAL_ROOT] [--bbox-file DETECTIONS] [--device cpu]

Predicts the annotations (default: the config's validation split) with
flip test and prints the root-mean-square error per coordinate of the
annotated points, as a fraction of each garment's extent (the longer side
of the box around its annotated points): set it as ``stage1_error`` in the
stage-2 config.
"""
import argparse
import os.path as osp
from typing import List, Optional

import numpy as np

import fashionai_patches  # noqa: F401  (the pinned stack's gaps first)
from fashionai_core.cli import run_tool
from fashionai_core.csv_io import read_fashionai_csv
from fashionai_dataset.apis import load_pose_model, predict_csv


def relative_errors(pred: np.ndarray, gt: np.ndarray,
                    visibility: np.ndarray) -> np.ndarray:
    """Errors of annotated points over their garment's extent.

    Args:
        pred: Predictions (N, 24, 2), pixels.
        gt: Ground truth (N, 24, 2), pixels.
        visibility: ``v`` per point (N, 24); points with ``v >= 0`` count.

    Returns:
        np.ndarray: (M, 2) signed errors of the M annotated points.
    """
    errors = []
    for row in range(len(gt)):
        annotated = visibility[row] >= 0
        if not annotated.any():
            continue
        points = gt[row, annotated]
        extent = max(float(np.ptp(points, axis=0).max()), 1.0)
        errors.append((pred[row, annotated] - points) / extent)
    return np.concatenate(errors)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('checkpoint')
    parser.add_argument('--config', help='default: the checkpoint\'s own')
    parser.add_argument('--ann', help='default: the validation CSV')
    parser.add_argument('--image-root', help='default: the validation root')
    parser.add_argument('--device', default='cpu')
    parser.add_argument(
        '--bbox-file',
        help='detections stage 1 predicts in (default: the validation '
        'dataset\'s bbox_file, if it has one; else the whole image)')
    args = parser.parse_args(argv)
    model = load_pose_model(args.checkpoint, args.config, device=args.device)
    dataset = model.cfg.val_dataloader.dataset
    ann = args.ann or osp.join(dataset.data_root, dataset.ann_file)
    image_root = args.image_root or dataset.data_root
    bbox_file = args.bbox_file or dataset.get('bbox_file')
    predictions = predict_csv({dataset.category: model},
                              ann,
                              image_root,
                              bbox_file=bbox_file)
    truth = read_fashionai_csv(ann, require_keypoints=True)
    errors = relative_errors(predictions.keypoints, truth.keypoints,
                             truth.visibility)
    rms = float(np.sqrt(np.mean(errors**2)))
    print(f'{len(errors)} annotated points of {len(truth)} images in {ann}')
    print(f'median |error| {np.median(np.abs(errors)):.4f}, RMS {rms:.4f} '
          '(fractions of the garment extent)')
    print(f'stage-2 config: stage1_error = {rms:.3f}')
    return 0


if __name__ == '__main__':
    run_tool(main)

"""Write a FashionAI submission CSV for a test CSV.

Usage:
    python tools/predict.py TEST_CSV IMAGE_ROOT OUT_CSV \
        --model blouse=work_dirs/hrnet_w32_blouse/best.pth \
        --model skirt=work_dirs/hrnet_w32_skirt/best.pth ... \
        [--model blouse=work_dirs/res50_blouse/best.pth --weights blouse=2,1]
        [--config blouse=configs/fashionai/hrnet_w32_blouse.py] \
        [--no-flip] [--batch-size 32] [--device cuda:0]
        [--det-config DET_CONFIG --det-checkpoint DET_CKPT | --bbox-file F]
        [--fallback-from TRAIN_CSV]
    python tools/predict.py TEST_CSV IMAGE_ROOT OUT_CSV --backend onnxruntime \
        --model blouse=blouse.onnx --model skirt=skirt.onnx ...

What the options do: docs/deployment.md (a submission, ONNX files, the
garment detector), docs/test_time.md (several models per category,
``*_tta.py`` configs), docs/real_data.md (``--fallback-from``).
"""
import argparse
import os.path as osp
import sys
import tempfile
from typing import Dict, List, Optional, Tuple

from fashionai_core.baselines import constant_predictions, mean_layouts
from fashionai_core.cli import run_tool
from fashionai_core.csv_io import (IMAGE_LIST_HEADER, FashionAIRecords,
                                   read_fashionai_csv, write_csv,
                                   write_submission)
from fashionai_core.image_check import FashionAIImageError, image_size
from fashionai_tools.prediction import (add_model_arguments, check_outputs,
                                        model_options, predict_records,
                                        print_listed, print_summary)


def predict_with_fallback(
    args: argparse.Namespace, checkpoints: Dict[str, List[str]],
    configs: Dict[str, List[str]], weights: Dict[str, List[float]]
) -> Tuple[FashionAIRecords, Optional[int], List[str]]:
    """:func:`predict_records` on the readable images; the others get the
    constant baseline of ``args.fallback_from`` (not scaled: the layouts
    are in its images' pixels). Returns the records in the test list's
    order, the images without a box, and ``'image_id: reason'`` for each
    fallback."""
    listed = read_fashionai_csv(args.test_csv, require_keypoints=False)
    layouts = mean_layouts(
        read_fashionai_csv(args.fallback_from, require_keypoints=True))
    fallbacks, readable = [], []
    for image_id, category in zip(listed.image_ids, listed.categories):
        try:
            image_size(osp.join(args.image_root, image_id))
            readable.append([image_id, category])
        except FashionAIImageError as error:
            fallbacks.append(f'{image_id}: {error}')
    keypoints = constant_predictions(layouts, listed)
    without_box = None
    if readable:
        test_csv = args.test_csv
        with tempfile.TemporaryDirectory() as folder:
            args.test_csv = osp.join(folder, 'readable.csv')
            write_csv(args.test_csv, IMAGE_LIST_HEADER, readable)
            try:
                records, without_box = predict_records(args, checkpoints,
                                                       configs, weights)
            finally:
                args.test_csv = test_csv
        row_of = listed.index_of()
        for image_id, points in zip(records.image_ids, records.keypoints):
            keypoints[row_of[image_id]] = points
    listed.keypoints = keypoints
    return listed, without_box, fallbacks


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('test_csv', help='image_id,image_category list')
    parser.add_argument('image_root', help='folder image_id is relative to')
    parser.add_argument('out_csv', help='submission to write')
    add_model_arguments(parser)
    parser.add_argument(
        '--fallback-from',
        metavar='TRAIN_CSV',
        help='images that cannot be read get the constant baseline of '
        'TRAIN_CSV (their category\'s mean layout, as '
        'tools/constant_baseline.py), counted and named, instead of '
        'stopping: a competition submission needs every row')
    args = parser.parse_args(argv)
    checkpoints, configs, weights = model_options(parser, args)
    try:
        check_outputs(args, args.test_csv, [args.out_csv], checkpoints,
                      configs)
        if args.fallback_from:
            records, without_box, fallbacks = predict_with_fallback(
                args, checkpoints, configs, weights)
        else:
            records, without_box = predict_records(args, checkpoints, configs,
                                                   weights)
            fallbacks = []
        write_submission(args.out_csv, records.image_ids, records.categories,
                         records.keypoints)
    except FashionAIImageError as error:
        print(
            f'error: {error}; --fallback-from TRAIN_CSV writes the constant '
            'baseline for such images instead',
            file=sys.stderr)
        return 1
    print(f'{len(records)} predictions written to {args.out_csv}')
    print_summary(args, records, checkpoints, without_box)
    if args.fallback_from:
        print(f'{len(fallbacks)} images could not be read and got the '
              f'constant baseline of {args.fallback_from}')
        print_listed(fallbacks, '  ')
    return 0


if __name__ == '__main__':
    run_tool(main)

"""Write a model's predictions on unlabelled images as training annotations.

Usage:
    python tools/pseudo_label.py IMAGE_LIST IMAGE_ROOT OUT_CSV \
        --model blouse=work_dirs/hrnet_w32_blouse/best.pth ... \
        [--tta] [--min-score 0.3] [--category blouse]
        [any model option of tools/predict.py: several --model per
         category, --weights, --config, --no-flip, --batch-size,
         --num-workers, --device, --backend onnxruntime, --bbox-file,
         --det-config/--det-checkpoint, --bbox-score-thr]

Input, teachers, output and training on the result: docs/pseudo_labels.md.
"""
import argparse
import os
import os.path as osp
import sys
import tempfile
from typing import Dict, List, Optional, Tuple

import numpy as np
from tabulate import tabulate
from tqdm import tqdm

from fashionai_core.cli import run_tool
from fashionai_core.csv_io import (IMAGE_LIST_HEADER, read_fashionai_csv,
                                   write_csv)
from fashionai_core.image_check import FashionAIImageError, read_image
from fashionai_core.keypoints import CATEGORIES
from fashionai_core.predictions import check_models_cover
from fashionai_core.pseudo_labels import (KEPT_TABLE_HEADER, kept_table,
                                          pseudo_label_visibility, scores_path,
                                          write_pseudo_labels)
from fashionai_deploy.infer import list_images
from fashionai_tools.prediction import (add_model_arguments, check_outputs,
                                        model_options, predict_records,
                                        print_listed, print_summary)


def folder_rows(folder: str, image_root: str,
                category: str) -> List[Tuple[str, str]]:
    """``(image_id, category)`` of each image under ``folder``, ids
    relative to ``image_root``.

    Raises:
        ValueError: ``folder`` is not inside ``image_root``.
        FileNotFoundError: No image in ``folder``.
    """
    root = osp.realpath(image_root)
    if osp.commonpath([root, osp.realpath(folder)]) != root:
        raise ValueError(f'{folder} is not inside the image root '
                         f'{image_root}; image ids are relative to it')
    return [(osp.relpath(osp.realpath(path), root).replace(os.sep,
                                                           '/'), category)
            for path in list_images(folder)]


def readable_rows(
    rows: List[Tuple[str, str]], image_root: str
) -> Tuple[List[Tuple[str, str]], Dict[str, Tuple[int, int]], List[str]]:
    """The rows whose image decodes, each one's (width, height), and a line
    per skipped one."""
    readable, sizes, skipped = [], {}, []
    for image_id, category in tqdm(rows, desc='checking images'):
        try:
            height, width = read_image(osp.join(image_root,
                                                image_id)).shape[:2]
        except FashionAIImageError as error:
            skipped.append(f'{image_id}: {error}')
            continue
        readable.append((image_id, category))
        sizes[image_id] = width, height
    return readable, sizes, skipped


def listed_rows(args: argparse.Namespace) -> List[Tuple[str, str]]:
    """The images to label: the list's rows, or the folder's images."""
    if osp.isdir(args.image_list):
        if not args.category:
            raise ValueError(f'{args.image_list} is a folder: --category '
                             'says what garment its images show')
        return folder_rows(args.image_list, args.image_root, args.category)
    if args.category:
        raise ValueError('--category is for a folder of images; a list '
                         f'({args.image_list}) names each image\'s category')
    records = read_fashionai_csv(args.image_list)
    return list(zip(records.image_ids, records.categories))


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        'image_list', help='image_id,image_category list, or a folder')
    parser.add_argument('image_root', help='folder image_id is relative to')
    parser.add_argument('out_csv', help='pseudo-label annotation CSV to write')
    add_model_arguments(parser)
    parser.add_argument(
        '--tta',
        action='store_true',
        help='test each checkpoint on its config\'s test-time views')
    parser.add_argument(
        '--min-score',
        type=float,
        help='lowest score a point needs to become a label (default: '
        'every point, whatever its score)')
    parser.add_argument(
        '--category',
        choices=CATEGORIES,
        help='the garment of a folder\'s images')
    args = parser.parse_args(argv)
    if args.tta and args.backend == 'onnxruntime':
        parser.error('--tta applies to checkpoints; an ONNX file predicts '
                     'one view (export a model per view instead)')
    checkpoints, configs, weights = model_options(parser, args)
    check_outputs(args, args.image_list,
                  [args.out_csv, scores_path(args.out_csv)], checkpoints,
                  configs)
    rows = listed_rows(args)
    check_models_cover([row[1] for row in rows], checkpoints, args.image_list)
    readable, sizes, skipped = readable_rows(rows, args.image_root)
    print_listed([f'skipped {line}' for line in skipped], file=sys.stderr)
    if not readable:
        raise ValueError(f'none of the {len(rows)} images of '
                         f'{args.image_list} can be read')
    with tempfile.TemporaryDirectory() as folder:
        args.test_csv = osp.join(folder, 'images.csv')
        write_csv(args.test_csv, IMAGE_LIST_HEADER, readable)
        records, without_box = predict_records(args, checkpoints, configs,
                                               weights)
    visibility = pseudo_label_visibility(
        records, args.min_score,
        np.array([sizes[image_id] for image_id in records.image_ids]))
    scores_file = write_pseudo_labels(args.out_csv, records, visibility)
    print(
        tabulate(
            kept_table(records, visibility),
            KEPT_TABLE_HEADER,
            tablefmt='github'))
    kept = ('every point in its image' if args.min_score is None else
            f'points scoring {args.min_score:g} or more')
    print(f'{len(records)} images pseudo-labelled in {args.out_csv} '
          f'({kept}), scores in '
          f'{scores_file}; {len(skipped)} unreadable images skipped')
    print_summary(args, records, checkpoints, without_box)
    return 0


if __name__ == '__main__':
    run_tool(main)

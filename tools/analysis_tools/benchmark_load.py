"""Benchmark: the metric, tools/evaluate.py and the dataset at full size.

Usage:
    python tools/analysis_tools/benchmark_load.py [--rows 54000]
        [--dataset-rows 64000] [--work-dir /tmp/fashionai_load]
        [--source ANN_CSV]

Builds an annotation CSV of ``--rows`` rows (the rows of ``--source``
repeated under new image ids, by default synthetic rows), a
prediction CSV (ground truth plus noise), and a ``--dataset-rows`` CSV whose
images are hard links to one small JPEG. Prints wall time and peak memory of
each step, and the process's peak memory after it. A benchmark, not a test:
nothing is asserted.
"""
import csv
import os
import os.path as osp
import resource
import subprocess
import time
from typing import Callable, List, Optional, Tuple

import cv2
import numpy as np

import fashionai_patches  # noqa: F401  (the pinned stack's gaps first)
from fashionai_core.benchmarking import (benchmark_parser, run_repo_tool,
                                         synthetic_rows)
from fashionai_core.cli import run_tool
from fashionai_core.csv_io import (ANNOTATION_HEADER, read_fashionai_csv,
                                   write_csv, write_submission)
from fashionai_core.keypoints import CATEGORIES, KEYPOINT_NAMES
from fashionai_core.submission_evaluation import evaluate_submission
from fashionai_dataset.datasets import FashionAIDataset
from fashionai_dataset.evaluation import FashionAIMetric
from fashionai_dataset.metainfo import fashionai_metainfo


def max_rss_mib() -> float:
    """Peak resident memory of this process so far, in MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(name: str, step: Callable) -> object:
    """Run ``step``; print its wall time and the process's peak memory
    (about 900 MiB before any step: the imported torch/MMPose stack).

    (tracemalloc would give per-step peaks but slows allocation-heavy code
    several times over, so the process's max RSS is reported instead.)
    """
    start = time.perf_counter()
    result = step()
    seconds = time.perf_counter() - start
    print(f'{name:58s} {seconds:7.2f} s  max RSS {max_rss_mib():7.1f} MiB')
    return result


def source_rows(count: int,
                source: Optional[str]) -> Tuple[List[List[str]], str]:
    """``count`` annotation rows with unique ids, and where they came from.

    The rows of ``source`` (an annotation CSV) repeated under new image ids,
    or without it 2,000 synthetic rows repeated.
    """
    if source:
        with open(source, newline='', encoding='utf-8-sig') as file:
            base = list(csv.reader(file))[1:]
        origin = f'the {len(base)} rows of {source}, repeated'
    else:
        base = synthetic_rows(400)
        origin = f'{len(base)} synthetic rows, repeated'
    rows = []
    for index in range(count):
        row = list(base[index % len(base)])
        row[0] = f'Images/{row[1]}/{index:08d}.jpg'
        rows.append(row)
    return rows, origin


def benchmark_evaluation(work_dir: str, count: int,
                         source: Optional[str]) -> None:
    rows, origin = source_rows(count, source)
    print(f'\n{count} annotation rows from {origin}')
    annotations_csv = osp.join(work_dir, 'annotations.csv')
    predictions_csv = osp.join(work_dir, 'predictions.csv')
    write_csv(annotations_csv, ANNOTATION_HEADER, rows)
    truth = measure('read annotation CSV',
                    lambda: read_fashionai_csv(annotations_csv))
    noisy = truth.keypoints + np.random.default_rng(0).normal(
        0, 3, truth.keypoints.shape)
    noisy[truth.visibility == -1] = 250.0  # absent in the truth: any guess
    measure(
        'write submission CSV', lambda: write_submission(
            predictions_csv, truth.image_ids, truth.categories, noisy))
    predictions = measure(
        'read submission CSV',
        lambda: read_fashionai_csv(predictions_csv, allow_decimal=True))
    result = measure('evaluate_submission (validate + NE)',
                     lambda: evaluate_submission(truth, predictions))
    print(f'  NE {result.summary["NE"]:.4f}% over '
          f'{result.summary["num_points"]} points')

    start = time.perf_counter()
    run_repo_tool(
        'evaluate.py', [annotations_csv, predictions_csv],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    print(f'{"tools/evaluate.py, whole process (imports included)":58s} '
          f'{time.perf_counter() - start:7.2f} s')

    from mmpose.datasets.datasets.utils import parse_pose_metainfo

    # the metric prints its full table; only its timing matters here
    metric = FashionAIMetric()
    metric.dataset_meta = parse_pose_metainfo(fashionai_metainfo('all'))
    samples = [
        dict(
            raw_ann_info=dict(
                row_index=i,
                image_id=truth.image_ids[i],
                image_category=truth.categories[i],
                keypoints=truth.keypoints[i],
                visibility=truth.visibility[i]),
            pred_instances=dict(keypoints=noisy[i][None]))
        for i in range(len(truth))
    ]
    measure('FashionAIMetric.process, all samples',
            lambda: metric.process({}, samples))
    measure('FashionAIMetric.compute_metrics',
            lambda: metric.compute_metrics(metric.results))


def benchmark_dataset(work_dir: str, count: int,
                      source: Optional[str]) -> None:
    rows, origin = source_rows(count, source)
    print(f'\n{count}-row dataset from {origin}; every image a hard link to '
          'one 512x512 JPEG')
    split = osp.join(work_dir, 'split')
    image = osp.join(work_dir, 'one.jpg')
    cv2.imwrite(image, np.full((512, 512, 3), 127, np.uint8))
    for category in CATEGORIES:
        os.makedirs(osp.join(split, 'Images', category), exist_ok=True)
    for row in rows:
        target = osp.join(split, row[0])
        if not osp.exists(target):
            os.link(image, target)
    write_csv(osp.join(split, 'train.csv'), ANNOTATION_HEADER, rows)
    dataset = measure(
        'FashionAIDataset(category="all") load', lambda: FashionAIDataset(
            ann_file='train.csv', data_root=split, data_prefix=dict(img='')))
    print(f'  {len(dataset)} instances, {len(KEYPOINT_NAMES)} points each')
    measure(
        'FashionAIDataset(category="blouse") load', lambda: FashionAIDataset(
            ann_file='train.csv',
            category='blouse',
            data_root=split,
            data_prefix=dict(img='')))


def main(argv: Optional[List[str]] = None) -> None:
    parser = benchmark_parser(__doc__, work_dir='/tmp/fashionai_load')
    parser.add_argument('--rows', type=int, default=54000)
    parser.add_argument('--dataset-rows', type=int, default=64000)
    parser.add_argument(
        '--source',
        help='annotation CSV whose rows are repeated (default: '
        'synthetic rows)')
    args = parser.parse_args(argv)
    os.makedirs(args.work_dir, exist_ok=True)
    benchmark_evaluation(args.work_dir, args.rows, args.source)
    benchmark_dataset(args.work_dir, args.dataset_rows, args.source)


if __name__ == '__main__':
    run_tool(main)

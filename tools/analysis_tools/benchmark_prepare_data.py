"""Wall time and peak memory of prepare_data.py on a real-size download.

Usage:
    python tools/analysis_tools/benchmark_prepare_data.py
        [--work-dir /tmp/fashionai_prepare] [--train 51597] [--warm-up 12534]
        [--test 9970 9970] [--shared 1000] [--no-content-check]

What it writes, and the measurements: docs/real_data.md, "How long it
takes at the real size". A benchmark, not a test.
"""
import os
import os.path as osp
import resource
import sys
import time
import zlib
from typing import List, Optional

import cv2
import numpy as np

from fashionai_core.benchmarking import (benchmark_parser, dated_machine,
                                         run_repo_tool)
from fashionai_core.cli import run_tool
from fashionai_core.csv_io import (ANNOTATION_HEADER, IMAGE_LIST_HEADER,
                                   format_cell, write_csv)
from fashionai_core.keypoints import (CATEGORIES, CATEGORY_KEYPOINTS,
                                      KEYPOINT_NAMES)

SIZE = 64


def annotation_row(rng: np.random.Generator, image_id: str,
                   category: str) -> list:
    cells = []
    for name in KEYPOINT_NAMES:
        if name in CATEGORY_KEYPOINTS[category]:
            x, y = rng.integers(4, SIZE - 4, size=2)
            cells.append(format_cell(int(x), int(y), 1))
        else:
            cells.append('-1_-1_-1')
    return [image_id, category] + cells


def write_release(root: str, rows: list, csv_path: str, header: list) -> None:
    for row in rows:
        target = osp.join(root, row[0])
        os.makedirs(osp.dirname(target), exist_ok=True)
        # drawn from the id: every picture's bytes differ, and a row repeated
        # in two releases has the same bytes
        pixels = np.random.default_rng(zlib.crc32(row[0].encode())).integers(
            0, 256, (SIZE, SIZE, 3), dtype=np.uint8)
        cv2.imwrite(target, pixels)
    write_csv(csv_path, header, rows)


def main(argv: Optional[List[str]] = None) -> int:
    parser = benchmark_parser(__doc__, work_dir='/tmp/fashionai_prepare')
    parser.add_argument('--train', type=int, default=51597)
    parser.add_argument('--warm-up', type=int, default=12534)
    parser.add_argument('--test', type=int, nargs='+', default=[9970, 9970])
    parser.add_argument('--shared', type=int, default=1000)
    parser.add_argument('--no-content-check', action='store_true')
    args = parser.parse_args(argv)
    os.makedirs(args.work_dir)  # a new folder: nothing of the user's goes
    rng = np.random.default_rng(0)

    def rows(prefix: str, count: int) -> list:
        return [
            annotation_row(rng, f'Images/{c}/{prefix}_{i:06d}.jpg', c)
            for i in range(count) for c in [CATEGORIES[i % 5]]
        ]

    download = osp.join(args.work_dir, 'download')
    train = osp.join(download, 'fashionAI_key_points_train_20180227', 'train')
    round1 = rows('r1', args.train)
    write_release(train, round1, osp.join(train, 'Annotations', 'train.csv'),
                  ANNOTATION_HEADER)
    warm_up = osp.join(download, '[update] warm_up_train_20180222', 'train')
    write_release(
        warm_up, round1[:args.shared] + rows('wu', args.warm_up - args.shared),
        osp.join(warm_up, 'Annotations', 'annotations.csv'), ANNOTATION_HEADER)
    tests = []
    for index, count in enumerate(args.test):
        folder = osp.join(
            download, f'fashionAI_key_points_test_{"ab"[index % 2]}_'
            f'{index}', 'test')
        write_release(folder, [r[:2] for r in rows(f't{index}', count)],
                      osp.join(folder, 'test.csv'), IMAGE_LIST_HEADER)
        tests.append(folder)
    releases = [train, warm_up] + tests
    start = time.time()
    options = ['--no-content-check'] if args.no_content_check else []
    result = run_repo_tool(
        'dataset_converters/prepare_data.py',
        releases + ['--out', osp.join(args.work_dir, 'prepared')] + options,
        check=False,
        capture_output=True,
        text=True)
    wall = time.time() - start
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    if result.returncode != 0:
        print(result.stderr[-2000:], file=sys.stderr)
        return 1
    print(result.stdout)
    annotated = args.train + args.warm_up
    print(f'prepare_data.py on {annotated} annotated rows ({args.shared} '
          f'repeated) and {sum(args.test)} test rows in {len(tests)} lists, '
          f'content check {"off" if args.no_content_check else "on"}: '
          f'{wall:.1f} s wall, {peak_mb:.0f} MB peak resident memory; '
          f'{dated_machine()}')
    return 0


if __name__ == '__main__':
    run_tool(main)

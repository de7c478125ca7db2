"""Write a synthetic FashionAI-format dataset from real garment geometry.

Usage:
    python tools/make_synthetic.py [--out data/fashionai] [--train 300]
        [--val 40] [--test 40] [--seed 0] [--categories blouse skirt ...]
        [--nproc 2] [--scenes] [--download-layout DIR]

What it renders: docs/synthetic_data.md; ``--download-layout``:
docs/real_data.md and ``fashionai_core/synthetic/download.py``.
"""
import argparse
import os.path as osp
from typing import List, Optional

from tabulate import tabulate

from fashionai_core.cli import run_tool
from fashionai_core.keypoints import CATEGORIES
from fashionai_core.synthetic import (COMPARISON_HEADER, compare_statistics,
                                      generate_synthetic)


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        '--out', help='default: data/fashionai (data/fashionai_scenes)')
    parser.add_argument(
        '--train', type=int, help='default: 300 (20 with --download-layout)')
    parser.add_argument(
        '--val', type=int, help='default: 40 (10 with --download-layout)')
    parser.add_argument(
        '--test',
        type=int,
        help='default: 40 (5 per list with --download-layout)')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument(
        '--categories', nargs='+', choices=CATEGORIES, default=CATEGORIES)
    parser.add_argument('--nproc', type=int, default=2)
    parser.add_argument(
        '--scenes',
        action='store_true',
        help='smaller garments among clutter, some beside a second garment')
    parser.add_argument(
        '--download-layout',
        metavar='DIR',
        help='a tree shaped like the real download instead: round-1 and '
        'warm-up training folders (--train, --val images each), round-1 '
        'test_a and test_b with answers and two round-2 lists (--test '
        'images each)')
    args = parser.parse_args(argv)
    defaults = (20, 10, 5) if args.download_layout else (300, 40, 40)
    for name, default in zip(('train', 'val', 'test'), defaults):
        if getattr(args, name) is None:
            setattr(args, name, default)
    if args.download_layout:
        from fashionai_core.synthetic.download import write_download_layout
        folders = write_download_layout(
            args.download_layout,
            dict(train=args.train, val=args.val, test=args.test),
            seed=args.seed,
            categories=args.categories,
            nproc=args.nproc)
        for name, folder in folders.items():
            print(f'{name}: {folder}')
        return
    if args.out is None:
        args.out = 'data/fashionai_scenes' if args.scenes else (
            'data/fashionai')
    paths = generate_synthetic(
        args.out,
        dict(train=args.train, val=args.val, test=args.test),
        seed=args.seed,
        categories=args.categories,
        nproc=args.nproc,
        scenes=args.scenes)
    for split, path in paths.items():
        print(f'{split}: {path}')
    if 'train' in paths:
        print('\nsynthetic training split vs the real sample annotations:')
        print(
            tabulate(
                compare_statistics(paths['train'], args.categories),
                headers=COMPARISON_HEADER))
    print(f'\ndataset written to {osp.abspath(args.out)}')


if __name__ == '__main__':
    run_tool(main)

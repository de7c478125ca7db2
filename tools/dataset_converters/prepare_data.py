"""The FashionAI download (several release folders) in the configs' layout.

Usage:
    python tools/dataset_converters/prepare_data.py RELEASE_DIR \
        [RELEASE_DIR ...] --out data/fashionai [--val-fraction 0.05] \
        [--seed 0] [--copy] [--force] [--train-on-answers]
        [--on-conflict stop|first|drop] [--no-content-check]

What it reads, checks and writes: docs/real_data.md, "1. Prepare".
"""
import argparse
import sys
from typing import List, Optional

from tabulate import tabulate

from fashionai_core.cli import run_tool
from fashionai_core.keypoints import CATEGORIES
from fashionai_core.releases import LEFT_OUT_REASONS, ON_CONFLICT, prepare


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('releases', nargs='+', help='release folders')
    parser.add_argument('--out', required=True, help='e.g. data/fashionai')
    parser.add_argument('--val-fraction', type=float, default=0.05)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument(
        '--copy', action='store_true', help='copy images (default: link)')
    parser.add_argument(
        '--force',
        action='store_true',
        help='replace an OUT this tool wrote before')
    parser.add_argument(
        '--train-on-answers',
        action='store_true',
        help='a test list with answers joins the training pool (as the '
        'round-2 training set did) instead of staying a test list')
    parser.add_argument(
        '--on-conflict',
        choices=ON_CONFLICT,
        default='stop',
        help='an image annotated differently in two places: stop (listing '
        'them all), keep the first row, or drop both (default: stop)')
    parser.add_argument(
        '--no-content-check',
        action='store_true',
        help='do not hash the images (one picture under two names, test '
        'pictures in the pool are then not found)')
    args = parser.parse_args(argv)
    summary = prepare(args.releases, args.out, args.val_fraction, args.seed,
                      args.copy, args.force, args.train_on_answers,
                      args.on_conflict, not args.no_content_check)
    splits = list(summary.rows)
    rows = [[c] + [summary.rows[s][c] for s in splits] +
            [summary.left_out[r, c] for r in LEFT_OUT_REASONS]
            for c in CATEGORIES]
    rows.append(['all'] + [sum(column) for column in list(zip(*rows))[1:]])
    print(
        tabulate(
            rows,
            headers=['category'] + splits +
            [f'left out: {r}' for r in LEFT_OUT_REASONS],
            tablefmt='github'))
    print(f'\nrepeated rows read once: {summary.duplicates}')
    if summary.conflicts:
        print(f'images annotated differently in two places '
              f'({args.on_conflict}): {len(summary.conflicts)}')
        for line in summary.conflicts[:10]:
            print(f'  {line}')
    if summary.same_pictures:
        print('pictures found under two names: '
              f'{len(summary.same_pictures)}')
        for line in summary.same_pictures[:10]:
            print(f'  {line}')
    print(f'unusable images left out: {len(summary.unusable)}')
    for line in summary.unusable[:10]:
        print(f'  {line}')
    if summary.leaks:
        print(
            f'warning: {summary.leaks} test images are also in the '
            'training pool, by name or by content (a leak: their test NE '
            'is not a test)',
            file=sys.stderr)
    for line in summary.lists:
        print(line)
    if 'val' not in summary.outputs:
        print(
            'warning: no validation split (--val-fraction too small); the '
            "shipped configs' val_dataloader reads val/Annotations/val.csv",
            file=sys.stderr)
    for name, path in summary.outputs.items():
        print(f'{name}: {path}')
    return 0


if __name__ == '__main__':
    run_tool(main)

"""Fit the synthetic generator's shape model to real FashionAI annotations.

Usage:
    python tools/fit_shape_model.py path/to/Annotations/train.csv \
        --out OUT.json [--modes 6]

The generator reads ``fashionai_core/data/shape_model.json`` (committed)
instead of raw rows; ``--out`` is required so that a trial fit never
replaces it by accident: name that file to replace it.
"""
import argparse
from typing import List, Optional

from fashionai_core.cli import run_tool
from fashionai_core.csv_io import read_fashionai_csv
from fashionai_core.outputs import check_output
from fashionai_core.synthetic.shape_model import (DEFAULT_SHAPE_MODEL,
                                                  fit_shape_model,
                                                  save_shape_model)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('annotations', help='real annotation CSV')
    parser.add_argument(
        '--out',
        required=True,
        help=f'the JSON to write; the generator reads {DEFAULT_SHAPE_MODEL}')
    parser.add_argument('--modes', type=int, default=6)
    args = parser.parse_args(argv)
    if args.modes < 1:
        parser.error('--modes must be at least 1')
    check_output(args.out, [args.annotations])
    records = read_fashionai_csv(args.annotations, require_keypoints=True)
    model = fit_shape_model(records, num_modes=args.modes)
    save_shape_model(model, args.out)
    for category, item in model.items():
        stats = item['real_stats']
        print(f'{category:9s} {stats["images"]:5d} rows, '
              f'{len(item["presence_patterns"]):2d} presence patterns, '
              f'median normalizer {stats["s_median"]:.0f} px')
    print(f'written to {args.out}')
    return 0


if __name__ == '__main__':
    run_tool(main)

"""Average several FashionAI submissions for the same test list.

Usage:
    python tools/ensemble_submissions.py A.csv B.csv [...] -o OUT.csv
        [--weights 2 1 ...]

Every input must list the same images with the same categories and every
point each category defines, with finite numbers; the first sets the row
order. A disagreement stops with the file, line and column; the output is
written atomically (all of it, or nothing).
"""
import argparse
from typing import List, Optional

from fashionai_core.cli import run_tool
from fashionai_core.csv_io import read_fashionai_csv, write_submission
from fashionai_core.ensemble import mean_submission
from fashionai_core.outputs import check_output


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('submissions', nargs='+', help='submission CSVs')
    parser.add_argument('-o', '--out', required=True, help='CSV to write')
    parser.add_argument(
        '--weights',
        nargs='+',
        type=float,
        help='one weight per submission (default: equal)')
    args = parser.parse_args(argv)
    check_output(args.out, args.submissions)
    records = [
        read_fashionai_csv(path, allow_decimal=True, require_keypoints=True)
        for path in args.submissions
    ]
    merged = mean_submission(records, args.weights)
    write_submission(args.out, merged.image_ids, merged.categories,
                     merged.keypoints)
    weights = args.weights or [1] * len(records)
    print(f'{len(merged)} rows, the mean of {len(records)} submissions '
          f'(weights {weights}), written to {args.out}')
    return 0


if __name__ == '__main__':
    run_tool(main)

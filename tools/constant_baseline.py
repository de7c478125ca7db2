"""Write the constant-output baseline's submission for a test CSV.

Usage:
    python tools/constant_baseline.py TRAIN_CSV TEST_CSV OUT_CSV

Every test image gets the mean keypoint layout of its category in TRAIN_CSV.
"""
import argparse
from typing import List, Optional

from fashionai_core.baselines import constant_predictions, mean_layouts
from fashionai_core.cli import run_tool
from fashionai_core.csv_io import read_fashionai_csv, write_submission
from fashionai_core.outputs import check_output


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('train_csv', help='training annotations')
    parser.add_argument('test_csv', help='image_id,image_category list')
    parser.add_argument('out_csv', help='submission to write')
    args = parser.parse_args(argv)
    check_output(args.out_csv, [args.train_csv, args.test_csv])
    layouts = mean_layouts(
        read_fashionai_csv(args.train_csv, require_keypoints=True))
    test = read_fashionai_csv(args.test_csv)
    write_submission(args.out_csv, test.image_ids, test.categories,
                     constant_predictions(layouts, test))
    print(f'constant baseline for {len(test)} images written to '
          f'{args.out_csv}')
    return 0


if __name__ == '__main__':
    run_tool(main)

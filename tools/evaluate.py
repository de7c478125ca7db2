"""Evaluate a FashionAI submission CSV against an annotation CSV.

Usage:
    python tools/evaluate.py ANN_CSV PRED_CSV [--category C] [--json OUT]

Prints ``NE: <percent>`` and tables per category and per keypoint; exits 1
with a message naming the file, line and column when an input is malformed.
"""
import argparse
import json
from typing import List, Optional

from fashionai_core.atomic import atomic_write
from fashionai_core.cli import run_tool
from fashionai_core.csv_io import read_fashionai_csv
from fashionai_core.keypoints import CATEGORIES
from fashionai_core.outputs import check_output
from fashionai_core.report import format_summary
from fashionai_core.submission_evaluation import evaluate_submission


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Normalized error (NE) of a FashionAI submission')
    parser.add_argument('annotations', help='annotation CSV (ground truth)')
    parser.add_argument('predictions', help='submission CSV to evaluate')
    parser.add_argument(
        '--category', choices=CATEGORIES, help='evaluate one category only')
    parser.add_argument('--json', help='also write the results to this file')
    parser.add_argument(
        '--plot',
        help='also draw per-keypoint NE per category and the worst images '
        'to this PNG')
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    for output in (args.json, args.plot):
        if output:
            check_output(output, [args.annotations, args.predictions])
    if args.json and args.plot:
        check_output(args.plot, [args.json])
    # pseudo-labels (tools/pseudo_label.py) are decimal ground truth
    annotations = read_fashionai_csv(
        args.annotations, allow_decimal=True, require_keypoints=True)
    predictions = read_fashionai_csv(
        args.predictions, allow_decimal=True, require_keypoints=True)
    result = evaluate_submission(annotations, predictions, args.category)
    print(format_summary(result.summary))
    if args.json:
        with atomic_write(args.json) as file:
            json.dump(result.summary, file, indent=2)
    if args.plot:
        # matplotlib only when a picture is asked for
        from fashionai_core.plot import plot_evaluation
        plot_evaluation(result, args.plot)
        print(f'plot written to {args.plot}')
    return 0


if __name__ == '__main__':
    run_tool(main)

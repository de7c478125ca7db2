"""Rank annotation rows by how likely they are wrong, from their geometry.

Usage:
    python tools/check_labels.py ANN_CSV --out SUSPECTS.csv [--top 10]

Reads a FashionAI annotation CSV and writes one row per suspect (a row, or
a point of it, and a reason) ranked by score: ``swap`` (left/right pairs on
the wrong side), ``moved`` (a point far from where the shape model puts it
given the others), ``same position`` (two names at one place), ``order``
(a hem above the armpits, ...). The reasons, scores and thresholds are
documented in ``fashionai_core/label_check.py``. No image and no model are
needed. Prints the rows per reason and the ``--top`` suspects. The
suspects file can be given to ``FashionAIDataset(exclude_file=...)`` to
leave those rows out of training.
"""
import argparse
import sys

from tabulate import tabulate

from fashionai_core.cli import run_tool
from fashionai_core.csv_io import read_fashionai_csv, write_csv
from fashionai_core.label_check import (SUSPECTS_HEADER, check_labels,
                                        suspects_by_reason)
from fashionai_core.outputs import check_output


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('annotations', help='annotation CSV to check')
    parser.add_argument(
        '--out', required=True, help='the suspects CSV to write')
    parser.add_argument(
        '--top', type=int, default=10, help='suspects printed (default 10)')
    args = parser.parse_args()
    if args.top < 0:
        parser.error(f'--top {args.top}: expected a count >= 0')
    try:
        check_output(args.out, [args.annotations])
        records = read_fashionai_csv(args.annotations, require_keypoints=True)
    except (FileNotFoundError, ValueError) as error:
        print(f'error: {error}', file=sys.stderr)
        return 1
    suspects = check_labels(records)
    rows = [[
        rank, records.lines[s.row], records.image_ids[s.row],
        records.categories[s.row], s.reason, s.keypoint, f'{s.score:.2f}',
        s.detail
    ] for rank, s in enumerate(suspects, 1)]
    write_csv(args.out, SUSPECTS_HEADER, rows)
    counts = suspects_by_reason(suspects)
    flagged = len({s.row for s in suspects})
    print(f'{args.annotations}: {len(records)} rows, {flagged} suspect '
          f'({", ".join(f"{r}: {n}" for r, n in counts.items()) or "none"})')
    if rows and args.top:
        print(
            tabulate([row[:7] for row in rows[:args.top]],
                     headers=SUSPECTS_HEADER[:7]))
    print(f'written to {args.out}')
    return 0


if __name__ == '__main__':
    run_tool(main)

"""Benchmark: how many injected label mistakes tools/check_labels.py finds.

Usage:
    python tools/analysis_tools/benchmark_label_noise.py [--rows 300]
        [--seed 0]

Takes ``--rows`` synthetic training rows per category (their labels only:
no image is rendered), injects mistakes with a fixed seed
(``fashionai_core/synthetic/label_noise.py``: 5% of rows mirrored left/right,
5% with one point moved by 20-60% of the normalizer, 2% with a point at
another point's place), runs the geometry check on the noisy file and on
the clean one, and prints recall per kind of mistake and precision per
reason. A benchmark, not a test: nothing is asserted.
"""
import argparse
import time

import numpy as np
from tabulate import tabulate

from fashionai_core.cli import run_tool
from fashionai_core.csv_io import FashionAIRecords, records_from_rows
from fashionai_core.keypoints import CATEGORIES
from fashionai_core.label_check import THRESHOLDS, check_labels
from fashionai_core.synthetic import synthetic_row
from fashionai_core.synthetic.label_noise import (DEFAULT_RATES,
                                                  inject_label_noise)

#: The reason that should find each kind of mistake.
EXPECTED_REASON = dict(
    mirrored='swap', moved='moved', duplicated='same position')


def synthetic_records(rows: int, seed: int) -> FashionAIRecords:
    """The labels of ``rows`` synthetic training images per category."""
    return records_from_rows([
        synthetic_row(seed, 'train', c, i) for c in CATEGORIES
        for i in range(rows)
    ], 'synthetic')


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--rows', type=int, default=300)
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args()
    clean = synthetic_records(args.rows, args.seed)
    noisy, injected = inject_label_noise(
        clean, np.full((len(clean), 2), 512), seed=args.seed)
    start = time.perf_counter()
    suspects = check_labels(noisy)
    seconds = time.perf_counter() - start
    wrong = {i.row for i in injected}
    table = []
    for kind, reason in EXPECTED_REASON.items():
        rows = {i.row for i in injected if i.kind == kind}
        found = {s.row for s in suspects if s.reason == reason}
        anything = {s.row for s in suspects}
        table.append([
            kind,
            len(rows), reason, f'{len(rows & found) / max(len(rows), 1):.2f}',
            f'{len(rows & anything) / max(len(rows), 1):.2f}',
            len(found), f'{len(found & wrong) / max(len(found), 1):.2f}'
        ])
    flagged = {s.row for s in suspects}
    on_clean = {s.row for s in check_labels(clean)}
    print(f'{len(clean)} synthetic rows ({args.rows} per category), seed '
          f'{args.seed}, rates {DEFAULT_RATES}, thresholds {THRESHOLDS}; '
          f'check in {seconds:.2f} s')
    print(
        tabulate(
            table,
            headers=[
                'injected', 'rows', 'reason', 'recall (that reason)',
                'recall (any reason)', 'rows flagged for the reason',
                'precision'
            ],
            tablefmt='github'))
    print(f'\nall reasons: {len(flagged)} rows flagged, precision '
          f'{len(flagged & wrong) / max(len(flagged), 1):.2f}, recall '
          f'{len(flagged & wrong) / max(len(wrong), 1):.2f}; on the clean '
          f'labels {len(on_clean)} rows flagged')
    return 0


if __name__ == '__main__':
    run_tool(main)

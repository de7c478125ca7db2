"""Benchmark: how many injected label mistakes tools/check_labels.py finds.

Usage:
    python tools/analysis_tools/benchmark_label_noise.py [--rows 300]
        [--seed 0] [--train [--iters 300] [--eval-size 40]
        [--data data/fashionai_noise]
        [--work-dir work_dirs/benchmark_label_noise]]

Protocol and figures: docs/label_cleaning.md, "What it finds, measured on
a known truth" (``--train``: "What the mistakes cost a model, and what
cleaning buys back" and "With a model's predictions"). A row whose
checkpoint is in the work folder is not trained again. A benchmark, not a
test: nothing is asserted.
"""
import argparse
import os
import os.path as osp
import time
from typing import Dict, List, Optional

import numpy as np

from fashionai_core.benchmarking import (NE_HEADERS, benchmark_parser,
                                         config_path, machine, ne_cells,
                                         print_table, run_repo_tool,
                                         runner_test, synthetic_data,
                                         synthetic_rows, trained,
                                         write_iteration_wrapper)
from fashionai_core.cli import run_tool
from fashionai_core.csv_io import (IMAGE_LIST_HEADER, FashionAIRecords,
                                   read_fashionai_csv, records_from_rows,
                                   write_annotations, write_csv)
from fashionai_core.image_check import image_size
from fashionai_core.label_check import (THRESHOLDS, Suspect,
                                        check_against_predictions,
                                        check_labels)
from fashionai_core.synthetic.label_noise import (DEFAULT_RATES, Injected,
                                                  inject_label_noise)

#: The reason that should find each kind of mistake, from the geometry
#: and from a model's predictions.
EXPECTED_REASON = dict(
    mirrored='swap', moved='moved', duplicated='same position')
MODEL_REASON = dict(
    mirrored='mirrored prediction',
    moved='far from prediction',
    duplicated='far from prediction')
RECALL_HEADERS = [
    'injected', 'rows', 'reason', 'recall (that reason)',
    'recall (any reason)', 'rows flagged for the reason', 'precision'
]


def recall_table(suspects: List[Suspect], injected: List[Injected],
                 expected: Dict[str, str]) -> List[list]:
    """Recall and precision of ``suspects`` per kind of ``injected``
    mistake, each kind by its ``expected`` reason."""
    wrong = {i.row for i in injected}
    anything = {s.row for s in suspects}
    table = []
    for kind, reason in expected.items():
        rows = {i.row for i in injected if i.kind == kind}
        found = {s.row for s in suspects if s.reason == reason}
        table.append([
            kind,
            len(rows), reason, f'{len(rows & found) / max(len(rows), 1):.2f}',
            f'{len(rows & anything) / max(len(rows), 1):.2f}',
            len(found), f'{len(found & wrong) / max(len(found), 1):.2f}'
        ])
    return table


def summary(suspects: List[Suspect], injected: List[Injected]) -> str:
    """Rows flagged, precision and recall over every reason."""
    flagged, wrong = {s.row for s in suspects}, {i.row for i in injected}
    return (f'{len(flagged)} rows flagged, precision '
            f'{len(flagged & wrong) / max(len(flagged), 1):.2f}, recall '
            f'{len(flagged & wrong) / max(len(wrong), 1):.2f}')


def model_check(noisy: FashionAIRecords, injected: List[Injected],
                checkpoint: str, train: str, work: str) -> None:
    """Print what ``check_labels.py --predictions`` finds with the
    predictions of ``checkpoint`` (trained on ``noisy``) of its own
    training images."""
    image_list = osp.join(work, 'train_images.csv')
    write_csv(image_list, IMAGE_LIST_HEADER,
              zip(noisy.image_ids, noisy.categories))
    predictions = osp.join(work, 'train_predictions.csv')
    if not osp.exists(predictions):
        run_repo_tool(
            'predict.py',
            [image_list, train, predictions, '--model', f'all={checkpoint}'])
    from_model, _ = check_against_predictions(
        noisy,
        read_fashionai_csv(
            predictions, allow_decimal=True, require_keypoints=True))
    geometry = check_labels(noisy)
    print_table(
        '\nwith the predictions of (b)\'s model of its own training images '
        f'(thresholds: far from prediction {THRESHOLDS["far from prediction"]}'
        f', mirrored prediction {THRESHOLDS["mirrored prediction"]}):',
        recall_table(from_model, injected, MODEL_REASON), RECALL_HEADERS)
    print(f'the model\'s reasons: {summary(from_model, injected)}; with the '
          f'geometry\'s: {summary(geometry + from_model, injected)}')


DEMO = config_path('hrnet_w16_all_128_demo')


def train_rows(args: argparse.Namespace) -> int:
    """The ``--train`` half: four trainings, their test NE."""
    data, work = args.data, args.work_dir
    synthetic_data(
        data,
        dict(train=args.rows, val=args.eval_size, test=args.eval_size),
        seed=args.seed)
    os.makedirs(work, exist_ok=True)
    train = osp.join(data, 'train')
    clean = read_fashionai_csv(
        osp.join(train, 'Annotations', 'train.csv'), require_keypoints=True)
    sizes = np.array([image_size(osp.join(train, i)) for i in clean.image_ids])
    noisy, injected = inject_label_noise(clean, sizes, seed=args.seed)
    noisy_csv = osp.join(work, 'train_noisy.csv')
    write_annotations(noisy_csv, noisy.image_ids, noisy.categories,
                      noisy.keypoints, noisy.visibility)
    suspects = osp.join(work, 'suspects.csv')
    run_repo_tool('check_labels.py',
                  [noisy_csv, '--out', suspects, '--top', 0])
    rows = [('(a) clean labels', dict(ann_file='Annotations/train.csv')),
            ('(b) noisy labels', dict(ann_file=noisy_csv)),
            ('(c) noisy, suspects left out',
             dict(ann_file=noisy_csv, exclude_file=suspects)),
            ('(d) noisy, rows with an occluded point left out',
             dict(ann_file=noisy_csv, drop_occluded=True))]
    table, results, checkpoints = [], [], []
    for number, (label, dataset) in enumerate(rows):
        wrapper = write_iteration_wrapper(
            osp.join(work, f'row_{number}.py'), DEMO,
            dict(dataset, data_root=train + '/'), data, args.iters)
        checkpoint, minutes = trained(wrapper)
        checkpoints.append(checkpoint)
        metrics = runner_test(wrapper)
        results.append(metrics['fashionai/NE'])
        table.append([label, *ne_cells(metrics), f'{minutes:.1f}'])
    print_table(
        f'\ntest NE (%), {args.rows} training images per category, '
        f'{args.iters} iterations of 32, seed {args.seed}; {machine()}:',
        table, ['training labels', *NE_HEADERS, 'minutes'])
    gap = results[1] - results[0]
    for label, value in (('(c)', results[2]), ('(d)', results[3])):
        share = (results[1] - value) / gap if gap else float('nan')
        print(f'{label} closes {share:.0%} of the noisy-to-clean gap '
              f'({gap:.2f} NE points)')
    model_check(noisy, injected, checkpoints[1], train, work)
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    parser = benchmark_parser(
        __doc__,
        data='data/fashionai_noise',
        work_dir='work_dirs/benchmark_label_noise')
    parser.add_argument('--rows', type=int, default=300)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument(
        '--train',
        action='store_true',
        help='also train the demo model on clean, noisy and cleaned labels')
    parser.add_argument('--iters', type=int, default=300)
    parser.add_argument('--eval-size', type=int, default=40)
    args = parser.parse_args(argv)
    clean = records_from_rows(
        synthetic_rows(args.rows, seed=args.seed), 'synthetic')
    noisy, injected = inject_label_noise(
        clean, np.full((len(clean), 2), 512), seed=args.seed)
    start = time.perf_counter()
    suspects = check_labels(noisy)
    seconds = time.perf_counter() - start
    print_table(
        f'{len(clean)} synthetic rows ({args.rows} per category), seed '
        f'{args.seed}, rates {DEFAULT_RATES}, thresholds {THRESHOLDS}; '
        f'check in {seconds:.2f} s',
        recall_table(suspects, injected, EXPECTED_REASON), RECALL_HEADERS)
    print(f'\nall reasons: {summary(suspects, injected)}; on the clean '
          f'labels {len({s.row for s in check_labels(clean)})} rows flagged')
    return train_rows(args) if args.train else 0


if __name__ == '__main__':
    run_tool(main)

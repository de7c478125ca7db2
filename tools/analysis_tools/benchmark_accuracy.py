"""NE per category of small models under one fixed CPU training budget.

Usage:
    python tools/analysis_tools/benchmark_accuracy.py [--configs CONFIG ...]
        [--sizes 128 192] [--epochs 5] [--train-size 300] [--eval-size 40]
        [--data data/fashionai] [--work-dir work_dirs/benchmark_accuracy]
        [--json OUT.json]

Protocol and figures: docs/benchmarks.md, "Accuracy under a fixed CPU
budget". The synthetic data is rendered once and reused. A benchmark, not a
test: nothing is asserted.
"""
import os
import os.path as osp
import time
from typing import Dict, List, Optional

from mmengine.config import Config

from fashionai_core.baselines import constant_predictions, mean_layouts
from fashionai_core.benchmarking import (NE_HEADERS, SEED, add_epoch_protocol,
                                         add_row, benchmark_parser,
                                         config_path, dated_machine, ne_cells,
                                         print_table, runner_test,
                                         synthetic_data, trained,
                                         write_epoch_wrapper, write_json)
from fashionai_core.cli import run_tool
from fashionai_core.csv_io import read_fashionai_csv, write_submission
from fashionai_core.submission_evaluation import evaluate_submission


def constant_baseline(data: str, work_dir: str) -> Dict[str, float]:
    """NE of each category's mean training layout on the test split."""
    layouts = mean_layouts(
        read_fashionai_csv(
            osp.join(data, 'train', 'Annotations', 'train.csv'),
            require_keypoints=True))
    answers = read_fashionai_csv(
        osp.join(data, 'test', 'Annotations', 'test_answers.csv'),
        require_keypoints=True)
    # through a real submission file, as users evaluate one
    path = osp.join(work_dir, 'constant_baseline.csv')
    write_submission(path, answers.image_ids, answers.categories,
                     constant_predictions(layouts, answers))
    predicted = read_fashionai_csv(path, allow_decimal=True)
    summary = evaluate_submission(answers, predicted).summary
    return {f'fashionai/{key}': value for key, value in summary.items()}


def main(argv: Optional[List[str]] = None) -> None:
    parser = benchmark_parser(
        __doc__, 'data/fashionai', 'work_dirs/benchmark_accuracy', json=True)
    add_epoch_protocol(parser, configs='+')
    parser.add_argument('--sizes', nargs='+', type=int, default=[128, 192])
    args = parser.parse_args(argv)
    start = time.time()
    synthetic_data(
        args.data,
        dict(train=args.train_size, val=args.eval_size, test=args.eval_size))
    os.makedirs(args.work_dir, exist_ok=True)

    constant = constant_baseline(args.data, args.work_dir)
    rows = [['constant baseline', '-', '-', '-', *ne_cells(constant), '0']]
    records = [dict(config='constant baseline', metrics=constant)]
    runs = [(config_path(config), size) for config in args.configs
            for size in args.sizes]
    for index, (config, size) in enumerate(runs, 1):
        name = osp.splitext(osp.basename(config))[0]
        print(
            f'\n[{index}/{len(runs)}] training {name} at {size} px for '
            f'{args.epochs} epochs',
            flush=True)
        wrapper = write_epoch_wrapper(config, size, args.data, args.work_dir,
                                      args.epochs)
        _, minutes = trained(wrapper, reuse=False)
        codec = Config.fromfile(wrapper).model.head.decoder
        decodings = ([False, True]
                     if codec['type'] == 'MSRAHeatmap' else [None])
        for unbiased in decodings:
            for flip in (False, True):
                metrics = runner_test(wrapper, flip, unbiased)
                decoding = (
                    codec['type'] if unbiased is None else
                    'unbiased' if unbiased else 'argmax+shift')
                add_row(rows, [
                    name,
                    str(size), 'on' if flip else 'off', decoding,
                    *ne_cells(metrics), f'{minutes:.1f}'
                ])
                records.append(
                    dict(
                        config=name,
                        size=size,
                        flip_test=flip,
                        decoding=decoding,
                        train_minutes=minutes,
                        metrics=metrics))

    print_table(
        f'\nNE (%) on the synthetic test split ({args.eval_size} images per '
        f'category), {args.epochs} epochs of {args.train_size} images per '
        f'category, seed {SEED}; {dated_machine()}, '
        f'{(time.time() - start) / 60:.0f} min in all:', rows,
        ['config', 'input', 'flip', 'decoding', *NE_HEADERS, 'train min'])
    write_json(args.json, records)


if __name__ == '__main__':
    os.environ.setdefault('PYTHONUNBUFFERED', '1')
    run_tool(main)

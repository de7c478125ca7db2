"""Test-time accuracy levers under the accuracy benchmark's protocol.

Usage:
    python tools/analysis_tools/benchmark_tta.py [--configs A.py B.py]
        [--size 128] [--epochs 5] [--train-size 300] [--eval-size 40]
        [--data data/fashionai] [--work-dir work_dirs/benchmark_tta]
        [--json OUT.json]

Protocol and figures: docs/test_time.md, "What it buys here" (training as
in docs/benchmarks.md, "Accuracy under a fixed CPU budget"). A checkpoint
already in the work folder is reused. A benchmark, not a test: nothing is
asserted.
"""
import copy
import os.path as osp
import time
from typing import Dict, List, Optional, Tuple

import numpy as np
from mmengine.config import Config
from mmengine.runner import Runner

import fashionai_patches  # noqa: F401  (the pinned stack's gaps first)
from fashionai_core.benchmarking import (NE_HEADERS, SEED, add_epoch_protocol,
                                         add_row, benchmark_parser,
                                         dated_machine, ne_cells, print_table,
                                         synthetic_data, trained,
                                         write_epoch_wrapper, write_json)
from fashionai_core.cli import run_tool
from fashionai_core.config_utils import pipeline_for_codec
from fashionai_core.csv_io import read_fashionai_csv
from fashionai_core.ensemble import choose_per_category, mean_submission
from fashionai_core.submission_evaluation import evaluate_submission
from fashionai_dataset.apis import merge_checkpoints

ROTATIONS = (-10.0, 0.0, 10.0)


def run_test(cfg: Config, checkpoint: str, name: str, split: str,
             outfile: str) -> Tuple[Dict[str, float], float]:
    """Test ``cfg`` on a split; its metrics and ms per image."""
    cfg = copy.deepcopy(cfg)
    cfg.load_from = checkpoint
    cfg.work_dir = osp.join(cfg.work_dir, name)
    cfg.log_level = 'WARNING'
    if split == 'val':
        cfg.test_dataloader.dataset.data_root = (
            cfg.val_dataloader.dataset.data_root)
        cfg.test_dataloader.dataset.ann_file = (
            cfg.val_dataloader.dataset.ann_file)
    cfg.test_evaluator = dict(cfg.test_evaluator, outfile=outfile)
    runner = Runner.from_cfg(cfg)
    start = time.perf_counter()
    metrics = runner.test()
    seconds = time.perf_counter() - start
    images = len(runner.test_dataloader.dataset)
    return metrics, 1000 * seconds / images


def with_tta(cfg: Config, rotations: Tuple[float, ...] = ()) -> Config:
    """``cfg`` with its test-time views, optionally also rotated."""
    cfg = copy.deepcopy(cfg)
    pipeline = pipeline_for_codec(cfg.tta_pipeline, cfg.codec)
    if rotations:
        (views, ) = [s for s in pipeline if s['type'] == 'TestTimeAug']
        views['transforms'].insert(
            1, [dict(type='BBoxView', rotation=angle) for angle in rotations])
    cfg.model = dict(type='FashionAITTAModel', module=cfg.model)
    cfg.test_dataloader.dataset.pipeline = pipeline
    return cfg


def ensemble_config(configs: List[Config]) -> Config:
    cfg = copy.deepcopy(configs[0])
    cfg.model = dict(
        type='PoseEnsemble', members=[c.model.to_dict() for c in configs])
    return cfg


def main(argv: Optional[List[str]] = None) -> None:
    parser = benchmark_parser(
        __doc__, 'data/fashionai', 'work_dirs/benchmark_tta', json=True)
    add_epoch_protocol(parser, configs=2)
    parser.add_argument('--size', type=int, default=128)
    args = parser.parse_args(argv)
    start = time.time()
    synthetic_data(
        args.data,
        dict(train=args.train_size, val=args.eval_size, test=args.eval_size))

    configs, checkpoints, names = [], [], []
    rows, records = [], []
    val_predictions, test_predictions = {}, {}

    def record(label: str, metrics: Dict[str, float], ms: float) -> None:
        add_row(rows, [label, *ne_cells(metrics), f'{ms:.0f}'])
        records.append(dict(label=label, ms_per_image=ms, metrics=metrics))

    for config in args.configs:
        name = osp.splitext(osp.basename(config))[0]
        wrapper = write_epoch_wrapper(config, args.size, args.data,
                                      args.work_dir, args.epochs)
        cfg = Config.fromfile(wrapper)
        if not osp.exists(osp.join(cfg.work_dir, 'last_checkpoint')):
            print(
                f'\ntraining {name} at {args.size} px for {args.epochs} '
                'epochs',
                flush=True)
        checkpoint, _ = trained(wrapper)
        configs.append(cfg)
        checkpoints.append(checkpoint)
        names.append(name)
        out = osp.join(args.work_dir, name)
        print(f'\ntesting {name}', flush=True)
        metrics, ms = run_test(cfg, checkpoint, 'flip', 'test',
                               f'{out}_test.csv')
        record(f'{name}: flip', metrics, ms)
        test_predictions[name] = f'{out}_test.csv'
        run_test(cfg, checkpoint, 'val', 'val', f'{out}_val.csv')
        val_predictions[name] = f'{out}_val.csv'
        metrics, ms = run_test(
            with_tta(cfg), checkpoint, 'tta_scales', 'test',
            f'{out}_tta_scales.csv')
        record(f'{name}: flip + 3 scales', metrics, ms)
        metrics, ms = run_test(
            with_tta(cfg, ROTATIONS), checkpoint, 'tta_rotations', 'test',
            f'{out}_tta_rotations.csv')
        record(f'{name}: flip + 3 scales + 3 rotations', metrics, ms)

    merged = osp.join(args.work_dir, 'ensemble.pth')
    merge_checkpoints(
        {
            f'members.{i}': path
            for i, path in enumerate(checkpoints)
        }, merged)
    print('\ntesting the ensemble', flush=True)
    metrics, ms = run_test(
        ensemble_config(configs), merged, 'ensemble', 'test',
        osp.join(args.work_dir, 'ensemble_test.csv'))
    record(f'{" + ".join(names)}: flip, heatmaps averaged', metrics, ms)

    val_answers = read_fashionai_csv(
        osp.join(args.data, 'val', 'Annotations', 'val.csv'))
    test_answers = read_fashionai_csv(
        osp.join(args.data, 'test', 'Annotations', 'test_answers.csv'))
    choices = choose_per_category(
        val_answers, {
            n: read_fashionai_csv(p, allow_decimal=True)
            for n, p in val_predictions.items()
        },
        max_members=2)
    tests = {
        n: read_fashionai_csv(p, allow_decimal=True)
        for n, p in test_predictions.items()
    }
    chosen, counted = {}, []
    for choice in choices:
        result = evaluate_submission(
            test_answers, mean_submission([tests[m] for m in choice.members]),
            choice.category)
        chosen[f'fashionai/NE/{choice.category}'] = result.summary['NE']
        counted.append(result.errors.errors[result.errors.counted])
        print(f'  {choice.category}: {" + ".join(choice.members)} '
              f'(validation NE {choice.ne:.2f}%)')
    # pooled over every counted point, as the NE is
    chosen['fashionai/NE'] = float(np.concatenate(counted).mean() * 100)
    record('per-category choice on validation (flip)', chosen, float('nan'))

    print_table(
        f'\nNE (%) on the synthetic test split ({args.eval_size} images per '
        f'category), {args.epochs} epochs of {args.train_size} images per '
        f'category at {args.size} px, seed {SEED}; {dated_machine()}, '
        f'{(time.time() - start) / 60:.0f} min in all:', rows,
        ['test-time', *NE_HEADERS, 'ms/image'])
    write_json(args.json, records)


if __name__ == '__main__':
    run_tool(main)

"""Learning from unlabelled images: self-training and distillation, measured.

Usage:
    python tools/analysis_tools/benchmark_pseudo_labels.py [--labelled 60]
        [--unlabelled 300] [--iters 600] [--val-size 40] [--test-size 200]
        [--min-score 0.5] [--keypoint-weight 0.5] [--pseudo-share 0.5]
        [--data data/fashionai_pseudo] [--work-dir work_dirs/benchmark_pseudo]
        [--json OUT.json]

Protocol and figures: docs/pseudo_labels.md, "Measured on the synthetic
proxy". Work is reused: a row whose checkpoint (or pseudo-label file) is in
the work folder is not made again, so another ``--keypoint-weight`` in a new
work folder with (a), (e) and the (b), (c) labels copied in trains only
(b)-(d). A benchmark, not a test: nothing is asserted.
"""
import argparse
import os
import os.path as osp
import time
from typing import Dict, List, Optional, Tuple

import numpy as np

from fashionai_core.benchmarking import (NE_HEADERS, SEED, benchmark_parser,
                                         config_path, dated_machine, ne_cells,
                                         print_table, run_repo_tool,
                                         runner_test, synthetic_data, trained,
                                         write_iteration_wrapper, write_json)
from fashionai_core.cli import run_tool
from fashionai_core.csv_io import (IMAGE_LIST_HEADER, read_fashionai_csv,
                                   write_csv)
from fashionai_core.normalized_error import normalized_errors

PLAIN = config_path('hrnet_w16_all_128_demo')
PSEUDO = config_path('hrnet_w16_all_128_demo_pseudo')
UNLABELLED_SEED = 1


def write_wrapper(name: str, args: argparse.Namespace,
                  extra: Optional[Tuple[str, float]]) -> str:
    """The row's config: the labelled set, plus ``extra`` = (annotation CSV
    of the unlabelled images, keypoint weight) when given; its path."""
    labelled = dict(data_root=osp.join(args.labelled_dir, 'train') + '/')
    if extra is None:
        config, dataset = PLAIN, labelled
    else:
        ann_file, weight = extra
        config, dataset = PSEUDO, dict(
            pseudo_labelled_share=args.pseudo_share,
            labelled=labelled,
            pseudo_labelled=dict(
                data_root=osp.join(args.unlabelled_dir, 'train') + '/',
                ann_file=ann_file,
                keypoint_weight=weight))
    return write_iteration_wrapper(
        osp.join(args.work_dir, f'{name}.py'), config, dataset,
        args.labelled_dir, args.iters)


def pseudo_label(out_csv: str, teachers: List[str], args: argparse.Namespace,
                 options: List[str]) -> None:
    """Run ``tools/pseudo_label.py`` on the unlabelled list."""
    if osp.exists(out_csv):
        return
    run_repo_tool('pseudo_label.py', [
        args.image_list,
        osp.join(args.unlabelled_dir, 'train'), out_csv, '--device', 'cpu'
    ] + [f'--model=all={teacher}' for teacher in teachers] + options)


def pseudo_label_quality(pseudo_csv: str, answers_csv: str) -> Dict:
    """NE (%) of the kept pseudo-labels against the hidden answers, and the
    share (%) of the answers' visible points that were kept."""
    pseudo = read_fashionai_csv(pseudo_csv, allow_decimal=True)
    answers = read_fashionai_csv(answers_csv)
    order = pseudo.index_of()
    rows = [order[image_id] for image_id in answers.image_ids]
    points = pseudo.keypoints[rows]
    kept = pseudo.visibility[rows] == 1
    errors = normalized_errors(
        np.where(kept[..., None], points, 0), answers.keypoints,
        answers.visibility, answers.category_ids).errors
    counted = np.isfinite(errors)
    errors[~kept] = np.nan
    return dict(
        ne=100 * float(np.nanmean(errors)),
        kept=100 * float((counted & kept).sum() / counted.sum()))


def main(argv: Optional[List[str]] = None) -> None:
    parser = benchmark_parser(
        __doc__,
        'data/fashionai_pseudo',
        'work_dirs/benchmark_pseudo',
        json=True)
    parser.add_argument('--labelled', type=int, default=60)
    parser.add_argument('--unlabelled', type=int, default=300)
    parser.add_argument('--iters', type=int, default=600)
    parser.add_argument('--val-size', type=int, default=40)
    parser.add_argument('--test-size', type=int, default=200)
    parser.add_argument(
        '--pseudo-share',
        type=float,
        help='share of pseudo-labelled samples (default: each row once)')
    parser.add_argument('--min-score', type=float, default=0.5)
    parser.add_argument(
        '--keypoint-weight',
        type=float,
        default=0.5,
        help='loss weight of a pseudo-label (default: the configs\')')
    args = parser.parse_args(argv)
    args.labelled_dir = osp.join(args.data, 'labelled')
    args.unlabelled_dir = osp.join(args.data, 'unlabelled')
    start = time.time()
    synthetic_data(
        args.labelled_dir,
        dict(train=args.labelled, val=args.val_size, test=args.test_size))
    synthetic_data(
        args.unlabelled_dir, dict(train=args.unlabelled), seed=UNLABELLED_SEED)
    os.makedirs(args.work_dir, exist_ok=True)
    answers = osp.join(args.unlabelled_dir, 'train', 'Annotations',
                       'train.csv')
    # the teachers see a plain list: the answers stay hidden from them
    args.image_list = osp.join(args.work_dir, 'unlabelled_images.csv')
    hidden = read_fashionai_csv(answers)
    write_csv(args.image_list, IMAGE_LIST_HEADER,
              zip(hidden.image_ids, hidden.categories))

    def labels(name: str) -> str:
        return osp.join(args.work_dir, f'{name}_pseudo_labels.csv')

    threshold = ['--tta', f'--min-score={args.min_score}']
    weight = args.keypoint_weight
    results = []

    def row(key: str, what: str, extra: Optional[Tuple[str, float]],
            quality: Optional[Dict]) -> str:
        print(f'\n[{key}] {what}', flush=True)
        wrapper = write_wrapper(key, args, extra)
        checkpoint, minutes = trained(wrapper)
        metrics = runner_test(wrapper)
        results.append(
            dict(
                row=key,
                what=what,
                quality=quality,
                minutes=minutes,
                metrics={
                    k: float(v)
                    for k, v in metrics.items()
                }))
        return checkpoint

    teacher = row('a', 'labelled only', None, None)
    pseudo_label(labels('b'), [teacher], args, [])
    row('b', '+ pseudo-labels of (a), flip test, all points',
        (labels('b'), weight), pseudo_label_quality(labels('b'), answers))
    pseudo_label(labels('c'), [teacher], args, threshold)
    student_c = row(
        'c', f'+ pseudo-labels of (a), TTA, score >= {args.min_score:g}',
        (labels('c'), weight), pseudo_label_quality(labels('c'), answers))
    pseudo_label(labels('d'), [teacher, student_c], args, threshold)
    row(
        'd', f'+ pseudo-labels of (a)+(c) ensemble, TTA, score >= '
        f'{args.min_score:g}', (labels('d'), weight),
        pseudo_label_quality(labels('d'), answers))
    row('e', 'upper bound: the unlabelled images labelled', (answers, 1.0),
        None)

    lower = results[0]['metrics']['fashionai/NE']
    upper = results[-1]['metrics']['fashionai/NE']
    table = []
    for result in results:
        ne = result['metrics']['fashionai/NE']
        quality = result['quality']
        table.append([
            f'({result["row"]}) {result["what"]}',
            *ne_cells(result['metrics']),
            f'{100 * (lower - ne) / (lower - upper):.0f}' if lower != upper
            else '-', f'{quality["ne"]:.2f}' if quality else '-',
            f'{quality["kept"]:.1f}' if quality else '-',
            f'{result["minutes"]:.1f}'
        ])
    print_table(
        f'\nTest NE (%) on {args.test_size} synthetic test images per '
        f'category; {args.labelled} labelled and {args.unlabelled} unlabelled '
        f'images per category, pseudo-labels at loss weight {weight:g}; '
        f'{args.iters} iterations of 32 images per row, seed {SEED}; '
        f'{dated_machine()}, {(time.time() - start) / 60:.0f} min in all:',
        table, [
            'row', *NE_HEADERS, 'gap closed %', 'labels NE', 'kept %',
            'train min'
        ])
    write_json(args.json, results)


if __name__ == '__main__':
    os.environ.setdefault('PYTHONUNBUFFERED', '1')
    run_tool(main)

"""Learning from unlabelled images: self-training and distillation, measured.

Usage:
    python tools/analysis_tools/benchmark_pseudo_labels.py [--labelled 60]
        [--unlabelled 300] [--iters 600] [--test-size 200] [--min-score 0.5]
        [--keypoint-weight 0.5] [--pseudo-share 0.5]
        [--data data/fashionai_pseudo] [--work-dir work_dirs/benchmark_pseudo]
        [--json OUT.json]

Protocol (the same training budget for every row, so rows compare):

* data: the synthetic generator (``make_synthetic.py``): a labelled set of
  ``--labelled`` images per category (seed 0, with a validation split of
  40 images per category, used while training, and a test split of
  ``--test-size``: 40 test images per category, the demo's, move one row's
  NE by more than a point) and an unlabelled set of
  ``--unlabelled`` images per category (seed 1, another draw of the same
  generator), whose answers are used only to score the pseudo-labels and
  for the upper bound;
* model: the demo's width-16 HRNet at 128 px
  (``hrnet_w16_all_128_demo.py``; ``hrnet_w16_all_128_demo_pseudo.py``
  with pseudo-labels), trained through ``mim train`` with seed 0 for
  ``--iters`` iterations of 32 images, warm-up then x0.2 at 80% and 93%,
  the last checkpoint kept;
* rows: (a) labelled only; (b) + pseudo-labels from (a) with flip test, every
  point kept; (c) + pseudo-labels from (a) with flip test x the box at 0.9,
  1.0, 1.1 (``--tta``) and ``--min-score``; (d) a student taught by a
  stronger teacher: the ensemble of (a) and (c) with TTA, same threshold;
  (e) the upper bound: the unlabelled set's true answers instead of
  pseudo-labels. Pseudo-labels train at ``--keypoint-weight`` (default:
  the configs' 0.5); true answers at 1; ``--pseudo-share 0.5`` (the
  configs' value) repeats the labelled rows to half of each epoch, without
  it each row is seen once;
* scoring: test NE (flip test) with MMEngine's ``Runner.test``; the share of
  the (a)-(e) gap a row closes; the pseudo-labels' own NE on the points
  kept, against the hidden answers, and the share of points kept.

Every pseudo-label file is made by ``tools/pseudo_label.py`` as a user runs
it. Work is reused: a row whose checkpoint (or pseudo-label file) is in the
work folder is not made again, so another ``--keypoint-weight`` in a new
work folder with (a), (e) and the (b), (c) labels copied in trains only
(b)-(d). About 55 minutes on a 2-core CPU at the defaults. A
benchmark, not a test: nothing is asserted.
"""
import argparse
import datetime
import json
import os
import os.path as osp
import subprocess
import sys
import time
from typing import Dict, List, Optional, Tuple

import numpy as np
from benchmark_accuracy import REPO_ROOT, SEED, machine, test
from tabulate import tabulate

from fashionai_core.atomic import atomic_write
from fashionai_core.cli import run_tool
from fashionai_core.csv_io import (IMAGE_LIST_HEADER, read_fashionai_csv,
                                   write_csv)
from fashionai_core.keypoints import CATEGORIES
from fashionai_core.normalized_error import normalized_errors
from fashionai_core.synthetic import NotSyntheticDataError, ensure_synthetic

CONFIGS = osp.join(REPO_ROOT, 'configs', 'fashionai')
PLAIN = osp.join(CONFIGS, 'hrnet_w16_all_128_demo.py')
PSEUDO = osp.join(CONFIGS, 'hrnet_w16_all_128_demo_pseudo.py')
UNLABELLED_SEED = 1
VAL_SIZE = 40

WRAPPER = '''
_base_ = [{config!r}]

train_dataloader = dict(dataset={dataset})
val_dataloader = dict(dataset=dict(data_root={val!r}))
test_dataloader = dict(
    dataset=dict(data_root={test!r}, ann_file='Annotations/test_answers.csv'))
randomness = dict(seed={seed})
train_cfg = dict(
    _delete_=True, type='IterBasedTrainLoop', max_iters={iters},
    val_interval={iters})
param_scheduler = [
    dict(type='LinearLR', begin=0, end=50, start_factor=0.01, by_epoch=False),
    dict(type='MultiStepLR', begin=0, end={iters}, milestones={milestones},
         gamma=0.2, by_epoch=False)
]
log_processor = dict(by_epoch=False)
default_hooks = dict(
    logger=dict(interval=50),
    checkpoint=dict(by_epoch=False, interval={iters}, save_best=None,
                    max_keep_ckpts=1))
work_dir = {work_dir!r}
'''


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
    work_dir = osp.join(args.work_dir, name)
    os.makedirs(work_dir, exist_ok=True)
    path = osp.join(args.work_dir, f'{name}.py')
    with atomic_write(path) as file:
        file.write(
            WRAPPER.format(
                config=config,
                dataset=dataset,
                val=osp.join(args.labelled_dir, 'val') + '/',
                test=osp.join(args.labelled_dir, 'test') + '/',
                seed=SEED,
                iters=args.iters,
                milestones=[int(args.iters * 0.8),
                            int(args.iters * 0.93)],
                work_dir=work_dir))
    return path


def trained(wrapper: str) -> Tuple[str, float]:
    """Train ``wrapper`` unless its work folder has a checkpoint; the
    checkpoint and the minutes it took (0 when reused)."""
    work_dir = osp.splitext(wrapper)[0]
    last = osp.join(work_dir, 'last_checkpoint')
    start = time.time()
    if not osp.exists(last):
        mim = osp.join(osp.dirname(sys.executable), 'mim')
        subprocess.run([mim, 'train', 'mmpose', wrapper], check=True)
    with open(last) as file:
        return file.read().strip(), (time.time() - start) / 60


def pseudo_label(out_csv: str, teachers: List[str], args: argparse.Namespace,
                 options: List[str]) -> None:
    """Run ``tools/pseudo_label.py`` on the unlabelled list."""
    if osp.exists(out_csv):
        return
    command = [
        sys.executable,
        osp.join(REPO_ROOT, 'tools', 'pseudo_label.py'), args.image_list,
        osp.join(args.unlabelled_dir, 'train'), out_csv, '--device', 'cpu'
    ] + [f'--model=all={teacher}' for teacher in teachers] + options
    subprocess.run(command, check=True)


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


def main() -> Optional[int]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--labelled', type=int, default=60)
    parser.add_argument('--unlabelled', type=int, default=300)
    parser.add_argument('--iters', type=int, default=600)
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
    parser.add_argument('--data', default='data/fashionai_pseudo')
    parser.add_argument('--work-dir', default='work_dirs/benchmark_pseudo')
    parser.add_argument('--json', help='write every row here as well')
    args = parser.parse_args()
    data, args.work_dir = osp.abspath(args.data), osp.abspath(args.work_dir)
    args.labelled_dir = osp.join(data, 'labelled')
    args.unlabelled_dir = osp.join(data, 'unlabelled')
    start = time.time()
    try:
        ensure_synthetic(
            args.labelled_dir,
            dict(train=args.labelled, val=VAL_SIZE, test=args.test_size),
            seed=SEED,
            nproc=2)
        ensure_synthetic(
            args.unlabelled_dir,
            dict(train=args.unlabelled),
            seed=UNLABELLED_SEED,
            nproc=2)
    except NotSyntheticDataError as error:
        print(f'error: {error}', file=sys.stderr)
        return 1
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
        checkpoint, minutes = trained(write_wrapper(key, args, extra))
        metrics = test(osp.join(args.work_dir, f'{key}.py'), True, None)
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
            *(f'{result["metrics"][f"fashionai/NE/{c}"]:.2f}'
              for c in CATEGORIES), f'{ne:.2f}',
            f'{100 * (lower - ne) / (lower - upper):.0f}' if lower != upper
            else '-', f'{quality["ne"]:.2f}' if quality else '-',
            f'{quality["kept"]:.1f}' if quality else '-',
            f'{result["minutes"]:.1f}'
        ])
    headers = [
        'row', *CATEGORIES, 'NE', 'gap closed %', 'labels NE', 'kept %',
        'train min'
    ]
    print(f'\nTest NE (%) on {args.test_size} synthetic test images per '
          'category; '
          f'{args.labelled} labelled and {args.unlabelled} unlabelled images '
          f'per category, pseudo-labels at loss weight {weight:g}; '
          f'{args.iters} iterations of 32 images per row, seed '
          f'{SEED}; {datetime.date.today()}, {machine()}, '
          f'{(time.time() - start) / 60:.0f} min in all:')
    print(tabulate(table, headers=headers, tablefmt='github'))
    if args.json:
        with atomic_write(args.json) as file:
            json.dump(results, file, indent=1)
    return 0


if __name__ == '__main__':
    os.environ.setdefault('PYTHONUNBUFFERED', '1')
    run_tool(main)

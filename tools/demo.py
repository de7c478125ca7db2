"""The main job, end to end, on bundled synthetic data (`make demo`).

1. render a synthetic FashionAI-format dataset (as tools/make_synthetic.py);
2. `mim train` configs/fashionai/hrnet_w16_all_128_demo.py on it;
3. `mim test` the best checkpoint on the test split's answers;
4. write a submission for the test list (tools/predict.py);
5. evaluate it (tools/evaluate.py, with a plot) beside the constant
   baseline (tools/constant_baseline.py);
6. draw predictions on test images (tools/visualize.py).

Usage:
    python tools/demo.py [--data data/fashionai] [--work-dir work_dirs/demo]
        [--quick]

``--quick`` runs every step on a handful of images for one epoch (the test
suite uses it); its numbers mean nothing.
"""
import argparse
import json
import os
import os.path as osp
import shutil
import signal
import subprocess
import sys
import time
from glob import glob
from typing import List, Optional

from tabulate import tabulate

from fashionai_core.benchmarking import MIM
from fashionai_core.cli import run_tool
from fashionai_core.keypoints import CATEGORIES
from fashionai_core.synthetic import NotSyntheticDataError, ensure_synthetic

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIG = osp.join(REPO_ROOT, 'configs', 'fashionai',
                  'hrnet_w16_all_128_demo.py')
TOOLS = osp.join(REPO_ROOT, 'tools')
#: Images per category and split; seed 0.
FULL = dict(train=300, val=40, test=40)
QUICK = dict(train=6, val=2, test=3)
#: The file that marks a work folder as the demo's own.
DEMO_MARKER = 'made_by_demo.txt'


def run(command: List[str]) -> None:
    """Run a step; a step still running when this tool is stopped
    (Ctrl-C, SIGTERM, SIGHUP) is stopped with it."""
    print('\n$ ' + ' '.join(command), flush=True)
    process = subprocess.Popen(command)
    try:
        returncode = process.wait()
    finally:
        if process.poll() is None:
            stop(process)
    if returncode:
        raise subprocess.CalledProcessError(returncode, command)


def stop(process: subprocess.Popen) -> None:
    """Stop a step and what it started (``mim train`` runs MMPose's
    ``train.py`` in a process of its own, with data loader workers): the
    whole process group where this tool leads it (a shell's job, or a
    caller's ``start_new_session``), else the step alone."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if os.getpgrp() == os.getpid():
        os.killpg(os.getpgrp(), signal.SIGTERM)
    else:
        process.terminate()
    process.wait()


def on_signal(number: int, frame) -> None:
    """SIGTERM and SIGHUP end the run as Ctrl-C does: through
    :func:`run`'s clean-up."""
    sys.exit(128 + number)


def python_tool(name: str, *args: str) -> List[str]:
    return [sys.executable, osp.join(TOOLS, name), *args]


def check_work_dir(work: str) -> None:
    """Raise NotSyntheticDataError unless ``work`` is missing, empty, or a
    real folder an earlier demo made (its marker file)."""
    ours = osp.isfile(osp.join(work, DEMO_MARKER))
    if osp.islink(work) or (osp.exists(work) and not osp.isdir(work)) or (
            osp.isdir(work) and os.listdir(work) and not ours):
        raise NotSyntheticDataError(
            f'{work}: not a folder made by tools/demo.py (no {DEMO_MARKER}, '
            'or a link), so it is left as it is; pass another --work-dir')


def empty_work_dir(work: str) -> None:
    """Start ``work`` afresh (after :func:`check_work_dir`): a folder an
    earlier demo made is deleted, then made again with the marker."""
    check_work_dir(work)
    if osp.isdir(work):
        shutil.rmtree(work)
    os.makedirs(work)
    with open(osp.join(work, DEMO_MARKER), 'w') as file:
        file.write('made by tools/demo.py, which deletes this folder when '
                   'it runs again\n')


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--data', default='data/fashionai')
    parser.add_argument('--work-dir', default='work_dirs/demo')
    parser.add_argument('--quick', action='store_true')
    args = parser.parse_args(argv)
    for number in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(number, on_signal)
    start = time.time()
    load, cores = os.getloadavg()[0], os.cpu_count() or 1
    print(f'The full demo takes about 12 minutes on 2 idle cores; this '
          f'machine has {cores} cores and a load of {load:.1f} now' +
          (', so expect it to take longer: training shares the cores' if load >
           cores / 2 else '') + '. Training prints its own '
          'estimate (eta) as it goes.')
    data, work = osp.abspath(args.data), osp.abspath(args.work_dir)
    # both refusals come before anything is deleted
    check_work_dir(work)
    ensure_synthetic(data, QUICK if args.quick else FULL, seed=0, nproc=2)
    empty_work_dir(work)

    overrides = [
        f'train_dataloader.dataset.data_root={data}/train/',
        f'val_dataloader.dataset.data_root={data}/val/',
        f'test_dataloader.dataset.data_root={data}/test/',
        'test_dataloader.dataset.ann_file=Annotations/test_answers.csv',
    ]
    if args.quick:
        overrides += [
            'train_cfg.max_epochs=1', 'train_cfg.val_interval=1',
            'train_dataloader.batch_size=8', 'default_hooks.logger.interval=1'
        ]
    run([
        MIM, 'train', 'mmpose', CONFIG, '--work-dir', work, '--cfg-options',
        *overrides
    ])
    (best, ) = glob(osp.join(work, 'best_fashionai_NE_epoch_*.pth'))
    run([
        MIM, 'test', 'mmpose', CONFIG, '--checkpoint', best, '--work-dir',
        work, '--cfg-options', *overrides
    ])

    test_list = osp.join(data, 'test', 'test.csv')
    answers = osp.join(data, 'test', 'Annotations', 'test_answers.csv')
    submission = osp.join(work, 'submission.csv')
    run(
        python_tool('predict.py', test_list, osp.join(data, 'test'),
                    submission, '--model', f'all={best}'))
    run(
        python_tool('evaluate.py', answers, submission, '--json',
                    osp.join(work, 'model_ne.json'), '--plot',
                    osp.join(work, 'evaluation.png')))
    constant = osp.join(work, 'constant_baseline.csv')
    run(
        python_tool('constant_baseline.py',
                    osp.join(data, 'train', 'Annotations', 'train.csv'),
                    test_list, constant))
    run(
        python_tool('evaluate.py', answers, constant, '--json',
                    osp.join(work, 'constant_ne.json')))
    run(
        python_tool('visualize.py', osp.join(data, 'test'), '--ann', answers,
                    '--pred', submission, '--sheet',
                    osp.join(work, 'predictions.png'), '--num', '12'))

    with open(osp.join(work, 'model_ne.json')) as file:
        model_ne = json.load(file)
    with open(osp.join(work, 'constant_ne.json')) as file:
        constant_ne = json.load(file)
    rows = [[c, f'{model_ne[f"NE/{c}"]:.2f}', f'{constant_ne[f"NE/{c}"]:.2f}']
            for c in CATEGORIES if f'NE/{c}' in model_ne]
    rows.append(['all', f'{model_ne["NE"]:.2f}', f'{constant_ne["NE"]:.2f}'])
    print('\nNE (%) on the synthetic test split:')
    print(
        tabulate(
            rows, headers=['category', 'trained model', 'constant baseline']))
    print(f'\nsubmission: {submission}\nplots: '
          f'{osp.join(work, "evaluation.png")}, '
          f'{osp.join(work, "predictions.png")}')
    print(f'demo finished in {(time.time() - start) / 60:.1f} min')
    return 0


if __name__ == '__main__':
    os.environ.setdefault('PYTHONUNBUFFERED', '1')
    run_tool(main)

"""Time `mim train` of a default and a fast-path config side by side.

Usage:
    python tools/analysis_tools/benchmark_train.py [--pairs DEFAULT:FAST ...]
        [--iters 40] [--data /tmp/fashionai_bench]
        [--work-dir /tmp/fashionai_bench_runs]

Each config runs through `mim train` (the real runner, real JPEGs from the
synthetic generator, the real pipeline) for ``--iters`` iterations of an
iteration-based loop, without validation or checkpoints. Printed per run:
images per second, seconds per iteration, the share of it spent waiting
for data, and peak memory (GPU: max allocated, from the runner's log; CPU:
the training processes' peak resident set). The first fifth of the
iterations is warm-up and not counted.

Defaults: on a GPU, HRNet-W32 and SimpleBaseline-R50 for blouses, each
against its ``_fast`` variant; without one, the CPU demo config against its
``_fast`` variant. A benchmark, not a test: nothing is asserted.
"""
import argparse
import os
import os.path as osp
import re
import subprocess
import time
from typing import Dict, List, Optional

import torch

from fashionai_core.benchmarking import (MIM, benchmark_parser, config_path,
                                         dated_machine, print_table)
from fashionai_core.cli import run_tool
from fashionai_core.synthetic import generate_synthetic

GPU_PAIRS = [
    'hrnet_w32_blouse:hrnet_w32_blouse_fast', 'res50_blouse:res50_blouse_fast'
]
CPU_PAIRS = ['res18_all_128_demo:res18_all_128_demo_fast']
LOG_INTERVAL = 5

WRAPPER = '''
_base_ = [{config!r}]

# iterations, not epochs: the loader cycles over the (small) dataset
train_cfg = dict(
    _delete_=True, type='IterBasedTrainLoop', max_iters={iters},
    val_interval={iters} + 1)
param_scheduler = [
    dict(type='LinearLR', begin=0, end=10, start_factor=0.1, by_epoch=False)
]
train_dataloader = dict(dataset=dict(data_root={train!r}))
val_dataloader = test_dataloader = dict(dataset=dict(data_root={val!r}))
default_hooks = dict(
    logger=dict(interval={interval}),
    checkpoint=dict(interval=-1, save_last=False, save_best=None))
log_processor = dict(by_epoch=False, window_size={interval})
work_dir = {work_dir!r}
'''


def run(config: str, args: argparse.Namespace) -> Dict[str, object]:
    name = osp.splitext(osp.basename(config))[0]
    work_dir = osp.join(args.work_dir, name)
    os.makedirs(work_dir, exist_ok=True)
    wrapper = osp.join(args.work_dir, f'bench_{name}.py')
    with open(wrapper, 'w') as file:
        file.write(
            WRAPPER.format(
                config=config,
                iters=args.iters,
                train=osp.join(args.data, 'train') + '/',
                val=osp.join(args.data, 'val') + '/',
                # a log line by the end of a run shorter than that too
                interval=min(LOG_INTERVAL, args.iters),
                work_dir=work_dir))
    print(f'\ntraining {name} for {args.iters} iterations', flush=True)
    start = time.time()
    with open(osp.join(args.work_dir, f'{name}.log'), 'w') as log:
        process = subprocess.Popen([MIM, 'train', 'mmpose', wrapper],
                                   stdout=log,
                                   stderr=subprocess.STDOUT)
        # Linux: the largest peak resident set of mim and every process
        # below it that was waited for (train.py, its loader workers), in KiB
        status, usage = os.wait4(process.pid, 0)[1:]
        process.returncode = os.waitstatus_to_exitcode(status)
        rss = usage.ru_maxrss / 1024
    with open(osp.join(args.work_dir, f'{name}.log')) as log:
        text = log.read()
    if process.returncode:
        raise SystemExit(f'{name} failed:\n{text[-3000:]}')
    lines = re.findall(
        r'Iter\(train\)\s+\[\s*(\d+)/\d+\].*?time: ([\d.]+)\s+'
        r'data_time: ([\d.]+)(?:.*?memory: (\d+))?', text)
    counted = [line for line in lines if int(line[0]) > args.iters // 5]
    if not counted:
        raise SystemExit(f'{name}: no timing lines in the log')
    seconds = sum(float(t) for _, t, _, _ in counted) / len(counted)
    data = sum(float(d) for _, _, d, _ in counted) / len(counted)
    gpu_memory = [int(m) for *_, m in counted if m]
    # from the config, not the log: the log's config dump names
    # auto_scale_lr's base_batch_size=512 before the loader's batch
    batch = _batch_size(wrapper)
    return dict(
        config=name,
        batch=batch,
        images_per_s=batch / seconds,
        s_per_iter=seconds,
        data_share=data / seconds,
        memory=(f'{max(gpu_memory)} MiB GPU'
                if gpu_memory else f'{rss:.0f} MiB RSS'),
        wall=time.time() - start)


def _batch_size(config: str) -> int:
    from mmengine.config import Config
    return Config.fromfile(config).train_dataloader.batch_size


def main(argv: Optional[List[str]] = None) -> None:
    parser = benchmark_parser(
        __doc__,
        data='/tmp/fashionai_bench',
        work_dir='/tmp/fashionai_bench_runs')
    parser.add_argument('--pairs', nargs='+', metavar='DEFAULT:FAST')
    parser.add_argument('--iters', type=int, default=40)
    parser.add_argument('--images-per-category', type=int, default=64)
    args = parser.parse_args(argv)
    pairs = args.pairs or (GPU_PAIRS
                           if torch.cuda.is_available() else CPU_PAIRS)
    if not osp.exists(osp.join(args.data, 'train', 'Annotations')):
        generate_synthetic(
            args.data,
            dict(train=args.images_per_category, val=2),
            nproc=min(16,
                      os.cpu_count() or 1))
    rows = []
    for pair in pairs:
        default, fast = pair.split(':')
        results = [run(config_path(name), args) for name in (default, fast)]
        speedup = results[1]['images_per_s'] / results[0]['images_per_s']
        for result, gain in zip(results, ('', f'{speedup:.2f}x')):
            rows.append([
                result['config'], result['batch'],
                f'{result["images_per_s"]:.1f}', f'{result["s_per_iter"]:.3f}',
                f'{result["data_share"] * 100:.0f}%', result['memory'], gain
            ])
    print_table(
        f'\n{dated_machine()}, {args.iters} iterations each (first fifth '
        'not counted):', rows, [
            'config', 'batch', 'img/s', 's/iter', 'data_time', 'peak memory',
            'speed-up'
        ], 'simple')


if __name__ == '__main__':
    run_tool(main)

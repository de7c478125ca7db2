"""NE per category of small models under one fixed CPU training budget.

Usage:
    python tools/analysis_tools/benchmark_accuracy.py [--configs CONFIG ...]
        [--sizes 128 192] [--epochs 5] [--data data/fashionai]
        [--work-dir work_dirs/benchmark_accuracy] [--json OUT.json]

Protocol (the same for every row, so rows compare):

* data: the bundled synthetic dataset, seed 0, 300 training images per
  category (the demo's; rendered once and reused), evaluated on its 40 test
  images per category;
* training: each config at each input size through ``mim train`` with seed
  0, the same number of epochs (every run sees the same images), step decay
  in the last two epochs, one validation at the end (in the log), the
  last checkpoint kept;
* testing: that checkpoint through MMEngine's ``Runner.test`` with flip test
  on and off and, for ``MSRAHeatmap`` codecs, the unbiased (DARK) decoding
  on and off (decoding options change nothing in training, so each trained
  model gives four rows);
* the constant baseline (each category's mean training layout).

At another input size than its own, a config's codec keeps its type, the
heatmap stays a quarter of the input and sigma scales with the size, as in
the ``_384``/``_512`` configs (a SimCC head also takes the new input and
feature map sizes); the benchmark's config file writes that codec out.
Defaults: the half-width ResNet-18 SimpleBaseline of
``res18_all_128_demo.py`` and the demo's width-16 HRNet, both at 128 and
192 pixels (about 30 minutes on a 2-core CPU). A benchmark, not a test:
nothing is asserted.
"""
import argparse
import datetime
import json
import os
import os.path as osp
import platform
import subprocess
import sys
import time
from typing import Dict, List, Optional

import torch
from mmengine.config import Config
from mmengine.runner import Runner
from tabulate import tabulate

from fashionai_core.atomic import atomic_write
from fashionai_core.baselines import constant_predictions, mean_layouts
from fashionai_core.cli import run_tool
from fashionai_core.csv_io import read_fashionai_csv, write_submission
from fashionai_core.keypoints import CATEGORIES
from fashionai_core.submission_evaluation import evaluate_submission
from fashionai_core.synthetic import NotSyntheticDataError, ensure_synthetic

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DEFAULT_CONFIGS = [
    osp.join(REPO_ROOT, 'configs', 'fashionai', f'{name}.py')
    for name in ('res18_all_128_demo', 'hrnet_w16_all_128_demo')
]


def config_path(name: str) -> str:
    """A config given as a file, or by name (``res50_blouse``) in
    configs/fashionai: both benchmarks' ``--configs`` take either."""
    return name if name.endswith('.py') else osp.join(
        REPO_ROOT, 'configs', 'fashionai', f'{name}.py')


#: Images per category and split of the benchmark data (the demo's).
DATA_SIZES = dict(train=300, val=40, test=40)
SEED = 0

WRAPPER = '''
_base_ = [{config!r}]
from fashionai_dataset.config_utils import pipeline_for_codec  # noqa: E402

codec = {codec!r}
model = dict(head={head!r})
train_pipeline = pipeline_for_codec(_base_.train_pipeline, codec)
val_pipeline = pipeline_for_codec(_base_.val_pipeline, codec)
train_dataloader = dict(
    dataset=dict(data_root={train!r}, pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(data_root={val!r}, pipeline=val_pipeline))
test_dataloader = dict(
    dataset=dict(data_root={test!r}, pipeline=val_pipeline,
                 ann_file='Annotations/test_answers.csv'))
randomness = dict(seed={seed})
train_cfg = dict(max_epochs={epochs}, val_interval={epochs})
param_scheduler = [
    dict(type='LinearLR', begin=0, end=50, start_factor=0.01, by_epoch=False),
    dict(type='MultiStepLR', begin=0, end={epochs},
         milestones={milestones}, gamma=0.2, by_epoch=True)
]
default_hooks = dict(
    logger=dict(interval=20),
    checkpoint=dict(interval={epochs}, save_best=None, max_keep_ckpts=1))
work_dir = {work_dir!r}
'''


def codec_at_size(codec: Dict, size: int) -> Dict:
    """``codec`` at a ``size`` x ``size`` input.

    A heatmap stays a quarter of the input and sigma scales with the input;
    at the codec's own size nothing changes.
    """
    scaled = dict(codec, input_size=(size, size))
    if 'heatmap_size' in codec:
        scaled.update(
            heatmap_size=(size // 4, size // 4),
            sigma=codec['sigma'] * size / codec['input_size'][0])
    elif 'simcc_split_ratio' in codec:
        scaled.update(
            sigma=tuple(s * size / codec['input_size'][0]
                        for s in codec['sigma']))
    return scaled


def head_at_size(head: Dict, codec: Dict) -> Dict:
    """The head fields that change with the input: its decoder and, for
    SimCC heads, the input and the 1/32 feature map sizes."""
    fields = dict(decoder=codec)
    if 'in_featuremap_size' in head:
        size = codec['input_size']
        fields.update(
            input_size=size, in_featuremap_size=(size[0] // 32, size[1] // 32))
    return fields


def write_wrapper(config: str, size: int, args: argparse.Namespace) -> str:
    """Write the benchmark's config for ``config`` at ``size``; its path."""
    name = f'{osp.splitext(osp.basename(config))[0]}@{size}'
    work_dir = osp.join(args.work_dir, name)
    os.makedirs(work_dir, exist_ok=True)
    epochs = args.epochs
    milestones = sorted({max(1, epochs - 2), max(1, epochs - 1)})
    path = osp.join(args.work_dir, f'{name}.py')
    cfg = Config.fromfile(config)
    codec = codec_at_size(cfg.codec.to_dict(), size)
    with atomic_write(path) as file:
        file.write(
            WRAPPER.format(
                config=osp.abspath(config),
                codec=codec,
                head=head_at_size(cfg.model.head.to_dict(), codec),
                seed=SEED,
                epochs=epochs,
                milestones=milestones,
                train=osp.join(args.data, 'train') + '/',
                val=osp.join(args.data, 'val') + '/',
                test=osp.join(args.data, 'test') + '/',
                work_dir=work_dir))
    return path


def train(wrapper: str) -> float:
    """``mim train`` a wrapper config; return the wall time in minutes."""
    mim = osp.join(osp.dirname(sys.executable), 'mim')
    start = time.time()
    subprocess.run([mim, 'train', 'mmpose', wrapper], check=True)
    return (time.time() - start) / 60


def test(wrapper: str, flip: bool,
         unbiased: Optional[bool]) -> Dict[str, float]:
    """Test the wrapper's last checkpoint with MMEngine's runner.

    Args:
        wrapper: A config written by :func:`write_wrapper`, trained.
        flip: Flip test on or off.
        unbiased: The ``MSRAHeatmap`` decoder's ``unbiased`` flag; ``None``
            keeps the codec as it is.

    Returns:
        dict: The metric's results (``fashionai/NE``, ``fashionai/NE/<c>``).
    """
    cfg = Config.fromfile(wrapper)
    with open(osp.join(cfg.work_dir, 'last_checkpoint')) as file:
        cfg.load_from = file.read().strip()
    cfg.model.test_cfg.flip_test = flip
    if unbiased is not None:
        cfg.model.head.decoder = dict(
            cfg.model.head.decoder, unbiased=unbiased)
    cfg.work_dir = osp.join(cfg.work_dir, 'test')
    cfg.log_level = 'WARNING'
    return Runner.from_cfg(cfg).test()


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


def machine() -> str:
    """CPU model and core count, or the GPU's name."""
    if torch.cuda.is_available():
        return torch.cuda.get_device_name(0)
    model = platform.processor() or 'CPU'
    try:
        with open('/proc/cpuinfo') as file:
            for line in file:
                if line.startswith('model name'):
                    model = line.split(':', 1)[1].strip()
                    break
    except OSError:
        pass
    return f'{model}, {os.cpu_count()} cores'


def table_row(label: List[str], metrics: Dict[str, float],
              minutes: str) -> List[str]:
    cells = [
        f'{metrics[f"fashionai/NE/{c}"]:.2f}'
        if f'fashionai/NE/{c}' in metrics else '-' for c in CATEGORIES
    ]
    return label + cells + [f'{metrics["fashionai/NE"]:.2f}', minutes]


def main() -> Optional[int]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--configs', nargs='+', default=DEFAULT_CONFIGS)
    parser.add_argument('--sizes', nargs='+', type=int, default=[128, 192])
    parser.add_argument('--epochs', type=int, default=5)
    parser.add_argument('--data', default='data/fashionai')
    parser.add_argument('--work-dir', default='work_dirs/benchmark_accuracy')
    parser.add_argument('--json', help='write every row here as well')
    args = parser.parse_args()
    args.data, args.work_dir = osp.abspath(args.data), osp.abspath(
        args.work_dir)
    start = time.time()
    try:
        ensure_synthetic(args.data, DATA_SIZES, seed=SEED, nproc=2)
    except NotSyntheticDataError as error:
        print(f'error: {error}', file=sys.stderr)
        return 1
    os.makedirs(args.work_dir, exist_ok=True)

    rows, records = [], []
    constant = constant_baseline(args.data, args.work_dir)
    rows.append(table_row(['constant baseline', '-', '-', '-'], constant, '0'))
    records.append(dict(config='constant baseline', metrics=constant))
    runs = [(config_path(config), size) for config in args.configs
            for size in args.sizes]
    for index, (config, size) in enumerate(runs, 1):
        name = osp.splitext(osp.basename(config))[0]
        print(
            f'\n[{index}/{len(runs)}] training {name} at {size} px for '
            f'{args.epochs} epochs',
            flush=True)
        wrapper = write_wrapper(config, size, args)
        minutes = train(wrapper)
        codec = Config.fromfile(wrapper).model.head.decoder
        decodings = ([False, True]
                     if codec['type'] == 'MSRAHeatmap' else [None])
        for unbiased in decodings:
            for flip in (False, True):
                metrics = test(wrapper, flip, unbiased)
                decoding = (
                    codec['type'] if unbiased is None else
                    'unbiased' if unbiased else 'argmax+shift')
                label = [name, str(size), 'on' if flip else 'off', decoding]
                rows.append(table_row(label, metrics, f'{minutes:.1f}'))
                records.append(
                    dict(
                        config=name,
                        size=size,
                        flip_test=flip,
                        decoding=decoding,
                        train_minutes=minutes,
                        metrics=metrics))
                print('  ' + '  '.join(rows[-1]), flush=True)

    headers = [
        'config', 'input', 'flip', 'decoding', *CATEGORIES, 'NE', 'train min'
    ]
    print(f'\nNE (%) on the synthetic test split ({DATA_SIZES["test"]} '
          f'images per category), {args.epochs} epochs of '
          f'{DATA_SIZES["train"]} images per category, seed {SEED}; '
          f'{datetime.date.today()}, {machine()}, '
          f'{(time.time() - start) / 60:.0f} min in all:')
    print(tabulate(rows, headers=headers, tablefmt='github'))
    if args.json:
        with atomic_write(args.json) as file:
            json.dump(records, file, indent=1)


if __name__ == '__main__':
    os.environ.setdefault('PYTHONUNBUFFERED', '1')
    run_tool(main)

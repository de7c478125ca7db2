"""What the benchmarks of ``tools/analysis_tools`` share: their options,
synthetic data, machine line, tables and timing loop, and the two training
protocols (epochs: the accuracy and test-time benchmarks; iterations: the
pseudo-label and label-noise ones) of the rows they train through ``mim
train`` and test with MMEngine's runner.

Importing it imports neither torch nor MMEngine (the functions that read a
config or run the runner import MMEngine). The configs are the repository's
(:data:`REPO_ROOT`): the benchmarks run from a checkout, installed editable.
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
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from tabulate import tabulate

from .atomic import atomic_write
from .keypoints import CATEGORIES
from .outputs import check_output
from .synthetic import ensure_synthetic, synthetic_row
from .synthetic.generator import SPLITS

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
#: The ``mim`` beside this Python: the one a user's ``mim train`` runs.
MIM = osp.join(osp.dirname(sys.executable), 'mim')
#: The seed of every trained row and of the synthetic data.
SEED = 0
#: The accuracy benchmark's default configs: the demo's two small models.
DEMO_CONFIGS = [
    osp.join(REPO_ROOT, 'configs', 'fashionai', f'{name}.py')
    for name in ('res18_all_128_demo', 'hrnet_w16_all_128_demo')
]
#: The headers of :func:`ne_cells`' cells.
NE_HEADERS = [*CATEGORIES, 'NE']


def config_path(name: str) -> str:
    """A config given as a file, or by name (``res50_blouse``) in
    configs/fashionai: the benchmarks' ``--configs`` take either."""
    return name if name.endswith('.py') else osp.join(
        REPO_ROOT, 'configs', 'fashionai', f'{name}.py')


def run_repo_tool(tool: str,
                  args: Sequence,
                  check: bool = True,
                  **kwargs) -> subprocess.CompletedProcess:
    """Run the repository's ``tools/TOOL`` on ``args`` with this Python, as
    a user runs it; ``check`` and ``kwargs`` as :func:`subprocess.run`'s."""
    command = [sys.executable, osp.join(REPO_ROOT, 'tools', tool)]
    return subprocess.run(
        command + list(map(str, args)), check=check, **kwargs)


class BenchmarkParser(argparse.ArgumentParser):
    """Checks ``--json`` once parsed, before anything runs, through the
    output rule: not one of the run's ``--configs``, nor an image of its
    ``--data``."""

    def parse_args(self, args=None, namespace=None):
        parsed = super().parse_args(args, namespace)
        if getattr(parsed, 'json', None):
            configs = getattr(parsed, 'configs', None) or []
            check_output(parsed.json, map(config_path, configs),
                         [getattr(parsed, 'data', None)])
        return parsed


def benchmark_parser(doc: str,
                     data: Optional[str] = None,
                     work_dir: Optional[str] = None,
                     json: bool = False) -> argparse.ArgumentParser:
    """A benchmark's parser, described by its docstring ``doc``'s first
    line, with ``--data`` and ``--work-dir`` (absolute paths) where given
    their defaults, and ``--json`` (a file for every row) where ``json``."""
    parser = BenchmarkParser(description=doc.splitlines()[0])
    if data:
        parser.add_argument('--data', default=data, type=osp.abspath)
    if work_dir:
        parser.add_argument('--work-dir', default=work_dir, type=osp.abspath)
    if json:
        parser.add_argument('--json', help='write every row here as well')
    return parser


def add_epoch_protocol(parser: argparse.ArgumentParser, configs: str) -> None:
    """Add :func:`write_epoch_wrapper`'s options: ``--configs`` (``nargs``
    ``configs``), ``--epochs`` and the images per category of the synthetic
    data's train split and of its val and test splits each."""
    parser.add_argument('--configs', nargs=configs, default=DEMO_CONFIGS)
    parser.add_argument('--epochs', type=int, default=5)
    parser.add_argument('--train-size', type=int, default=300)
    parser.add_argument('--eval-size', type=int, default=40)


def synthetic_data(folder: str,
                   sizes: Dict[str, int],
                   seed: int = SEED) -> None:
    """Render the synthetic dataset of ``sizes`` (images per category and
    split) into ``folder`` unless it is there.

    Raises:
        NotSyntheticDataError: ``folder`` holds something else (left as it
            is; :func:`~fashionai_core.cli.run_tool` prints it as one line).
    """
    ensure_synthetic(folder, sizes, seed=seed, nproc=2)


def synthetic_rows(per_category: int,
                   split: str = 'train',
                   seed: int = SEED) -> List[List[str]]:
    """The annotation rows of ``per_category`` synthetic images of each
    category (none rendered), category by category."""
    return [
        synthetic_row(seed, split, category, index) for category in CATEGORIES
        for index in range(per_category)
    ]


def machine() -> str:
    """The GPU's name where the benchmark has imported torch and it sees
    one; otherwise the CPU model and core count."""
    torch = sys.modules.get('torch')
    if torch is not None and torch.cuda.is_available():
        return torch.cuda.get_device_name(0)
    try:
        with open('/proc/cpuinfo') as file:
            models = [
                line.split(':', 1)[1].strip() for line in file
                if line.startswith('model name')
            ]
    except OSError:
        models = []
    model = models[0] if models else platform.processor() or 'CPU'
    return f'{model}, {os.cpu_count()} cores'


def dated_machine() -> str:
    """Today's date and :func:`machine`, for a table's heading."""
    return f'{datetime.date.today()}, {machine()}'


def per_second(call: Callable[[], object],
               seconds: float,
               items: int = 1,
               warmup: int = 3) -> float:
    """Items per second of ``call``: ``warmup`` calls, not timed (oneDNN
    and onnxruntime pick their kernels), then calls for about ``seconds``
    (at least one), each doing ``items``."""
    for _ in range(warmup):
        call()
    done, start = 0, time.perf_counter()
    while done == 0 or time.perf_counter() - start < seconds:
        call()
        done += items
    return done / (time.perf_counter() - start)


def add_row(rows: List[list], row: list) -> None:
    """Add a row to a table's ``rows`` and print it as soon as measured."""
    rows.append(row)
    print('  ' + '  '.join(map(str, row)), flush=True)


def print_table(heading: str,
                rows: Sequence[Sequence],
                headers: Sequence[str],
                tablefmt: str = 'github') -> None:
    """Print ``heading``, then the table."""
    print(heading)
    print(tabulate(rows, headers=headers, tablefmt=tablefmt))


def ne_cells(metrics: Dict[str, float]) -> List[str]:
    """A results row's cells (:data:`NE_HEADERS`): the NE (%) of each
    category in the metrics (``-`` for the others) and overall."""
    return [
        f'{metrics[f"fashionai/NE/{c}"]:.2f}'
        if f'fashionai/NE/{c}' in metrics else '-' for c in CATEGORIES
    ] + [f'{metrics["fashionai/NE"]:.2f}']


def write_json(path: Optional[str], records: List[dict]) -> None:
    """Write the rows' ``records`` to ``path`` (``--json``), if given."""
    if path:
        with atomic_write(path) as file:
            json.dump(records, file, indent=1)


EPOCH_WRAPPER = '''
_base_ = [{config!r}]
from fashionai_core.config_utils import pipeline_for_codec  # noqa: E402

codec = {codec!r}
model = dict(head={head!r})
train_pipeline = pipeline_for_codec(_base_.train_pipeline, codec)
val_pipeline = pipeline_for_codec(_base_.val_pipeline, codec)
tta_pipeline = pipeline_for_codec(_base_.tta_pipeline, codec)
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

ITERATION_WRAPPER = '''
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


def _last_checkpoint(work_dir: str) -> str:
    with open(osp.join(work_dir, 'last_checkpoint')) as file:
        return file.read().strip()


def _write_wrapper(path: str, template: str, data: str, **fields) -> str:
    """Write ``path`` (returned): ``template`` with ``fields``, the ``data``
    folder's splits, the seed and the work folder (``path`` less ``.py``,
    made here)."""
    fields.update({s: osp.join(data, s) + '/' for s in SPLITS}, seed=SEED)
    fields['work_dir'] = osp.splitext(path)[0]
    os.makedirs(fields['work_dir'], exist_ok=True)
    with atomic_write(path) as file:
        file.write(template.format(**fields))
    return path


def write_epoch_wrapper(config: str, size: int, data: str, work_dir: str,
                        epochs: int) -> str:
    """Write ``work_dir/NAME@SIZE.py`` (its path): ``config`` (a file or a
    name) at a ``size`` x ``size`` input, trained with seed 0 for
    ``epochs`` epochs on the ``data`` folder's train split (x0.2 in each of
    the last two), validated at the end, tested on the test split, the last
    checkpoint kept in the path less ``.py``."""
    from mmengine.config import Config
    config = config_path(config)
    cfg = Config.fromfile(config)
    codec = codec_at_size(cfg.codec.to_dict(), size)
    name = f'{osp.splitext(osp.basename(config))[0]}@{size}'
    return _write_wrapper(
        osp.join(work_dir, f'{name}.py'),
        EPOCH_WRAPPER,
        data,
        config=osp.abspath(config),
        codec=codec,
        head=head_at_size(cfg.model.head.to_dict(), codec),
        epochs=epochs,
        milestones=sorted({max(1, epochs - 2),
                           max(1, epochs - 1)}))


def write_iteration_wrapper(path: str, config: str, dataset: Dict, data: str,
                            iters: int) -> str:
    """Write ``path`` (returned): ``config`` trained with seed 0 for
    ``iters`` iterations on ``dataset`` (the train dataloader's dataset
    fields), warm-up then x0.2 at 80% and 93%, validated at the end on the
    ``data`` folder's val split, tested on its test split, the last
    checkpoint kept in the path less ``.py``."""
    milestones = [int(iters * 0.8), int(iters * 0.93)]
    return _write_wrapper(
        path,
        ITERATION_WRAPPER,
        data,
        config=config,
        dataset=dataset,
        iters=iters,
        milestones=milestones)


def trained(wrapper: str, reuse: bool = True) -> Tuple[str, float]:
    """Train a wrapper through ``mim train``, unless ``reuse`` and its work
    folder (its path less ``.py``) has a checkpoint; the last checkpoint
    and the minutes of training (0 when reused)."""
    work_dir, start = osp.splitext(wrapper)[0], time.time()
    if not (reuse and osp.exists(osp.join(work_dir, 'last_checkpoint'))):
        subprocess.run([MIM, 'train', 'mmpose', wrapper], check=True)
    return _last_checkpoint(work_dir), (time.time() - start) / 60


def runner_test(wrapper: str,
                flip: bool = True,
                unbiased: Optional[bool] = None) -> Dict[str, float]:
    """Test a wrapper's last checkpoint with MMEngine's runner.

    Args:
        wrapper: A wrapper, trained (:func:`trained`).
        flip: Flip test on or off.
        unbiased: The ``MSRAHeatmap`` decoder's ``unbiased`` flag; ``None``
            keeps the codec as it is.

    Returns:
        dict: The metric's results (``fashionai/NE``, ``fashionai/NE/<c>``).
    """
    from mmengine.config import Config
    from mmengine.runner import Runner
    cfg = Config.fromfile(wrapper)
    cfg.load_from = _last_checkpoint(cfg.work_dir)
    cfg.model.test_cfg.flip_test = flip
    if unbiased is not None:
        cfg.model.head.decoder = dict(
            cfg.model.head.decoder, unbiased=unbiased)
    cfg.work_dir = osp.join(cfg.work_dir, 'test')
    cfg.log_level = 'WARNING'
    return Runner.from_cfg(cfg).test()

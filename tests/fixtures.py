"""Tiny real FashionAI-format splits written by the tests themselves.

Images are real JPEG files and the CSVs use the competition's exact format,
so the dataset, pipeline, runner and metric run unchanged on them.
"""
import contextlib
import csv
import importlib.util
import io
import multiprocessing
import os
import runpy
import signal
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import cv2
import mmpose
import numpy as np
import torch
from mmengine.utils import ManagerMixin

from fashionai_core import csv_io
from fashionai_core.csv_io import (ANNOTATION_HEADER, IMAGE_LIST_HEADER,
                                   format_cell)
from fashionai_core.keypoints import CATEGORY_KEYPOINTS, KEYPOINT_NAMES

REPO_ROOT = Path(__file__).resolve().parents[1]
TOOLS = REPO_ROOT / 'tools'
CONFIG_DIR = REPO_ROOT / 'configs' / 'fashionai'
#: The config the end-to-end tests shrink with tiny_config().
BASE_CONFIG = CONFIG_DIR / 'hrnet_w32_blouse.py'
#: The small all-category model the tool tests train and predict with.
DEMO_CONFIG = CONFIG_DIR / 'hrnet_w16_all_128_demo.py'
#: The garment detector (an MMDetection config).
DETECTOR_CONFIG = (
    REPO_ROOT / 'projects' / 'garment_detector' / 'configs' /
    'rtmdet_tiny_garment_320.py')
MIM = Path(sys.executable).parent / 'mim'
SHARED_ANNOTATIONS = REPO_ROOT.parent / 'shared' / 'fashionai' / 'annotations'


def call_tool(tool: Path, *args) -> int:
    """Run ``tool``'s ``main(argv)`` in this process, as a function (its
    output goes to this process's streams); its return status."""
    spec = importlib.util.spec_from_file_location(f'tool_{tool.stem}', tool)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.main([str(arg) for arg in args])


def heavy_imports(tool: Path, *args, cwd: Path) -> Tuple[str, List[str]]:
    """Run ``tool`` with ``args`` in a fresh interpreter, as a user runs it;
    its stdout and which of torch, MMPose, MMEngine, mmcv, MMDet and
    matplotlib it imported (a tool that does not need them must not)."""
    code = (
        'import runpy, sys\n'
        f'sys.argv = [{str(tool)!r}] + {[str(a) for a in args]!r}\n'
        'try:\n'
        f'    runpy.run_path({str(tool)!r}, run_name="__main__")\n'
        'except SystemExit as exit:\n'
        '    assert not exit.code, exit.code\n'
        'heavy = sorted({m.split(".")[0] for m in sys.modules} & {"torch", '
        '"mmpose", "mmengine", "mmcv", "mmdet", "matplotlib"})\n'
        'print("heavy:", ",".join(heavy))\n')
    result = subprocess.run([sys.executable, '-c', code],
                            capture_output=True,
                            text=True,
                            cwd=cwd)
    assert result.returncode == 0, result.stderr[-3000:]
    stdout, heavy = result.stdout.rsplit('heavy:', 1)
    return stdout, [m for m in heavy.strip().split(',') if m]


def random_row(rng: np.random.Generator, category: str, width: int,
               height: int) -> Dict[str, Tuple[int, int, int]]:
    """Random ``x, y, v`` for every point ``category`` defines.

    The normalizer endpoints are kept apart, so NE is defined.
    """
    row = {}
    for name in CATEGORY_KEYPOINTS[category]:
        x = int(rng.integers(width // 8, width - width // 8))
        y = int(rng.integers(height // 8, height - height // 8))
        if name.endswith('_left') and ('armpit' in name
                                       or 'waistband' in name):
            x = int(rng.integers(width // 8, width // 3))
        if name.endswith('_right') and ('armpit' in name
                                        or 'waistband' in name):
            x = int(rng.integers(2 * width // 3, width - width // 8))
        v = int(rng.choice([1, 1, 1, 0]))
        row[name] = (x, y, v)
    return row


def write_split(root: Path,
                categories: Sequence[str] = ('blouse', 'skirt'),
                images_per_category: int = 4,
                size: Tuple[int, int] = (96, 96),
                seed: int = 0,
                csv_name: str = 'Annotations/train.csv') -> Path:
    """Write ``root/Images/<category>/<id>.jpg`` and an annotation CSV.

    Each image shows a colored disc at each keypoint, so the points are on
    visible structure. Returns the CSV path.
    """
    rng = np.random.default_rng(seed)
    rows = []
    width, height = size
    for category in categories:
        os.makedirs(root / 'Images' / category, exist_ok=True)
        for index in range(images_per_category):
            image_id = f'Images/{category}/{category}_{seed}_{index:04d}.jpg'
            points = random_row(rng, category, width, height)
            image = np.full((height, width, 3), 40, dtype=np.uint8)
            for k, (x, y, _) in enumerate(points.values()):
                color = tuple(int(c) for c in (60 + 8 * k, 255 - 9 * k, 128))
                cv2.circle(image, (x, y), max(2, width // 32), color, -1)
            cv2.imwrite(str(root / image_id), image)
            cells = [
                format_cell(*points.get(n, (-1, -1, -1)))
                for n in KEYPOINT_NAMES
            ]
            rows.append([image_id, category] + cells)
    return write_csv(root / csv_name, ANNOTATION_HEADER, rows)


def write_answered_test_split(root: Path,
                              categories: Sequence[str],
                              images_per_category: int,
                              size: Tuple[int, int] = (120, 96),
                              seed: int = 0) -> Path:
    """A test split: images, their answers in ``Annotations/answers.csv``
    and the test list ``test.csv`` (image_id,image_category). Returns
    ``root``."""
    write_split(
        root,
        categories,
        images_per_category=images_per_category,
        size=size,
        seed=seed,
        csv_name='Annotations/answers.csv')
    write_test_list(root / 'Annotations/answers.csv', root / 'test.csv')
    return root


def write_csv(path: Path, header: Sequence[str],
              rows: Iterable[Sequence[str]]) -> Path:
    """Write a CSV file with ``\\n`` line ends."""
    os.makedirs(path.parent, exist_ok=True)
    csv_io.write_csv(path, header, rows)
    return path


def set_cells(path: Path,
              line: int,
              cells: Dict[int, str],
              out: Optional[Path] = None) -> Path:
    """Write CSV ``path`` (no quoted cell) to ``out`` (default: ``path``)
    with ``cells`` (column -> value, from 0) set in line ``line`` (0: the
    header)."""
    rows = [row.split(',') for row in path.read_text().splitlines()]
    for column, value in cells.items():
        rows[line][column] = value
    return write_csv(out or path, rows[0], rows[1:])


def write_test_list(annotation_csv: Path,
                    path: Path,
                    category: Optional[str] = None) -> Path:
    """Write the ``image_id,image_category`` list of an annotation CSV (or
    of such a list): its rows, or those of ``category``."""
    with open(annotation_csv, newline='') as file:
        rows = [row[:2] for row in list(csv.reader(file))[1:]]
    return write_csv(path, IMAGE_LIST_HEADER,
                     [r for r in rows if category in (None, r[1])])


TINY_CODEC = """codec = dict(
    type='UDPHeatmap', input_size=(64, 64), heatmap_size=(16, 16), sigma=1)
"""
TINY_MODEL = """model = dict(
    backbone=dict(_delete_=True, type='ResNet', depth=18, init_cfg=None),
    head=dict(
        in_channels=512,
        deconv_out_channels=(32, 32, 32),
        deconv_kernel_sizes=(4, 4, 4),
        decoder=codec))
"""


def tiny_config(base_config: Path,
                work_dir: Path,
                data_root: Optional[Path] = None,
                max_epochs: int = 2,
                batch_size: int = 4,
                num_workers: int = 0,
                extra: str = '',
                codec: str = TINY_CODEC,
                model: str = TINY_MODEL) -> Path:
    """Write a config that trains ``base_config`` small and fast on CPU.

    ResNet-18 at a 64x64 input with 16x16 UDP heatmaps, batch 4, no pretrained
    weights, validation and a checkpoint every epoch; data from
    ``data_root/{train,val}``, or from the config's default (relative to
    the working folder) when ``data_root`` is None. ``codec`` and ``model``
    (config text) replace the codec and model overrides; the pipelines follow
    the codec. ``extra`` is appended (config lines that replace top-level
    values above). The file is written beside ``work_dir``.
    """
    train_root = val_root = ''
    if data_root is not None:
        train_root = f'data_root={str(data_root / "train")!r},'
        val_root = f'data_root={str(data_root / "val")!r},'
    text = f'''
_base_ = [{str(base_config)!r}]
from fashionai_core.config_utils import pipeline_for_codec

{codec}
{model}
train_dataloader = dict(
    batch_size={batch_size},
    num_workers={num_workers},
    persistent_workers=False,
    dataset=dict(
        {train_root}
        pipeline=pipeline_for_codec(_base_.train_pipeline, codec)))
val_dataloader = test_dataloader = dict(
    batch_size=4,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        {val_root}
        pipeline=pipeline_for_codec(_base_.val_pipeline, codec)))
train_cfg = dict(max_epochs={max_epochs}, val_interval=1)
default_hooks = dict(
    checkpoint=dict(interval=1), logger=dict(interval=1))
randomness = dict(seed=0)
work_dir = {str(work_dir)!r}
''' + extra
    path = tiny_config_path(base_config, work_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def tta_config(config: Path, path: Path, outfile: Path) -> Path:
    """Write a config that tests ``config``'s model through
    FashionAITTAModel on its ``tta_pipeline``, its predictions to
    ``outfile``."""
    path.write_text(f'''
_base_ = [{str(config)!r}]
from fashionai_core.config_utils import pipeline_for_codec

model = dict(_delete_=True, type='FashionAITTAModel', module=_base_.model)
test_dataloader = dict(
    dataset=dict(pipeline=pipeline_for_codec(_base_.tta_pipeline,
                                             _base_.codec)))
test_evaluator = dict(outfile={str(outfile)!r})
''')
    return path


def tiny_config_path(base_config: Path, work_dir: Path) -> Path:
    """Where :func:`tiny_config` writes its config: beside ``work_dir``."""
    return work_dir.parent / f'tiny_{base_config.name}'


#: Variables read when an interpreter or the stack starts: a run whose
#: environment differs from this process's in one of them needs a fresh
#: interpreter (the tests that block torch through ``PYTHONPATH``, say).
STARTUP_VARIABLES = ('PYTHON', 'OMP_', 'MKL_', 'OPENBLAS_', 'KMP_', 'TORCH',
                     'CUDA', 'LD_', 'MPL', 'OPENCV')
#: A fresh interpreter's warning filters (``python`` without ``-W``).
DEFAULT_WARNING_FILTERS = (('default', DeprecationWarning,
                            '__main__'), ('ignore', DeprecationWarning, ''),
                           ('ignore', PendingDeprecationWarning,
                            ''), ('ignore', ImportWarning,
                                  ''), ('ignore', ResourceWarning, ''))
#: MMPose's own training and testing scripts, which ``mim train|test``
#: runs as ``python SCRIPT CONFIG --launcher none ARGS``.
MMPOSE_TOOLS = Path(mmpose.__file__).parent / '.mim' / 'tools'


def _starts_alike(env: Optional[Dict[str, str]]) -> bool:
    """Whether an interpreter started with ``env`` would start as this
    one did (no start-up variable differs)."""

    def startup(variables):
        return {
            k: v
            for k, v in variables.items() if k.startswith(STARTUP_VARIABLES)
        }

    return env is None or startup(env) == startup(os.environ)


def _manager_classes() -> List[type]:
    """MMEngine's classes of named global instances (loggers, message hubs,
    visualizers, default scopes), each with instances of its own."""
    classes, todo = [], [ManagerMixin]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        classes.append(cls)
    return classes


def _hide_instances() -> Dict[type, dict]:
    """Take MMEngine's global instances out of sight, as a fresh
    interpreter has none: a run's ``print_log(logger='current')`` must not
    go to a logger a test made (bound to that test's captured stream, its
    filter holding the warnings it saw), nor a run find the default scope
    that ``conftest`` set. Returns them, by class."""
    hidden = {}
    for cls in _manager_classes():
        hidden[cls] = dict(cls._instance_dict)
        cls._instance_dict.clear()
    return hidden


def _restore_instances(hidden: Dict[type, dict]) -> None:
    """Forget the global instances a run made, as its interpreter's end
    would (their log files and streams closed: a later run's log lines must
    not go to them), and bring back those :func:`_hide_instances` took."""
    for cls in _manager_classes():
        for instance in cls._instance_dict.values():
            for handler in getattr(instance, 'handlers', [])[:]:
                handler.close()
                instance.removeHandler(handler)
        cls._instance_dict.clear()
        cls._instance_dict.update(hidden.get(cls, {}))


#: Signals whose handler a run leaves as it set it: torch's data loader
#: sets its SIGCHLD handler once per process, and later loaders rely on it.
KEPT_SIGNALS = {signal.SIGCHLD}


def _signal_handlers() -> Dict[int, object]:
    """This process's signal handlers (a tool's SIGTERM handler must not
    outlive its run, as it does not outlive its process)."""
    handlers = {}
    for number in signal.valid_signals() - KEPT_SIGNALS:
        handler = signal.getsignal(number)
        if handler is not None:  # None: not set from Python
            handlers[number] = handler
    return handlers


def _restore_signal_handlers(saved: Dict[int, object]) -> None:
    for number, handler in saved.items():
        if signal.getsignal(number) is not handler:
            signal.signal(number, handler)


def _forget_modules_from(folder: Path, before: set) -> None:
    """Forget the modules a run imported from its tool's folder: a fresh
    interpreter imports them again, and a later run's tool beside another
    ``helper.py`` must get its own. (A package this process had imported
    before, whose registrations would clash, stays.)"""
    for name in set(sys.modules) - before:
        path = getattr(sys.modules[name], '__file__', None)
        if (path and name.split('.')[0] not in before
                and folder in Path(path).resolve().parents):
            del sys.modules[name]


def _process_settings() -> dict:
    """The process-wide settings a run may change and a fresh interpreter
    starts without: MMEngine's runner sets OpenCV's threads, the start
    method of multiprocessing and cuDNN's benchmark mode (the ``*_fast``
    configs), its seeding may turn on torch's deterministic algorithms."""
    return dict(
        opencv_threads=cv2.getNumThreads(),
        torch_threads=torch.get_num_threads(),
        start_method=multiprocessing.get_start_method(allow_none=True),
        cudnn=(torch.backends.cudnn.benchmark,
               torch.backends.cudnn.deterministic),
        deterministic=(torch.are_deterministic_algorithms_enabled(),
                       torch.is_deterministic_algorithms_warn_only_enabled()),
        default_dtype=torch.get_default_dtype(),
        print_options=np.get_printoptions())


def _restore_process_settings(saved: dict) -> None:
    if _process_settings() == saved:
        return
    cv2.setNumThreads(saved['opencv_threads'])
    torch.set_num_threads(saved['torch_threads'])
    multiprocessing.set_start_method(saved['start_method'], force=True)
    (torch.backends.cudnn.benchmark,
     torch.backends.cudnn.deterministic) = saved['cudnn']
    mode, warn_only = saved['deterministic']
    torch.use_deterministic_algorithms(mode, warn_only=warn_only)
    torch.set_default_dtype(saved['default_dtype'])
    np.set_printoptions(**saved['print_options'])


def _show_warning(message, category, filename, lineno, file=None, line=None):
    # Python's own showwarning, but through the run's captured stderr
    sys.stderr.write(
        warnings.formatwarning(message, category, filename, lineno, line))


def _run_in_process(args: List[str], cwd: Path, env: Optional[Dict[str, str]],
                    ignore_warnings: bool) -> subprocess.CompletedProcess:
    """``python [-W ignore] TOOL ARGS`` in this process: the tool runs as
    ``__main__`` with its argv, working folder, environment, ``sys.path[0]``
    and warning filters, its output captured; an uncaught exception goes
    through ``sys.excepthook`` (the patches' one-line errors) as at an
    interpreter's end. MMEngine's global instances are out of its sight;
    those it made, the signal handlers it set, the process-wide settings
    it changed (:func:`_process_settings`) and the modules it imported
    from the tool's folder are undone after it."""
    saved = (os.getcwd(), dict(os.environ), sys.argv, list(sys.path),
             warnings.formatwarning, sys.excepthook, tempfile.tempdir,
             _signal_handlers(), _process_settings(), set(sys.modules))
    hidden = _hide_instances()
    folder = Path(args[0]).resolve().parent
    stdout, stderr = io.StringIO(), io.StringIO()
    status = 0
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(
            stderr), warnings.catch_warnings():
        warnings.resetwarnings()
        for action, category, module in ((('ignore', Warning,
                                           ''), ) if ignore_warnings else
                                         DEFAULT_WARNING_FILTERS):
            warnings.filterwarnings(action, category=category, module=module)
        warnings.showwarning = _show_warning
        os.chdir(cwd)
        if env is not None:
            os.environ.clear()
            os.environ.update(env)
        tempfile.tempdir = None  # the run's TMPDIR
        sys.argv = args
        sys.path.insert(0, str(folder))
        try:
            runpy.run_path(args[0], run_name='__main__')
        except SystemExit as exit:
            if exit.code is None or isinstance(exit.code, int):
                status = (exit.code or 0) % 256  # as the OS reports it
            else:
                print(exit.code, file=sys.stderr)
                status = 1
        except Exception as error:
            # the traceback from the tool's own frames, as Python prints it
            frames = error.__traceback__
            while frames and frames.tb_frame.f_code.co_filename != args[0]:
                frames = frames.tb_next
            error.__traceback__ = frames or error.__traceback__
            sys.excepthook(type(error), error, error.__traceback__)
            status = 1
        finally:
            os.chdir(saved[0])
            os.environ.clear()
            os.environ.update(saved[1])
            sys.argv, sys.path[:], warnings.formatwarning = saved[2:5]
            sys.excepthook, tempfile.tempdir = saved[5:7]
            _restore_signal_handlers(saved[7])
            _restore_process_settings(saved[8])
            _forget_modules_from(folder, saved[9])
            _restore_instances(hidden)
    return subprocess.CompletedProcess(args, status, stdout.getvalue(),
                                       stderr.getvalue())


def run_python(*args,
               cwd: Path = REPO_ROOT,
               env: Optional[Dict[str, str]] = None,
               ignore_warnings: bool = True,
               timeout: Optional[float] = None,
               check: bool = False) -> subprocess.CompletedProcess:
    """Run ``python [-W ignore] ARGS`` (a tool and its arguments, or ``-c
    CODE``) as a user would, from ``cwd``; output captured as text.
    ``ignore_warnings`` adds ``-W ignore``: the stack's deprecation
    warnings are not what most tests read. A tool runs in this process
    (:func:`_run_in_process`) unless ``env`` changes how an interpreter
    starts; ``-c`` and those runs get a fresh interpreter, which
    ``timeout`` (seconds) kills (``TimeoutExpired``). ``check`` fails on
    a non-zero exit, showing the output's tail."""
    args = [str(arg) for arg in args]
    if args[0].endswith('.py') and _starts_alike(env):
        result = _run_in_process(args, cwd, env, ignore_warnings)
    else:
        flags = ['-W', 'ignore'] if ignore_warnings else []
        result = subprocess.run(
            [sys.executable] + flags + args,
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout)
    if check:
        assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    return result


def run_checked(*args, **kwargs) -> subprocess.CompletedProcess:
    """:func:`run_python` with ``check=True`` (a call with no keyword stays
    short under yapf)."""
    return run_python(*args, check=True, **kwargs)


def one_error_line(result: subprocess.CompletedProcess,
                   alone: bool = False) -> str:
    """The one ``error:`` line a tool ends with (after its progress bars,
    if it had begun), exit status 1, no traceback; ``alone``: stderr is
    that one line, which starts ``error: ``."""
    assert result.returncode == 1, (result.stdout, result.stderr[-3000:])
    lines = result.stderr.splitlines()
    if alone:
        assert len(lines) == 1 and lines[0].startswith(
            'error: '), result.stderr
    else:
        assert [line for line in lines
                if line.startswith('error')] == lines[-1:], result.stderr
        assert 'Traceback' not in result.stderr, result.stderr
    return lines[-1]


def run_mim(*args,
            cwd: Path,
            env: Optional[Dict[str, str]] = None,
            timeout: Optional[float] = None,
            fresh: bool = False) -> subprocess.CompletedProcess:
    """Run ``mim ARGS`` from ``cwd`` as a user would; output captured as
    text. ``env`` adds to (or overrides) this process's environment.
    ``mim train|test mmpose CONFIG ARGS`` on one process runs what MIM runs,
    ``python SCRIPT CONFIG --launcher none ARGS`` with MMPose's script, in
    this process (:func:`run_python`); ``fresh`` and other commands run
    the real `mim` (``timeout``: seconds before it is killed)."""
    args = [str(arg) for arg in args]
    env = dict(os.environ, **(env or {}))
    if (not fresh and args[0] in ('train', 'test') and args[1] == 'mmpose'
            and not {'--gpus', '--launcher'} & set(args)):
        positional, options = args[2:3], args[3:]
        if '--checkpoint' in options:  # MMPose's test.py takes it second
            at = options.index('--checkpoint')
            positional.append(options[at + 1])
            del options[at:at + 2]
        return run_python(
            MMPOSE_TOOLS / f'{args[0]}.py',
            *positional,
            '--launcher',
            'none',
            *options,
            cwd=cwd,
            env=env,
            ignore_warnings=False)
    return subprocess.run(
        [str(MIM)] + args,
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout)


def mim(*args,
        cwd: Path,
        env: Optional[Dict[str, str]] = None,
        fresh: bool = False) -> str:
    """Run `mim` (:func:`run_mim`) and return its output; fail on a
    non-zero exit."""
    result = run_mim(*args, cwd=cwd, env=env, timeout=900, fresh=fresh)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    return output


def mim_test(config: Path,
             checkpoint,
             *options,
             cwd: Path,
             env: Optional[Dict[str, str]] = None,
             fresh: bool = False) -> str:
    """``mim test mmpose CONFIG --checkpoint CHECKPOINT OPTIONS``
    (:func:`mim`): its output."""
    return mim(
        'test',
        'mmpose',
        config,
        '--checkpoint',
        checkpoint,
        *options,
        cwd=cwd,
        env=env,
        fresh=fresh)


def write_data(root: Path,
               categories: Sequence[str] = ('blouse', 'skirt'),
               train: int = 6,
               val: int = 3) -> None:
    """A tiny train/val pair in the competition layout under ``root``.

    ``train`` and ``val`` are images per category.
    """
    write_split(root / 'train', categories, images_per_category=train, seed=0)
    write_split(
        root / 'val',
        categories,
        images_per_category=val,
        seed=1,
        csv_name='Annotations/val.csv')


def best_checkpoint(work_dir: Path) -> Path:
    """The one best-NE checkpoint the runner kept in ``work_dir``."""
    (best, ) = work_dir.glob('best_fashionai_NE_epoch_*.pth')
    return best

# pytest puts this folder on sys.path (rootdir conftest, prepend import
# mode), so the tests import fixtures.py and each other by name.
import functools
import os
import shutil
from pathlib import Path
from types import SimpleNamespace
from typing import Callable

import pytest
import torch
from filelock import FileLock
from mmpose.utils import register_all_modules

import fashionai_patches  # noqa: F401  (the tests run as the tools do)
import fashionai_dataset  # noqa: F401
from fixtures import (BASE_CONFIG, SHARED_ANNOTATIONS, best_checkpoint, mim,
                      tiny_config, tiny_config_path, write_data)

# As MMPose's own tests do: build pipelines and models in the mmpose scope.
register_all_modules()


def requires(present: bool, reason: str) -> Callable:
    """Skip a test where what it needs is absent, on a user's machine; in
    CI (``CI=true``), where it must be present, fail it instead, so that a
    green CI never hides tests that did not run."""

    def decorate(test: Callable) -> Callable:
        if present:
            return test
        if os.environ.get('CI') == 'true':

            @functools.wraps(test)
            def fail(*args, **kwargs):
                pytest.fail(f'{reason}; CI must provide it')

            return fail
        return pytest.mark.skip(reason=reason)(test)

    return decorate


requires_shared = requires(
    (SHARED_ANNOTATIONS / 'val.csv').exists(),
    f'the real sample annotations are not at {SHARED_ANNOTATIONS} '
    '(they ship beside the repository in CI, not with a clone)')


def pytest_addoption(parser):
    parser.addoption(
        '--with-demo',
        action='store_true',
        help="also run the tests marked demo (the full make demo's run, "
        '12 minutes); make test-all runs them so, after make test')


def _one_share_of_the_cores() -> None:
    """Under pytest-xdist give each worker, and every process it starts,
    its share of the cores: torch's OpenMP threads otherwise each take all
    of them, and on two cores two workers' four threads spin waiting for
    one another (measured: the same tests 18% slower, a fifth more CPU)."""
    workers = os.environ.get('PYTEST_XDIST_WORKER_COUNT')
    if not workers:
        return
    threads = max(1, (os.cpu_count() or 1) // int(workers))
    for variable in ('OMP_NUM_THREADS', 'MKL_NUM_THREADS'):
        os.environ.setdefault(variable, str(threads))
    torch.set_num_threads(int(os.environ['OMP_NUM_THREADS']))


def pytest_configure(config):
    _one_share_of_the_cores()
    config.addinivalue_line('markers',
                            'slow: drives the real mim train/test runners')
    config.addinivalue_line(
        'markers', 'demo: the full `make demo` run; deselected unless '
        '--with-demo (make test-all, CI)')
    config.addinivalue_line(
        'markers', 'serial: needs the machine to itself (it races a running '
        'process); make test runs these after the parallel part')


def pytest_collection_modifyitems(config, items):
    """Without --with-demo the demo tests are deselected (not skipped:
    make test-all runs them)."""
    if config.getoption('--with-demo'):
        return
    demo = [item for item in items if item.get_closest_marker('demo')]
    if demo:
        config.hook.pytest_deselected(items=demo)
        items[:] = [item for item in items if item not in demo]


def built_once(tmp_path_factory, name: str, build: Callable[[Path],
                                                            None]) -> Path:
    """A folder that ``build(folder)`` fills once per test run, also when
    pytest-xdist's workers all ask for it: the first builds it under a file
    lock in the folder the workers share, the others wait and reuse it. A
    build that failed is removed and retried by the next test that asks."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get('PYTEST_XDIST_WORKER'):
        root = root.parent  # this run's folder, above each worker's own
    folder = root / f'built_once_{name}'
    with FileLock(str(root / f'built_once_{name}.lock')):
        if not (folder / '.built').exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            build(folder)
            (folder / '.built').touch()
    return folder


def _train_elsewhere(folder: Path) -> None:
    write_data(folder / 'data' / 'fashionai')
    config = tiny_config(
        BASE_CONFIG, folder / 'work', data_root=None, max_epochs=1)
    mim('train', 'mmpose', config.name, cwd=folder)


@pytest.fixture(scope='session')
def trained_elsewhere(tmp_path_factory):
    """A tiny blouse model trained by `mim train` run from a folder outside
    the repository, on data in the configs' default relative layout
    (data/fashionai/{train,val}). Shared by the tests that need a trained
    checkpoint; trained once per run, whatever the number of workers."""
    folder = built_once(tmp_path_factory, 'trained_elsewhere',
                        _train_elsewhere)
    work_dir = folder / 'work'
    return SimpleNamespace(
        folder=folder,
        config=tiny_config_path(BASE_CONFIG, work_dir),
        checkpoint=best_checkpoint(work_dir),
        data=folder / 'data' / 'fashionai',
        val_csv=folder / 'data/fashionai/val/Annotations/val.csv')

# pytest puts this folder on sys.path (rootdir conftest, prepend import
# mode), so the tests import fixtures.py and each other by name.
import functools
import os
from types import SimpleNamespace
from typing import Callable

import pytest
from mmpose.utils import register_all_modules

import fashionai_dataset  # noqa: F401  (closes the stack's gaps)
from fixtures import (BASE_CONFIG, SHARED_ANNOTATIONS, best_checkpoint, mim,
                      tiny_config, write_data)

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


def pytest_configure(config):
    config.addinivalue_line('markers',
                            'slow: drives the real mim train/test runners')


@pytest.fixture(scope='session')
def trained_elsewhere(tmp_path_factory):
    """A tiny blouse model trained by `mim train` run from a folder outside
    the repository, on data in the configs' default relative layout
    (data/fashionai/{train,val}). Shared by the tests that need a trained
    checkpoint."""
    folder = tmp_path_factory.mktemp('elsewhere')
    write_data(folder / 'data' / 'fashionai')
    work_dir = folder / 'work'
    config = tiny_config(BASE_CONFIG, work_dir, data_root=None, max_epochs=1)
    mim('train', 'mmpose', config.name, cwd=folder)
    return SimpleNamespace(
        folder=folder,
        config=config,
        checkpoint=best_checkpoint(work_dir),
        data=folder / 'data' / 'fashionai',
        val_csv=folder / 'data/fashionai/val/Annotations/val.csv')

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import fashionai_dataset  # noqa: E402,F401  (closes the stack's gaps first)
from fixtures import SHARED_ANNOTATIONS  # noqa: E402
from mmpose.utils import register_all_modules  # noqa: E402

# As MMPose's own tests do: build pipelines and models in the mmpose scope.
register_all_modules()

requires_shared = pytest.mark.skipif(
    not (SHARED_ANNOTATIONS / 'val.csv').exists(),
    reason=f'the real sample annotations are not at {SHARED_ANNOTATIONS} '
    '(they ship beside the repository in CI, not with a clone)')


def pytest_configure(config):
    config.addinivalue_line('markers',
                            'slow: drives the real mim train/test runners')

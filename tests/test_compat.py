import subprocess
import sys

import pytest
import torch

from fashionai_dataset.compat.mmcv_ops import (MissingMMCVOpError,
                                               compiled_ops_available)
from conftest import requires

needs_lite = requires(not compiled_ops_available(),
                      'mmcv has compiled ops here, not the pinned mmcv-lite')


def run_python(code):
    return subprocess.run([sys.executable, '-c', code],
                          capture_output=True,
                          text=True)


@needs_lite
def test_mmpose_models_import_fails_without_the_plugin():
    result = run_python('import mmpose.models')
    assert result.returncode != 0
    assert "No module named 'mmcv._ext'" in result.stderr


@needs_lite
def test_mmpose_apis_needs_the_plugin_first():
    """docs/deployment.md: import fashionai_dataset before mmpose.apis."""
    before = run_python('from mmpose.apis import MMPoseInferencer')
    assert "No module named 'mmcv._ext'" in before.stderr
    after = run_python('import fashionai_dataset\n'
                       'from mmpose.apis import MMPoseInferencer')
    assert after.returncode == 0, after.stderr


@needs_lite
def test_mmpose_models_import_with_the_plugin():
    result = run_python('import fashionai_dataset, mmpose.models; '
                        'from mmcv.ops.roi_align import roi_align; '
                        'print("ok")')
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == 'ok'


@needs_lite
def test_using_a_missing_op_says_what_is_needed():
    from mmcv.ops import DeformConv2d, nms_match
    with pytest.raises(
            MissingMMCVOpError,
            match='mmcv.ops.DeformConv2d needs mmcv with compiled'):
        DeformConv2d(3, 3, 3)
    with pytest.raises(MissingMMCVOpError, match='nms_match'):
        nms_match(None, 0.5)
    # isinstance checks, as mmengine's optimizer constructor does, still work
    assert not isinstance(torch.nn.Conv2d(1, 1, 1), DeformConv2d)

import ast
import subprocess
import sys

import pytest
import torch

from fashionai_patches.mmcv_ops import (MissingMMCVOpError,
                                        compiled_ops_available)
from conftest import requires
from fixtures import REPO_ROOT

needs_lite = requires(not compiled_ops_available(),
                      'mmcv has compiled ops here, not the pinned mmcv-lite')


def run_python(code):
    return subprocess.run([sys.executable, '-c', code],
                          capture_output=True,
                          text=True)


@needs_lite
def test_mmpose_models_import_fails_without_the_patches():
    result = run_python('import mmpose.models')
    assert result.returncode != 0
    assert "No module named 'mmcv._ext'" in result.stderr


@needs_lite
def test_mmpose_apis_needs_the_patches_first():
    """docs/deployment.md: import fashionai_patches before mmpose.apis."""
    before = run_python('from mmpose.apis import MMPoseInferencer')
    assert "No module named 'mmcv._ext'" in before.stderr
    after = run_python('import fashionai_patches\n'
                       'from mmpose.apis import MMPoseInferencer')
    assert after.returncode == 0, after.stderr


@needs_lite
def test_mmpose_models_import_with_the_patches():
    result = run_python('import fashionai_patches, mmpose.models; '
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


# What importing the plugin changes, and what importing the patches does

#: Prints what the plugin's import could change: the excepthook, the import
#: finders, MMEngine's checkpoint schemes, its distributed start-up and
#: torch's device selection.
GLOBAL_STATE = '''
import sys, torch
from mmengine.dist import utils as dist_utils
from mmengine.runner.checkpoint import CheckpointLoader
def state():
    return dict(
        excepthook=sys.excepthook, meta_path=list(sys.meta_path),
        schemes=dict(CheckpointLoader._schemes),
        set_device=torch.cuda.set_device,
        init_dist=dist_utils._init_dist_pytorch)
'''

#: mmcv's compiled extension as a module in ``sys.modules`` (not an import
#: finder), so that ``mmpose.models`` imports on mmcv-lite without the
#: patches; every op it holds does nothing.
COMPILED_MMCV = '''
import types
ext = types.ModuleType('mmcv._ext')
def op(name):
    if name.startswith('__'):
        raise AttributeError(name)
    return lambda *args, **kwargs: None
ext.__getattr__ = op
sys.modules['mmcv._ext'] = ext
'''


def test_importing_the_plugin_changes_nothing_global():
    code = GLOBAL_STATE + (COMPILED_MMCV
                           if not compiled_ops_available() else '') + '''
# the stack's own imports: six (MMPose's, dateutil's) adds its import finder
import mmpose.models, six
before = state()
import fashionai_dataset
from mmpose.registry import DATASETS, METRICS
assert DATASETS.get('FashionAIDataset') is fashionai_dataset.FashionAIDataset
assert METRICS.get('FashionAIMetric') is fashionai_dataset.FashionAIMetric
after = state()
print(sorted(k for k in before if before[k] != after[k]) or 'unchanged')
'''
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == 'unchanged'


def test_the_patches_are_in_force_once_imported():
    code = GLOBAL_STATE + '''
before = state()
import fashionai_patches
after = state()
print(sorted(k for k in before if before[k] != after[k]))
from fashionai_dataset import weights_only
print(all(CheckpointLoader._get_checkpoint_loader(prefix).__module__ ==
          'fashionai_dataset.weights_only'
          for prefix in ('a.pth', 'https://a/b.pth', 'torchvision://resnet50',
                         'open-mmlab://x', 's3://bucket/a.pth')))
import mmpose.models
raise weights_only.UnreadableCheckpointError('x.pth: empty (0 bytes)')
'''
    result = run_python(code)
    changed, all_weights_only = result.stdout.splitlines()
    expected = ['excepthook', 'schemes']
    if not torch.cuda.is_available():
        expected.append('init_dist')
    if not compiled_ops_available():
        expected.append('meta_path')
    assert changed == str(sorted(expected))
    assert all_weights_only == 'True'
    # an uncaught checkpoint error ends as its one line
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == 'error: x.pth: empty (0 bytes)'
    assert 'Traceback' not in result.stderr


@needs_lite
def test_the_plugin_without_the_patches_says_what_to_do():
    result = run_python('import fashionai_dataset')
    assert result.returncode == 1
    assert ('ImportError: fashionai_dataset needs mmpose.models, which '
            'imports mmcv.ops; this mmcv has no compiled ops (the pinned '
            'mmcv-lite). Import fashionai_patches first') in result.stderr


#: Imports that need ``fashionai_patches`` first: they import mmcv's
#: compiled ops (the plugin and the projects through MMPose's models).
NEEDS_THE_PATCHES = ('mmcv.ops', 'mmpose.models', 'mmpose.apis',
                     'mmdet.models', 'mmdet.apis', 'mmdet.evaluation',
                     'fashionai_dataset', 'projects')


def test_every_tool_imports_the_patches_before_the_stack():
    """The tests run tools in their own process (tests/fixtures.py), where
    conftest has imported ``fashionai_patches`` already: a tool that forgot
    it would pass there and fail for a user. So, in the source of every
    tool and of fashionai_tools: in each module or function that imports
    one of :data:`NEEDS_THE_PATCHES`, ``fashionai_patches`` is imported
    before (in that scope or at the module's top)."""
    sources = [
        path for pattern in ('tools/**/*.py', 'projects/*/tools/*.py',
                             'fashionai_tools/*.py')
        for path in REPO_ROOT.glob(pattern)
    ]
    assert len(sources) > 30
    late = []
    for path in sources:
        module = ast.parse(path.read_text())
        scopes = [module] + [
            node for node in ast.walk(module)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        ]
        patched_at_top = False
        for scope in scopes:
            patched = patched_at_top
            for node in scope.body:
                if not isinstance(node, (ast.Import, ast.ImportFrom)):
                    continue
                names = [alias.name for alias in node.names] if isinstance(
                    node, ast.Import) else [node.module or '']
                if 'fashionai_patches' in names:
                    patched = True
                elif not patched and any(f'{name}.'.startswith(f'{needs}.')
                                         for name in names
                                         for needs in NEEDS_THE_PATCHES):
                    late.append(f'{path.relative_to(REPO_ROOT)}:{node.lineno}')
            if scope is module:
                patched_at_top = patched
    assert not late, late

"""projects/cascade_refine: training crops never cut a point, and the two
stages run as one model through `mim test` and tools/predict.py."""
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from mmengine.config import Config

from fashionai_core.csv_io import read_fashionai_csv
from projects.cascade_refine.datasets import CascadeCropJitter, crop_box
from fixtures import (REPO_ROOT, best_checkpoint, mim, tiny_config, write_data,
                      write_test_list)

PROJECT = REPO_ROOT / 'projects' / 'cascade_refine'
CASCADE_CONFIG = PROJECT / 'configs' / 'cascade_res18_all_128_demo.py'
STAGE1_CONFIG = REPO_ROOT / 'configs' / 'fashionai' / 'res18_all_128_demo.py'
NE_PATTERN = re.compile(r'fashionai/NE: (\d+\.\d+)')
# the demo configs' codec, at the tiny configs' input size
TINY_MSRA_CODEC = '''codec = dict(
    type='MSRAHeatmap', input_size=(64, 64), heatmap_size=(16, 16), sigma=1,
    unbiased=True)
'''


def tiny_cascade_config(stage1: Path, path: Path) -> Path:
    """The shipped cascade config with the tiny stage-1 model and input size
    (stage 2 trains the same tiny model), data and runtime of ``stage1``."""
    shipped = Config.fromfile(str(CASCADE_CONFIG))
    tiny = Config.fromfile(str(stage1))
    model = shipped.model.to_dict()
    model.update(
        _delete_=True,
        stage1=tiny.model.to_dict(),
        stage2=tiny.model.to_dict(),
        data_preprocessor=tiny.model.data_preprocessor.to_dict())
    pipeline = [dict(step) for step in shipped.test_pipeline]
    for step in model['crop_pipeline'] + pipeline:
        if step['type'] == 'TopdownAffine':
            step['input_size'] = tiny.codec['input_size']
    path.write_text(f'''
_base_ = [{str(stage1)!r}]
custom_imports = {shipped.custom_imports.to_dict()!r}
model = {model!r}
val_dataloader = test_dataloader = dict(dataset=dict(pipeline={pipeline!r}))
''')
    return path


def sample(points, visible):
    return dict(
        keypoints=np.asarray(points, np.float32)[None],
        keypoints_visible=np.asarray(visible, np.float32)[None],
        bbox=np.array([[0, 0, 512, 512]], np.float32))


def test_crop_without_error_is_the_points_box_with_margin():
    points = [[100, 50], [300, 250], [500, 500]]
    result = CascadeCropJitter(
        stage1_error=0, margin=0.1).transform(sample(points, [1, 1, 0]))
    # the unannotated third point does not count; extent 200 px, 20 px pad
    np.testing.assert_allclose(result['bbox'][0], [80, 30, 320, 270])
    np.testing.assert_allclose(
        crop_box(np.array(points[:2], float), 0.1), [80, 30, 320, 270])


def test_jittered_crops_vary_and_never_cut_a_point():
    rng = np.random.default_rng(0)
    np.random.seed(0)
    jitter = CascadeCropJitter(stage1_error=0.3, margin=0.1)
    boxes = []
    for _ in range(200):
        points = rng.uniform(0, 512, size=(8, 2))
        box = jitter.transform(sample(points, [1] * 8))['bbox'][0]
        boxes.append(box)
        extent = np.ptp(points, axis=0).max()
        assert (points >= box[:2] + 0.0).all() and (points <= box[2:]).all()
        # at least half the margin around the outermost points
        assert (points.min(0) - box[:2] >= 0.05 * extent - 1e-3).all()
        assert (box[2:] - points.max(0) >= 0.05 * extent - 1e-3).all()
    assert np.ptp(np.array(boxes), axis=0).min() > 50


def test_jitter_refuses_negative_values():
    with pytest.raises(ValueError, match='>= 0'):
        CascadeCropJitter(stage1_error=-0.1)


@pytest.mark.slow
def test_two_stages_train_test_and_predict_as_one(tmp_path):
    data = tmp_path / 'data'
    write_data(data, train=6, val=3)
    stage1 = tiny_config(
        STAGE1_CONFIG,
        tmp_path / 'stage1' / 'work',
        data_root=data,
        max_epochs=1,
        codec=TINY_MSRA_CODEC)
    stage2 = tiny_config(
        PROJECT / 'configs' / 'stage2_res18_all_128_demo.py',
        tmp_path / 'stage2' / 'work',
        data_root=data,
        max_epochs=1,
        codec=TINY_MSRA_CODEC)
    mim('train', 'mmpose', stage1, cwd=tmp_path)
    mim('train', 'mmpose', stage2, cwd=tmp_path)
    stage1_ckpt = best_checkpoint(tmp_path / 'stage1' / 'work')
    stage2_ckpt = best_checkpoint(tmp_path / 'stage2' / 'work')

    error = subprocess.run([
        sys.executable, PROJECT / 'tools' / 'measure_stage1_error.py',
        stage1_ckpt
    ],
                           cwd=tmp_path,
                           capture_output=True,
                           text=True)
    assert error.returncode == 0, error.stderr[-3000:]
    assert re.search(r'stage1_error = \d+\.\d{3}', error.stdout)

    merged = tmp_path / 'cascade.pth'
    subprocess.run([
        sys.executable, PROJECT / 'tools' / 'merge_stage_checkpoints.py',
        stage1_ckpt, stage2_ckpt, merged
    ],
                   check=True)
    cascade = tiny_cascade_config(stage1, tmp_path / 'cascade.py')
    log = mim('test', 'mmpose', cascade, '--checkpoint', merged, cwd=tmp_path)
    (cascade_ne, ) = NE_PATTERN.findall(log)
    log = mim(
        'test', 'mmpose', stage1, '--checkpoint', stage1_ckpt, cwd=tmp_path)
    (stage1_ne, ) = NE_PATTERN.findall(log)
    assert cascade_ne != stage1_ne, 'stage 2 changed the predictions'

    test_list = write_test_list(data / 'val' / 'Annotations' / 'val.csv',
                                tmp_path / 'test.csv')
    submission = tmp_path / 'submission.csv'
    subprocess.run([
        sys.executable, REPO_ROOT / 'tools' / 'predict.py', test_list,
        data / 'val', submission, '--model', f'all={merged}', '--config',
        f'all={cascade}', '--num-workers', '0'
    ],
                   check=True,
                   cwd=tmp_path)
    predicted = read_fashionai_csv(submission, allow_decimal=True)
    assert predicted.image_ids == read_fashionai_csv(test_list).image_ids

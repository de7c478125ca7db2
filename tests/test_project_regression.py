"""projects/regression_baseline: DeepPose and RLE configs train through
`mim train`, and CollapseDetectionHook fires on collapsed models and stays
silent on one that follows its images."""
import re

import numpy as np
import pytest
import torch

from projects.regression_baseline.hooks.collapse_detection_hook import \
    prediction_spread_ratio
from fixtures import BASE_CONFIG, REPO_ROOT, mim, tiny_config, write_data

PROJECT = REPO_ROOT / 'projects' / 'regression_baseline'
REGRESSION_CODEC = (
    "codec = dict(type='RegressionLabel', input_size=(64, 64))\n")
REGRESSION_MODEL = """model = dict(
    backbone=dict(_delete_=True, type='ResNet', depth=18, init_cfg=None),
    head=dict(in_channels=512, decoder=codec{head_extra}))
"""
COLLAPSED = 'CollapseDetectionHook: the model has collapsed'
WITH_HOOK = """
custom_imports = dict(
    imports=['fashionai_patches', 'fashionai_dataset',
             'projects.regression_baseline'],
    allow_failed_imports=False)
custom_hooks = _base_.custom_hooks + [dict(type='CollapseDetectionHook')]
"""
# no learning: the model stays as initialized
FROZEN = "optim_wrapper = dict(optimizer=dict(lr=0.0))\n"


def test_spread_ratio_of_constant_and_faithful_predictions():
    rng = np.random.default_rng(0)
    truth = rng.uniform(0, 1, size=(20, 5, 2))
    annotated = np.ones((20, 5), dtype=bool)
    annotated[:17, 4] = False  # 3 images: too few for point 4
    constant = np.broadcast_to(truth.mean(axis=0), truth.shape)
    noisy = truth + rng.normal(0, 0.01, size=truth.shape)
    assert prediction_spread_ratio(constant, truth, annotated) == \
        pytest.approx(0, abs=1e-9)
    assert prediction_spread_ratio(noisy, truth, annotated) == \
        pytest.approx(1, abs=0.05)
    assert np.isnan(
        prediction_spread_ratio(noisy, truth, np.zeros((20, 5), bool)))


@pytest.mark.slow
@pytest.mark.parametrize('variant', ['deeppose', 'rle'])
def test_regression_config_trains_and_reports_spread(tmp_path, variant):
    write_data(tmp_path / 'data', categories=('blouse', ), train=8, val=6)
    work_dir = tmp_path / 'work'
    config = tiny_config(
        PROJECT / 'configs' / f'{variant}_res50_blouse.py',
        work_dir,
        data_root=tmp_path / 'data',
        max_epochs=1,
        codec=REGRESSION_CODEC,
        model=REGRESSION_MODEL.format(head_extra=''))
    log = mim('train', 'mmpose', config, cwd=tmp_path)
    # what was trained: a linear layer to 13 x 2 coordinates (RLE: and 13 x
    # 2 spreads), no heatmap layers
    weights = torch.load(
        work_dir / 'epoch_1.pth', weights_only=True)['state_dict']
    outputs = {'deeppose': 26, 'rle': 52}[variant]
    assert weights['head.fc.weight'].shape[0] == outputs
    assert not any('final_layer' in key for key in weights)
    assert re.search(r'fashionai/NE: \d+\.\d+', log)
    assert re.search(r'collapse/prediction_spread: \d+\.\d+', log)


@pytest.mark.slow
def test_hook_fires_on_a_collapsed_regression_model(tmp_path):
    """A zero final layer that never learns outputs one layout for all."""
    write_data(tmp_path / 'data', categories=('blouse', ), train=4, val=6)
    config = tiny_config(
        PROJECT / 'configs' / 'deeppose_res50_blouse.py',
        tmp_path / 'work',
        data_root=tmp_path / 'data',
        max_epochs=1,
        codec=REGRESSION_CODEC,
        model=REGRESSION_MODEL.format(
            head_extra=", init_cfg=dict(type='Constant', layer='Linear', "
            "val=0)"),
        extra=FROZEN)
    log = mim('train', 'mmpose', config, cwd=tmp_path)
    assert COLLAPSED in log
    assert 'nearly the same layout for every image' in log
    assert 'collapse/prediction_spread: 0.0000' in log


@pytest.mark.slow
def test_hook_fires_on_uniform_heatmaps(tmp_path):
    """A heatmap head whose layers are constant and never learn."""
    write_data(tmp_path / 'data', categories=('blouse', ), train=4, val=6)
    model = """model = dict(
    backbone=dict(_delete_=True, type='ResNet', depth=18, init_cfg=None),
    head=dict(
        in_channels=512,
        deconv_out_channels=(32, 32, 32),
        deconv_kernel_sizes=(4, 4, 4),
        decoder=codec,
        # a flat 0.5 everywhere (an all-zero map would decode to NaN)
        init_cfg=dict(type='Constant', layer='Conv2d', val=0, bias=0.5)))
"""
    config = tiny_config(
        BASE_CONFIG,
        tmp_path / 'work',
        data_root=tmp_path / 'data',
        max_epochs=1,
        model=model,
        extra=WITH_HOOK + FROZEN)
    log = mim('train', 'mmpose', config, cwd=tmp_path)
    assert COLLAPSED in log
    assert 'nearly uniform maps' in log


@pytest.mark.slow
def test_hook_is_silent_on_a_model_that_fits_its_images(tmp_path):
    """A heatmap model trained until it fits six images, validated on them:
    its predictions follow the images and its maps have peaks."""
    write_data(tmp_path / 'data', categories=('blouse', ), train=6, val=1)
    train_root = tmp_path / 'data' / 'train'
    extra = WITH_HOOK + f"""
train_cfg = dict(max_epochs=60, val_interval=60)
optim_wrapper = dict(optimizer=dict(lr=2e-3))
param_scheduler = []
train_dataloader['batch_size'] = 6
train_dataloader['dataset']['pipeline'] = [
    s for s in train_dataloader['dataset']['pipeline']
    if s['type'] not in ('RandomBBoxTransform', 'RandomFlip',
                         'PhotometricDistortion', 'RandomGaussianBlur',
                         'RandomGaussianNoise')]
val_dataloader['dataset'].update(
    data_root={str(train_root)!r}, ann_file='Annotations/train.csv')
default_hooks = dict(logger=dict(interval=10), checkpoint=dict(interval=60))
"""
    config = tiny_config(
        BASE_CONFIG,
        tmp_path / 'work',
        data_root=tmp_path / 'data',
        extra=extra)
    log = mim('train', 'mmpose', config, cwd=tmp_path)
    spread = float(
        re.search(r'collapse/prediction_spread: (\d+\.\d+)', log)[1])
    peak = float(re.search(r'collapse/heatmap_peak: (\d+\.\d+)', log)[1])
    assert COLLAPSED not in log, (spread, peak)
    assert spread > 0.5 and peak > 0.2

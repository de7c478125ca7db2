"""Test-time augmentation: a perfect model stays perfect through every view
and the merge, a view whose inverse is wrong moves the points, and a _tta
config runs the same checkpoint through `mim test`."""
import copy
import re

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmpose.models.heads import HeatmapHead
from mmpose.models.utils.tta import flip_heatmaps
from mmpose.registry import DATASETS, MODELS

from fashionai_core.keypoints import (CATEGORIES, CATEGORY_INDEX,
                                      CATEGORY_KEYPOINTS, KEYPOINT_NAMES)
from fashionai_core.normalized_error import normalized_errors, summarize
from fashionai_dataset.models import undo_rotation
from fixtures import CONFIG_DIR, mim_test, tta_config, write_split

ROTATIONS = (-10.0, 0.0, 10.0)


@MODELS.register_module(force=True)
class OracleHeatmapHead(HeatmapHead):
    """A perfect network: the heatmaps its codec makes of each view's true
    points (``transformed_keypoints``), and their mirror for the flipped
    input, so MMPose's flip test sees what a perfect model would give."""

    def predict(self, feats, batch_data_samples, test_cfg={}):
        maps = []
        for sample in batch_data_samples:
            points = sample.gt_instances.transformed_keypoints[..., :2]
            visible = np.ones(points.shape[:2], np.float32)
            maps.append(self.decoder.encode(points, visible)['heatmaps'])
        heatmaps = torch.from_numpy(np.stack(maps)).float()
        mirrored = flip_heatmaps(
            heatmaps,
            flip_mode='heatmap',
            flip_indices=batch_data_samples[0].metainfo['flip_indices'],
            shift_heatmap=False)
        self._outputs = [heatmaps, mirrored]
        return super().predict(feats, batch_data_samples, test_cfg)

    def forward(self, feats):
        return self._outputs.pop(0)


def oracle_tta_model(config: Config):
    """The config's TTA model around an oracle head and a tiny backbone."""
    cfg = copy.deepcopy(config.model.to_dict())
    module = cfg['module']
    module['backbone'] = dict(
        type='ResNet', depth=18, base_channels=8, init_cfg=None)
    module['head'] = dict(
        module['head'],
        type='OracleHeatmapHead',
        in_channels=256,
        deconv_out_channels=None)
    return MODELS.build(cfg).eval()


def views_with_rotations(tta_pipeline, rotations, pack_rotation=True):
    """The shipped views, each also at every rotation, packing the true
    points in input pixels for the oracle."""
    pipeline = copy.deepcopy(tta_pipeline)
    (tta, ) = [step for step in pipeline if step['type'] == 'TestTimeAug']
    tta['transforms'].insert(1, [
        dict(type='BBoxView', scale_factor=1.0, rotation=r) for r in rotations
    ])
    (pack, ) = tta['transforms'][-1]
    pack['pack_transformed'] = True
    if not pack_rotation:
        pack['meta_keys'] = tuple(key for key in pack['meta_keys']
                                  if key != 'bbox_rotation')
    return pipeline


def predict_split(model, split, category, pipeline):
    """Ground truth and merged predictions (original pixels) of a split."""
    dataset = DATASETS.build(
        dict(
            type='FashionAIDataset',
            category=category,
            data_root=str(split),
            ann_file='Annotations/val.csv',
            data_prefix=dict(img=''),
            test_mode=True,
            pipeline=pipeline))
    batch = pseudo_collate([dataset[i] for i in range(len(dataset))])
    with torch.no_grad():
        merged = model.test_step(batch)
    views = len(batch['inputs'])
    predicted = np.stack([s.pred_instances.keypoints[0] for s in merged])
    truth = np.stack([
        np.asarray(dataset[i]['data_samples'][0].gt_instances.keypoints[0])
        for i in range(len(dataset))
    ])
    return truth, predicted, views


def ne_percent(truth, predicted, category):
    """NE (percent) of one category's points, all counted as visible."""
    columns = [KEYPOINT_NAMES.index(n) for n in CATEGORY_KEYPOINTS[category]]
    full_truth = np.full((len(truth), 24, 2), -1.0)
    full_pred = np.full((len(truth), 24, 2), -1.0)
    visibility = np.full((len(truth), 24), -1)
    full_truth[:, columns] = truth
    full_pred[:, columns] = predicted
    visibility[:, columns] = 1
    return summarize(
        normalized_errors(full_pred, full_truth, visibility,
                          [CATEGORY_INDEX[category]] * len(truth)))['NE']


@pytest.fixture(scope='module')
def splits(tmp_path_factory):
    """Three 512-pixel images per category; their points lie in the middle
    three quarters, so every view (zoomed in by 0.9 and turned by 10
    degrees) still sees them."""
    root = tmp_path_factory.mktemp('tta')
    for category in ('blouse', 'skirt'):
        write_split(
            root / category,
            categories=(category, ),
            images_per_category=3,
            size=(512, 512),
            csv_name='Annotations/val.csv')
    return {category: root / category for category in ('blouse', 'skirt')}


@pytest.mark.parametrize('category', ['blouse', 'skirt'])
def test_oracle_stays_at_the_codec_floor_through_every_view(splits, category):
    config = Config.fromfile(str(CONFIG_DIR / f'hrnet_w32_{category}_tta.py'))
    model = oracle_tta_model(config)
    pipeline = views_with_rotations(config.test_dataloader.dataset.pipeline,
                                    ROTATIONS)
    truth, predicted, views = predict_split(model, splits[category], category,
                                            pipeline)
    assert views == 3 * len(ROTATIONS)
    assert ne_percent(truth, predicted, category) < 0.01


def test_a_wrong_inverse_moves_the_points(splits):
    """Without the rotation in the meta keys the merge cannot undo it: the
    same oracle is then off by percents, so the exactness above is the
    inverse transforms' doing."""
    config = Config.fromfile(str(CONFIG_DIR / 'hrnet_w32_blouse_tta.py'))
    model = oracle_tta_model(config)
    pipeline = views_with_rotations(
        config.test_dataloader.dataset.pipeline, (10.0, ), pack_rotation=False)
    truth, predicted, _ = predict_split(model, splits['blouse'], 'blouse',
                                        pipeline)
    assert ne_percent(truth, predicted, 'blouse') > 1.0


def test_undo_rotation_turns_points_about_the_center():
    center = np.array([100.0, 50.0])
    points = np.array([[110.0, 50.0], [100.0, 40.0]])
    # 90 degrees: right of the center goes above it (y points down)
    turned = undo_rotation(points, center, 90.0)
    np.testing.assert_allclose(
        turned, [[100.0, 40.0], [90.0, 50.0]], atol=1e-9)
    np.testing.assert_allclose(
        undo_rotation(turned, center, -90.0), points, atol=1e-9)


@pytest.mark.parametrize('family', ['hrnet_w32', 'res50'])
@pytest.mark.parametrize('category', CATEGORIES)
def test_tta_configs_wrap_the_plain_model(family, category):
    tta = Config.fromfile(str(CONFIG_DIR / f'{family}_{category}_tta.py'))
    plain = Config.fromfile(str(CONFIG_DIR / f'{family}_{category}.py'))
    assert tta.model.type == 'FashionAITTAModel'
    assert tta.model.module == plain.model
    assert tta.model.module.test_cfg.flip_test
    assert tta.test_dataloader.dataset.pipeline == plain.tta_pipeline
    assert tta.val_dataloader == plain.val_dataloader
    (step, ) = [
        s for s in tta.test_dataloader.dataset.pipeline
        if s.type == 'TestTimeAug'
    ]
    (affine, ) = step.transforms[1]
    assert affine.input_size == plain.codec.input_size
    assert affine.use_udp == (plain.codec.type == 'UDPHeatmap')
    assert [v.scale_factor for v in step.transforms[0]] == [0.9, 1.0, 1.1]
    assert 'bbox_rotation' in step.transforms[-1][0].meta_keys


@pytest.mark.parametrize('name',
                         ['res18_all_128_demo', 'hrnet_w16_all_128_demo'])
def test_demo_tta_configs(name):
    tta = Config.fromfile(str(CONFIG_DIR / f'{name}_tta.py'))
    plain = Config.fromfile(str(CONFIG_DIR / f'{name}.py'))
    assert tta.model.module == plain.model
    (step, ) = [
        s for s in tta.test_dataloader.dataset.pipeline
        if s.type == 'TestTimeAug'
    ]
    assert step.transforms[1][0].input_size == (128, 128)
    assert step.transforms[1][0].use_udp is False  # the demo's MSRA codec


@pytest.mark.slow
def test_tta_config_tests_the_same_checkpoint(trained_elsewhere, tmp_path):
    tta = tta_config(trained_elsewhere.config,
                     trained_elsewhere.folder / 'tiny_tta.py',
                     tmp_path / 'tta.csv')
    plain = trained_elsewhere.folder / 'tiny_plain.py'
    plain.write_text(f'''
_base_ = [{str(trained_elsewhere.config)!r}]
test_evaluator = dict(outfile={str(tmp_path / 'plain.csv')!r})
''')
    for name, config in (('plain', plain), ('tta', tta)):
        log = mim_test(
            config.name,
            trained_elsewhere.checkpoint,
            '--work-dir',
            tmp_path / name,
            cwd=trained_elsewhere.folder)
        assert re.search(r'fashionai/NE: \d+\.\d+', log)
        # every weight of the plain checkpoint went into the wrapped model
        assert 'missing keys' not in log and 'unexpected key' not in log
    plain_rows = (tmp_path / 'plain.csv').read_text().splitlines()
    tta_rows = (tmp_path / 'tta.csv').read_text().splitlines()
    assert len(plain_rows) == len(tta_rows) > 1
    assert plain_rows[0] == tta_rows[0]
    assert plain_rows[1:] != tta_rows[1:], 'the views changed the points'

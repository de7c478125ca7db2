"""projects/garment_detector: boxes read from the FashionAI CSV, and
RTMDet-tiny trained and tested through mmdet's own runner."""
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from mmengine.config import Config

from fashionai_core.csv_io import read_fashionai_csv
from fashionai_core.image_check import FashionAIImageError
from fashionai_core.keypoints import CATEGORIES
from projects.garment_detector.datasets import (FashionAIGarmentDataset,
                                                garment_box)
from fixtures import REPO_ROOT, mim, write_split, write_test_list

PROJECT = REPO_ROOT / 'projects' / 'garment_detector'
CONFIG = PROJECT / 'configs' / 'rtmdet_tiny_garment_320.py'
MAP_PATTERN = re.compile(r'coco/bbox_mAP: (-?\d+\.\d+)')


def test_box_is_the_points_extent_grown_by_the_margin():
    points = np.array([[10., 20.], [50., 40.], [30., 80.]])
    assert garment_box(points, 0.1, 100, 100).tolist() == [6, 14, 54, 86]
    # kept inside the image
    assert garment_box(points, 0.5, 60, 90).tolist() == [0, 0, 60, 90]
    assert garment_box(np.zeros((0, 2)), 0.1, 100, 100) is None


def test_dataset_reads_boxes_and_categories_from_the_csv(tmp_path):
    csv = write_split(
        tmp_path, ['skirt', 'blouse'], images_per_category=2, size=(80, 64))
    dataset = FashionAIGarmentDataset(
        ann_file=str(csv),
        data_root=str(tmp_path),
        data_prefix=dict(img=''),
        box_margin=0.1,
        pipeline=[])
    records = read_fashionai_csv(csv)
    assert len(dataset) == 4
    assert dataset.metainfo['classes'] == CATEGORIES
    infos = [dataset.get_data_info(i) for i in range(len(dataset))]
    assert [info['img_id'] for info in infos] == [0, 1, 2, 3]
    for row, info in enumerate(infos):
        (instance, ) = info['instances']
        annotated = records.keypoints[row][records.visibility[row] >= 0]
        expected = garment_box(annotated, 0.1, 80, 64)
        assert instance['bbox'] == pytest.approx(expected.tolist())
        assert instance['bbox_label'] == CATEGORIES.index(
            records.categories[row])
        assert (info['width'], info['height']) == (80, 64)
    test_list = write_test_list(csv, tmp_path / 'test.csv')
    listed = FashionAIGarmentDataset(
        ann_file=str(test_list),
        data_root=str(tmp_path),
        data_prefix=dict(img=''),
        test_mode=True,
        pipeline=[])
    assert [listed.get_data_info(i)['instances']
            for i in range(len(listed))] == [[]] * 4


def test_unreadable_images_are_skipped_in_training_and_stop_testing(tmp_path):
    csv = write_split(tmp_path, ['dress'], images_per_category=3)
    image = next((tmp_path / 'Images' / 'dress').glob('*.jpg'))
    image.write_bytes(image.read_bytes()[:200])
    common = dict(
        ann_file=str(csv),
        data_root=str(tmp_path),
        data_prefix=dict(img=''),
        pipeline=[])
    assert len(FashionAIGarmentDataset(**common)) == 2
    with pytest.raises(FashionAIImageError, match='1 of 3 listed images'):
        FashionAIGarmentDataset(test_mode=True, **common)


def tiny_detector_config(tmp_path: Path, data: Path) -> Path:
    """The shipped config at a 64-pixel input, one epoch, no download."""
    shipped = Config.fromfile(str(CONFIG))
    pipelines = {}
    for name in ('train_pipeline', 'train_pipeline_stage2', 'test_pipeline'):
        steps = [dict(step) for step in shipped[name]]
        for step in steps:
            for key in ('img_scale', 'crop_size', 'size', 'scale'):
                if key in step and step['type'] != 'RandomResize':
                    step[key] = (64, 64)
            if step['type'] == 'RandomResize':
                step['scale'] = (128, 128)
            if step['type'] in ('CachedMosaic', 'CachedMixUp'):
                step['max_cached_images'] = 4
        pipelines[name] = steps
    path = tmp_path / 'tiny_detector.py'
    path.write_text(f'''
_base_ = [{str(CONFIG)!r}]
model = dict(backbone=dict(init_cfg=None))
train_dataloader = dict(
    batch_size=4, num_workers=0, persistent_workers=False,
    dataset=dict(data_root={str(data / "train")!r},
                 pipeline={pipelines["train_pipeline"]!r}))
val_dataloader = test_dataloader = dict(
    batch_size=4, num_workers=0, persistent_workers=False,
    dataset=dict(data_root={str(data / "val")!r},
                 pipeline={pipelines["test_pipeline"]!r}))
max_epochs = 2
train_cfg = dict(max_epochs=max_epochs, val_interval=1,
                 dynamic_intervals=None)
param_scheduler = [dict(type='ConstantLR', factor=1.0, by_epoch=True)]
custom_hooks = [
    dict(type='EMAHook', ema_type='ExpMomentumEMA', momentum=0.0002,
         update_buffers=True, priority=49),
    dict(type='PipelineSwitchHook', switch_epoch=1,
         switch_pipeline={pipelines["train_pipeline_stage2"]!r}),
    dict(type='mmpose.WeightsOnlyCheckpointHook'),
]
default_hooks = dict(logger=dict(interval=1))
randomness = dict(seed=0)
work_dir = {str(tmp_path / "work")!r}
''')
    return path


@pytest.mark.slow
def test_rtmdet_trains_and_tests_through_mmdet(tmp_path):
    data = tmp_path / 'data'
    write_split(data / 'train', CATEGORIES, images_per_category=3, seed=0)
    write_split(
        data / 'val',
        CATEGORIES,
        images_per_category=2,
        seed=1,
        csv_name='Annotations/val.csv')
    config = tiny_detector_config(tmp_path, data)
    log = mim('train', 'mmdet', config, cwd=tmp_path)
    assert log.count('Switch pipeline now!') == 1
    assert len(MAP_PATTERN.findall(log)) == 2  # validated after each epoch
    checkpoints = sorted((tmp_path / 'work').glob('best_coco_bbox_mAP_*.pth'))
    assert len(checkpoints) == 1
    tested = subprocess.run([
        sys.executable,
        str(PROJECT / 'tools' / 'test.py'),
        str(config),
        str(checkpoints[0]), '--work-dir',
        str(tmp_path / 'test')
    ],
                            cwd=tmp_path,
                            capture_output=True,
                            text=True)
    assert tested.returncode == 0, tested.stderr[-3000:]
    (value, ) = MAP_PATTERN.findall(tested.stdout + tested.stderr)
    assert -1.0 <= float(value) <= 1.0
    # the EMA weights and the metric's boxes went through torch's safe load
    assert 'refused to load' not in tested.stderr

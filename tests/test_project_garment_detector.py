"""projects/garment_detector: boxes read from the FashionAI CSV, and
RTMDet-tiny trained and tested through mmdet's own runner."""
import json
import re
import subprocess
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from mmengine.config import Config

from fashionai_core.csv_io import read_fashionai_csv
from fashionai_core.detections import best_boxes
from fashionai_core.image_check import FashionAIImageError
from fashionai_core.keypoints import (CATEGORIES, CATEGORY_KEYPOINTS,
                                      KEYPOINT_NAMES)
from projects.garment_detector.datasets import (FashionAIGarmentDataset,
                                                garment_box)
from conftest import built_once
from fixtures import (DETECTOR_CONFIG, REPO_ROOT, TOOLS, mim, run_python,
                      write_answered_test_split, write_data, write_split,
                      write_test_list)

PROJECT = REPO_ROOT / 'projects' / 'garment_detector'
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
    shipped = Config.fromfile(str(DETECTOR_CONFIG))
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
_base_ = [{str(DETECTOR_CONFIG)!r}]
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


def _train_detector(tmp_path: Path) -> None:
    data = tmp_path / 'data'
    write_data(data, CATEGORIES, train=3, val=2)
    config = tiny_detector_config(tmp_path, data)
    log = mim('train', 'mmdet', config, cwd=tmp_path)
    (tmp_path / 'train.log').write_text(log)


@pytest.fixture(scope='session')
def tiny_detector(tmp_path_factory):
    """RTMDet-tiny at 64 pixels trained 2 epochs by `mim train mmdet` on a
    tiny five-category split, once per run; the training log and the best
    checkpoint."""
    tmp_path = built_once(tmp_path_factory, 'tiny_detector', _train_detector)
    checkpoints = sorted((tmp_path / 'work').glob('best_coco_bbox_mAP_*.pth'))
    return SimpleNamespace(
        folder=tmp_path,
        config=tmp_path / 'tiny_detector.py',
        log=(tmp_path / 'train.log').read_text(),
        checkpoints=checkpoints)


@pytest.mark.slow
def test_rtmdet_trains_and_tests_through_mmdet(tiny_detector, tmp_path):
    log = tiny_detector.log
    assert log.count('Switch pipeline now!') == 1
    assert len(MAP_PATTERN.findall(log)) == 2  # validated after each epoch
    assert len(tiny_detector.checkpoints) == 1
    tested = run_python(
        PROJECT / 'tools' / 'test.py',
        tiny_detector.config,
        tiny_detector.checkpoints[0],
        '--work-dir',
        tmp_path / 'test',
        cwd=tiny_detector.folder,
        ignore_warnings=False,
        check=True)
    (value, ) = MAP_PATTERN.findall(tested.stdout + tested.stderr)
    assert -1.0 <= float(value) <= 1.0
    # the EMA weights and the metric's boxes went through torch's safe load
    assert 'refused to load' not in tested.stderr


def run_tool(script: Path, *args) -> subprocess.CompletedProcess:
    return run_python(script, *args, ignore_warnings=False, check=True)


@pytest.fixture(scope='module')
def blouse_test_split(tmp_path_factory) -> Path:
    """Six blouse images with answers and their test list."""
    return write_answered_test_split(
        tmp_path_factory.mktemp('blouse_test'), ['blouse'], 6, seed=5)


@pytest.mark.slow
def test_predict_runs_the_detector_and_predicts_in_its_boxes(
        tiny_detector, trained_elsewhere, blouse_test_split, tmp_path):
    from mmpose.apis import inference_topdown

    from fashionai_dataset.apis import load_pose_model

    detector = [
        '--det-config', tiny_detector.config, '--det-checkpoint',
        tiny_detector.checkpoints[0]
    ]
    pose = ['--model', f'blouse={trained_elsewhere.checkpoint}']
    test_csv = blouse_test_split / 'test.csv'
    out = tmp_path / 'detected.csv'
    result = run_tool(TOOLS / 'predict.py', test_csv, blouse_test_split, out,
                      *pose, *detector)
    bbox_file = tmp_path / 'detected.detections.json'
    boxes = best_boxes(bbox_file)
    records = read_fashionai_csv(test_csv)
    with_box = [(i, c) in boxes
                for i, c in zip(records.image_ids, records.categories)]
    assert any(with_box)
    assert (f'{with_box.count(False)} of 6 images had no box of their '
            'category scoring 0 or more') in result.stdout
    # each image's points are MMPose's own top-down inference in the box
    model = load_pose_model(str(trained_elsewhere.checkpoint), flip_test=True)
    predicted = read_fashionai_csv(out, allow_decimal=True)
    columns = [KEYPOINT_NAMES.index(n) for n in CATEGORY_KEYPOINTS['blouse']]
    for row, image_id in enumerate(records.image_ids):
        found = boxes.get((image_id, 'blouse'))
        if found is None:
            continue
        (sample, ) = inference_topdown(model,
                                       str(blouse_test_split / image_id),
                                       found.bbox[None], 'xyxy')
        np.testing.assert_allclose(
            predicted.keypoints[row, columns],
            sample.pred_instances.keypoints[0],
            atol=0.006)

    # an image without a box of its category is predicted whole
    entries = json.loads(bbox_file.read_text())
    dropped = records.image_ids[int(np.argmax(with_box))]
    kept = [e for e in entries if e['image_id'] != dropped]
    edited = tmp_path / 'edited.json'
    edited.write_text(json.dumps(kept))
    result = run_tool(TOOLS / 'predict.py', test_csv, blouse_test_split,
                      tmp_path / 'edited.csv', *pose, '--bbox-file', edited)
    assert (f'{with_box.count(False) + 1} of 6 images had no box of their '
            'category scoring 0 or more') in result.stdout
    run_tool(TOOLS / 'predict.py', test_csv, blouse_test_split,
             tmp_path / 'whole.csv', *pose)
    row = records.image_ids.index(dropped)
    np.testing.assert_array_equal(
        read_fashionai_csv(tmp_path / 'edited.csv',
                           allow_decimal=True).keypoints[row],
        read_fashionai_csv(tmp_path / 'whole.csv',
                           allow_decimal=True).keypoints[row])
    assert not np.array_equal(
        read_fashionai_csv(tmp_path / 'whole.csv',
                           allow_decimal=True).keypoints, predicted.keypoints)


@pytest.mark.slow
def test_infer_and_mmpose_inferencer_use_the_detector(tiny_detector,
                                                      trained_elsewhere,
                                                      blouse_test_split,
                                                      tmp_path):
    from mmpose.apis import MMPoseInferencer

    images = blouse_test_split / 'Images' / 'blouse'
    result = run_tool(TOOLS / 'infer.py', images, '--category', 'blouse',
                      '--model', trained_elsewhere.checkpoint, '--det-config',
                      tiny_detector.config, '--det-checkpoint',
                      tiny_detector.checkpoints[0], '--out-dir',
                      tmp_path / 'infer')
    # the same detector through tools/detect.py, keyed by image_id
    run_tool(TOOLS / 'detect.py', tiny_detector.config,
             tiny_detector.checkpoints[0],
             blouse_test_split / 'Annotations/answers.csv', blouse_test_split,
             tmp_path / 'det.json')
    boxes = best_boxes(tmp_path / 'det.json')
    paths = sorted(images.glob('*.jpg'))
    whole = 0
    for path in paths:
        document = json.loads(
            (tmp_path / 'infer' / (path.stem + '.json')).read_text())
        found = boxes.get((f'Images/blouse/{path.name}', 'blouse'))
        if found is None:
            assert document['box'] is None
            whole += 1
        else:
            assert document['box'] == pytest.approx(
                found.bbox.tolist(), abs=0.01)
    assert whole < len(paths)
    assert (f'{whole} of {len(paths)} images had no blouse detection '
            'scoring 0 or more' in result.stdout)

    inferencer = MMPoseInferencer(
        pose2d=str(trained_elsewhere.config),
        pose2d_weights=str(trained_elsewhere.checkpoint),
        det_model=str(tiny_detector.config),
        det_weights=str(tiny_detector.checkpoints[0]),
        det_cat_ids=[CATEGORIES.index('blouse')],
        device='cpu')
    for path in paths:
        found = boxes.get((f'Images/blouse/{path.name}', 'blouse'))
        if found is None:
            continue
        (output, ) = inferencer(str(path), bbox_thr=0.0, nms_thr=1.0)
        instances = output['predictions'][0]
        assert len(instances[0]['keypoints']) == 13
        # the detector's best blouse box is among the inferencer's
        assert any(
            np.allclose(i['bbox'][0], found.bbox, atol=0.01)
            for i in instances)


@pytest.mark.slow
def test_a_detector_of_other_classes_is_refused(tiny_detector,
                                                trained_elsewhere,
                                                blouse_test_split, tmp_path):
    """docs/bad_input.md: a detector whose classes name none of the five
    categories stops detect.py and predict.py, listing its classes."""
    import torch
    checkpoint = torch.load(
        tiny_detector.checkpoints[0], map_location='cpu', weights_only=True)
    checkpoint['meta']['dataset_meta']['classes'] = ('cat', 'dog')
    other = tmp_path / 'pets.pth'
    torch.save(checkpoint, other)
    expected = (f"error: {other}: the detector's classes (cat, dog) name "
                'none of the ')
    answers = blouse_test_split / 'Annotations/answers.csv'
    for tool, args in (
        ('detect.py', (tiny_detector.config, other, answers, blouse_test_split,
                       tmp_path / 'det.json')),
        ('predict.py',
         (answers, blouse_test_split, tmp_path / 'sub.csv', '--model',
          f'blouse={trained_elsewhere.checkpoint}', '--det-config',
          tiny_detector.config, '--det-checkpoint', other)),
    ):
        result = run_python(TOOLS / tool, *args)
        assert result.returncode == 1, (tool, result.stderr[-2000:])
        assert result.stderr.splitlines()[-1].startswith(expected), (
            tool, result.stderr[-2000:])
    assert not (tmp_path / 'det.json').exists()
    assert not (tmp_path / 'sub.csv').exists()

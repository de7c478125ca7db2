"""projects/cascade_refine: training crops never cut a point, and the two
stages run as one model through `mim test` and tools/predict.py."""
import re
from pathlib import Path

import numpy as np
import pytest
from mmengine.config import Config

from fashionai_core.csv_io import read_fashionai_csv
from projects.cascade_refine.datasets import CascadeCropJitter, crop_box
from fixtures import (CONFIG_DIR, REPO_ROOT, TOOLS, best_checkpoint, mim,
                      mim_test, run_checked, run_python, tiny_config,
                      write_data, write_test_list)

PROJECT = REPO_ROOT / 'projects' / 'cascade_refine'
CASCADE_CONFIG = PROJECT / 'configs' / 'cascade_res18_all_128_demo.py'
STAGE1_CONFIG = CONFIG_DIR / 'res18_all_128_demo.py'
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


def test_test_time_crop_has_a_minimum_size_and_stays_inside():
    from types import SimpleNamespace

    from projects.cascade_refine.models import CascadeTopdownPoseEstimator

    # the shipped minimum (documented: a tenth of the longer side)
    cascade = SimpleNamespace(
        margin=0.15, MIN_CROP=CascadeTopdownPoseEstimator.MIN_CROP)
    crop = CascadeTopdownPoseEstimator._crop
    # a 10-pixel cluster grows to a tenth of the longer side, centred
    box = crop(cascade, np.array([[100., 200.], [110., 210.]]), (400, 512))
    np.testing.assert_allclose(box, [79.4, 179.4, 130.6, 230.6], atol=1e-4)
    # near a corner: clipped to the image, points outside clipped first
    box = crop(cascade, np.array([[-30., 5.], [20., 15.]]), (400, 512))
    assert box[0] == 0 and box[1] == 0
    # no finite point: the whole image
    box = crop(cascade, np.full((2, 2), np.nan), (400, 512))
    assert box.tolist() == [0, 0, 512, 400]


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

    error = run_python(
        PROJECT / 'tools' / 'measure_stage1_error.py',
        stage1_ckpt,
        cwd=tmp_path,
        ignore_warnings=False,
        check=True)
    assert re.search(r'stage1_error = \d+\.\d{3}', error.stdout)

    merged = tmp_path / 'cascade.pth'
    run_checked(PROJECT / 'tools' / 'merge_stage_checkpoints.py', stage1_ckpt,
                stage2_ckpt, merged)
    cascade = tiny_cascade_config(stage1, tmp_path / 'cascade.py')
    log = mim_test(cascade, merged, cwd=tmp_path)
    (cascade_ne, ) = NE_PATTERN.findall(log)
    log = mim_test(stage1, stage1_ckpt, cwd=tmp_path)
    (stage1_ne, ) = NE_PATTERN.findall(log)
    assert cascade_ne != stage1_ne, 'stage 2 changed the predictions'

    test_list = write_test_list(data / 'val' / 'Annotations' / 'val.csv',
                                tmp_path / 'test.csv')
    submission = tmp_path / 'submission.csv'
    run_python(
        TOOLS / 'predict.py',
        test_list,
        data / 'val',
        submission,
        '--model',
        f'all={merged}',
        '--config',
        f'all={cascade}',
        '--num-workers',
        '0',
        cwd=tmp_path,
        check=True)
    predicted = read_fashionai_csv(submission, allow_decimal=True)
    assert predicted.image_ids == read_fashionai_csv(test_list).image_ids
    expected, replaced = cascade_by_hand(stage1, stage1_ckpt, stage2_ckpt,
                                         test_list, data / 'val')
    defined = ~np.isnan(expected[..., 0])
    assert np.array_equal(predicted.visibility >= 0, defined)
    # the submission's two decimals are the resolution here
    np.testing.assert_allclose(
        predicted.keypoints[defined], expected[defined], atol=0.0051)
    assert replaced > 0, 'stage 2 replaced no point'


def cascade_by_hand(stage1: Path, stage1_ckpt: Path, stage2_ckpt: Path,
                    test_list: Path, image_root: Path):
    """The cascade's predictions rebuilt from its documented rule with
    MMPose's parts, not the cascade's code: stage 1 on the whole image;
    the crop around the category's predicted points (clipped into the
    image), grown by the margin (0.15 of the longer side), at least
    MIN_CROP (0.1) of the image's longer side, kept inside the image;
    stage 2 on that crop of the full-resolution image without padding,
    both with flip test; a stage-2 point within one heatmap cell of the
    crop's border keeps stage 1's. Returns the (N, 24, 2) points and how
    many points stage 2 replaced."""
    import cv2
    import torch
    from mmengine.dataset import Compose, pseudo_collate

    from fashionai_dataset.apis import load_pose_model, predict_csv

    first = load_pose_model(str(stage1_ckpt), str(stage1))
    # the cascade config builds stage 2 from the same model config
    second = load_pose_model(str(stage2_ckpt), str(stage1))
    coarse = predict_csv({'all': first},
                         str(test_list),
                         str(image_root),
                         num_workers=0)
    input_size = np.array(first.cfg.codec['input_size'])
    edge = input_size[0] / first.cfg.codec['heatmap_size'][0]
    crop_pipeline = Compose([
        dict(type='GetBBoxCenterScale', padding=1.0),
        dict(
            type='TopdownAffine',
            input_size=tuple(first.cfg.codec['input_size']),
            use_udp=False),
        dict(type='PackPoseInputs')
    ])
    crops, defined_rows = [], []
    for row, image_id in enumerate(coarse.image_ids):
        image = cv2.imread(str(image_root / image_id))
        height, width = image.shape[:2]
        defined = ~np.isnan(coarse.keypoints[row, :, 0])
        points = np.clip(coarse.keypoints[row, defined], 0, [width, height])
        low, high = points.min(axis=0), points.max(axis=0)
        pad = 0.15 * max(float((high - low).max()), 1.0)
        low, high = low - pad, high + pad
        center = (low + high) / 2
        half = np.maximum((high - low) / 2, 0.1 * max(width, height) / 2)
        box = np.clip(
            np.concatenate([center - half, center + half]), 0,
            [width, height, width, height]).astype(np.float32)
        crops.append(
            crop_pipeline(
                dict(
                    img=image,
                    bbox=box[None],
                    bbox_score=np.ones(1, dtype=np.float32),
                    flip_indices=second.dataset_meta['flip_indices'])))
        defined_rows.append(defined)
    # one batch, as the cascade runs stage 2: an untrained model's flat
    # heatmaps make argmax sensitive to the batch's float rounding
    with torch.no_grad():
        refined = second.test_step(pseudo_collate(crops))
    result = coarse.keypoints.copy()
    replaced = 0
    for row, (fine, defined) in enumerate(zip(refined, defined_rows)):
        fine_points = np.asarray(fine.pred_instances.keypoints[0])
        crop_scale = np.asarray(fine.metainfo['input_scale'], dtype=float)
        crop_center = np.asarray(fine.metainfo['input_center'], dtype=float)
        in_crop = (fine_points - crop_center +
                   0.5 * crop_scale) / crop_scale * input_size
        keep_fine = ~((in_crop < edge) |
                      (in_crop > input_size - edge)).any(axis=1)
        keep_fine &= np.isfinite(fine_points).all(axis=1) & defined
        result[row, keep_fine] = fine_points[keep_fine]
        replaced += int(keep_fine.sum())
    return result, replaced

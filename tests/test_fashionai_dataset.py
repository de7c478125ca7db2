import contextlib
import logging

import numpy as np
import pytest
from mmengine.logging import MMLogger
from mmpose.registry import DATASETS

from fashionai_core.csv_io import ANNOTATION_HEADER, FashionAICSVError
from fashionai_core.image_check import FashionAIImageError
from fashionai_core.keypoints import category_keypoint_indices
from fixtures import set_cells, write_csv, write_split, write_test_list


@contextlib.contextmanager
def capture_log(logger):
    """Collect what an MMLogger logs inside the block."""
    messages = []

    class Collect(logging.Handler):

        def emit(self, record):
            messages.append(record.getMessage())

    handler = Collect()
    logger.addHandler(handler)
    try:
        yield messages
    finally:
        logger.removeHandler(handler)


VAL_PIPELINE = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='TopdownAffine', input_size=(64, 64)),
    dict(type='PackPoseInputs')
]


@pytest.fixture(scope='module')
def split(tmp_path_factory):
    root = tmp_path_factory.mktemp('split')
    write_split(
        root,
        categories=('blouse', 'skirt'),
        images_per_category=3,
        size=(96, 80))
    return root


def build(split, **kwargs):
    cfg = dict(
        type='FashionAIDataset',
        data_root=str(split),
        ann_file='Annotations/train.csv',
        data_prefix=dict(img=''),
        pipeline=[])
    cfg.update(kwargs)
    return DATASETS.build(cfg)


def test_one_category(split):
    dataset = build(split, category='skirt')
    assert len(dataset) == 3
    assert dataset.metainfo['num_keypoints'] == 4
    assert dataset.metainfo['dataset_name'] == 'fashionai_skirt'
    info = dataset.get_data_info(0)
    assert info['img_path'] == str(split / 'Images/skirt/skirt_0_0000.jpg')
    assert info['keypoints'].shape == (1, 4, 2)
    # the whole image (96 x 80) is the box
    assert info['bbox'].tolist() == [[0, 0, 96, 80]]
    raw = info['raw_ann_info']
    assert raw['image_category'] == 'skirt' and raw['line'] == 5
    assert raw['keypoints'].shape == (24,
                                      2) and raw['visibility'].shape == (24, )
    columns = category_keypoint_indices('skirt')
    np.testing.assert_array_equal(info['keypoints'][0],
                                  raw['keypoints'][columns])
    # visible and occluded points are trained on, absent ones are not
    np.testing.assert_array_equal(info['keypoints_visible'][0],
                                  raw['visibility'][columns] >= 0)


def test_all_categories(split):
    dataset = build(split, category='all')
    assert len(dataset) == 6
    assert dataset.get_data_info(0)['keypoints'].shape == (1, 24, 2)
    # a skirt's weights: only the four skirt points can be nonzero
    skirt = [
        dataset.get_data_info(i) for i in range(6) if dataset.get_data_info(i)
        ['raw_ann_info']['image_category'] == 'skirt'
    ][0]
    skirt_points = category_keypoint_indices('skirt')
    others = np.setdiff1d(np.arange(24), skirt_points)
    assert (skirt['keypoints_visible'][0, others] == 0).all()
    assert skirt['keypoints_visible'][0, skirt_points].sum() > 0
    assert dataset.metainfo['flip_indices'][0] == 1


def test_absent_points_get_zero_weight(tmp_path):
    write_split(tmp_path, categories=('blouse', ), images_per_category=1)
    csv_path = tmp_path / 'Annotations/train.csv'
    set_cells(csv_path, 1, {2: '-1_-1_-1'})  # neckline_left absent
    info = build(tmp_path, category='blouse').get_data_info(0)
    assert info['keypoints_visible'][0, 0] == 0
    assert info['keypoints_visible'][0, 1] == 1


def test_training_skips_images_without_an_annotated_point(tmp_path):
    """An image whose points are all absent carries no target: training
    leaves it out and says so; evaluation keeps it."""
    write_split(tmp_path, categories=('skirt', ), images_per_category=3)
    csv_path = tmp_path / 'Annotations/train.csv'
    set_cells(csv_path, 2, dict.fromkeys(range(2, 26), '-1_-1_-1'))
    with capture_log(MMLogger.get_current_instance()) as messages:
        training = build(tmp_path, category='skirt')
    assert [
        training.get_data_info(i)['img_path'].split('/')[-1]
        for i in range(len(training))
    ] == ['skirt_0_0000.jpg', 'skirt_0_0002.jpg']
    assert any('skipped 1' in m and 'no annotated point' in m
               for m in messages), messages
    assert len(build(tmp_path, category='skirt', test_mode=True)) == 3


def test_pipeline_output_in_test_mode(split):
    dataset = build(
        split, category='blouse', test_mode=True, pipeline=VAL_PIPELINE)
    sample = dataset[1]
    assert tuple(sample['inputs'].shape) == (3, 64, 64)
    meta = sample['data_samples'].metainfo
    assert meta['raw_ann_info'][
        'image_id'] == 'Images/blouse/blouse_0_0001.jpg'
    assert meta['flip_indices'] == [1, 0, 2, 4, 3, 6, 5, 9, 10, 7, 8, 12, 11]


def test_test_list_without_keypoints(split, tmp_path):
    test_csv = write_test_list(split / 'Annotations/train.csv',
                               split / 'test.csv')
    dataset = build(
        split,
        ann_file=str(test_csv),
        category='blouse',
        test_mode=True,
        pipeline=VAL_PIPELINE)
    assert len(dataset) == 3
    raw = dataset.get_data_info(0)['raw_ann_info']
    assert 'keypoints' not in raw
    assert dataset[0]['inputs'].shape[0] == 3


def test_keypoint_extent_box(split):
    dataset = build(
        split, category='blouse', bbox_mode='keypoints', bbox_padding=0.1)
    info = dataset.get_data_info(0)
    points = info['keypoints'][0][info['keypoints_visible'][0] > 0]
    low, high = points.min(0), points.max(0)
    margin = (high - low) * 0.1
    np.testing.assert_allclose(
        info['bbox'][0],
        np.concatenate(
            [np.maximum(low - margin, 0),
             np.minimum(high + margin, (96, 80))]))


@pytest.fixture
def damaged_split(tmp_path):
    """Five skirts: #1 missing, #2 empty, #3 cut short, #4 not an image."""
    write_split(tmp_path, categories=('skirt', ), images_per_category=5)
    images = tmp_path / 'Images' / 'skirt'
    (images / 'skirt_0_0001.jpg').unlink()
    (images / 'skirt_0_0002.jpg').write_bytes(b'')
    whole = (images / 'skirt_0_0003.jpg').read_bytes()
    (images / 'skirt_0_0003.jpg').write_bytes(whole[:len(whole) // 2])
    (images / 'skirt_0_0004.jpg').write_text('not a picture')
    return tmp_path


def test_unusable_images_are_skipped_and_counted_in_training(damaged_split):
    logger = MMLogger.get_current_instance()
    with capture_log(logger) as messages:
        dataset = build(damaged_split, category='skirt')
    assert len(dataset) == 1
    warning = '\n'.join(messages)
    assert 'skipped ' in warning and '4 of 5 listed images cannot be used' in (
        warning)
    assert 'line 3: image' in warning
    assert 'skirt_0_0001.jpg does not exist' in warning
    assert 'skirt_0_0002.jpg is an empty file' in warning
    assert 'skirt_0_0003.jpg is a truncated JPEG' in warning
    assert 'skirt_0_0004.jpg is not a readable image' in warning


def test_unusable_images_stop_evaluation(damaged_split):
    with pytest.raises(
            FashionAIImageError,
            match=r'train.csv: 4 of 5 listed images cannot be '
            r'used; first: line 3: image .*skirt_0_0001.jpg does '
            'not exist.*needs every listed image'):
        build(damaged_split, category='skirt', test_mode=True)


def test_point_outside_its_image_stops_loading(tmp_path):
    write_split(
        tmp_path, categories=('skirt', ), images_per_category=1, size=(96, 80))
    csv_path = tmp_path / 'Annotations/train.csv'
    # hemline_left (column 20), one pixel right of 96
    set_cells(csv_path, 1, {19: '97_10_1'})
    with pytest.raises(
            FashionAICSVError,
            match=r'train.csv, line 2, column 20 \(hemline_left\):'
            r' hemline_left at \(97, 10\) lies outside its 96x80 '
            'image'):
        build(tmp_path, category='skirt')
    set_cells(csv_path, 1, {19: '96_80_1'})  # on the border: inside
    assert len(build(tmp_path, category='skirt')) == 1


def test_file_without_rows_of_the_category(split, tmp_path):
    empty = write_csv(tmp_path / 'empty.csv', ANNOTATION_HEADER, [])
    with pytest.raises(
            ValueError, match="empty.csv: no rows of category "
            "'dress'"):
        build(split, ann_file=str(empty), category='dress')
    with pytest.raises(ValueError, match="no rows of category 'dress'"):
        build(split, category='dress')


def test_bad_arguments(split):
    with pytest.raises(ValueError, match="unknown FashionAI category 'shirt'"):
        build(split, category='shirt')
    with pytest.raises(ValueError, match="bbox_mode must be 'image'"):
        build(split, bbox_mode='detector')

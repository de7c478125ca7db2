import numpy as np
import pytest
from mmpose.registry import DATASETS

from fixtures import write_split, write_test_list
from fashionai_dataset.keypoints import category_keypoint_indices

VAL_PIPELINE = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='TopdownAffine', input_size=(64, 64)),
    dict(type='PackPoseInputs')
]


@pytest.fixture(scope='module')
def split(tmp_path_factory):
    root = tmp_path_factory.mktemp('split')
    write_split(root, categories=('blouse', 'skirt'), images_per_category=3,
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
    assert raw['keypoints'].shape == (24, 2) and raw['visibility'].shape == (
        24, )
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
    assert dataset.metainfo['flip_indices'][0] == 1


def test_absent_points_get_zero_weight(tmp_path):
    write_split(tmp_path, categories=('blouse', ), images_per_category=1)
    csv_path = tmp_path / 'Annotations/train.csv'
    text = csv_path.read_text().splitlines()
    cells = text[1].split(',')
    cells[2] = '-1_-1_-1'  # neckline_left absent
    csv_path.write_text('\n'.join([text[0], ','.join(cells)]) + '\n')
    info = build(tmp_path, category='blouse').get_data_info(0)
    assert info['keypoints_visible'][0, 0] == 0
    assert info['keypoints_visible'][0, 1] == 1


def test_pipeline_output_in_test_mode(split):
    dataset = build(
        split, category='blouse', test_mode=True, pipeline=VAL_PIPELINE)
    sample = dataset[1]
    assert tuple(sample['inputs'].shape) == (3, 64, 64)
    meta = sample['data_samples'].metainfo
    assert meta['raw_ann_info']['image_id'] == 'Images/blouse/blouse_0_0001.jpg'
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
        np.concatenate([np.maximum(low - margin, 0),
                        np.minimum(high + margin, (96, 80))]))


def test_missing_image_names_csv_line(split, tmp_path):
    write_split(tmp_path, categories=('skirt', ), images_per_category=2)
    (tmp_path / 'Images/skirt/skirt_0_0001.jpg').unlink()
    with pytest.raises(FileNotFoundError,
                       match=r'train.csv, line 3: image .*skirt_0_0001.jpg '
                       'does not exist'):
        build(tmp_path, category='skirt')


def test_bad_arguments(split):
    with pytest.raises(ValueError, match="unknown FashionAI category 'shirt'"):
        build(split, category='shirt')
    with pytest.raises(ValueError, match="bbox_mode must be 'image'"):
        build(split, bbox_mode='detector')

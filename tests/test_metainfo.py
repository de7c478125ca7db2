import numpy as np
import pytest
from mmpose.datasets.datasets.utils import parse_pose_metainfo

from fashionai_core.keypoints import CATEGORY_KEYPOINTS, mirror_name
from fashionai_dataset.datasets import FashionAIDataset
from fashionai_dataset.metainfo import fashionai_metainfo
from fixtures import REPO_ROOT, write_split

METAINFO_FOLDER = REPO_ROOT / 'configs/fashionai/_base_/datasets'


@pytest.mark.parametrize('category', list(CATEGORY_KEYPOINTS))
def test_metainfo_parses_and_flips(category):
    meta = parse_pose_metainfo(fashionai_metainfo(category))
    names = CATEGORY_KEYPOINTS[category]
    assert meta['num_keypoints'] == len(names)
    assert [meta['keypoint_id2name'][i]
            for i in range(len(names))] == list(names)
    for i, j in enumerate(meta['flip_indices']):
        assert names[j] == mirror_name(names[i])
    assert len(meta['sigmas']) == len(
        meta['dataset_keypoint_weights']) == len(names)
    for a, b in meta['skeleton_links']:
        assert 0 <= a < len(names) and 0 <= b < len(names)


def test_blouse_flip_indices_by_hand():
    meta = parse_pose_metainfo(fashionai_metainfo('blouse'))
    # neckline l/r, center_front, shoulder l/r, armpit l/r,
    # cuff_left_in/out <-> cuff_right_in/out, top_hem l/r
    assert meta['flip_indices'] == [1, 0, 2, 4, 3, 6, 5, 9, 10, 7, 8, 12, 11]


def test_metainfo_is_fresh_per_call():
    first = fashionai_metainfo('skirt')
    first['keypoint_info'][0]['name'] = 'changed'
    assert fashionai_metainfo('skirt')['keypoint_info'][0]['name'] == (
        'waistband_left')


@pytest.mark.parametrize('category', list(CATEGORY_KEYPOINTS))
def test_the_metainfo_files_say_what_the_keypoints_define(category):
    """The configs' metainfo files (MMPose's inferencers read them) and the
    dataset's own metainfo parse alike, array for array."""
    path = METAINFO_FOLDER / f'fashionai_{category}.py'
    from_file = parse_pose_metainfo(dict(from_file=str(path)))
    built = parse_pose_metainfo(fashionai_metainfo(category))
    assert from_file.keys() == built.keys()
    for key, value in built.items():
        if isinstance(value, np.ndarray):
            np.testing.assert_array_equal(from_file[key], value, err_msg=key)
        else:
            assert from_file[key] == value, key


def test_a_config_s_metainfo_must_fit_its_category(tmp_path):
    write_split(tmp_path, ['dress'], 1)
    dress = dict(ann_file='Annotations/train.csv', category='dress')
    FashionAIDataset(
        data_root=str(tmp_path),
        metainfo=dict(from_file=str(METAINFO_FOLDER / 'fashionai_all.py')),
        **dress)  # a model for every category, on dress rows
    with pytest.raises(
            ValueError,
            match=r"\(fashionai_blouse\) has 13 keypoints, not those of "
            r"category 'dress'"):
        FashionAIDataset(
            data_root=str(tmp_path),
            metainfo=dict(
                from_file=str(METAINFO_FOLDER / 'fashionai_blouse.py')),
            **dress)


def test_another_category_s_metainfo_stops_before_the_rows_are_read(tmp_path):
    """Changing a config's category without its metainfo names both, not
    the rows the other keypoints cannot read."""
    write_split(tmp_path, ['skirt'], 2)
    with pytest.raises(
            ValueError,
            match=r"\(fashionai_blouse\) has 13 "
            r"keypoints, not those of category 'skirt'"):
        FashionAIDataset(
            data_root=str(tmp_path),
            ann_file='Annotations/train.csv',
            category='skirt',
            metainfo=dict(
                from_file=str(METAINFO_FOLDER / 'fashionai_blouse.py')))

import functools
import shutil
from pathlib import Path

import numpy as np
import pytest
from mmengine.config import Config
from mmpose.datasets.datasets.utils import parse_pose_metainfo

from fashionai_core.keypoints import CATEGORY_KEYPOINTS, mirror_name
from fashionai_dataset.datasets import FashionAIDataset
from fashionai_dataset.metainfo import fashionai_metainfo
from fixtures import CONFIG_DIR, REPO_ROOT, write_split

METAINFO_FOLDER = CONFIG_DIR / '_base_/datasets'


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
    dataset's own metainfo parse alike, array for array: a dataset of each
    may stand beside the other (pseudo-labels beside labelled rows)."""
    path = METAINFO_FOLDER / f'fashionai_{category}.yaml'
    from_file = parse_pose_metainfo(dict(from_file=str(path)))
    built = parse_pose_metainfo(fashionai_metainfo(category))
    assert from_file.keys() == built.keys()
    for key, value in built.items():
        if isinstance(value, np.ndarray):
            np.testing.assert_array_equal(from_file[key], value, err_msg=key)
        else:
            assert from_file[key] == value, key


@pytest.mark.parametrize('category', ['dress', 'skirt'])
def test_a_config_s_metainfo_must_fit_its_category(category, tmp_path):
    """A model for every category may read one category's rows; another
    category's metainfo is named before the rows are read (the skirt's
    would otherwise seem to have no annotated point)."""
    write_split(tmp_path, [category], 1)
    for metainfo in ('all', 'blouse'):
        build = functools.partial(
            FashionAIDataset,
            data_root=str(tmp_path),
            ann_file='Annotations/train.csv',
            category=category,
            metainfo=dict(
                from_file=str(METAINFO_FOLDER / f'fashionai_{metainfo}.yaml')))
        if metainfo == 'all':
            assert len(build()) == 1
            continue
        with pytest.raises(
                ValueError,
                match=r"\(fashionai_blouse\) has 13 keypoints, not those of "
                f"category '{category}'"):
            build()


def test_configs_read_from_a_checkout_path_with_quotes(tmp_path):
    """The configs name their metainfo file by MMEngine's ``{{fileDirname}}``,
    which MMEngine writes into the config's text before parsing it: a
    checkout folder whose name holds an apostrophe or a double quote (``/home/
    o'brien``) must not end the string literal."""
    checkout = tmp_path / 'o\'brien "copy"'
    shutil.copytree(REPO_ROOT / 'configs', checkout / 'configs')
    shutil.copytree(REPO_ROOT / 'projects', checkout / 'projects')
    for config, keypoints in (
        ('configs/fashionai/hrnet_w32_skirt.py', 4),
        ('configs/fashionai/rtmpose_m_all.py', 24),
        ('projects/densenet_backbone/configs/densenet121_blouse.py', 13),
    ):
        cfg = Config.fromfile(str(checkout / config))
        metainfo = cfg.test_dataloader.dataset.metainfo
        assert Path(metainfo.from_file).resolve().is_relative_to(
            checkout.resolve() / 'configs')
        assert parse_pose_metainfo(metainfo)['num_keypoints'] == keypoints

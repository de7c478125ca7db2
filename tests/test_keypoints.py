import pytest

from fashionai_core.keypoints import (CATEGORIES, CATEGORY_KEYPOINTS,
                                      KEYPOINT_NAMES, NORMALIZER_KEYPOINTS,
                                      category_keypoint_indices,
                                      check_category, keypoint_index,
                                      mirror_name, num_category_keypoints)


def test_24_names_in_csv_order():
    assert len(KEYPOINT_NAMES) == 24 == len(set(KEYPOINT_NAMES))
    assert KEYPOINT_NAMES[0] == 'neckline_left'
    assert KEYPOINT_NAMES[-1] == 'bottom_right_out'
    assert keypoint_index('crotch') == 19


@pytest.mark.parametrize('category,count', [('blouse', 13), ('outwear', 14),
                                            ('dress', 15), ('skirt', 4),
                                            ('trousers', 7), ('all', 24)])
def test_category_sizes(category, count):
    assert num_category_keypoints(category) == count
    indices = category_keypoint_indices(category)
    assert indices == sorted(indices), 'a category keeps CSV order'


def test_every_point_belongs_to_a_category():
    used = set()
    for category in CATEGORIES:
        used.update(CATEGORY_KEYPOINTS[category])
    assert used == set(KEYPOINT_NAMES)


def test_normalizers_are_defined_by_their_category():
    for category, pair in NORMALIZER_KEYPOINTS.items():
        assert set(pair) <= set(CATEGORY_KEYPOINTS[category])
    assert NORMALIZER_KEYPOINTS['blouse'] == ('armpit_left', 'armpit_right')
    assert NORMALIZER_KEYPOINTS['trousers'] == ('waistband_left',
                                                'waistband_right')


def test_mirror_pairs():
    assert mirror_name('cuff_left_in') == 'cuff_right_in'
    assert mirror_name('bottom_right_out') == 'bottom_left_out'
    assert mirror_name('center_front') == 'center_front'
    assert mirror_name('crotch') == 'crotch'
    for category in CATEGORIES:
        names = CATEGORY_KEYPOINTS[category]
        assert all(mirror_name(n) in names for n in names), category
        assert all(mirror_name(mirror_name(n)) == n for n in names)


def test_unknown_category_is_named():
    with pytest.raises(ValueError, match="'Blouse'.*blouse, outwear"):
        check_category('Blouse')
    with pytest.raises(ValueError, match="'all'"):
        check_category('all', allow_all=False)
    with pytest.raises(KeyError, match="'elbow'"):
        keypoint_index('elbow')

import numpy as np
import pytest

from fashionai_core.keypoints import CATEGORIES, KEYPOINT_NAMES
from fashionai_core.normalized_error import (normalized_errors,
                                             normalizer_distances,
                                             per_image_ne, summarize)

K = {name: i for i, name in enumerate(KEYPOINT_NAMES)}
BLOUSE, SKIRT = CATEGORIES.index('blouse'), CATEGORIES.index('skirt')


def empty(n):
    """n images with every point absent."""
    return np.zeros((n, 24, 2)), np.full((n, 24), -1, dtype=np.int8)


def blouse_image(gt, vis, i, armpit_distance=100.0):
    gt[i, K['armpit_left']] = (100, 200)
    gt[i, K['armpit_right']] = (100 + armpit_distance, 200)
    vis[i, [K['armpit_left'], K['armpit_right']]] = 1


def test_occluded_and_absent_points_do_not_count():
    gt, vis = empty(1)
    blouse_image(gt, vis, 0)
    gt[0, K['neckline_left']] = (150, 100)
    vis[0, K['neckline_left']] = 1
    gt[0, K['neckline_right']] = (250, 100)
    vis[0, K['neckline_right']] = 0  # occluded: annotated but not counted
    pred = gt.copy()
    pred[0, K['neckline_left']] += (6, 8)  # 10 px off: 10% of the armpits
    pred[0, K['neckline_right']] += (300, 0)  # far off, but occluded
    pred[0, K['cuff_left_in']] = (999, 999)  # absent in the ground truth
    result = normalized_errors(pred, gt, vis, [BLOUSE])
    assert result.num_points == 3  # two armpits and neckline_left
    summary = summarize(result)
    assert summary['NE'] == pytest.approx(10 / 3)
    assert summary['NE/neckline_left'] == pytest.approx(10.0)
    assert 'NE/neckline_right' not in summary
    assert 'NE/cuff_left_in' not in summary


def test_occluded_endpoints_still_define_the_normalizer():
    gt, vis = empty(1)
    blouse_image(gt, vis, 0, armpit_distance=50)
    vis[0, [K['armpit_left'], K['armpit_right']]] = 0
    assert normalizer_distances(gt, vis, [BLOUSE]).tolist() == [50.0]


def test_images_without_a_normalizer_are_left_out_and_counted():
    gt, vis = empty(3)
    blouse_image(gt, vis, 0)
    blouse_image(gt, vis, 1)
    vis[1, K['armpit_right']] = -1  # endpoint absent
    blouse_image(gt, vis, 2, armpit_distance=0)  # zero distance
    for i in range(3):
        gt[i, K['center_front']] = (10, 10)
        vis[i, K['center_front']] = 1
    pred = gt + 5.0  # 7.07 px everywhere
    summary = summarize(normalized_errors(pred, gt, vis, [BLOUSE] * 3))
    assert summary['num_images_without_normalizer'] == 2
    assert summary['num_images'] == 3
    assert summary['num_points'] == 3  # only image 0's three points
    assert summary['NE'] == pytest.approx(np.hypot(5, 5))


def test_normalizer_follows_the_category():
    gt, vis = empty(2)
    for i in range(2):
        blouse_image(gt, vis, i, armpit_distance=100)
        gt[i, K['waistband_left']] = (0, 300)
        gt[i, K['waistband_right']] = (200, 300)
        vis[i, [K['waistband_left'], K['waistband_right']]] = 1
    assert normalizer_distances(gt, vis,
                                [BLOUSE, SKIRT]).tolist() == [100.0, 200.0]


def test_pooled_over_points_not_averaged_over_images():
    gt, vis = empty(2)
    blouse_image(gt, vis, 0, armpit_distance=100)
    gt[1, K['waistband_left']] = (0, 300)
    gt[1, K['waistband_right']] = (100, 300)
    gt[1, K['hemline_left']] = (0, 400)
    gt[1, K['hemline_right']] = (100, 400)
    vis[1, [
        K['waistband_left'], K['waistband_right'], K['hemline_left'],
        K['hemline_right']
    ]] = 1
    pred = gt.copy()
    pred[0, K['armpit_left'], 0] += 10  # blouse: errors 0.1, 0
    pred[1, [K['hemline_left'], K['hemline_right']], 0] += 20  # skirt
    summary = summarize(normalized_errors(pred, gt, vis, [BLOUSE, SKIRT]))
    # (0.1 + 0 + 0 + 0 + 0.2 + 0.2) / 6 points, not (0.05 + 0.1) / 2
    assert summary['NE'] == pytest.approx(50 / 6)
    assert summary['NE/blouse'] == pytest.approx(5.0)
    assert summary['NE/skirt'] == pytest.approx(10.0)
    assert summary['NE/hemline_left'] == pytest.approx(20.0)
    assert summary['num_points'] == 6


def test_missing_prediction_for_a_counted_point_raises():
    gt, vis = empty(1)
    blouse_image(gt, vis, 0)
    pred = gt.copy()
    pred[0, K['armpit_left']] = np.nan
    with pytest.raises(ValueError, match='prediction is missing'):
        normalized_errors(pred, gt, vis, [BLOUSE])


def test_ten_thousand_images_vectorized():
    rng = np.random.default_rng(0)
    gt = rng.uniform(0, 512, (10000, 24, 2))
    vis = rng.choice([-1, 0, 1], (10000, 24)).astype(np.int8)
    categories = rng.integers(0, 5, 10000)
    summary = summarize(normalized_errors(gt + 1, gt, vis, categories))
    assert summary['num_images'] == 10000
    # the same by a plain loop over images and points
    pairs = {0: (5, 6), 1: (5, 6), 2: (5, 6), 3: (15, 16), 4: (15, 16)}
    total, count, without = 0.0, 0, 0
    for image in range(10000):
        left, right = pairs[int(categories[image])]
        s = np.hypot(*(gt[image, left] - gt[image, right]))
        if vis[image, left] == -1 or vis[image, right] == -1 or s == 0:
            without += 1
            continue
        for point in range(24):
            if vis[image, point] == 1:
                total += np.sqrt(2) / s
                count += 1
    assert summary['num_points'] == count
    assert summary['num_images_without_normalizer'] == without
    assert summary['NE'] == pytest.approx(100 * total / count, rel=1e-9)


def test_per_image_ne_is_the_mean_over_counted_points():
    gt = np.zeros((2, 24, 2))
    gt[:, 5] = [0, 0]  # armpit_left
    gt[:, 6] = [100, 0]  # armpit_right: normalizer 100 px
    gt[:, 0] = [50, 50]  # neckline_left
    visibility = np.full((2, 24), -1)
    visibility[:, [0, 5, 6]] = 1
    pred = gt.copy()
    pred[0, 0] += [10, 0]  # 10% on one of three points
    pred[1, 0] += [0, 40]
    errors = normalized_errors(pred, gt, visibility, category_ids=[0, 0])
    np.testing.assert_allclose(per_image_ne(errors), [10 / 3, 40 / 3])

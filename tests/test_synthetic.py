import filecmp
import json

import numpy as np
import pytest

from fashionai_core.csv_io import read_fashionai_csv, records_from_rows
from fashionai_core.keypoints import (CATEGORIES, CATEGORY_KEYPOINTS,
                                      KEYPOINT_NAMES)
from fashionai_core.synthetic import (generate_synthetic, load_shape_model,
                                      render_sample, synthetic_row)
from fashionai_core.synthetic.render import OUTLINES
from fashionai_core.synthetic.shape_model import (DEFAULT_SHAPE_MODEL,
                                                  fit_shape_model,
                                                  normalizer_stats)
from conftest import requires_shared
from fixtures import SHARED_ANNOTATIONS, TOOLS, heavy_imports


def test_render_is_deterministic():
    image_a, row_a = render_sample(7, 'train', 'dress', 3)
    image_b, row_b = render_sample(7, 'train', 'dress', 3)
    assert row_a == row_b
    np.testing.assert_array_equal(image_a, image_b)
    _, other = render_sample(8, 'train', 'dress', 3)
    assert other != row_a
    assert synthetic_row(7, 'train', 'dress', 3) == row_a


def test_images_long_side_512_some_not_square():
    sizes = {
        render_sample(0, 'train', 'skirt', i)[0].shape[:2]
        for i in range(40)
    }
    assert all(max(size) == 512 for size in sizes)
    assert (512, 512) in sizes and len(sizes) > 1


@pytest.mark.parametrize('category', CATEGORIES)
def test_statistics_match_the_real_sample(category):
    records = records_from_rows(
        [synthetic_row(0, 'train', category, i) for i in range(400)])
    synthetic = normalizer_stats(records, category)
    real = load_shape_model()[category].real_stats
    assert synthetic['present'] == pytest.approx(real['present'], abs=0.03)
    assert synthetic['occluded'] == pytest.approx(real['occluded'], abs=0.04)
    assert synthetic['no_normalizer'] <= 0.04
    for key in ('s_p10', 's_median', 's_p90'):
        assert synthetic[key] == pytest.approx(real[key], rel=0.15), key
    # undefined points are absent, present points inside the image
    defined = [KEYPOINT_NAMES.index(n) for n in CATEGORY_KEYPOINTS[category]]
    undefined = np.setdiff1d(np.arange(24), defined)
    assert (records.visibility[:, undefined] == -1).all()
    present = records.visibility >= 0
    assert (records.keypoints[present] >= 0).all()
    assert (records.keypoints[present] <= 511).all()


def test_every_point_is_on_the_outline():
    for category in CATEGORIES:
        assert set(OUTLINES[category]) == set(CATEGORY_KEYPOINTS[category])


def test_points_lie_on_the_silhouette_edge():
    """Each visible point is a corner: garment and background meet there."""
    image, row = render_sample(3, 'val', 'trousers', 0)
    for cell in row[2:]:
        x, y, v = map(int, cell.split('_'))
        if v != 1:
            continue
        patch = image[y - 3:y + 4, x - 3:x + 4].reshape(-1, 3).astype(int)
        # a corner has strongly different colors around it
        assert np.ptp(patch, axis=0).max() > 20, cell


def test_generate_writes_the_competition_layout(tmp_path):
    sizes = dict(train=2, val=1, test=2)
    paths = generate_synthetic(
        str(tmp_path / 'a'), sizes, seed=3, categories=('blouse', 'skirt'))
    train = read_fashionai_csv(paths['train'])
    assert len(train) == 4 and train.categories.count('skirt') == 2
    for image_id in train.image_ids:
        assert image_id.startswith('Images/')
        assert (tmp_path / 'a' / 'train' / image_id).stat().st_size > 1000
    test_list = read_fashionai_csv(tmp_path / 'a' / 'test' / 'test.csv')
    answers = read_fashionai_csv(paths['test'])
    assert not test_list.has_keypoints
    assert test_list.image_ids == answers.image_ids
    # same seed, other process count: the same bytes
    generate_synthetic(
        str(tmp_path / 'b'),
        sizes,
        seed=3,
        categories=('blouse', 'skirt'),
        nproc=2)
    for split, path in paths.items():
        assert filecmp.cmp(path, path.replace('/a/', '/b/'), shallow=False)
    image_id = train.image_ids[0]
    assert filecmp.cmp(
        tmp_path / 'a' / 'train' / image_id,
        tmp_path / 'b' / 'train' / image_id,
        shallow=False)


@requires_shared
def test_shipped_shape_model_is_fitted_to_the_sample():
    with pytest.warns(UserWarning):
        records = read_fashionai_csv(SHARED_ANNOTATIONS / 'val.csv')
    fitted = json.loads(json.dumps(fit_shape_model(records)))
    with open(DEFAULT_SHAPE_MODEL) as file:
        shipped = json.load(file)
    assert fitted.keys() == shipped.keys()
    for category in CATEGORIES:
        assert fitted[category]['real_stats'] == shipped[category][
            'real_stats']
        np.testing.assert_allclose(
            fitted[category]['mean'], shipped[category]['mean'], atol=1e-9)


def test_scenes_hold_a_smaller_garment_sometimes_beside_another():
    from fashionai_core.synthetic.generator import (SCENE_GARMENT_SCALE, _rng,
                                                    _sample_annotation)
    extents, distractors = [], []
    for index in range(40):
        image, row = render_sample(0, 'train', 'blouse', index, scenes=True)
        assert row == synthetic_row(0, 'train', 'blouse', index, scenes=True)
        assert row[0] != synthetic_row(0, 'train', 'blouse', index)[0]
        records = records_from_rows([row])
        present = records.visibility[0] >= 0
        points = records.keypoints[0][present]
        height, width = image.shape[:2]
        assert (points >= 0).all() and (points < (width, height)).all()
        extents.append(np.ptp(points, axis=0) / (width, height))
        *_, distractor = _sample_annotation(
            _rng(0, 'train', 'blouse', index, True), 'blouse', True)
        if distractor is not None:
            assert distractor.category != 'blouse'
            distractors.append(distractor)
    # the garment's canvas is at most 70% of the image's sides
    assert np.max(extents) <= SCENE_GARMENT_SCALE[1]
    assert np.median(np.max(extents, axis=1)) < 0.5
    assert 10 <= len(distractors) <= 30
    # the plain data is what it was: the garment spans most of the image
    plain = records_from_rows(
        [synthetic_row(0, 'train', 'blouse', i) for i in range(40)])
    plain_extents = [
        np.ptp(p[v >= 0], axis=0).max() / 512
        for p, v in zip(plain.keypoints, plain.visibility)
    ]
    assert np.median(plain_extents) > np.median(np.max(extents, axis=1))


def test_make_synthetic_imports_neither_torch_nor_openmmlab(tmp_path):
    """The generator is numpy and OpenCV: rendering pictures needs no
    deep-learning stack (a fresh interpreter, as a user runs the tool)."""
    _, heavy = heavy_imports(
        TOOLS / 'make_synthetic.py',
        '--out',
        tmp_path / 'd',
        '--train',
        '1',
        '--val',
        '0',
        '--test',
        '0',
        '--nproc',
        '1',
        '--categories',
        'skirt',
        cwd=tmp_path)
    assert heavy == []
    assert (tmp_path / 'd' / 'train' / 'Annotations' / 'train.csv').exists()

"""tools/ensemble_submissions.py and tools/select_models.py on small real
files: identities, means, choices, and located errors with nothing written."""
import json
import re

import numpy as np
import pytest

from fashionai_core.csv_io import (ANNOTATION_HEADER, read_fashionai_csv,
                                   write_submission)
from fashionai_core.ensemble import mean_submission
from fixtures import TOOLS, run_python, set_cells, write_csv
from test_csv_io import BLOUSE_ROW, SKIRT_ROW

ENSEMBLE = TOOLS / 'ensemble_submissions.py'
SELECT = TOOLS / 'select_models.py'


def run(tool, *args, check=True):
    return run_python(tool, *args, ignore_warnings=False, check=check)


@pytest.fixture
def truth(tmp_path):
    path = write_csv(tmp_path / 'val.csv', ANNOTATION_HEADER,
                     [BLOUSE_ROW, SKIRT_ROW])
    return read_fashionai_csv(path)


def submission(tmp_path, truth, name, offsets):
    """The truth moved by ``offsets[category]`` pixels along x."""
    points = truth.keypoints.copy()
    for row, category in enumerate(truth.categories):
        points[row, :, 0] += offsets[category]
    path = tmp_path / f'{name}.csv'
    write_submission(path, truth.image_ids, truth.categories, points)
    return path


def test_two_copies_give_the_model_and_two_models_their_mean(tmp_path, truth):
    a = submission(tmp_path, truth, 'a', dict(blouse=3.0, skirt=-1.0))
    b = submission(tmp_path, truth, 'b', dict(blouse=1.0, skirt=5.0))
    out = tmp_path / 'out.csv'
    run(ENSEMBLE, a, a, '-o', out)
    assert out.read_text() == a.read_text()
    run(ENSEMBLE, a, b, '-o', out, '--weights', 3, 1)
    merged = read_fashionai_csv(out, allow_decimal=True)
    defined = merged.visibility == 1
    expected = truth.keypoints.copy()
    expected[0, :, 0] += (3 * 3.0 + 1 * 1.0) / 4
    expected[1, :, 0] += (3 * -1.0 + 1 * 5.0) / 4
    np.testing.assert_allclose(merged.keypoints[defined], expected[defined])


@pytest.mark.parametrize('edit,message', [
    (lambda p: set_cells(p, 2, {0: 'Images/skirt/z.jpg'}),
     r"b.csv, line 3, column 1 \(image_id\): unknown image "
     r"'Images/skirt/z.jpg'"),
    (lambda p: p.write_text('\n'.join(p.read_text().splitlines()[:2]) + '\n'),
     r"b.csv: no prediction for image 'Images/skirt/b.jpg'"),
    (lambda p: set_cells(p, 1, {2: '-1_-1_-1'}),
     r'b.csv, line 2, column 3 \(neckline_left\): no prediction for '
     'neckline_left, which blouse defines'),
    (lambda p: set_cells(p, 1, {3: 'nan_1_1'}),
     r"b.csv, line 2, column 4 \(neckline_right\): cell 'nan_1_1' has "
     'a non-finite coordinate'),
])
def test_disagreeing_submissions_stop_and_write_nothing(
        tmp_path, truth, edit, message):
    a = submission(tmp_path, truth, 'a', dict(blouse=0.0, skirt=0.0))
    b = submission(tmp_path, truth, 'b', dict(blouse=1.0, skirt=1.0))
    edit(b)
    out = tmp_path / 'out.csv'
    result = run(ENSEMBLE, a, b, '-o', out, check=False)
    assert result.returncode == 1
    assert result.stderr.startswith('error: ') and result.stderr.count(
        '\n') == 1, result.stderr
    assert re.search(message, result.stderr), result.stderr
    assert not out.exists()


def test_another_category_and_bad_weights(tmp_path, truth):
    a = submission(tmp_path, truth, 'a', dict(blouse=0.0, skirt=0.0))
    records = read_fashionai_csv(a, allow_decimal=True)
    records.categories[1] = 'trousers'
    points = records.keypoints.copy()
    points[1] = 50.0  # trousers' points, all defined
    other = tmp_path / 'other.csv'
    write_submission(other, records.image_ids, records.categories, points)
    with pytest.raises(ValueError, match=r"'trousers' here but 'skirt'"):
        mean_submission([
            read_fashionai_csv(a, allow_decimal=True),
            read_fashionai_csv(other, allow_decimal=True)
        ])
    result = run(
        ENSEMBLE, a, a, '-o', tmp_path / 'o.csv', '--weights', 1, check=False)
    assert result.returncode == 1
    assert '1 weights for 2 inputs' in result.stderr


def test_select_models_picks_per_category_and_ensembles(tmp_path, truth):
    val = truth.path
    # good at blouses, bad at skirts; the other way round; and a model
    # whose errors cancel those of the first on skirts
    a = submission(tmp_path, truth, 'a', dict(blouse=1.0, skirt=20.0))
    b = submission(tmp_path, truth, 'b', dict(blouse=9.0, skirt=4.0))
    c = submission(tmp_path, truth, 'c', dict(blouse=8.0, skirt=-20.0))
    result = run(SELECT, val, '--model', f'a={a}', '--model', f'b={b}',
                 '--model', f'c={c}', '--checkpoint', 'a=A.pth',
                 '--checkpoint', 'b=B.pth')
    assert re.search(r'blouse\s+a\s', result.stdout)
    assert re.search(r'skirt\s+b\s', result.stdout)
    assert '--model blouse=A.pth --model skirt=B.pth' in result.stdout

    out = tmp_path / 'merged.csv'
    result = run(SELECT, val, '--model', f'a={a}', '--model', f'b={b}',
                 '--model', f'c={c}', '--max-members', 2, '--test-pred',
                 f'a={a}', '--test-pred', f'b={b}', '--test-pred', f'c={c}',
                 '-o', out)
    assert re.search(r'skirt\s+a \+ c\s+0\.000% \(2 models\)', result.stdout)
    merged = read_fashionai_csv(out, allow_decimal=True)
    skirt = merged.categories.index('skirt')
    defined = merged.visibility[skirt] == 1
    np.testing.assert_allclose(merged.keypoints[skirt][defined],
                               truth.keypoints[skirt][defined])
    blouse = merged.categories.index('blouse')
    defined = merged.visibility[blouse] == 1
    np.testing.assert_allclose(merged.keypoints[blouse, defined, 0],
                               truth.keypoints[blouse, defined, 0] + 1.0)


def test_select_models_reads_evaluate_json(tmp_path, truth):
    a = submission(tmp_path, truth, 'a', dict(blouse=1.0, skirt=20.0))
    results = tmp_path / 'b.json'
    results.write_text(json.dumps({'NE': 1.0, 'NE/skirt': 0.5}))
    result = run(SELECT, truth.path, '--model', f'a={a}', '--model',
                 f'b={results}')
    assert re.search(r'blouse\s+a\s', result.stdout)
    assert re.search(r'skirt\s+b\s+0\.500%', result.stdout)
    result = run(
        SELECT,
        truth.path,
        '--model',
        f'a={a}',
        '--model',
        f'b={results}',
        '--max-members',
        2,
        check=False)
    assert result.returncode == 1
    assert 'ensembles need every model as a CSV' in result.stderr

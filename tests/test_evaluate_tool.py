"""tools/evaluate.py on real files, in-process and as a command."""
import json
import re
import runpy
import subprocess
import sys

import numpy as np
import pytest

from fashionai_core.csv_io import (ANNOTATION_HEADER, read_fashionai_csv,
                                   write_submission)
from fashionai_core.keypoints import KEYPOINT_NAMES
from fashionai_core.submission_evaluation import evaluate_submission
from conftest import requires_shared
from fixtures import SHARED_ANNOTATIONS, TOOLS, heavy_imports, write_csv
from test_csv_io import BLOUSE_ROW, SKIRT_ROW

TOOL = TOOLS / 'evaluate.py'
SKIRT_WAISTBAND = np.hypot(300 - 100, 52 - 50)  # SKIRT_ROW's normalizer, px


def run_tool(capsys, *args):
    sys.argv = [str(TOOL)] + [str(a) for a in args]
    with pytest.raises(SystemExit) as exit_info:
        runpy.run_path(str(TOOL), run_name='__main__')
    captured = capsys.readouterr()
    return exit_info.value.code, captured.out, captured.err


@pytest.fixture
def files(tmp_path):
    ann = write_csv(tmp_path / 'ann.csv', ANNOTATION_HEADER,
                    [BLOUSE_ROW, SKIRT_ROW])
    records = read_fashionai_csv(ann)
    pred = records.keypoints + np.array([3.0, 4.0])  # 5 px off
    pred_path = tmp_path / 'pred.csv'
    write_submission(pred_path, records.image_ids, records.categories, pred)
    return ann, pred_path, records


def test_prints_ne_and_writes_json(files, capsys, tmp_path):
    ann, pred, records = files
    code, out, _ = run_tool(capsys, ann, pred, '--json', tmp_path / 'r.json')
    assert code == 0
    expected = evaluate_submission(
        records, read_fashionai_csv(pred, allow_decimal=True)).summary
    assert out.splitlines()[0] == f'NE: {expected["NE"]:.6f}'
    assert 'blouse' in out and 'waistband_left' in out
    saved = json.loads((tmp_path / 'r.json').read_text())
    assert saved['NE'] == pytest.approx(expected['NE'])
    # blouse: armpits 150 px apart; skirt: waistband 200 px apart
    assert saved['NE/blouse'] == pytest.approx(5 / 150 * 100)
    assert saved['NE/skirt'] == pytest.approx(5 / SKIRT_WAISTBAND * 100)


def test_one_category(files, capsys):
    ann, pred, _ = files
    code, out, _ = run_tool(capsys, ann, pred, '--category', 'skirt')
    assert code == 0
    assert out.splitlines()[0] == f'NE: {5 / SKIRT_WAISTBAND * 100:.6f}'


def set_cell(lines, line, column, value):
    cells = lines[line - 1].split(',')
    cells[column - 1] = value
    lines[line - 1] = ','.join(cells)


def relabel_skirt_as_trousers(lines, line):
    """A well-formed trousers row for an image annotated as a skirt."""
    set_cell(lines, line, 2, 'trousers')
    for column in (20, 21):  # hemline
        set_cell(lines, line, column, '-1_-1_-1')
    for column in range(22, 27):  # crotch, bottom_*
        set_cell(lines, line, column, '5_5_1')


def rewrite(path, edit):
    lines = path.read_text().splitlines()
    edit(lines)
    path.write_text('\n'.join(lines) + '\n')


@pytest.mark.parametrize('edit,message', [
    (lambda lines: lines.pop(2),
     r"pred.csv: no prediction for image 'Images/skirt/b.jpg' "
     r'\(line 3 of .*ann.csv\)'),
    (lambda lines: lines.append(lines[1].replace('a.jpg', 'z.jpg')),
     r"pred.csv, line 4, column 1 \(image_id\): unknown image "
     "'Images/blouse/z.jpg'"),
    (lambda lines: set_cell(lines, 2, 3, '-1_-1_-1'),
     r'pred.csv, line 2, column 3 \(neckline_left\): no prediction for '
     'neckline_left, which blouse defines'),
    (lambda lines: set_cell(lines, 3, 2, 'trousers'),
     r'pred.csv, line 3, column 20 \(hemline_left\): hemline_left is '
     'not a trousers keypoint'),
    (lambda lines: relabel_skirt_as_trousers(lines, 3),
     r"pred.csv, line 3, column 2 \(image_category\): "
     "Images/skirt/b.jpg is 'trousers' here but 'skirt' in"),
    (lambda lines: set_cell(lines, 2, 3, 'nan_nan_1'),
     r"pred.csv, line 2, column 3 \(neckline_left\): cell 'nan_nan_1' "
     'has a non-finite coordinate; expected finite numbers'),
    (lambda lines: set_cell(lines, 3, 21, '10_inf_1'),
     r"pred.csv, line 3, column 21 \(hemline_right\): cell '10_inf_1' "
     'has a non-finite coordinate'),
])
def test_bad_submission(files, capsys, edit, message):
    ann, pred, _ = files
    rewrite(pred, edit)
    code, out, err = run_tool(capsys, ann, pred)
    assert code == 1 and out == ''
    assert err.startswith('error: ') and err.count('\n') == 1, err
    assert re.search(message, err), err


def test_submission_not_in_utf8(files, capsys):
    ann, pred, _ = files
    text = pred.read_text().replace('Images/skirt/b.jpg',
                                    'Images/jupe/\xe9.jpg')
    pred.write_bytes(text.encode('latin-1'))
    code, out, err = run_tool(capsys, ann, pred)
    assert code == 1 and out == ''
    assert err.count('\n') == 1, err
    assert re.search(
        r'pred.csv, line 3, column 1 \(image_id\): the file is not UTF-8 '
        r'text .*; expected UTF-8', err), err


def test_evaluator_imports_neither_torch_nor_mmpose(files, tmp_path):
    ann, pred, _ = files
    stdout, heavy = heavy_imports(TOOL, ann, pred, cwd=tmp_path)
    assert stdout.startswith('NE: ')
    assert heavy == []


def test_as_a_command(files):
    ann, pred, _ = files
    result = subprocess.run(
        [sys.executable, str(TOOL),
         str(ann), str(pred)],
        capture_output=True,
        text=True,
        cwd='/')
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith('NE: ')


@requires_shared
def test_shared_sample_against_itself(capsys, tmp_path):
    ann = SHARED_ANNOTATIONS / 'val.csv'
    with pytest.warns(UserWarning):
        records = read_fashionai_csv(ann)
    pred = tmp_path / 'pred.csv'
    offset = np.zeros_like(records.keypoints)
    offset[..., 0] = 1.0  # one pixel to the right everywhere
    write_submission(pred, records.image_ids, records.categories,
                     records.keypoints + offset)
    with pytest.warns(UserWarning, match='3 rows repeat'):
        code, out, _ = run_tool(capsys, ann, pred)
    assert code == 0
    ne = float(out.splitlines()[0].split()[1])
    # docs/metric.md: one pixel is roughly 0.7-0.9% NE on this data
    assert 0.6 < ne < 1.0
    assert f'{KEYPOINT_NAMES[0]}' in out

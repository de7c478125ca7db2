import csv
import os
import re

import numpy as np
import pytest

from fashionai_core.csv_io import (ANNOTATION_HEADER, IMAGE_LIST_HEADER,
                                   FashionAICSVError, read_fashionai_csv,
                                   write_submission)
from fashionai_core.keypoints import KEYPOINT_NAMES
from conftest import requires_shared
from fixtures import SHARED_ANNOTATIONS, write_csv

BLOUSE_ROW = [
    'Images/blouse/a.jpg', 'blouse', '212_179_0', '300_162_0', '249_197_1',
    '157_205_1', '350_177_1', '177_243_0', '327_243_1', '-1_-1_-1', '-1_-1_-1',
    '175_268_0', '142_261_1', '333_286_1', '388_238_1', '181_364_1',
    '313_368_1'
] + ['-1_-1_-1'] * 9
SKIRT_ROW = ['Images/skirt/b.jpg', 'skirt'] + ['-1_-1_-1'] * 15 + [
    '100_50_1', '300_52_1', '90_400_0', '320_410_1'
] + ['-1_-1_-1'] * 5


def write_rows(tmp_path, rows, header=ANNOTATION_HEADER, name='ann.csv'):
    return write_csv(tmp_path / name, header, rows)


def test_reads_a_well_formed_file(tmp_path):
    records = read_fashionai_csv(write_rows(tmp_path, [BLOUSE_ROW, SKIRT_ROW]))
    assert records.image_ids == ['Images/blouse/a.jpg', 'Images/skirt/b.jpg']
    assert records.categories == ['blouse', 'skirt']
    assert records.keypoints.shape == (2, 24, 2)
    assert records.visibility.dtype == np.int8
    assert records.keypoints[0, 0].tolist() == [212, 179]
    assert records.visibility[0, :3].tolist() == [0, 0, 1]
    waistband_left = KEYPOINT_NAMES.index('waistband_left')
    assert records.keypoints[1, waistband_left].tolist() == [100, 50]
    assert records.lines.tolist() == [2, 3]
    assert records.category_ids.tolist() == [0, 3]


def test_bom_and_crlf(tmp_path):
    path = tmp_path / 'windows.csv'
    text = '\r\n'.join([','.join(ANNOTATION_HEADER), ','.join(BLOUSE_ROW)
                        ]) + '\r\n'
    path.write_bytes(b'\xef\xbb\xbf' + text.encode())
    records = read_fashionai_csv(path)
    assert records.image_ids == ['Images/blouse/a.jpg']
    assert records.visibility[0, 2] == 1


def test_test_list(tmp_path):
    path = write_rows(
        tmp_path, [['Images/dress/c.jpg', 'dress']], header=IMAGE_LIST_HEADER)
    records = read_fashionai_csv(path)
    assert not records.has_keypoints and len(records) == 1
    with pytest.raises(FashionAICSVError, match='annotation file'):
        read_fashionai_csv(path, require_keypoints=True)


def with_cell(row, column, value):
    row = list(row)
    row[column - 1] = value
    return row


@pytest.mark.parametrize(
    'rows,line,column,message',
    [
        ([BLOUSE_ROW[:20]], 2, 21, 'row has 20 cells; expected 26'),
        ([BLOUSE_ROW + ['1_1_1']], 2, 27, 'row has 27 cells; expected 26'),
        ([with_cell(BLOUSE_ROW, 5, '12_34')], 2, 5, "'12_34' is not x_y_v"),
        ([with_cell(BLOUSE_ROW, 5, 'a_b_1')], 2, 5, 'must be integers'),
        ([with_cell(BLOUSE_ROW, 5, '1.5_2_1')], 2, 5, 'must be integers'),
        # docs/bad_input.md: annotations say "integers" for nan as well
        ([with_cell(BLOUSE_ROW, 5, 'nan_nan_1')], 2, 5, 'must be integers'),
        ([with_cell(BLOUSE_ROW, 5, '1_2_2')], 2, 5, 'v=2; expected 1'),
        ([with_cell(BLOUSE_ROW, 5, '10_20_-1')], 2, 5, "expected '-1_-1_-1'"),
        ([with_cell(BLOUSE_ROW, 2, 'shirt')
          ], 2, 2, "unknown category 'shirt'"),
        ([BLOUSE_ROW, SKIRT_ROW,
          with_cell(BLOUSE_ROW, 3, '1_1_1')], 4, 1,
         "duplicate image_id 'Images/blouse/a.jpg' with a different row "
         'than on line 2'),
        ([with_cell(BLOUSE_ROW, 10, '5_5_1')], 2, 10,
         "waistline_left is not a blouse keypoint; expected '-1_-1_-1'"),
        ([with_cell(BLOUSE_ROW, 1, '')], 2, 1, 'image_id is empty'),
    ])
def test_malformed_rows(tmp_path, rows, line, column, message):
    path = write_rows(tmp_path, rows)
    with pytest.raises(FashionAICSVError, match=message) as info:
        read_fashionai_csv(path)
    assert info.value.line == line
    assert info.value.column == column
    # the column's name where the header has one
    assert re.match(
        rf'{re.escape(str(path))}, line {line}, column {column}'
        r'( \([a-z_]+\))?: ', str(info.value))


def test_wrong_header(tmp_path):
    header = list(ANNOTATION_HEADER)
    header[3], header[4] = header[4], header[3]
    with pytest.raises(
            FashionAICSVError,
            match=r"line 1, column 4 \(neckline_right\): header has "
            "'center_front' where 'neckline_right' was expected"):
        read_fashionai_csv(write_rows(tmp_path, [BLOUSE_ROW], header=header))
    with pytest.raises(
            FashionAICSVError,
            match=r"line 1, column 26 \(bottom_right_out\): header has 25 "
            r"columns: 'bottom_right_out' and any after it are missing; "
            r'expected 2 columns \(test list\) or 26 \(annotations\)'):
        read_fashionai_csv(
            write_rows(
                tmp_path, [BLOUSE_ROW[:25]], header=ANNOTATION_HEADER[:25]))
    with pytest.raises(
            FashionAICSVError,
            match=r"ann.csv, line 1, column 27: header has 27 columns: "
            r"'note' and any after it are extra"):
        read_fashionai_csv(
            write_rows(
                tmp_path, [BLOUSE_ROW + ['x']],
                header=ANNOTATION_HEADER + ['note']))
    missing_crotch = [c for c in ANNOTATION_HEADER if c != 'crotch']
    with pytest.raises(
            FashionAICSVError,
            match=r"column 22 \(crotch\): header has 'bottom_left_in' where "
            "'crotch' was expected"):
        read_fashionai_csv(
            write_rows(tmp_path, [BLOUSE_ROW[:25]], header=missing_crotch))


def test_empty_file(tmp_path):
    path = tmp_path / 'empty.csv'
    path.write_text('')
    with pytest.raises(FashionAICSVError, match='empty.csv: file is empty'):
        read_fashionai_csv(path)


def test_verbatim_repeat_is_read_once(tmp_path):
    path = write_rows(tmp_path, [BLOUSE_ROW, SKIRT_ROW, BLOUSE_ROW])
    with pytest.warns(UserWarning, match=r'1 rows repeat .*\[4\]'):
        records = read_fashionai_csv(path)
    assert len(records) == 2 and records.repeated_lines == [4]


def test_submission_decimals(tmp_path):
    row = with_cell(BLOUSE_ROW, 3, '212.25_179.5_1')
    with pytest.raises(FashionAICSVError, match='must be integers'):
        read_fashionai_csv(write_rows(tmp_path, [row]))
    records = read_fashionai_csv(
        write_rows(tmp_path, [row]), allow_decimal=True)
    assert records.keypoints[0, 0].tolist() == [212.25, 179.5]


def test_write_submission_round_trip(tmp_path):
    records = read_fashionai_csv(write_rows(tmp_path, [BLOUSE_ROW, SKIRT_ROW]))
    predictions = records.keypoints + 0.5
    predictions[records.visibility == -1] = np.nan
    # a point the blouse defines but whose ground truth is absent still gets
    # a prediction
    predictions[0, KEYPOINT_NAMES.index('armpit_left')] = (10.0, 20.0)
    predictions[0, 7:9] = (1.0, 1.0)  # waistline: not a blouse point
    out = tmp_path / 'sub' / 'submission.csv'
    write_submission(out, records.image_ids, records.categories, predictions)
    written = read_fashionai_csv(out, allow_decimal=True)
    assert written.image_ids == records.image_ids
    assert written.keypoints[0, 0].tolist() == [212.5, 179.5]
    assert written.visibility[0, 7] == -1
    with open(out) as file:
        assert next(csv.reader(file)) == ANNOTATION_HEADER
    assert [p.name for p in out.parent.iterdir()] == ['submission.csv']
    umask = os.umask(0)
    os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~umask  # not mkstemp's 0600


def test_write_submission_is_atomic(tmp_path):
    out = tmp_path / 'submission.csv'
    out.write_text('previous content')
    predictions = np.zeros((1, 24, 2))
    predictions[0, 0] = np.nan  # neckline_left, which a blouse defines
    with pytest.raises(
            ValueError, match='no finite prediction for '
            'neckline_left'):
        write_submission(out, ['Images/blouse/a.jpg'], ['blouse'], predictions)
    assert out.read_text() == 'previous content'
    assert [p.name for p in tmp_path.iterdir()] == ['submission.csv']


@requires_shared
def test_every_shared_annotation_row_parses():
    with pytest.warns(UserWarning, match='3 rows repeat'):
        records = read_fashionai_csv(SHARED_ANNOTATIONS / 'val.csv')
    # 6,415 rows, three of them verbatim repeats
    assert len(records) + len(records.repeated_lines) == 6415
    counts = {c: records.categories.count(c) for c in set(records.categories)}
    # SPEC.md's counts (blouse 1,411; v=1 52,635; v=0 9,147) less the
    # three repeated blouse rows
    assert counts == dict(
        blouse=1408, dress=1132, outwear=1173, skirt=1394, trousers=1305)
    assert int((records.visibility == 1).sum()) == 52601
    assert int((records.visibility == 0).sum()) == 9142


@requires_shared
def test_every_shared_test_row_parses():
    records = read_fashionai_csv(SHARED_ANNOTATIONS / 'test_b.csv')
    assert len(records) == 9970 and not records.has_keypoints


def test_a_category_in_capitals_is_read_with_a_warning(tmp_path):
    path = write_rows(tmp_path,
                      [with_cell(BLOUSE_ROW, 2, 'Blouse'), SKIRT_ROW])
    with pytest.warns(
            UserWarning,
            match=r"1 rows name their category in capitals and "
            r"were read in lower case \(line 2 'Blouse'\)"):
        records = read_fashionai_csv(path)
    assert records.categories == ['blouse', 'skirt']

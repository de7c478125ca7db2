"""The fast reader gives float()'s numbers on well-formed text and gives up
(None) on anything else, so the located row-by-row reader handles it."""
import csv

import numpy as np
import pytest

from fashionai_core.csv_fast_path import keypoint_table, parse_plain_rows
from fashionai_core.csv_io import (_parse_keypoint_row, format_cell,
                                   read_fashionai_csv)
from conftest import requires_shared
from fixtures import SHARED_ANNOTATIONS


def reference(text: str) -> np.ndarray:
    """What float() makes of each number."""
    numbers = [float(v) for v in text.replace('_', ',').split(',')]
    return np.array(numbers).reshape(-1, 24, 3)


def random_rows(rng, rows: int, decimals: int) -> str:
    cells = []
    for _ in range(rows * 24):
        if rng.random() < 0.3:
            cells.append('-1_-1_-1')
        else:
            x, y = rng.uniform(-5, 600, 2)
            cell = format_cell(x, y, int(rng.integers(0, 2)),
                               decimals if decimals else None)
            cells.append(cell)
    return ','.join(cells)


@pytest.mark.parametrize('decimals', [0, 1, 2, 6])
def test_numbers_equal_float(decimals):
    text = random_rows(np.random.default_rng(decimals), 200, decimals)
    table = keypoint_table(text, 200, allow_decimal=decimals > 0)
    assert table is not None
    np.testing.assert_array_equal(table, reference(text))


def test_odd_but_valid_numbers():
    cells = ['.5_5._1', '-.25_-0_0', '007_0.000_1', '123456789012345_1_1'
             ] + ['-1_-1_-1'] * 20
    text = ','.join(cells)
    table = keypoint_table(text, 1, allow_decimal=True)
    np.testing.assert_array_equal(table, reference(text))
    # the same row through the cell-by-cell reader
    np.testing.assert_array_equal(table.ravel(),
                                  _parse_keypoint_row('f.csv', cells, 2, True))


@pytest.mark.parametrize('cell', [
    'nan_1_1', 'inf_1_1', '1e3_1_1', '+1_1_1', '1_1_2', '1_1_1.0', '1.5.1_1_1',
    '1-1_1_1', '--1_1_1', '_1_1', '1__1', '1_1', '1_1_1_1', '1_1_-1', ' 1_1_1',
    '١_1_1'
])
def test_gives_up_on_anything_else(cell):
    cells = [cell] + ['-1_-1_-1'] * 23
    assert keypoint_table(','.join(cells), 1, allow_decimal=True) is None


def test_integers_only_for_annotations():
    cells = ['1.5_2_1'] + ['-1_-1_-1'] * 23
    assert keypoint_table(','.join(cells), 1, allow_decimal=False) is None
    assert keypoint_table(','.join(cells), 1, allow_decimal=True) is not None


def test_gives_up_on_rows_it_would_have_to_locate():
    row = 'Images/blouse/a.jpg,blouse,' + ','.join(['-1_-1_-1'] * 24)
    assert parse_plain_rows([row, ''], 2, True, False) is not None
    for bad in (row.replace('blouse,', 'Blouse,'), '"' + row, row + ',extra',
                row.replace('Images/blouse/a.jpg', ' '), row.rsplit(',',
                                                                    1)[0]):
        assert parse_plain_rows([bad], 2, True, False) is None
    other = row.replace(',-1_-1_-1', ',1_1_1', 1)
    assert parse_plain_rows([row, other], 2, True, False) is None


@requires_shared
def test_real_sample_reads_the_same_both_ways():
    path = SHARED_ANNOTATIONS / 'val.csv'
    with pytest.warns(UserWarning, match='repeat'):
        fast = read_fashionai_csv(path)
    with open(path, newline='', encoding='utf-8-sig') as file:
        rows = [row for row in csv.reader(file)][1:]
    seen, slow = set(), []
    for line, row in enumerate(rows, 2):
        if row[0] in seen:
            continue
        seen.add(row[0])
        slow.append(_parse_keypoint_row(path, row[2:], line, False))
    slow = np.array(slow).reshape(-1, 24, 3)
    np.testing.assert_array_equal(fast.keypoints, slow[..., :2])
    np.testing.assert_array_equal(fast.visibility, slow[..., 2])

"""Read and write FashionAI CSV files: annotations, test lists, submissions.

Three formats share one reader (``docs/data_format.md``):

* annotation CSV: ``image_id,image_category`` and 24 keypoint columns, each
  cell ``x_y_v`` with integer pixels and ``v`` in {1, 0, -1};
* test CSV: only ``image_id,image_category``;
* submission CSV: the annotation layout, coordinates may be decimals.

Malformed input raises :class:`FashionAICSVError` naming the file, line and
column and saying what was expected.
"""
import csv
import functools
import io
import math
import os
import warnings
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Optional, Sequence, Tuple, Union

import numpy as np

from .atomic import atomic_write
from .keypoints import (CATEGORIES, CATEGORY_DEFINES, CATEGORY_INDEX,
                        KEYPOINT_NAMES, NUM_KEYPOINTS)
from .paths import image_id_problem

IMAGE_LIST_HEADER: List[str] = ['image_id', 'image_category']
ANNOTATION_HEADER: List[str] = IMAGE_LIST_HEADER + list(KEYPOINT_NAMES)
ABSENT_CELL = '-1_-1_-1'

PathLike = Union[str, os.PathLike]


class FashionAICSVError(ValueError):
    """A FashionAI CSV file is malformed.

    Args:
        path: The file.
        message: What is wrong and what was expected.
        line: 1-based line number in the file, if the problem has one.
        column: 1-based column number, if the problem has one.
    """

    def __init__(self,
                 path: PathLike,
                 message: str,
                 line: Optional[int] = None,
                 column: Optional[int] = None) -> None:
        self.path = os.fspath(path)
        self.line = line
        self.column = column
        where = self.path
        if line is not None:
            where += f', line {line}'
        if column is not None:
            where += f', column {column}'
            if column <= len(ANNOTATION_HEADER):  # beyond: a column too many
                where += f' ({ANNOTATION_HEADER[column - 1]})'
        super().__init__(f'{where}: {message}')


@dataclass
class FashionAIRecords:
    """The rows of one FashionAI CSV file.

    Attributes:
        path: The file they were read from.
        image_ids: ``image_id`` per row, e.g. ``Images/blouse/<md5>.jpg``.
        categories: ``image_category`` per row.
        lines: 1-based line number of each row in the file, shape (N,).
        keypoints: Point coordinates in original-image pixels, shape
            (N, 24, 2), columns in CSV order; ``None`` for a test list.
        visibility: ``v`` of each point (1 visible, 0 occluded, -1 absent),
            shape (N, 24), int8; ``None`` for a test list.
        repeated_lines: Lines that repeated an earlier row verbatim; they
            are not in the other fields.
        scores: A predictor's confidence in each point, shape (N, 24), NaN
            for points the category does not define; ``None`` for a file.
    """
    path: str
    image_ids: List[str]
    categories: List[str]
    lines: np.ndarray
    keypoints: Optional[np.ndarray] = None
    visibility: Optional[np.ndarray] = None
    repeated_lines: List[int] = field(default_factory=list)
    scores: Optional[np.ndarray] = None

    def __len__(self) -> int:
        return len(self.image_ids)

    @property
    def has_keypoints(self) -> bool:
        """Whether the file had the 24 keypoint columns."""
        return self.keypoints is not None

    @property
    def category_ids(self) -> np.ndarray:
        """Index of each row's category in :data:`CATEGORIES`, shape (N,)."""
        return np.array([CATEGORY_INDEX[c] for c in self.categories],
                        dtype=np.int64)

    def index_of(self) -> Dict[str, int]:
        """Map each ``image_id`` to its row index."""
        return {image_id: row for row, image_id in enumerate(self.image_ids)}


@functools.lru_cache(maxsize=1 << 16)
def _cell_values(cell: str,
                 allow_decimal: bool) -> Union[Tuple[float, float, int], str]:
    """``(x, y, v)`` of one ``x_y_v`` cell, or what is wrong with it.

    Cached: most cells of a file repeat (``-1_-1_-1``, common coordinates),
    which makes reading 54,000 rows about twice as fast.
    """
    number_kind = 'numbers' if allow_decimal else 'integers'
    try:
        x, y, visibility = cell.split('_')
        convert = float if allow_decimal else int
        x, y, visibility = convert(x), convert(y), int(visibility)
    except ValueError:
        what = (f' (three {number_kind} joined by "_")' if cell.count('_') != 2
                else f': x and y must be {number_kind} and v an integer')
        return f'cell {cell!r} is not x_y_v{what}'
    if visibility not in (-1, 0, 1):
        return (f'cell {cell!r} has v={visibility}; expected 1 (visible), '
                '0 (occluded) or -1 (absent)')
    if visibility == -1 and (x != -1 or y != -1):
        return (f'cell {cell!r} is absent (v=-1) but has coordinates; '
                f'expected {ABSENT_CELL!r}')
    if allow_decimal and not (math.isfinite(x) and math.isfinite(y)):
        return (f'cell {cell!r} has a non-finite coordinate; expected '
                'finite numbers of pixels')
    return x, y, visibility


def _parse_keypoint_row(path: PathLike, cells: Sequence[str], line: int,
                        allow_decimal: bool) -> List[Tuple[float, float, int]]:
    """Parse the 24 keypoint cells of one row into ``(x, y, v)`` each,
    raising the error that names the line and column."""
    values = [_cell_values(cell, allow_decimal) for cell in cells]
    if str in map(type, values):
        column, problem = next((column, value)
                               for column, value in enumerate(values, 3)
                               if isinstance(value, str))
        raise FashionAICSVError(path, problem, line, column)
    return values


def _check_header(path: PathLike, header: List[str]) -> bool:
    """Check a header line; return whether it has the keypoint columns."""
    expected = (
        ANNOTATION_HEADER
        if len(header) > len(IMAGE_LIST_HEADER) else IMAGE_LIST_HEADER)
    for column, (found, wanted) in enumerate(zip(header, expected), 1):
        if found.strip() != wanted:
            raise FashionAICSVError(
                path, f'header has {found!r} where {wanted!r} was expected '
                f'(the header must be {",".join(expected)})', 1, column)
    sizes = (f'expected {len(IMAGE_LIST_HEADER)} columns (test list) or '
             f'{len(ANNOTATION_HEADER)} (annotations)')
    if len(header) < len(expected):
        raise FashionAICSVError(
            path,
            f'header has {len(header)} columns: {expected[len(header)]!r}'
            f' and any after it are missing; {sizes}', 1,
            len(header) + 1)
    if len(header) > len(expected):
        raise FashionAICSVError(
            path, f'header has {len(header)} columns: '
            f'{header[len(expected)]!r} and any after it are extra; {sizes}',
            1,
            len(expected) + 1)
    return expected is ANNOTATION_HEADER


def read_fashionai_csv(path: PathLike,
                       allow_decimal: bool = False,
                       require_keypoints: Optional[bool] = None
                       ) -> FashionAIRecords:
    """Read a FashionAI annotation, test or submission CSV.

    The kind is told by the header: two columns is a test list, 26 columns
    carry keypoints. A UTF-8 byte-order mark and CRLF line ends are accepted.

    Args:
        path: The CSV file.
        allow_decimal: Accept decimal coordinates (submission files); the
            competition's annotations are integers.
        require_keypoints: If True (False), raise unless the file does (does
            not) have keypoint columns; ``None`` accepts both.

    Returns:
        FashionAIRecords: The rows, in file order.

    Raises:
        FashionAICSVError: Text that is not UTF-8, wrong header, wrong
            number of cells, a cell that is not ``x_y_v`` or has a
            non-finite coordinate, ``v`` not in {1, 0, -1}, an unknown
            category, a duplicate ``image_id`` whose row differs (a verbatim
            repeat is read once, with a warning), or a point the category
            does not define marked present.
        FileNotFoundError: ``path`` does not exist.
    """
    try:
        return _read_csv(path, allow_decimal, require_keypoints)
    except csv.Error as error:  # a field over csv.field_size_limit()
        line = _first_line_longer_than(path, csv.field_size_limit())
        raise FashionAICSVError(
            path, f'unreadable CSV ({error}); expected cells of a few '
            'characters', line) from None
    except UnicodeDecodeError:
        line, column = _first_undecodable(path)
        raise FashionAICSVError(
            path, 'the file is not UTF-8 text (saved in another encoding, '
            'e.g. Latin-1 or GBK?); expected UTF-8', line, column) from None


def _first_line_longer_than(path: PathLike, limit: int) -> Optional[int]:
    """The 1-based number of the first line over ``limit`` characters."""
    with open(path, encoding='utf-8-sig', errors='replace') as file:
        for line, text in enumerate(file, 1):
            if len(text) > limit:
                return line
    return None


def _first_undecodable(path: PathLike) -> Tuple[int, int]:
    """The 1-based line and CSV column of the first byte that is not UTF-8."""
    with open(path, 'rb') as file:
        for line, raw in enumerate(file, 1):
            try:
                raw.decode('utf-8')
            except UnicodeDecodeError as error:
                return line, raw[:error.start].count(b',') + 1
    raise AssertionError(f'{path} decodes as UTF-8 line by line')


def _read_csv(path: PathLike, allow_decimal: bool,
              require_keypoints: Optional[bool]) -> FashionAIRecords:
    """:func:`read_fashionai_csv` on a file known to exist."""
    with open(path, newline='', encoding='utf-8-sig') as file:
        text = file.read()
    reader = csv.reader(io.StringIO(text, newline=''))
    header = next(reader, None)
    if header is None:
        raise FashionAICSVError(
            path, 'file is empty; expected a header line '
            f'({",".join(ANNOTATION_HEADER[:2])}[,<24 keypoints>])')
    has_keypoints = _check_header(path, header)
    if require_keypoints is not None and has_keypoints != require_keypoints:
        raise FashionAICSVError(
            path, 'expected an annotation file with the 24 keypoint '
            'columns' if require_keypoints else
            'expected a test list (image_id,image_category)', 1)
    width = len(header)
    image_ids: List[str] = []
    categories: List[str] = []
    lines: List[int] = []
    numbers: List[List[Tuple[float, float, int]]] = []
    first_line: Dict[str, int] = {}
    first_rows: Dict[str, List[str]] = {}
    repeated_lines: List[int] = []
    recased: List[str] = []
    for row in reader:
        line = reader.line_num
        if not row:
            continue  # blank line, e.g. a trailing one
        if len(row) != width:
            raise FashionAICSVError(
                path, f'row has {len(row)} cells; expected {width}', line,
                min(len(row), width) + 1)
        image_id, category = row[0].strip(), row[1].strip()
        if not image_id:
            raise FashionAICSVError(path, 'image_id is empty', line, 1)
        if image_id in first_line:
            first = first_line[image_id]
            if row == first_rows[image_id]:
                # The real release repeats a few rows verbatim (3 in the
                # sample val.csv): harmless, so kept once and counted.
                repeated_lines.append(line)
                continue
            raise FashionAICSVError(
                path, f'duplicate image_id {image_id!r} with a different '
                f'row than on line {first}; expected each image once', line, 1)
        if category not in CATEGORIES and category.lower() in CATEGORIES:
            recased.append(f'line {line} {category!r}')
            category = category.lower()
        if category not in CATEGORIES:
            raise FashionAICSVError(
                path, f'unknown category {category!r}; expected '
                f'one of {", ".join(CATEGORIES)}', line, 2)
        first_line[image_id] = line
        first_rows[image_id] = row
        image_ids.append(image_id)
        categories.append(category)
        lines.append(line)
        if has_keypoints:
            numbers.append(
                _parse_keypoint_row(path, row[2:], line, allow_decimal))

    table = (
        np.array(numbers, dtype=np.float64).reshape(-1, NUM_KEYPOINTS, 3)
        if has_keypoints else None)
    if recased:
        warnings.warn(
            f'{path}: {len(recased)} rows name their category in capitals '
            f'and were read in lower case ({", ".join(recased[:5])})',
            stacklevel=3)  # the caller of read_fashionai_csv
    return _records(path, image_ids, categories, lines, repeated_lines, table)


def _records(path: PathLike, image_ids: List[str], categories: List[str],
             lines: List[int], repeated_lines: List[int],
             table: Optional[np.ndarray]) -> FashionAIRecords:
    """Assemble the records, warn about repeats, check image ids and
    undefined points."""
    for image_id, line in zip(image_ids, lines):
        problem = image_id_problem(image_id)
        if problem:
            raise FashionAICSVError(
                path, f'image_id {image_id!r} {problem}; expected a path '
                'relative to the image root, inside it', line, 1)
    records = FashionAIRecords(
        path=os.fspath(path),
        image_ids=image_ids,
        categories=categories,
        lines=np.array(lines, dtype=np.int64),
        repeated_lines=repeated_lines)
    if repeated_lines:
        warnings.warn(
            f'{path}: {len(repeated_lines)} rows repeat an earlier row '
            f'verbatim and were read once (lines {repeated_lines[:10]})',
            stacklevel=4)  # the caller of read_fashionai_csv
    if table is not None:
        records.keypoints = table[..., :2]
        records.visibility = table[..., 2].astype(np.int8)
        _check_undefined_points_absent(records)
    return records


def _check_undefined_points_absent(records: FashionAIRecords) -> None:
    """Raise if a row marks present a point its category does not define."""
    undefined = ~CATEGORY_DEFINES[records.category_ids]
    bad = np.argwhere(undefined & (records.visibility != -1))
    if len(bad):
        row, point = bad[0]
        raise FashionAICSVError(
            records.path, f'{KEYPOINT_NAMES[point]} is not a '
            f'{records.categories[row]} keypoint; expected {ABSENT_CELL!r}',
            int(records.lines[row]), 3 + int(point))


def format_cell(x: float,
                y: float,
                visibility: int,
                decimals: Optional[int] = None) -> str:
    """Format one point as an ``x_y_v`` cell.

    Args:
        x: Column in original-image pixels.
        y: Row in original-image pixels.
        visibility: 1 visible, 0 occluded, -1 absent (written
            ``-1_-1_-1`` whatever ``x`` and ``y``).
        decimals: Digits after the decimal point; ``None`` writes integers,
            as the competition's annotations are.
    """
    if visibility == -1:
        return ABSENT_CELL
    if decimals is None:
        return f'{int(x)}_{int(y)}_{int(visibility)}'
    return f'{x:.{decimals}f}_{y:.{decimals}f}_{int(visibility)}'


def records_from_rows(rows: Sequence[Sequence[str]],
                      path: str = '<memory>') -> FashionAIRecords:
    """In-memory records of well-formed annotation rows (``image_id``,
    ``image_category`` and 24 ``x_y_v`` cells each), without a file or its
    checks: for rows this project generated."""
    keypoints = np.array([[c.split('_')[:2] for c in row[2:]] for row in rows],
                         dtype=float)
    visibility = np.array([[c.split('_')[2] for c in row[2:]] for row in rows],
                          dtype=np.int8)
    return FashionAIRecords(
        path=path,
        image_ids=[row[0] for row in rows],
        categories=[row[1] for row in rows],
        lines=np.arange(2,
                        len(rows) + 2),
        keypoints=keypoints,
        visibility=visibility)


def write_csv(path: PathLike, header: Sequence[str],
              rows: Iterable[Sequence[str]]) -> None:
    """Write a CSV file with ``\\n`` line ends, atomically.

    Args:
        path: Output file; replaced only once it is completely written.
        header: The first line's cells, e.g. :data:`ANNOTATION_HEADER`.
        rows: The other lines' cells.
    """
    with atomic_write(path, 'w', newline='') as file:
        writer = csv.writer(file, lineterminator='\n')
        writer.writerow(header)
        writer.writerows(rows)


def write_submission(path: PathLike,
                     image_ids: Sequence[str],
                     categories: Sequence[str],
                     keypoints: np.ndarray,
                     decimals: int = 2) -> None:
    """Write predictions as a FashionAI submission CSV, atomically.

    Args:
        path: Output file; replaced only once it is completely written.
        image_ids: One ``image_id`` per image, in the order to write.
        categories: The category of each image.
        keypoints: Predicted points in original-image pixels, shape
            (N, 24, 2), CSV order. Points the image's category does not
            define are written ``-1_-1_-1`` whatever their value.
        decimals: Digits after the decimal point.

    Raises:
        ValueError: Shapes disagree, a category is unknown, or a point the
            category defines is not finite.
    """
    keypoints = np.asarray(keypoints, dtype=np.float64)
    if keypoints.shape != (len(image_ids), NUM_KEYPOINTS,
                           2) or len(categories) != len(image_ids):
        raise ValueError(
            f'expected {len(image_ids)} image ids and categories and '
            f'keypoints of shape ({len(image_ids)}, {NUM_KEYPOINTS}, 2); got '
            f'{len(categories)} categories and {keypoints.shape}')
    for category in set(categories):
        if category not in CATEGORIES:
            raise ValueError(f'unknown category {category!r}; expected one '
                             f'of {", ".join(CATEGORIES)}')
    rows = []
    for image_id, category, points in zip(image_ids, categories, keypoints):
        defines = CATEGORY_DEFINES[CATEGORY_INDEX[category]]
        cells = []
        for name, (x, y), defined in zip(KEYPOINT_NAMES, points, defines):
            if defined and not (np.isfinite(x) and np.isfinite(y)):
                raise ValueError(f'{image_id}: no finite prediction for '
                                 f'{name}, which {category} defines')
            cells.append(format_cell(x, y, 1 if defined else -1, decimals))
        rows.append([image_id, category] + cells)
    write_csv(path, ANNOTATION_HEADER, rows)


def write_annotations(path: PathLike,
                      image_ids: Sequence[str],
                      categories: Sequence[str],
                      keypoints: np.ndarray,
                      visibility: np.ndarray,
                      decimals: Optional[int] = None) -> None:
    """Write an annotation CSV (``v`` per point), atomically.

    Args:
        path: Output file; replaced only once it is completely written.
        image_ids, categories: One per row.
        keypoints: (N, 24, 2) pixels, CSV order.
        visibility: (N, 24) ``v`` in {1, 0, -1}; -1 writes ``-1_-1_-1``.
        decimals: Digits after the decimal point; ``None`` rounds to whole
            pixels, as the competition's annotations are (pseudo-labels keep
            their sub-pixel part: read them with ``allow_decimal``).
    """
    rows = []
    for image_id, category, points, visible in zip(image_ids, categories,
                                                   keypoints, visibility):
        rows.append([image_id, category] + [
            format_cell(x, y, int(v), decimals) if decimals is not None else
            format_cell(round(float(x)), round(float(y)), int(v))
            for (x, y), v in zip(points, visible)
        ])
    write_csv(path, ANNOTATION_HEADER, rows)
